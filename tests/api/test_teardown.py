"""An app the factory built can be torn down (``Services.close``): its enqueuer thread
stops, its engines let go of their connections, so that a test building apps leaves nothing
running behind it."""

import threading
import uuid
from typing import cast

import redis
from sqlalchemy import text
from sqlalchemy.pool import QueuePool

from infra.settings import Settings
from producer_api.app import create_app
from producer_api.app_services import Services


def idle(services: Services) -> int:
    """Connections the app's engine holds open, idle."""
    return cast(QueuePool, services.engine.pool).checkedin()


def test_closing_an_app_stops_its_threads_and_releases_its_connections(
    app_settings: Settings, redis_client: redis.Redis
) -> None:
    settings = app_settings.model_copy(update={"celery_queue": f"wallet-{uuid.uuid4().hex[:8]}"})
    before = set(threading.enumerate())
    services: Services = create_app(settings).extensions["wallet"]
    services.submitter.enqueuer.put([[str(uuid.uuid4()), "key", "topup"]])
    with services.engine.connect() as connection:
        connection.execute(text("SELECT 1"))
    started = set(threading.enumerate()) - before
    assert {t.name for t in started} >= {"enqueuer"}
    assert idle(services) == 1
    services.close()
    assert [t.name for t in started if t.is_alive()] == []
    assert idle(services) == 0
    redis_client.delete(settings.celery_queue)
