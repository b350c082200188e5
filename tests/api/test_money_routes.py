"""The part-2 submit routes in process: transfers, holds (place, read, capture, void),
reversals, and balances with held/available and asOf. Requests are posted as the worker
would, in the test's transaction."""

import uuid
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.helpers import assert_refused, post
from tests.api.part2 import balance, new_user, submit


@pytest.fixture
def alice(db: Session) -> str:
    return new_user(db)


@pytest.fixture
def bob(db: Session) -> str:
    return new_user(db, "0")


def transfer_body(sender: str, receiver: str, **changes: Any) -> dict[str, Any]:
    body = {"fromAccount": sender, "toAccount": receiver, "assetCode": "GOLD_COINS"}
    return {**body, "amount": "10.00", **changes}


def test_a_transfer_completes_as_a_transfer_seen_from_the_sender(
    client: FlaskClient, alice: str, bob: str
) -> None:
    done = submit(client, "/api/wallet/transfer", transfer_body(alice, bob))
    assert done["status"] == "completed" and done["type"] == "transfer"
    tx = done["transaction"]
    assert (tx["accountNumber"], tx["amount"], tx["balanceAfter"]) == (alice, "10.00", "90.00")
    assert [(e["accountNumber"], e["direction"]) for e in tx["entries"]] == [
        (alice, "DEBIT"),
        (bob, "CREDIT"),
    ]
    assert balance(client, bob)["balance"] == "10.00"


def test_a_replayed_transfer_is_the_same_request_and_a_changed_one_is_refused(
    client: FlaskClient, alice: str, bob: str
) -> None:
    body = transfer_body(alice, bob, idempotencyKey="t-1")
    first = post(client, "/api/wallet/transfer", body)
    again = post(client, "/api/wallet/transfer", body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["requestId"] == first.get_json()["requestId"]
    changed = post(client, "/api/wallet/transfer", {**body, "amount": "11.00"})
    assert_refused(changed, 422, "IDEMPOTENCY_KEY_REUSED", "idempotencyKey")


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        ({"toAccount": "USR-NOBODY"}, 422, "ACCOUNT_NOT_FOUND"),
        ({"toAccount": "SYS-REVENUE-001"}, 422, "INVALID_ACCOUNT"),
        ({"amount": "0.001"}, 422, "AMOUNT_PRECISION"),
        ({"amount": "0"}, 422, "VALIDATION_ERROR"),
        ({"assetCode": "NOPE"}, 422, "ASSET_NOT_FOUND"),
        ({"toAccount": None}, 422, "VALIDATION_ERROR"),
        ({"extra": 1}, 422, "VALIDATION_ERROR"),
    ],
)
def test_a_bad_transfer_is_refused_before_it_is_recorded(
    client: FlaskClient, alice: str, bob: str, changes: dict[str, Any], status: int, code: str
) -> None:
    body = {k: v for k, v in transfer_body(alice, bob, **changes).items() if v is not None}
    answer = post(client, "/api/wallet/transfer", {**body, "idempotencyKey": "bad"})
    assert_refused(answer, status, code)


def test_a_transfer_to_oneself_is_an_invalid_account(client: FlaskClient, alice: str) -> None:
    answer = post(client, "/api/wallet/transfer", transfer_body(alice, alice, idempotencyKey="x"))
    assert_refused(answer, 422, "INVALID_ACCOUNT")


def test_hold_then_partial_capture_moves_balance_held_and_available_as_documented(
    client: FlaskClient, alice: str
) -> None:
    body = {"accountNumber": alice, "assetCode": "GOLD_COINS", "amount": 30}
    held = submit(client, "/api/wallet/holds", body)
    hold = held["hold"]
    assert held["status"] == "completed" and held["transaction"] is None
    assert (hold["status"], hold["amount"], hold["capturedAmount"]) == ("active", "30.00", "0.00")
    assert hold["accountNumber"] == alice and hold["expiresAt"]
    row = balance(client, alice)
    assert (row["balance"], row["held"], row["available"]) == ("100.00", "30.00", "70.00")
    assert client.get(f"/api/wallet/holds/{hold['holdId']}").get_json() == hold
    captured = submit(client, f"/api/wallet/holds/{hold['holdId']}/capture", {"amount": 20})
    assert captured["transaction"]["type"] == "capture"
    assert captured["hold"]["status"] == "captured"
    assert captured["hold"]["capturedAmount"] == "20.00"
    row = balance(client, alice)
    assert (row["balance"], row["held"], row["available"]) == ("80.00", "0.00", "80.00")


