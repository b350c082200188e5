"""The route contract, in process: what a valid call answers, and the rules that are not
about a single bad value (keys in URLs, duplicate keys in a batch, field pointers)."""

import json
import uuid
from decimal import Decimal
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import Request
from tests.api.helpers import GOOD, assert_refused, post, recorded

PRINTABLE = "".join(chr(c) for c in range(0x20, 0x7F))
NASTY_KEYS = [
    "a/../b",
    "../admin",
    "/lead",
    "trail/",
    "a//b",
    "./x",
    "...",
    "?x=1#y",
    "%2F",
    "%",
    "%zz",
    " spaced key ",
    "a\\b",
    "~!*'();:@&=+$,[]",
    PRINTABLE,
    "k" * 255,
]


def topup(client: FlaskClient, key: str, **changes: Any) -> Any:
    return post(client, "/api/wallet/topup", {**GOOD, "idempotencyKey": key, **changes})


def operation(key: str, **changes: Any) -> dict[str, Any]:
    return {**GOOD, "type": "topup", "idempotencyKey": key, **changes}


def assert_round_trip(client: FlaskClient, key: str) -> None:
    answer = topup(client, key)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    location = answer.headers["Location"]
    # What a client following the header asks for: resolution must not move it elsewhere.
    resolved = urlsplit(urljoin("http://wallet.example/api/wallet/topup", location))
    assert resolved.path == location and not resolved.query and not resolved.fragment
    assert location.startswith("/api/wallet/requests/") and location.count("/") == 4
    followed = client.get(location)
    assert followed.status_code == 200, followed.get_data(as_text=True)
    assert followed.json == answer.json


def test_a_submit_is_recorded_and_answered_202_with_its_location(
    client: FlaskClient, db: Session, client_id: str
) -> None:
    answer = topup(client, "contract-1")
    assert answer.status_code == 202
    assert answer.json["status"] == "queued" and answer.json["idempotencyKey"] == "contract-1"
    assert answer.headers["Location"] == "/api/wallet/requests/contract-1"
    assert recorded(db, client_id) == 1
    replay = topup(client, "contract-1")
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["requestId"] == answer.json["requestId"]
    assert recorded(db, client_id) == 1


@pytest.mark.parametrize("key", NASTY_KEYS)
def test_any_valid_key_round_trips_through_its_location(client: FlaskClient, key: str) -> None:
    assert_round_trip(client, key)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(key=st.text(alphabet=PRINTABLE, min_size=1, max_size=255).filter(lambda k: k.strip(".")))
def test_generated_keys_round_trip_through_their_location(client: FlaskClient, key: str) -> None:
    assert_round_trip(client, f"{uuid.uuid4().hex}{key}")


@pytest.mark.parametrize(
    "prefer", ["wait=abc", "wait=9999999", "wait", "=5", "respond-async", "\x01", "wait=-1"]
)
def test_a_preference_it_cannot_read_is_ignored(client: FlaskClient, prefer: str) -> None:
    answer = post(
        client,
        "/api/wallet/topup",
        {**GOOD, "idempotencyKey": f"p-{uuid.uuid4()}"},
        {"Prefer": prefer},
    )
    assert answer.status_code == 202 and "Preference-Applied" not in answer.headers


@pytest.mark.parametrize("prefer", [None, "wait=2"])
def test_a_batch_naming_one_key_twice_is_refused_before_anything_is_recorded(
    client: FlaskClient, db: Session, client_id: str, prefer: str | None
) -> None:
    batch = {"operations": [operation("b-1"), operation("b-2"), operation("b-1")]}
    headers = {"Prefer": prefer} if prefer else {}
    answer = post(client, "/api/wallet/batch", batch, headers)
    assert_refused(answer, 422, "DUPLICATE_IDEMPOTENCY_KEY", "operations.2.idempotencyKey")
    assert recorded(db, client_id) == 0


@pytest.mark.parametrize(
    ("changes", "code", "field"),
    [
        ({"amount": "1.001"}, "AMOUNT_PRECISION", "amount"),
        ({"accountNumber": "USR-999"}, "ACCOUNT_NOT_FOUND", "accountNumber"),
        ({"assetCode": "RUBIES"}, "ASSET_NOT_FOUND", "assetCode"),
        ({"accountNumber": "SYS-TREASURY-001"}, "INVALID_ACCOUNT", "accountNumber"),
    ],
)
def test_a_ledger_refusal_in_a_batch_points_at_its_operation(
    client: FlaskClient, db: Session, client_id: str, changes: dict[str, str], code: str, field: str
) -> None:
    batch = {"operations": [operation("l-0"), operation("l-1"), operation("l-2", **changes)]}
    answer = post(client, "/api/wallet/batch", batch)
    assert_refused(answer, 422, code, f"operations.2.{field}")
    assert recorded(db, client_id) == 0


def test_metadata_numbers_are_kept_exactly_as_sent(
    app: Flask, client: FlaskClient, db: Session
) -> None:
    metadata = (
        '{"tenth":0.1,"sum":0.30000000000000004,"tiny":1.5e-7,"big":1e300,'
        '"long":123456789012345678901234567890,"minusZero":-0,"minusZeroPoint":-0.0,"one":1.0}'
    )
    body = (
        '{"accountNumber":"USR-001","assetCode":"GOLD_COINS","amount":1,'
        f'"idempotencyKey":"exact","metadata":{metadata}}}'
    )
    assert post(client, "/api/wallet/topup", body).status_code == 202
    sealed = db.scalar(select(Request.payload).where(Request.idempotency_key == "exact"))
    stored = app.extensions["wallet"].sealer.unseal(sealed)  # sealed at rest with the app's keys
    assert stored is not None
    expected = json.loads(metadata, parse_float=Decimal)
    assert {k: Decimal(repr(v)) for k, v in stored["metadata"].items()} == expected


def test_metrics_name_their_charset_once(client: FlaskClient) -> None:
    content_type = client.get("/metrics").headers["Content-Type"]
    assert content_type.startswith("text/plain") and content_type.count("charset") == 1
