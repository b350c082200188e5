"""The classes of hostile input, for every place a value can arrive: each is a 4xx problem,
costs well under a second of CPU, and records nothing."""

import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.api.helpers import CPU_BUDGET, GOOD, assert_problem, cpu_timed, post, recorded

# C0 (NUL, SOH, ESC, LF), DEL, C1 (NEL, APC) and lone surrogates, high and low
CONTROL = ["\x00", "\x01", "\x1b", "\n", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]


def _op(kind: str = "spend", **changes: Any) -> dict[str, Any]:
    return {
        **GOOD,
        "type": kind,
        "description": "d",
        "idempotencyKey": f"h-{uuid.uuid4()}",
        **changes,
    }


def _submit(operation: str, **changes: Any) -> Callable[[FlaskClient], TestResponse]:
    payload = {**GOOD, "idempotencyKey": f"h-{uuid.uuid4()}", **changes}
    return lambda client: post(client, f"/api/wallet/{operation}", payload)


def _batch(**changes: Any) -> Callable[[FlaskClient], TestResponse]:
    payload = {"operations": [_op(), _op(**changes)]}
    return lambda client: post(client, "/api/wallet/batch", payload)


def _header_key(value: str) -> Callable[[FlaskClient], TestResponse]:
    payload = {**GOOD}
    return lambda client: post(client, "/api/wallet/topup", payload, {"Idempotency-Key": value})


def _get(path: str) -> Callable[[FlaskClient], TestResponse]:
    return lambda client: client.get(path)


def _quoted(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


# Where a string can arrive -> (how to send it, the status, the field the problem names)
PLACES: dict[str, Callable[[str], tuple[Callable[[FlaskClient], TestResponse], int, str]]] = {
    "spend description": lambda c: (_submit("spend", description=f"a{c}"), 400, "description"),
    "bonus reason": lambda c: (_submit("bonus", reason=f"{c}r"), 400, "reason"),
    "metadata name": lambda c: (_submit("topup", metadata={f"k{c}": 1}), 400, "metadata.k"),
    "metadata value": lambda c: (_submit("topup", metadata={"k": f"v{c}"}), 400, "metadata.k"),
    "metadata list item": lambda c: (
        _submit("topup", metadata={"k": {"l": ["ok", c]}}),
        400,
        "metadata.k.l.1",
    ),
    "account number": lambda c: (
        _submit("topup", accountNumber=f"USR-001{c}"),
        400,
        "accountNumber",
    ),
    "asset code": lambda c: (_submit("topup", assetCode=f"{c}GOLD_COINS"), 400, "assetCode"),
    "body idempotency key": lambda c: (
        _submit("topup", idempotencyKey=f"k{c}"),
        400,
        "idempotencyKey",
    ),
    "member name": lambda c: (_submit("topup", **{f"x{c}": 1}), 400, "x"),
    "batch description": lambda c: (_batch(description=c), 400, "operations.1.description"),
    "batch type": lambda c: (_batch(type=f"spend{c}"), 400, "operations.1.type"),
    "batch metadata": lambda c: (_batch(metadata={"a": [c]}), 400, "operations.1.metadata.a.0"),
    "request key in the path": lambda c: (_get(f"/api/wallet/requests/k{_quoted(c)}"), 400, "key"),
    "account in the balance path": lambda c: (
        _get(f"/api/wallet/balance/USR-001{_quoted(c)}"),
        400,
        "accountNumber",
    ),
    "history cursor": lambda c: (
        _get(f"/api/wallet/history/USR-001?cursor={_quoted(c)}"),
        400,
        "cursor",
    ),
    "history limit": lambda c: (
        _get(f"/api/wallet/history/USR-001?limit=1{_quoted(c)}"),
        400,
        "limit",
    ),
    "request wait": lambda c: (_get(f"/api/wallet/requests/k?wait=1{_quoted(c)}"), 400, "wait"),
}
# Headers carry latin-1 text without line breaks (the HTTP server refuses the rest)
HEADER_CONTROL = [c for c in CONTROL if (c != "\n" and c.isascii()) or c in "\x85\x9f"]


@pytest.mark.parametrize("character", CONTROL, ids=[f"U+{ord(c):04X}" for c in CONTROL])
@pytest.mark.parametrize("place", list(PLACES))
def test_a_control_character_or_lone_surrogate_is_refused_where_it_arrives(
    client: FlaskClient, db: Session, client_id: str, place: str, character: str
) -> None:
    send, status, field = PLACES[place](character)
    answer, cpu = cpu_timed(lambda: send(client))
    problem = assert_problem(answer, status)
    fields = [e["field"] for e in problem.get("errors") or []]
    assert any(f.startswith(field) for f in fields), problem
    assert cpu < CPU_BUDGET
    assert recorded(db, client_id) == 0


@pytest.mark.parametrize(
    "character", HEADER_CONTROL, ids=[f"U+{ord(c):04X}" for c in HEADER_CONTROL]
)
def test_a_control_character_in_a_header_is_refused(
    client: FlaskClient, db: Session, client_id: str, character: str
) -> None:
    answer = _header_key(f"key{character}")(client)
    problem = assert_problem(answer, 400, "VALIDATION_ERROR")
    assert problem["errors"][0]["field"] == "Idempotency-Key"
    token = client.environ_base["HTTP_AUTHORIZATION"]
    answer = client.get("/api/wallet/balance/USR-001", headers={"Authorization": token + character})
    assert_problem(answer, 401, "UNAUTHENTICATED")
    assert recorded(db, client_id) == 0


# Number literals a parser could choke on: huge and tiny exponents, long digit strings,
# non-numbers, negative zero, values past a double.
NUMBERS = [
    "1e1000000",
    "-1e1000000",
    "1e-1000000",
    "1E+999999999999999999999",
    "1e401",
    "9" * 41,
    "9" * 50000,
    "0." + "0" * 5000 + "1",
    "1" + "0" * 39 + ".5",
    "NaN",
    "Infinity",
    "-Infinity",
]
NUMBER_PLACES: dict[str, Callable[[str], str]] = {
    "amount": lambda n: (
        f'{{"accountNumber":"USR-001","assetCode":"GOLD_COINS","idempotencyKey":"n","amount":{n}}}'
    ),
    "metadata value": lambda n: (
        '{"accountNumber":"USR-001","assetCode":"GOLD_COINS","amount":1,"idempotencyKey":"n",'
        f'"metadata":{{"a":[{{"b":{n}}}]}}}}'
    ),
    "batch amount": lambda n: (
        '{"operations":[{"type":"topup","accountNumber":"USR-001","assetCode":"GOLD_COINS",'
        f'"idempotencyKey":"n","amount":{n}}}]}}'
    ),
    "operations as a number": lambda n: f'{{"operations":{n}}}',
}


@pytest.mark.parametrize("number", NUMBERS, ids=[n[:16] for n in NUMBERS])
@pytest.mark.parametrize("place", list(NUMBER_PLACES))
def test_a_number_out_of_bounds_is_refused_before_it_is_converted(
    client: FlaskClient, db: Session, client_id: str, place: str, number: str
) -> None:
    path = "/api/wallet/batch" if "operations" in NUMBER_PLACES[place]("1") else "/api/wallet/topup"
    answer, cpu = cpu_timed(lambda: post(client, path, NUMBER_PLACES[place](number)))
    assert_problem(answer, 400, "INVALID_NUMBER")
    assert cpu < CPU_BUDGET
    assert recorded(db, client_id) == 0
