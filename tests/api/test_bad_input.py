"""Bad submits, in process: a 4xx problem+json with a clear code (and the field it is
about), in well under a second of CPU, and nothing recorded for this test's client. Reads:
test_bad_reads.py."""

import json
import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.helpers import CPU_BUDGET, GOOD, assert_refused, cpu_timed, post, recorded


def body(**changes: Any) -> dict[str, Any]:
    merged = {**GOOD, "idempotencyKey": f"bad-{uuid.uuid4()}", **changes}
    return {k: v for k, v in merged.items() if v is not ...}


def raw(amount: str = "1", metadata: str = "{}", extra: str = "") -> str:
    """A topup body with literal JSON text in it (for forms json.dumps cannot write)."""
    return (
        f'{{"accountNumber":"USR-002","assetCode":"GOLD_COINS","amount":{amount},'
        f'"idempotencyKey":"k-{uuid.uuid4()}","metadata":{metadata}{extra}}}'
    )


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {}
    for _ in range(depth):
        value = {"n": value}
    return value


# (name, operation, body, headers, status, code, field or None)
SUBMIT_CASES: list[tuple[str, str, Any, dict[str, str], int, str, str | None]] = [
    ("negative amount", "topup", body(amount=-5), {}, 422, "VALIDATION_ERROR", "amount"),
    ("zero amount", "topup", body(amount=0), {}, 422, "VALIDATION_ERROR", "amount"),
    ("minus zero amount", "topup", raw("-0"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("minus zero point zero", "topup", raw("-0.0"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("NaN literal", "topup", raw("NaN"), {}, 400, "INVALID_NUMBER", "amount"),
    ("Infinity literal", "topup", raw("Infinity"), {}, 400, "INVALID_NUMBER", "amount"),
    ("-Infinity literal", "topup", raw("-Infinity"), {}, 400, "INVALID_NUMBER", "amount"),
    ("NaN string", "topup", body(amount="NaN"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("Infinity string", "spend", body(amount="Infinity", description="d"), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("1e309", "topup", raw("1e309"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("1e400 amount", "topup", raw("1e400"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("1e401 amount", "topup", raw("1e401"), {}, 400, "INVALID_NUMBER", "amount"),
    ("1e-401 amount", "topup", raw("1e-401"), {}, 400, "INVALID_NUMBER", "amount"),
    ("1e1000000 amount", "topup", raw("1e1000000"), {}, 400, "INVALID_NUMBER", "amount"),
    ("exponent past Decimal", "topup", raw("1e9999999999999999999"), {}, 400,
     "INVALID_NUMBER", "amount"),
    ("41-digit amount", "topup", raw("1" * 41), {}, 400, "INVALID_NUMBER", "amount"),
    ("60k-digit amount", "topup", raw("9" * 60000), {}, 400, "INVALID_NUMBER", "amount"),
    ("huge amount string", "topup", body(amount="1" + "0" * 40), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("tiny amount string", "topup", body(amount="1e-1000000"), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("underflowing amount string", "topup", body(amount="1e-999999999"), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("underscored amount string", "topup", body(amount="1_0"), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("Arabic-Indic digit amount", "topup", body(amount="\u0661"), {}, 422,
     "VALIDATION_ERROR", "amount"),
    ("tiny amount number", "topup", raw("1e-399"), {}, 422, "AMOUNT_PRECISION", "amount"),
    ("too many decimals", "topup", body(amount="1.001"), {}, 422, "AMOUNT_PRECISION", "amount"),
    ("boolean amount", "topup", body(amount=True), {}, 422, "VALIDATION_ERROR", "amount"),
    ("text amount", "topup", body(amount="ten"), {}, 422, "VALIDATION_ERROR", "amount"),
    ("unknown account", "topup", body(accountNumber="USR-999"), {}, 422,
     "ACCOUNT_NOT_FOUND", "accountNumber"),
    ("system account", "topup", body(accountNumber="SYS-REVENUE-001"), {}, 422,
     "INVALID_ACCOUNT", "accountNumber"),
    ("unknown asset", "topup", body(assetCode="RUBIES"), {}, 422, "ASSET_NOT_FOUND", "assetCode"),
    ("missing key", "topup", body(idempotencyKey=...), {}, 400, "IDEMPOTENCY_KEY_REQUIRED",
     "idempotencyKey"),
    ("empty key", "topup", body(idempotencyKey=""), {}, 422, "VALIDATION_ERROR",
     "idempotencyKey"),
    ("over-long key", "topup", body(idempotencyKey="k" * 256), {}, 422, "VALIDATION_ERROR",
     "idempotencyKey"),
    ("dot key", "topup", body(idempotencyKey="."), {}, 422, "VALIDATION_ERROR", "idempotencyKey"),
    ("dot-dot key", "topup", body(idempotencyKey=".."), {}, 422, "VALIDATION_ERROR",
     "idempotencyKey"),
    ("non-ascii key", "topup", body(idempotencyKey="clé"), {}, 422, "VALIDATION_ERROR",
     "idempotencyKey"),
    ("header and body keys differ", "topup", body(), {"Idempotency-Key": "other"}, 400,
     "IDEMPOTENCY_KEY_MISMATCH", None),
    ("over-long header key", "topup", body(idempotencyKey=...), {"Idempotency-Key": "h" * 300},
     400, "VALIDATION_ERROR", "Idempotency-Key"),
    ("control character in header key", "topup", body(idempotencyKey=...),
     {"Idempotency-Key": "a\x01b"}, 400, "VALIDATION_ERROR", "Idempotency-Key"),
    ("non-ascii header key", "topup", body(idempotencyKey=...), {"Idempotency-Key": "clé"},
     400, "VALIDATION_ERROR", "Idempotency-Key"),
    ("dot-dot header key", "topup", body(idempotencyKey=...), {"Idempotency-Key": ".."}, 400,
     "VALIDATION_ERROR", "Idempotency-Key"),
    ("unknown field", "topup", body(colour="red"), {}, 422, "VALIDATION_ERROR", "colour"),
    ("account number as a number", "topup", body(accountNumber=42), {}, 422,
     "VALIDATION_ERROR", "accountNumber"),
    ("bonus reason and description differ", "bonus", body(reason="a", description="b"), {},
     422, "VALIDATION_ERROR", "reason"),
    ("blank description on spend", "spend", body(description="   "), {}, 422,
     "VALIDATION_ERROR", "description"),
    ("metadata not an object", "topup", body(metadata=[1, 2]), {}, 422, "VALIDATION_ERROR",
     "metadata"),
    ("metadata 6 levels deep", "topup", body(metadata=nested(5)), {}, 422, "VALIDATION_ERROR",
     "metadata"),
    ("body 22 levels deep", "topup", body(metadata=nested(20)), {}, 400, "INVALID_JSON", None),
    ("large metadata", "topup", body(metadata={"blob": "x" * 5000}), {}, 422,
     "VALIDATION_ERROR", "metadata"),
    ("inexact metadata number", "topup", raw(metadata='{"x":0.1000000000000000000001}'), {},
     422, "VALIDATION_ERROR", "metadata"),
    ("metadata number below a double", "topup", raw(metadata='{"x":1e-400}'), {}, 422,
     "VALIDATION_ERROR", "metadata"),
    ("metadata number above a double", "topup", raw(metadata='{"x":[1e400]}'), {}, 422,
     "VALIDATION_ERROR", "metadata"),
    ("metadata 1e5000", "topup", raw(metadata='{"x":1e5000}'), {}, 400, "INVALID_NUMBER",
     "metadata.x"),
    ("metadata 1e1000000", "topup", raw(metadata='{"x":1e1000000}'), {}, 400,
     "INVALID_NUMBER", "metadata.x"),
    ("metadata NaN", "topup", raw(metadata='{"a":{"b":[NaN]}}'), {}, 400, "INVALID_NUMBER",
     "metadata.a.b.0"),
    ("duplicate amount", "topup", raw(extra=',"amount":100000'), {}, 400, "DUPLICATE_MEMBER",
     "amount"),
    ("duplicate metadata member", "topup", raw(metadata='{"a":1,"a":2}'), {}, 400,
     "DUPLICATE_MEMBER", "metadata.a"),
    ("not JSON", "topup", "amount=1", {}, 400, "INVALID_JSON", None),
    ("JSON array", "topup", "[1, 2]", {}, 400, "INVALID_JSON", None),
    ("JSON nested 10k deep", "topup", "[" * 10000 + "]" * 10000, {}, 400, "INVALID_JSON", None),
    ("escaped quotes, never closed", "topup", '{"a":"' + '\\"' * 30000, {}, 400,
     "INVALID_JSON", None),
    ("escaped quotes, never closed, 1 MiB batch", "batch", '{"a":"' + '\\"' * 500000, {}, 400,
     "INVALID_JSON", None),
    ("raw control character", "topup", raw(metadata='{"a":"x\x01y"}'), {}, 400,
     "INVALID_JSON", None),
    ("not UTF-8", "topup", raw(metadata='{"a":"caf\xe9"}').encode("latin-1"), {}, 400,
     "INVALID_JSON", None),
    ("UTF-8 encoded surrogate", "topup", raw(metadata='{"a":"X"}').encode().replace(
        b"X", b"\xed\xa0\x80"), {}, 400, "INVALID_JSON", None),
    ("UTF-16 body", "topup", json.dumps(body()).encode("utf-16"), {}, 400, "INVALID_JSON",
     None),
    ("byte order mark", "topup", b"\xef\xbb\xbf" + json.dumps(body()).encode(), {}, 400,
     "INVALID_JSON", None),
    ("wrong content type", "topup", json.dumps(body()), {"Content-Type": "text/plain"}, 415,
     "UNSUPPORTED_MEDIA_TYPE", None),
    ("latin-1 charset", "topup", json.dumps(body()),
     {"Content-Type": "application/json; charset=iso-8859-1"}, 415, "UNSUPPORTED_MEDIA_TYPE",
     None),
    ("utf-16 charset", "topup", json.dumps(body()),
     {"Content-Type": "application/json; charset=utf-16"}, 415, "UNSUPPORTED_MEDIA_TYPE", None),
    ("gzip body", "topup", json.dumps(body()), {"Content-Encoding": "gzip"}, 415,
     "UNSUPPORTED_CONTENT_ENCODING", None),
    ("unknown coding", "spend", json.dumps(body(description="d")), {"Content-Encoding": "br"},
     415, "UNSUPPORTED_CONTENT_ENCODING", None),
    ("body over 64 KiB", "topup", json.dumps(body(metadata={"x": "y" * 70000})), {}, 413,
     "REQUEST_ENTITY_TOO_LARGE", None),
    ("SQL in account number", "topup", body(accountNumber="USR-001'; DROP TABLE accounts;--"),
     {}, 422, "VALIDATION_ERROR", "accountNumber"),
    ("path in account number", "spend", body(accountNumber="../USR-001", description="d"), {},
     422, "VALIDATION_ERROR", "accountNumber"),
    ("newline after account number", "topup", body(accountNumber="USR-001\n"), {}, 400,
     "INVALID_STRING", "accountNumber"),
    ("unicode account number", "topup", body(accountNumber="USR-\uff10\uff101"), {}, 422,
     "VALIDATION_ERROR", "accountNumber"),
    ("lower-case asset", "topup", body(assetCode="gold_coins"), {}, 422, "VALIDATION_ERROR",
     "assetCode"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "operation", "payload", "headers", "status", "code", "field"),
    SUBMIT_CASES,
    ids=[c[0] for c in SUBMIT_CASES],
)
def test_bad_submit_is_refused_fast_and_records_nothing(
    client: FlaskClient,
    db: Session,
    client_id: str,
    name: str,
    operation: str,
    payload: Any,
    headers: dict[str, str],
    status: int,
    code: str,
    field: str | None,
) -> None:
    answer, cpu = cpu_timed(lambda: post(client, f"/api/wallet/{operation}", payload, headers))
    assert_refused(answer, status, code, field)
    assert cpu < CPU_BUDGET
    assert recorded(db, client_id) == 0
