"""Statements prepared per connection (ledger.prepared), on real Postgres: prepared once, and
a connection whose statement was deallocated behind its back is replaced, not kept failing."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from infra.db import make_engine, make_session_factory
from ledger.prepared import Prepared

NEXT = Prepared("wallet_test_next", "SELECT CAST(:n AS int) + 1", {"n": "int"})


@pytest.fixture
def one_connection(database_url: str) -> Iterator[Engine]:
    """A pool of one connection: every session below gets the same one back."""
    engine = make_engine(database_url, pool_size=1)
    yield engine
    engine.dispose()


def test_a_deallocated_statement_fails_one_unit_of_work_and_is_prepared_again(
    one_connection: Engine,
) -> None:
    sessions = make_session_factory(one_connection)
    with sessions.begin() as session:
        assert NEXT.execute(session, {"n": 1}).scalar() == 2
        session.connection().exec_driver_sql("DEALLOCATE wallet_test_next")
    with pytest.raises(OperationalError), sessions.begin() as session:  # the worker retries it
        NEXT.execute(session, {"n": 2})
    with sessions.begin() as session:
        assert NEXT.execute(session, {"n": 3}).scalar() == 4
        prepared = session.connection().exec_driver_sql(
            "SELECT count(*) FROM pg_prepared_statements WHERE name = 'wallet_test_next'"
        )
        assert prepared.scalar() == 1
