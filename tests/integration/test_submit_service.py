"""The submit service's fast way (one new request, no session) against real Postgres: what it
stores, what it answers, and what it does when the database fails it."""

import uuid
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError

from harness.processes import free_port
from infra.db import make_engine, make_session_factory
from infra.sealing import PLAIN
from ledger.errors import AccountNotFound
from ledger.inbox.checks import KnownFacts
from ledger.inbox.submission import Submission
from ledger.models import Request
from ledger.operations import OperationType
from ledger.prepared import PREPARED
from ledger.reads.requests import get_requests_by_id
from producer_api.http.database_errors import Failure, classify
from producer_api.services.enqueuer import Enqueuer, Triple
from producer_api.services.submit import SubmitService

METADATA = {"a": 1.5, "b": "é", "c": [1, {"d": None}], "e": "\u2028"}


@pytest.fixture
def autocommit_engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=2, autocommit=True)
    yield engine
    engine.dispose()


def service(engine: Engine, autocommit: Engine, sent: list[list[Triple]]) -> SubmitService:
    enqueuer = Enqueuer(lambda triples, _: sent.append(triples))
    return SubmitService(
        sessions=make_session_factory(engine),
        autocommit_sessions=make_session_factory(autocommit),
        enqueuer=enqueuer,
        sealer=PLAIN,
        facts=KnownFacts(),
        connect=autocommit.raw_connection,
    )


def topup(key: str) -> Submission:
    return Submission(
        client_id="submit-service-test",
        idempotency_key=key,
        type=OperationType.TOPUP,
        account_number="USR-001",
        asset_code="GOLD_COINS",
        amount=Decimal("2.5"),
        metadata=METADATA,
    )


STORED = (Request.client_id, Request.type, Request.payload, Request.payload_hash)


def stored(engine: Engine, key: str) -> tuple[object, ...]:
    with engine.connect() as connection:
        columns = (*STORED, Request.status, Request.attempts)
        return tuple(
            connection.execute(select(*columns).where(Request.idempotency_key == key)).one()
        )


def test_the_fast_way_stores_and_answers_what_the_general_way_does(
    engine: Engine, autocommit_engine: Engine
) -> None:
    sent: list[list[Triple]] = []
    submitter = service(engine, autocommit_engine, sent)
    general_only = replace(service(engine, autocommit_engine, sent), connect=None)
    general_key, fast_key = str(uuid.uuid4()), str(uuid.uuid4())
    general = general_only.submit([topup(general_key)])
    fast = submitter.submit([topup(fast_key)])
    assert stored(engine, fast_key) == stored(engine, general_key)
    assert stored(engine, fast_key)[-2:] == ("queued", 0)
    (view,) = fast.views
    with make_session_factory(engine)() as session:
        (read,) = get_requests_by_id(session, request_ids=[view.request_id], sealer=PLAIN)
    assert view == read
    assert (general.replayed, fast.replayed) == ([False], [False])
    replay = submitter.submit([topup(fast_key)])
    assert replay.replayed == [True] and replay.views[0].request_id == view.request_id
    submitter.enqueuer.close()
    general_only.enqueuer.close()
    assert sorted(t[0] for burst in sent for t in burst) == sorted(
        [
            str(general.views[0].request_id),
            str(view.request_id),
        ]
    )  # the replay is not sent again
    assert autocommit_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


def test_a_database_that_cannot_be_reached_answers_as_unavailable(
    engine: Engine, autocommit_engine: Engine
) -> None:
    submitter = service(engine, autocommit_engine, [])
    submitter.submit([topup(str(uuid.uuid4()))])  # remembers the asset and account
    dead = make_engine(f"postgresql+psycopg2://postgres@127.0.0.1:{free_port()}/x", pool_size=1)
    cut_off = service(engine, dead, [])
    object.__setattr__(cut_off, "facts", submitter.facts)
    with pytest.raises(OperationalError) as raised:
        cut_off.submit([topup(str(uuid.uuid4()))])
    assert classify(raised.value) is Failure.UNAVAILABLE  # 503 DATABASE_UNAVAILABLE
    dead.dispose()


def test_a_connection_that_died_in_the_pool_is_replaced_and_the_submit_recorded(
    engine: Engine, autocommit_engine: Engine
) -> None:
    submitter = service(engine, autocommit_engine, [])
    submitter.submit([topup(str(uuid.uuid4()))])  # a pooled connection, facts remembered
    pooled = autocommit_engine.raw_connection()
    with engine.connect() as connection:
        backend = pooled.cursor()
        backend.execute("SELECT pg_backend_pid()")
        row = backend.fetchone()
        assert row is not None
        pid = row[0]
        pooled.close()
        connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
    key = str(uuid.uuid4())
    submitted = submitter.submit([topup(key)])
    assert submitted.replayed == [False] and stored(engine, key)[-2:] == ("queued", 0)
    assert autocommit_engine.pool.checkedout() == 0  # type: ignore[attr-defined]


# What spoils the insert prepared on a pooled connection: a pooler or an operator running
# DEALLOCATE ALL (InvalidSqlStatementName), or a prepared statement whose result type changed,
# as after a migration (FeatureNotSupported: "cached plan must not change result type").
SPOILERS = {
    "deallocated": ["DEALLOCATE ALL"],
    "stale": [
        "DEALLOCATE wallet_insert_request",
        "CREATE TEMP TABLE stale (a int)",
        "PREPARE wallet_insert_request(uuid, varchar, varchar, varchar, jsonb, varchar,"
        " varchar, integer) AS SELECT * FROM stale",
        "ALTER TABLE stale ADD COLUMN b int",
    ],
}


@pytest.mark.parametrize("spoiler", SPOILERS.values(), ids=SPOILERS.keys())
def test_a_spoiled_prepared_insert_is_prepared_again_on_a_new_connection(
    engine: Engine, autocommit_engine: Engine, spoiler: list[str]
) -> None:
    """That submit takes the general way and the connection is replaced, so the next one
    prepares the insert again."""
    submitter = service(engine, autocommit_engine, [])
    submitter.submit([topup(str(uuid.uuid4()))])  # one pooled connection, insert prepared
    pooled = autocommit_engine.raw_connection()
    cursor = pooled.cursor()
    for statement in spoiler:
        cursor.execute(statement)
    pooled.close()
    keys = [str(uuid.uuid4()) for _ in range(2)]
    for key in keys:
        assert submitter.submit([topup(key)]).replayed == [False]
    assert [stored(engine, key)[-2:] for key in keys] == [("queued", 0)] * 2
    pooled = autocommit_engine.raw_connection()
    cursor = pooled.cursor()
    cursor.execute("SELECT name, statement FROM pg_prepared_statements")
    ((name, statement),) = cursor.fetchall()
    assert name == "wallet_insert_request" and "INSERT INTO requests" in statement
    assert pooled.info[PREPARED] == {"wallet_insert_request"}
    pooled.close()


def test_a_refusal_points_at_its_operation_and_records_nothing(
    engine: Engine, autocommit_engine: Engine
) -> None:
    """A batch of one takes the fast way too: its refusal names operation 0, as the general
    way's does, and the connection goes back to the pool."""
    key = str(uuid.uuid4())
    with pytest.raises(AccountNotFound) as raised:
        service(engine, autocommit_engine, []).submit(
            [replace(topup(key), account_number="USR-NOPE")]
        )
    assert raised.value.index == 0
    with engine.connect() as connection:
        query = select(Request.id).where(Request.idempotency_key == key)
        assert connection.execute(query).first() is None
    assert autocommit_engine.pool.checkedout() == 0  # type: ignore[attr-defined]
