"""Unknown API tokens on the real app and Postgres (issue 22): one not shaped like a key costs
no query, none evicts a known key from the cache, and an address past its budget of failed
authentications is answered 429, yet a valid key from it is still served."""

import secrets
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings
from producer_api.app import create_app
from producer_api.http.problems import Problem
from producer_api.services.credentials import CACHED_KEYS
from tests.api.conftest import close_app
from tests.api.helpers import assert_problem, keyed_client


@contextmanager
def key_lookups(connection: Connection) -> Iterator[list[str]]:
    """The statements on api_keys run on ``connection`` while in the block."""
    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "api_keys" in statement:
            seen.append(statement)

    event.listen(connection, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(connection, "before_cursor_execute", note)


def unknown_token() -> str:
    """Shaped like a key the CLI makes, but no key's."""
    return f"wk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"


def test_malformed_tokens_cost_no_query_and_unknown_ones_are_never_cached(
    app: Flask, db: Session, connection: Connection
) -> None:
    known = keyed_client(app, db, ["wallet:read"])
    with key_lookups(connection) as first:
        assert known.get("/api/wallet/balance/USR-001").status_code == 200
    assert len(first) == 1
    authenticator = app.extensions["wallet"].authenticator

    def refused(token: str) -> None:
        with pytest.raises(Problem) as problem:
            authenticator.principal(token, sent_credentials=True, address="127.0.0.1")
        assert problem.value.status == 401

    with key_lookups(connection) as malformed:
        for i in range(CACHED_KEYS + 1):
            refused(f"wk_{i:012x}_forged")
    assert malformed == []
    unknown = [unknown_token() for _ in range(50)]
    with key_lookups(connection) as lookups:
        for token in unknown + unknown:  # each looked up both times: no answer was cached
            refused(token)
        assert known.get("/api/wallet/balance/USR-001").status_code == 200
    assert len(lookups) == 100  # and none for the known key: still cached


@pytest.fixture
def guarded_app(app_settings: Settings, tx_sessions: sessionmaker[Session]) -> Iterator[Flask]:
    settings = app_settings.model_copy(update={"rate_limit_failed_auth_per_address": "3/hour"})
    app = create_app(settings, sessions=tx_sessions)
    yield app
    close_app(app)


def test_an_address_past_its_failed_authentications_gets_429_but_its_valid_keys_are_served(
    guarded_app: Flask, db: Session, connection: Connection
) -> None:
    address = f"2001:db8::{uuid.uuid4().hex[:4]}"  # a budget of this test's own

    def balance(token: str, source: str = address) -> Any:
        return guarded_app.test_client().get(
            "/api/wallet/balance/USR-001",
            headers={"Authorization": f"Bearer {token}"},
            environ_base={"REMOTE_ADDR": source},
        )

    with key_lookups(connection) as lookups:
        for _ in range(3):
            assert_problem(balance(unknown_token()), 401, "INVALID_API_KEY")
        assert len(lookups) == 3
        for token in (unknown_token(), unknown_token(), "nonsense"):
            refused = balance(token)
            assert_problem(refused, 429, "TOO_MANY_REQUESTS")
            assert 1 <= int(refused.headers["Retry-After"]) <= 2 * 3600  # a sliding window
        assert len(lookups) == 5  # the well-formed ones, looked up; "nonsense" never
        assert_problem(balance("nonsense", source="2001:db8::1:2"), 401)  # another address
    # A valid key sent from the same address (callers behind one proxy share it), not cached.
    valid = keyed_client(guarded_app, db, ["wallet:read"])
    answer = valid.get("/api/wallet/balance/USR-001", environ_base={"REMOTE_ADDR": address})
    assert answer.status_code == 200
