"""Bad input, every endpoint: a 4xx problem+json with a clear code, and the ledger unchanged."""

import json
import uuid
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ledger.models import LedgerEntry, Request
from tests.conftest import Api

GOOD = {"accountNumber": "USR-002", "assetCode": "GOLD_COINS", "amount": 1}


def body(**changes: Any) -> dict[str, Any]:
    merged = {**GOOD, "idempotencyKey": f"bad-{uuid.uuid4()}", **changes}
    return {k: v for k, v in merged.items() if v is not ...}


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"n": value}
    return value


# (name, path, raw body or dict, headers, status, code)
SUBMIT_CASES: list[tuple[str, str, Any, dict[str, str], int, str]] = [
    ("negative amount", "topup", body(amount=-5), {}, 422, "VALIDATION_ERROR"),
    ("zero amount", "topup", body(amount=0), {}, 422, "VALIDATION_ERROR"),
    (
        "NaN literal",
        "topup",
        '{"accountNumber":"USR-002","assetCode":"GOLD_COINS","amount":NaN,"idempotencyKey":"x"}',
        {},
        400,
        "INVALID_JSON",
    ),
    (
        "Infinity literal",
        "topup",
        '{"accountNumber":"USR-002","assetCode":"GOLD_COINS","amount":Infinity,"idempotencyKey":"x"}',
        {},
        400,
        "INVALID_JSON",
    ),
    ("NaN string", "topup", body(amount="NaN"), {}, 422, "VALIDATION_ERROR"),
    (
        "Infinity string",
        "spend",
        body(amount="Infinity", description="d"),
        {},
        422,
        "VALIDATION_ERROR",
    ),
    (
        "1e309",
        "topup",
        '{"accountNumber":"USR-002","assetCode":"GOLD_COINS","amount":1e309,"idempotencyKey":"x"}',
        {},
        422,
        "VALIDATION_ERROR",
    ),
    ("huge amount", "topup", body(amount="1" + "0" * 40), {}, 422, "VALIDATION_ERROR"),
    ("too many decimals", "topup", body(amount="1.001"), {}, 422, "AMOUNT_PRECISION"),
    ("boolean amount", "topup", body(amount=True), {}, 422, "VALIDATION_ERROR"),
    ("text amount", "topup", body(amount="ten"), {}, 422, "VALIDATION_ERROR"),
    ("missing key", "topup", body(idempotencyKey=...), {}, 400, "IDEMPOTENCY_KEY_REQUIRED"),
    ("empty key", "topup", body(idempotencyKey=""), {}, 422, "VALIDATION_ERROR"),
    ("over-long key", "topup", body(idempotencyKey="k" * 256), {}, 422, "VALIDATION_ERROR"),
    ("non-printable key", "topup", body(idempotencyKey="a\u0007b"), {}, 422, "VALIDATION_ERROR"),
    ("non-ascii key", "topup", body(idempotencyKey="clé"), {}, 422, "VALIDATION_ERROR"),
    (
        "header and body keys differ",
        "topup",
        body(),
        {"Idempotency-Key": "other"},
        400,
        "IDEMPOTENCY_KEY_MISMATCH",
    ),
    (
        "over-long header key",
        "topup",
        body(idempotencyKey=...),
        {"Idempotency-Key": "h" * 300},
        400,
        "VALIDATION_ERROR",
    ),
    ("unknown field", "topup", body(colour="red"), {}, 422, "VALIDATION_ERROR"),
    ("account number as a number", "topup", body(accountNumber=42), {}, 422, "VALIDATION_ERROR"),
    ("missing reason on bonus", "bonus", body(), {}, 422, "VALIDATION_ERROR"),
    ("blank description on spend", "spend", body(description="   "), {}, 422, "VALIDATION_ERROR"),
    ("metadata not an object", "topup", body(metadata=[1, 2]), {}, 422, "VALIDATION_ERROR"),
    ("deeply nested metadata", "topup", body(metadata=nested(20)), {}, 422, "VALIDATION_ERROR"),
    ("large metadata", "topup", body(metadata={"blob": "x" * 5000}), {}, 422, "VALIDATION_ERROR"),
    ("not JSON", "topup", "amount=1", {}, 400, "INVALID_JSON"),
    ("JSON array", "topup", "[1, 2]", {}, 400, "INVALID_JSON"),
    ("JSON nested 10k deep", "topup", "[" * 10000 + "]" * 10000, {}, 400, "INVALID_JSON"),
    (
        "wrong content type",
        "topup",
        json.dumps(body()),
        {"Content-Type": "text/plain"},
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    ),
    (
        "body over 64 KiB",
        "topup",
        json.dumps(body(metadata={"x": "y" * 70000})),
        {},
        413,
        "REQUEST_ENTITY_TOO_LARGE",
    ),
    (
        "SQL in account number",
        "topup",
        body(accountNumber="USR-001'; DROP TABLE accounts;--"),
        {},
        422,
        "VALIDATION_ERROR",
    ),
    (
        "path in account number",
        "spend",
        body(accountNumber="../USR-001", description="d"),
        {},
        422,
        "VALIDATION_ERROR",
    ),
    (
        "unicode account number",
        "topup",
        body(accountNumber="USR-\uff10\uff101"),
        {},
        422,
        "VALIDATION_ERROR",
    ),
    ("lower-case asset", "topup", body(assetCode="gold_coins"), {}, 422, "VALIDATION_ERROR"),
]

