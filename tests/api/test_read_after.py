"""Reads with ``?after=<idempotencyKey>`` and the read router, in process
(producer_api.services.reads).

Without a replica, ``after`` is checked on the primary (404 unknown, 409 not finished) and the
primary answers. With one, the "replica" here is the rolled-back tier's database through a
connection of its own: it sees the committed seed but none of the test's transaction, which is
what a replica that has not replayed the test's writes yet looks like. The real streaming
replica is tests/e2e/test_read_replica.py."""

import time
import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy.orm import Session, sessionmaker

from harness.processes import free_port
from infra.settings import Settings
from producer_api.app import create_app
from tests.api.conftest import close_app
from tests.api.helpers import assert_refused, keyed_client, post
from tests.api.part2 import balance, new_user, submit
from tests.fixtures.databases import PG_SERVER

SCOPES = ["wallet:read", "wallet:write"]
READS = ("balance", "history")


def topup(user: str, amount: str = "5") -> dict[str, str]:
    return {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": amount}


def fallbacks(reason: str) -> float:
    return REGISTRY.get_sample_value("wallet_replica_fallbacks_total", {"reason": reason}) or 0.0


@pytest.mark.parametrize("read", READS)
def test_after_an_unknown_key_is_404_request_not_found(client: FlaskClient, read: str) -> None:
    answer = client.get(f"/api/wallet/{read}/USR-001", query_string={"after": "no-such-key"})
    assert_refused(answer, 404, "REQUEST_NOT_FOUND", "after")


@pytest.mark.parametrize("read", READS)
def test_after_a_queued_request_is_409_request_not_finished(
    client: FlaskClient, db: Session, read: str
) -> None:
    user, key = new_user(db), str(uuid.uuid4())
    assert post(client, "/api/wallet/topup", {**topup(user), "idempotencyKey": key}).status_code
    answer = client.get(f"/api/wallet/{read}/{user}", query_string={"after": key})
    assert_refused(answer, 409, "REQUEST_NOT_FINISHED", "after")
    assert "queued" in answer.get_json()["detail"]


def test_after_a_finished_request_reads_it_from_the_primary(
    client: FlaskClient, db: Session
) -> None:
    user = new_user(db, gold="10")
    done = submit(client, "/api/wallet/topup", topup(user))
    key = done["idempotencyKey"]
    answer = client.get(f"/api/wallet/balance/{user}", query_string={"after": key})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.headers["Wallet-Read-Source"] == "primary"
    gold = next(b for b in answer.get_json()["balances"] if b["code"] == "GOLD_COINS")
    assert gold["balance"] == "15.00"
    history = client.get(f"/api/wallet/history/{user}", query_string={"after": key, "limit": 1})
    assert history.headers["Wallet-Read-Source"] == "primary"
    assert (
        history.get_json()["transactions"][0]["transactionId"]
        == (done["transaction"]["transactionId"])
    )


def test_after_a_failed_request_is_answered_too(client: FlaskClient, db: Session) -> None:
    user = new_user(db, gold="1")
    body = {**topup(user, "50"), "description": "too much"}
    failed = submit(client, "/api/wallet/spend", body)
    assert failed["status"] == "failed"
    answer = client.get(f"/api/wallet/balance/{user}?after={failed['idempotencyKey']}")
    assert answer.status_code == 200
    assert balance(client, user)["balance"] == "1.00"


def test_after_names_the_callers_own_requests_only(
    client: FlaskClient, app: Flask, db: Session
) -> None:
    user = new_user(db)
    key = submit(client, "/api/wallet/topup", topup(user))["idempotencyKey"]
    other = keyed_client(app, db, SCOPES)
    answer = other.get(f"/api/wallet/balance/{user}", query_string={"after": key})
    assert_refused(answer, 404, "REQUEST_NOT_FOUND", "after")


@pytest.mark.parametrize(
    "query",
    ["after=", "after=a%01b", "after=" + "k" * 256, "after=a&after=b", "after=%C3%A9", "after=.."],
)
@pytest.mark.parametrize("read", READS)
def test_a_malformed_after_is_a_400(client: FlaskClient, read: str, query: str) -> None:
    answer = client.get(f"/api/wallet/{read}/USR-001?{query}")
    assert_refused(answer, 400, "VALIDATION_ERROR", "after")


def test_every_balance_and_history_answer_names_its_source(client: FlaskClient) -> None:
    for read in READS:
        assert client.get(f"/api/wallet/{read}/USR-001").headers["Wallet-Read-Source"] == "primary"


@pytest.fixture
def replica_app(
    app_settings: Settings, tx_sessions: sessionmaker[Session], connection: object
) -> Iterator[Flask]:
    """An app whose replica is the rolled-back tier's database, seen through connections of
    its own: behind the test's transaction, for ever."""
    settings = app_settings.model_copy(
        update={"database_read_url": app_settings.database_url, "replica_wait_max_seconds": 0.2}
    )
    app = create_app(settings, sessions=tx_sessions)
    yield app
    close_app(app)


def test_a_plain_read_goes_to_the_replica(replica_app: Flask, db: Session) -> None:
    client = keyed_client(replica_app, db, SCOPES)
    for read in READS:
        answer = client.get(f"/api/wallet/{read}/USR-001")
        assert answer.status_code == 200
        assert answer.headers["Wallet-Read-Source"] == "replica"


def test_an_account_the_replica_does_not_know_is_read_from_the_primary(
    replica_app: Flask, db: Session
) -> None:
    client, user = keyed_client(replica_app, db, SCOPES), new_user(db, gold="3")
    before = fallbacks("not_found")
    answer = client.get(f"/api/wallet/balance/{user}")
    assert answer.status_code == 200
    assert answer.headers["Wallet-Read-Source"] == "primary"
    assert fallbacks("not_found") == before + 1
    missing = client.get("/api/wallet/balance/USR-NOBODY")
    assert_refused(missing, 404, "ACCOUNT_NOT_FOUND")


def test_after_a_request_the_replica_never_shows_falls_back_at_the_bound(
    replica_app: Flask, db: Session
) -> None:
    client = keyed_client(replica_app, db, SCOPES)
    key = submit(client, "/api/wallet/topup", topup("USR-001"))["idempotencyKey"]
    before = fallbacks("wait_bound")
    started = time.monotonic()
    answer = client.get("/api/wallet/balance/USR-001", query_string={"after": key})
    waited = time.monotonic() - started
    assert answer.status_code == 200
    assert answer.headers["Wallet-Read-Source"] == "primary"
    assert 0.2 <= waited < 3.2, waited  # the bound, and slack for a loaded machine
    assert fallbacks("wait_bound") == before + 1
    assert_refused(
        client.get("/api/wallet/balance/USR-001?after=nope"), 404, "REQUEST_NOT_FOUND", "after"
    )


def test_a_replica_that_is_down_sends_reads_to_the_primary(
    app_settings: Settings, tx_sessions: sessionmaker[Session], db: Session
) -> None:
    dead = f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/wallet"
    settings = app_settings.model_copy(update={"database_read_url": dead})
    app = create_app(settings, sessions=tx_sessions)
    try:
        client = keyed_client(app, db, SCOPES)
        before = fallbacks("unavailable")
        for read in (*READS, *READS):
            answer = client.get(f"/api/wallet/{read}/USR-001")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert answer.headers["Wallet-Read-Source"] == "primary"
        assert fallbacks("unavailable") == before + 4
        ready = client.get("/readyz").get_json()
        assert ready["status"] == "ready" and ready["replica"] == {"reachable": False}
    finally:
        close_app(app)


def test_readyz_reports_the_replicas_lag_only_where_there_is_one(
    replica_app: Flask, client: FlaskClient, db: Session
) -> None:
    assert "replica" not in client.get("/readyz").get_json()
    ready = keyed_client(replica_app, db, SCOPES).get("/readyz").get_json()
    assert ready["replica"] == {"reachable": True, "lagBytes": 0, "lagSeconds": 0.0}


def test_a_replica_that_refuses_the_sql_sends_the_read_to_the_primary(
    app_settings: Settings, tx_sessions: sessionmaker[Session], db: Session
) -> None:
    """A replica without the wallet's tables (as one that has not replayed a migration yet)
    refuses the read's SQL: the primary answers it, never a 500."""
    tableless = f"{PG_SERVER}/postgres"
    settings = app_settings.model_copy(update={"database_read_url": tableless})
    app = create_app(settings, sessions=tx_sessions)
    try:
        client = keyed_client(app, db, SCOPES)
        for read in READS:
            answer = client.get(f"/api/wallet/{read}/USR-001")
            assert answer.status_code == 200, answer.get_data(as_text=True)
            assert answer.headers["Wallet-Read-Source"] == "primary"
    finally:
        close_app(app)
