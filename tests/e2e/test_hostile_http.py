"""Hostile input through the real HTTP server (granian), where its decoding of the request
line matters: keys with reserved characters round-trip through Location as an HTTP client
follows it, NUL in a path is a 400, and a one-line exponent bomb is answered at once. The
whole bad-input table runs in process: tests/api/test_bad_input.py."""

import time
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.models import Request
from tests.fixtures.clients import Api

KEYS = ["a/../b", "/lead", "a//b", "?x=1#y", "%2F", "%", " spaced ", "../../admin"]


@pytest.fixture
def api(api_url: str) -> Api:
    return Api(api_url)


def stored(sessions: sessionmaker[Session], key: str) -> int:
    with sessions() as session:
        query = select(func.count()).where(Request.idempotency_key == key)
        return session.scalar(query) or 0


@pytest.mark.parametrize("suffix", KEYS)
def test_a_key_with_reserved_characters_round_trips_through_location(api: Api, suffix: str) -> None:
    key = f"{uuid.uuid4().hex}{suffix}"
    body = {
        "accountNumber": "USR-003",
        "assetCode": "GOLD_COINS",
        "amount": 1,
        "idempotencyKey": key,
    }
    answer = api.post("/api/wallet/topup", body)
    assert answer.status_code == 202, answer.text
    followed = api.get(answer.headers["Location"])
    assert followed.status_code == 200, followed.text
    assert followed.json()["idempotencyKey"] == key
    assert followed.json()["requestId"] == answer.json()["requestId"]


@pytest.mark.parametrize("path", ["/api/wallet/requests/%00%00", "/api/wallet/balance/USR%00"])
def test_nul_in_a_path_is_a_400(api: Api, path: str) -> None:
    answer = api.get(path)
    assert answer.status_code == 400, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"


def test_an_exponent_bomb_is_refused_at_once_and_recorded_nowhere(
    api: Api, sessions: sessionmaker[Session]
) -> None:
    key = f"bomb-{uuid.uuid4()}"
    raw = (
        '{"accountNumber":"USR-003","assetCode":"GOLD_COINS","amount":1,'
        f'"idempotencyKey":"{key}","metadata":{{"x":1e1000000}}}}'
    )
    started = time.monotonic()
    answer = api.session.post(
        f"{api.base_url}/api/wallet/topup",
        data=raw,
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert time.monotonic() - started < 2
    assert (answer.status_code, answer.json()["code"]) == (400, "INVALID_NUMBER")
    assert stored(sessions, key) == 0


def test_nul_in_a_description_is_refused_with_a_pointer_and_recorded_nowhere(
    api: Api, sessions: sessionmaker[Session]
) -> None:
    key = f"nul-{uuid.uuid4()}"
    body = {
        "accountNumber": "USR-003",
        "assetCode": "GOLD_COINS",
        "amount": 1,
        "description": "sword\u0000",
        "idempotencyKey": key,
    }
    answer = api.post("/api/wallet/spend", body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["field"] == "description"
    assert stored(sessions, key) == 0