GET_CASES: list[tuple[str, str, int, str]] = [
    ("limit=0", "/api/wallet/history/USR-001?limit=0", 422, "VALIDATION_ERROR"),
    ("limit=100000", "/api/wallet/history/USR-001?limit=100000", 422, "VALIDATION_ERROR"),
    ("limit not a number", "/api/wallet/history/USR-001?limit=ten", 422, "VALIDATION_ERROR"),
    (
        "forged cursor",
        "/api/wallet/history/USR-001?cursor=ZTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
        400,
        "INVALID_CURSOR",
    ),
    ("cursor junk", "/api/wallet/history/USR-001?cursor=%27%20OR%201%3D1", 400, "INVALID_CURSOR"),
    ("unknown query parameter", "/api/wallet/history/USR-001?offset=5", 422, "VALIDATION_ERROR"),
    ("SQL in balance path", "/api/wallet/balance/USR-001'%20OR%20'1'='1", 400, "VALIDATION_ERROR"),
    ("unicode in history path", "/api/wallet/history/%E2%82%AC", 400, "VALIDATION_ERROR"),
    ("unknown account balance", "/api/wallet/balance/USR-999", 404, "ACCOUNT_NOT_FOUND"),
    ("unknown account history", "/api/wallet/history/USR-999", 404, "ACCOUNT_NOT_FOUND"),
    ("traversal in path", "/api/wallet/balance/..%2F..%2Fetc%2Fpasswd", 404, "NOT_FOUND"),
    ("wait too long", "/api/wallet/requests/some-key?wait=31", 422, "VALIDATION_ERROR"),
    ("wait negative", "/api/wallet/requests/some-key?wait=-1", 422, "VALIDATION_ERROR"),
    ("unknown route", "/api/wallet/nothing-here", 404, "NOT_FOUND"),
]


def ledger_size(sessions: sessionmaker[Session]) -> tuple[int, int]:
    with sessions() as session:
        return (
            session.scalar(select(func.count()).select_from(Request)) or 0,
            session.scalar(select(func.count()).select_from(LedgerEntry)) or 0,
        )


def assert_problem(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem = answer.json()
    assert (problem["status"], problem["code"]) == (status, code)
    assert problem["title"] and problem["detail"] and problem["type"]
    assert "Traceback" not in answer.text
    if code == "VALIDATION_ERROR":
        assert problem["errors"] and all(e["field"] and e["message"] for e in problem["errors"])


@pytest.mark.parametrize(
    ("name", "operation", "payload", "headers", "status", "code"),
    SUBMIT_CASES,
    ids=[c[0] for c in SUBMIT_CASES],
)
def test_bad_submit_is_refused_and_records_nothing(
    http: Api,
    sessions: sessionmaker[Session],
    name: str,
    operation: str,
    payload: Any,
    headers: dict[str, str],
    status: int,
    code: str,
) -> None:
    before = ledger_size(sessions)
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    answer = http.session.post(
        f"{http.base_url}/api/wallet/{operation}",
        data=raw.encode(),
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )
    assert_problem(answer, status, code)
    assert ledger_size(sessions) == before


@pytest.mark.parametrize(
    ("name", "path", "status", "code"), GET_CASES, ids=[c[0] for c in GET_CASES]
)
def test_bad_read_is_refused(http: Api, name: str, path: str, status: int, code: str) -> None:
    assert_problem(http.get(path), status, code)


def test_wrong_method_is_a_405_problem(http: Api) -> None:
    answer = http.session.delete(f"{http.base_url}/api/wallet/topup", timeout=10)
    assert_problem(answer, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in answer.headers["Allow"]
