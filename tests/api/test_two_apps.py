"""Two apps built with different settings in one process share no state: each answers to its
own keys through its own key cache, applies its own rate limits, seals with its own cipher,
remembers accounts for itself and sends to its own Celery queue."""

import json
import uuid
from collections.abc import Iterator

import pytest
import redis
from cryptography.fernet import Fernet
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from harness.processes import wait_until
from infra.settings import Settings
from ledger.api_keys import revoke_key
from ledger.models import Request
from producer_api.app import create_app
from producer_api.app_services import Services
from producer_api.services.api_keys import create_key

STATEFUL = ["sealer", "authenticator", "celery", "submitter", "limiter", "admission"]
SECRET = "a-secret-both-apps-share"  # so a key one app knows is a key the other could know


class App:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self.flask = create_app(settings, sessions=sessions)
        self.settings = settings

    @property
    def services(self) -> Services:
        found: Services = self.flask.extensions["wallet"]
        return found

    def balance(self, token: str) -> int:
        client = self.flask.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        return client.get("/api/wallet/balance/USR-001", headers=headers).status_code

    def topup(self, key: str, **metadata: str) -> int:
        body: dict[str, object] = {"accountNumber": "USR-001", "assetCode": "GOLD_COINS"}
        body |= {"amount": "1", "idempotencyKey": key, "metadata": metadata}
        headers = {"Authorization": f"Bearer {self.settings.wallet_dev_api_key}"}
        answer = self.flask.test_client().post("/api/wallet/topup", json=body, headers=headers)
        return answer.status_code


@pytest.fixture
def apps(
    app_settings: Settings,
    tx_sessions: sessionmaker[Session],
    connection: Connection,
    redis_client: redis.Redis,
) -> Iterator[tuple[App, App]]:
    run = uuid.uuid4().hex[:8]

    def settings(name: str, **changes: object) -> Settings:
        return app_settings.model_copy(
            update={
                "wallet_dev_api_key": f"key-of-{name}-{run}",
                "wallet_secret_key": SECRET,
                "celery_queue": f"wallet-{name}-{run}",
                **changes,
            }
        )

    one = App(settings("one", metadata_encryption_keys=Fernet.generate_key().decode()), tx_sessions)
    other = App(
        settings("other", metadata_encryption_keys=None, rate_limit_per_key="2/minute"),
        tx_sessions,
    )
    yield one, other
    one.services.close()
    other.services.close()
    redis_client.delete(one.settings.celery_queue, other.settings.celery_queue)


def test_each_app_holds_its_own_stateful_services(apps: tuple[App, App]) -> None:
    one, other = apps
    for name in STATEFUL:
        assert getattr(one.services, name) is not getattr(other.services, name), name
    assert one.services.submitter.facts is not other.services.submitter.facts


def test_a_development_key_opens_its_own_app_only(apps: tuple[App, App]) -> None:
    one, other = apps
    assert one.balance(one.settings.wallet_dev_api_key or "") == 200
    assert other.balance(one.settings.wallet_dev_api_key or "") == 401


def test_each_app_caches_the_keys_it_resolved_itself(apps: tuple[App, App], db: Session) -> None:
    one, other = apps
    token = create_key(
        db, client_id=f"c-{uuid.uuid4().hex[:8]}", scopes=["wallet:read"], secret=SECRET
    )
    db.commit()
    assert one.balance(token) == 200  # resolved, and remembered by this app for 30 s
    revoke_key(db, prefix=token.split("_")[1])
    db.commit()
    assert one.balance(token) == 200  # from its own cache
    assert other.balance(token) == 401  # never resolved it: asks the database, finds it revoked


def test_each_app_applies_its_own_rate_limits(apps: tuple[App, App]) -> None:
    one, other = apps
    other_key, one_key = other.settings.wallet_dev_api_key, one.settings.wallet_dev_api_key
    assert [other.balance(other_key or "") for _ in range(3)] == [200, 200, 429]
    assert [one.balance(one_key or "") for _ in range(3)] == [200, 200, 200]


def test_each_app_seals_metadata_with_its_own_keys(apps: tuple[App, App], db: Session) -> None:
    one, other = apps
    keys = {"one": f"sealed-{uuid.uuid4()}", "other": f"plain-{uuid.uuid4()}"}
    assert one.topup(keys["one"], note="secret") == 202
    assert other.topup(keys["other"], note="secret") == 202
    stored = {
        name: db.scalar(select(Request.payload).where(Request.idempotency_key == key))
        for name, key in keys.items()
    }
    assert stored["other"] is not None and stored["other"]["metadata"] == {"note": "secret"}
    assert stored["one"] is not None and "secret" not in json.dumps(stored["one"])
    assert one.services.sealer.unseal(stored["one"])["metadata"] == {"note": "secret"}


def test_each_app_sends_to_its_own_celery_queue(
    apps: tuple[App, App], redis_client: redis.Redis
) -> None:
    one, other = apps
    keys = {"one": f"queued-{uuid.uuid4()}", "other": f"queued-{uuid.uuid4()}"}
    assert one.topup(keys["one"]) == 202 and other.topup(keys["other"]) == 202
    queues = {"one": one.settings.celery_queue, "other": other.settings.celery_queue}
    wait_until(
        lambda: all(redis_client.llen(queue) for queue in queues.values()),
        timeout=10,
        what="a message on each app's queue",
    )
    for name, queue in queues.items():
        messages = str(redis_client.lrange(queue, 0, -1))
        assert keys[name] in messages
        assert all(key not in messages for other_name, key in keys.items() if other_name != name)
