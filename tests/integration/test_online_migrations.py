"""The migrations that change busy tables on a ledger that has rows (issue 22): 0002 numbers
every request and 0004 gives every transaction its amount in batches, each step of theirs
resumes after a failure, and every statement waits at most MIGRATION_LOCK_TIMEOUT_SECONDS
for a lock instead of queueing postings behind it for as long as another transaction runs."""

import threading
import time
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError

from bench.migration_locks import load
from infra.settings import get_settings
from ledger.migrations import online
from ledger.models import Base

ENTRIES = 4000  # 2,000 top-ups: many batches of 2 pages


@pytest.fixture
def config(empty_config: Config) -> Config:
    return empty_config


@pytest.fixture
def db(empty_engine: Engine) -> Engine:
    return empty_engine


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(online, "BACKFILL_PAGES", 2)


@pytest.fixture
def lock_timeout_of_one_second(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("MIGRATION_LOCK_TIMEOUT_SECONDS", "1")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def scalar(engine: Engine, sql: str) -> object:
    with engine.connect() as connection:
        return connection.scalar(text(sql))


def assert_schema_of_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    assert scalar(engine, "SELECT count(*) FROM pg_constraint WHERE NOT convalidated") == 0
    assert scalar(engine, "SELECT count(*) FROM pg_index WHERE NOT indisvalid") == 0
    assert scalar(engine, "SELECT to_regclass('requests_seq_backfill')") is None


def test_a_ledger_with_rows_is_numbered_and_amounted_in_batches(
    config: Config, db: Engine, small_batches: None
) -> None:
    command.upgrade(config, "0001")
    load(db, ENTRIES)
    command.upgrade(config, "head")
    topups = ENTRIES // 2
    assert scalar(db, "SELECT count(DISTINCT seq) FROM requests WHERE seq IS NOT NULL") == topups
    assert scalar(db, "SELECT max(seq) FROM requests") == topups
    assert scalar(db, "SELECT count(*) FROM transactions WHERE amount = 1") == topups
    assert_schema_of_the_models(db)
    with db.begin() as connection:  # the identity goes on from the numbers given
        seq = connection.scalar(
            text(
                """INSERT INTO requests (id, client_id, idempotency_key, type, payload,
                   payload_hash, status, attempts)
                   VALUES (gen_random_uuid(), 'sql', 'new', 'topup', '{}', 'x', 'queued', 0)
                   RETURNING seq"""
            )
        )
    assert seq == topups + 1


def test_0004_failing_after_its_first_step_resumes_where_it_stopped(
    config: Config, db: Engine
) -> None:
    """A transaction without a DEBIT entry has no amount: NOT NULL refuses it, after the
    catalog step, the backfill and the index builds committed; without it, a re-run ends."""
    command.upgrade(config, "0001")
    load(db, ENTRIES)
    command.upgrade(config, "0003")
    with db.begin() as connection:
        connection.execute(text("SET LOCAL session_replication_role = replica"))
        connection.execute(
            text(
                """WITH r AS (
                       INSERT INTO requests (id, client_id, idempotency_key, type, payload,
                                             payload_hash, status, attempts)
                       VALUES (gen_random_uuid(), 'sql', 'no-entries', 'topup', '{}', 'x',
                               'completed', 1)
                       RETURNING id)
                   INSERT INTO transactions (id, request_id, type, metadata)
                   SELECT gen_random_uuid(), id, 'topup', '{}' FROM r"""
            )
        )
    with pytest.raises(DBAPIError, match="amount_not_null"):
        command.upgrade(config, "0004")
    assert scalar(db, "SELECT version_num FROM alembic_version") == "0003"
    assert scalar(db, "SELECT to_regclass('ix_entries_balance_time') IS NOT NULL") is True
    with db.begin() as connection:
        connection.execute(text("DELETE FROM transactions WHERE amount IS NULL"))
    command.upgrade(config, "head")
    assert_schema_of_the_models(db)


def test_a_migration_waiting_for_a_lock_gives_up_after_the_lock_timeout(
    config: Config, db: Engine, lock_timeout_of_one_second: None
) -> None:
    """A long read of requests (ACCESS SHARE) holds 0004's first step: it fails after 1 s,
    where it used to wait for the reader, and every posting queued behind it, to finish."""
    command.upgrade(config, "0003")
    reading, release = threading.Event(), threading.Event()

    def long_read() -> None:
        with db.connect() as connection, connection.begin():
            connection.execute(text("SELECT count(*) FROM requests"))
            reading.set()
            release.wait(30)

    reader = threading.Thread(target=long_read)
    reader.start()
    try:
        assert reading.wait(10)
        started = time.monotonic()
        with pytest.raises(DBAPIError, match="lock timeout"):
            command.upgrade(config, "0004")
        assert time.monotonic() - started < 10
    finally:
        release.set()
        reader.join()
    command.upgrade(config, "head")
    assert_schema_of_the_models(db)