def test_a_voided_hold_releases_and_a_second_void_fails_not_active(
    client: FlaskClient, alice: str
) -> None:
    body = {"accountNumber": alice, "assetCode": "GOLD_COINS", "amount": 30}
    hold_id = submit(client, "/api/wallet/holds", body)["hold"]["holdId"]
    voided = submit(client, f"/api/wallet/holds/{hold_id}/void", {})
    assert voided["status"] == "completed" and voided["hold"]["status"] == "voided"
    again = submit(client, f"/api/wallet/holds/{hold_id}/void", {})
    assert (again["status"], again["error"]["code"]) == ("failed", "HOLD_NOT_ACTIVE")
    assert balance(client, alice)["available"] == "100.00"


@pytest.mark.parametrize("seconds", [0, -1, 604801])
def test_a_hold_expiry_out_of_range_is_invalid_expiry(
    client: FlaskClient, alice: str, seconds: int
) -> None:
    body = {"accountNumber": alice, "assetCode": "GOLD_COINS", "amount": 1}
    answer = post(
        client, "/api/wallet/holds", {**body, "expiresInSeconds": seconds, "idempotencyKey": "e"}
    )
    assert_refused(answer, 422, "INVALID_EXPIRY", "expiresInSeconds")


@pytest.mark.parametrize("hold_id", [str(uuid.uuid4()), "not-a-uuid"])
@pytest.mark.parametrize("action", ["capture", "void"])
def test_settling_an_unknown_hold_is_hold_not_found(
    client: FlaskClient, hold_id: str, action: str
) -> None:
    answer = post(client, f"/api/wallet/holds/{hold_id}/{action}", {"idempotencyKey": "k"})
    assert_refused(answer, 404, "HOLD_NOT_FOUND")


@pytest.mark.parametrize("hold_id", [str(uuid.uuid4()), "not-a-uuid"])
def test_reading_an_unknown_hold_is_hold_not_found(client: FlaskClient, hold_id: str) -> None:
    assert_refused(client.get(f"/api/wallet/holds/{hold_id}"), 404, "HOLD_NOT_FOUND")


def test_a_reversal_links_to_its_original_and_cannot_exceed_it(
    client: FlaskClient, alice: str, bob: str
) -> None:
    original = submit(client, "/api/wallet/transfer", transfer_body(alice, bob))["transaction"]
    body = {"transactionId": original["transactionId"], "amount": "4.00", "reason": "Refund"}
    reversed_ = submit(client, "/api/wallet/reversals", body)["transaction"]
    assert reversed_["type"] == "reversal"
    assert reversed_["reversalOf"] == original["transactionId"]
    assert balance(client, bob)["balance"] == "6.00"
    too_much = submit(client, "/api/wallet/reversals", {**body, "amount": "7.00"})
    assert too_much["error"]["code"] == "REVERSAL_EXCEEDS_ORIGINAL"


@pytest.mark.parametrize(
    ("transaction_id", "status", "code"),
    [(str(uuid.uuid4()), 404, "TRANSACTION_NOT_FOUND"), ("nope", 422, "VALIDATION_ERROR")],
)
def test_reversing_an_unknown_transaction_is_refused(
    client: FlaskClient, transaction_id: str, status: int, code: str
) -> None:
    body = {"transactionId": transaction_id, "idempotencyKey": "r"}
    assert_refused(post(client, "/api/wallet/reversals", body), status, code)


def test_balance_as_of_an_instant_gives_the_posted_balances_then(
    client: FlaskClient, alice: str
) -> None:
    answer = client.get(f"/api/wallet/balance/{alice}?asOf=2000-01-01T00:00:00Z")
    assert answer.status_code == 200
    gold = next(b for b in answer.get_json()["balances"] if b["code"] == "GOLD_COINS")
    assert list(gold) == ["code", "name", "balance", "held", "available"]
    assert gold["balance"] == "0.00"


@pytest.mark.parametrize("as_of", ["yesterday", "2026-13-01T00:00:00Z", "2026-01-01T00:00:00"])
def test_a_bad_as_of_is_a_400(client: FlaskClient, as_of: str) -> None:
    answer = client.get(f"/api/wallet/balance/USR-001?asOf={as_of}")
    assert_refused(answer, 400, "VALIDATION_ERROR", "asOf")
