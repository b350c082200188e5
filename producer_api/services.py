"""What the routes need, built once per app by the factory and found through ``services()``."""

from dataclasses import dataclass

import redis
from celery import Celery
from flask import current_app
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ledger.db import make_session_factory
from ledger.settings import Settings
from ledger.views import RequestView
from producer_api.request_ids import current_request_id
from producer_api.submit import SubmitService
from producer_api.waiting import OutcomeWaiter


@dataclass(frozen=True)
class Services:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    submitter: SubmitService
    waiter: OutcomeWaiter
    redis: redis.Redis

    @classmethod
    def build(
        cls, settings: Settings, engine: Engine, sessions: sessionmaker[Session] | None = None
    ) -> "Services":
        sessions = sessions or make_session_factory(engine)
        celery_client = Celery("wallet-api", config_source="celeryconfig")
        celery_client.conf.broker_url = settings.redis_url
        celery_client.conf.task_default_queue = settings.celery_queue
        celery_client.conf.task_publish_retry_policy = {"max_retries": 2, "interval_step": 0.2}

        def enqueue(views: list[RequestView]) -> None:
            """One wallet.post message carrying [request id, idempotency key, operation]."""
            triples = [[str(v.request_id), v.idempotency_key, v.type] for v in views]
            headers = {"request_id": current_request_id()}
            celery_client.send_task("wallet.post", args=(triples,), headers=headers)

        return cls(
            settings=settings,
            engine=engine,
            sessions=sessions,
            submitter=SubmitService(sessions=sessions, enqueue=enqueue),
            waiter=OutcomeWaiter(settings.redis_url, settings.outcome_channel),
            redis=redis.Redis.from_url(settings.redis_url, socket_timeout=1),
        )


def services() -> Services:
    found: Services = current_app.extensions["wallet"]
    return found
