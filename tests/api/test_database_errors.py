"""Database failures as the client sees them (issue 9, case 8), caused for real by statements
run through the app's error handlers: only a lost or unreachable database is 'unavailable'."""

import logging
from collections.abc import Callable, Iterator

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import QueuePool

from infra.db import make_engine
from tests.api.helpers import assert_problem


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def problem_log() -> Iterator[Records]:
    handler = Records()
    logger = logging.getLogger("producer_api.http.problems")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def own_engine(rollback_engine: Engine) -> Iterator[Engine]:
    engine = make_engine(rollback_engine.url.render_as_string(hide_password=False), pool_size=1)
    yield engine
    engine.dispose()


def failing(app: Flask, statement: Callable[[], object]) -> FlaskClient:
    """The app with one more route, which runs ``statement`` (no API key, so no rate limit)."""

    def view() -> Response:
        statement()
        return Response("unreachable")

    app.add_url_rule("/test/failing", "failing", view)
    return app.test_client()


def run(engine: Engine, *statements: str) -> Callable[[], object]:
    def execute() -> None:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(text(statement))

    return execute


def test_a_statement_bug_is_a_500_with_its_traceback_logged(
    fresh_app: Flask, own_engine: Engine, problem_log: Records
) -> None:
    answer = failing(fresh_app, run(own_engine, "SELECT no_such_column FROM accounts")).get(
        "/test/failing"
    )
    assert_problem(answer, 500, "INTERNAL_ERROR")
    assert "Retry-After" not in answer.headers
    assert any(r.exc_info and "no_such_column" in str(r.exc_info[1]) for r in problem_log.records)


@pytest.mark.parametrize("statement", ["SELECT 'x'::int", "SELECT 1/0", "SELECT '\\u0000'::jsonb"])
def test_a_value_the_database_refuses_is_a_422(
    fresh_app: Flask, own_engine: Engine, statement: str
) -> None:
    answer = failing(fresh_app, run(own_engine, statement)).get("/test/failing")
    assert_problem(answer, 422, "INVALID_DATA")
    assert "Retry-After" not in answer.headers


def test_an_unreachable_database_is_a_503_with_retry_after(fresh_app: Flask) -> None:
    nowhere = create_engine("postgresql+psycopg2://postgres@127.0.0.1:1/none")
    answer = failing(fresh_app, run(nowhere, "SELECT 1")).get("/test/failing")
    assert_problem(answer, 503, "DATABASE_UNAVAILABLE")
    assert answer.headers["Retry-After"] == "1"


def test_a_connection_lost_mid_request_is_a_503(fresh_app: Flask, own_engine: Engine) -> None:
    answer = failing(
        fresh_app, run(own_engine, "SELECT pg_terminate_backend(pg_backend_pid())")
    ).get("/test/failing")
    assert_problem(answer, 503, "DATABASE_UNAVAILABLE")


def test_a_statement_timeout_is_a_503_busy(fresh_app: Flask, own_engine: Engine) -> None:
    slow = run(own_engine, "SET statement_timeout = 10", "SELECT pg_sleep(5)")
    answer = failing(fresh_app, slow).get("/test/failing")
    assert_problem(answer, 503, "DATABASE_BUSY")
    assert answer.headers["Retry-After"] == "1"


def test_an_exhausted_pool_is_a_503_busy(fresh_app: Flask, own_engine: Engine) -> None:
    engine = create_engine(
        own_engine.url, poolclass=QueuePool, pool_size=1, max_overflow=0, pool_timeout=0.05
    )
    try:
        with engine.connect():
            answer = failing(fresh_app, run(engine, "SELECT 1")).get("/test/failing")
    finally:
        engine.dispose()
    assert_problem(answer, 503, "DATABASE_BUSY")
