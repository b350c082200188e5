"""Part 2 of the contract through HTTP -> Redis -> Celery worker -> Postgres: transfers,
holds, captures, voids, reversals and frozen accounts, each submitted with Prefer: wait,
replayed, and refused on a reused key; the ledger verified after each test."""

import subprocess
import sys
import uuid
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from harness.processes import ROOT
from tests.fixtures.clients import Api, UserFactory

pytestmark = pytest.mark.usefixtures("verified")
HOLD_FIELDS = ["holdId", "accountNumber", "assetCode", "amount", "status", "expiresAt"]


def keyed(**body: Any) -> dict[str, Any]:
    return {"idempotencyKey": f"p2-{uuid.uuid4()}", **body}


def done(http: Api, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Submit with Prefer: wait; the finished request resource."""
    answer = http.submit(path, body)
    assert answer.status_code == 200, answer.text
    resource: dict[str, Any] = answer.json()
    assert resource["status"] in ("completed", "failed")
    return resource


def replayed_is_the_same(http: Api, path: str, body: dict[str, Any], first: dict[str, Any]) -> None:
    again = http.submit(path, body)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert {k: v for k, v in again.json().items() if k != "hold"} == {
        k: v for k, v in first.items() if k != "hold"
    }
    changed = {**body, "description": "changed"} if path != "reversals" else {**body, "reason": "x"}
    reused = http.submit(path, changed)
    assert reused.status_code == 422 and reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"


def row(http: Api, account: str) -> tuple[str, str, str]:
    balances = http.get(f"/api/wallet/balance/{account}").json()["balances"]
    gold = next(b for b in balances if b["code"] == "GOLD_COINS")
    return gold["balance"], gold["held"], gold["available"]


def test_a_transfer_completes_replays_and_refuses_a_reused_key(
    http: Api, make_user: UserFactory
) -> None:
    alice, bob = make_user(GOLD_COINS="100"), make_user(GOLD_COINS="0")
    gold = {"assetCode": "GOLD_COINS", "amount": "25.00"}
    body = keyed(fromAccount=alice, toAccount=bob, description="Gift", **gold)
    first = done(http, "transfer", body)
    tx = first["transaction"]
    assert (first["type"], tx["type"], tx["accountNumber"]) == ("transfer", "transfer", alice)
    assert [(e["accountNumber"], e["direction"], e["amount"]) for e in tx["entries"]] == [
        (alice, "DEBIT", "25.00"),
        (bob, "CREDIT", "25.00"),
    ]
    replayed_is_the_same(http, "transfer", body, first)
    assert (http.balance(alice), http.balance(bob)) == ("75.00", "25.00")
    overdraft = {**gold, "amount": "26"}
    broke = done(http, "transfer", keyed(fromAccount=bob, toAccount=alice, **overdraft))
    assert broke["error"]["code"] == "INSUFFICIENT_FUNDS"


def test_hold_then_partial_capture_is_100_30_70_then_80_0_80(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="100")
    body = keyed(accountNumber=user, assetCode="GOLD_COINS", amount=30, description="Entry")
    placed = done(http, "holds", body)
    hold = placed["hold"]
    assert list(hold)[: len(HOLD_FIELDS)] == HOLD_FIELDS and placed["transaction"] is None
    assert (hold["status"], hold["amount"], hold["capturedAmount"]) == ("active", "30.00", "0.00")
    replayed_is_the_same(http, "holds", body, placed)
    assert row(http, user) == ("100.00", "30.00", "70.00")
    capture = keyed(amount=20, description="Fee")
    captured = done(http, f"holds/{hold['holdId']}/capture", capture)
    assert captured["transaction"]["type"] == "capture"
    assert captured["transaction"]["amount"] == "20.00"
    replayed_is_the_same(http, f"holds/{hold['holdId']}/capture", capture, captured)
    assert row(http, user) == ("80.00", "0.00", "80.00")
    read = http.get(f"/api/wallet/holds/{hold['holdId']}").json()
    assert (read["status"], read["capturedAmount"]) == ("captured", "20.00")


def test_a_void_releases_the_hold_and_a_second_void_fails_not_active(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="50")
    hold_id = done(http, "holds", keyed(accountNumber=user, assetCode="GOLD_COINS", amount=50))[
        "hold"
    ]["holdId"]
    assert row(http, user) == ("50.00", "50.00", "0.00")
    voided = done(http, f"holds/{hold_id}/void", keyed())
    assert (voided["status"], voided["hold"]["status"]) == ("completed", "voided")
    again = done(http, f"holds/{hold_id}/void", keyed())
    assert again["error"]["code"] == "HOLD_NOT_ACTIVE"
    assert row(http, user) == ("50.00", "0.00", "50.00")
    unknown = http.submit(f"holds/{uuid.uuid4()}/void", keyed())
    assert unknown.status_code == 404 and unknown.json()["code"] == "HOLD_NOT_FOUND"


def test_a_reversal_is_linked_bounded_and_replayed(http: Api, make_user: UserFactory) -> None:
    user = make_user(GOLD_COINS="10")
    spent = done(
        http,
        "spend",
        keyed(accountNumber=user, assetCode="GOLD_COINS", amount=8, description="Sword"),
    )
    original = spent["transaction"]["transactionId"]
    body = keyed(transactionId=original, amount="5.00", reason="Refund")
    first = done(http, "reversals", body)
    tx = first["transaction"]
    assert (tx["type"], tx["reversalOf"], tx["accountNumber"]) == ("reversal", original, user)
    assert [(e["accountNumber"], e["direction"]) for e in tx["entries"]][1] == (user, "CREDIT")
    replayed_is_the_same(http, "reversals", body, first)
    over = done(http, "reversals", keyed(transactionId=original, amount="3.01"))
    assert over["error"]["code"] == "REVERSAL_EXCEEDS_ORIGINAL"
    rest = done(http, "reversals", keyed(transactionId=original))
    assert rest["transaction"]["amount"] == "3.00" and http.balance(user) == "10.00"


def test_a_frozen_account_refuses_spends_transfers_and_holds_and_still_receives(
    http: Api, make_user: UserFactory, sessions: sessionmaker[Session]
) -> None:
    user, other = make_user(GOLD_COINS="40"), make_user(GOLD_COINS="10")
    assert http.post(f"/api/accounts/{user}/freeze").json()["status"] == "frozen"
    gold = {"assetCode": "GOLD_COINS", "amount": 5}
    refused = [
        done(http, "spend", keyed(accountNumber=user, description="Sword", **gold)),
        done(http, "transfer", keyed(fromAccount=user, toAccount=other, **gold)),
        done(http, "holds", keyed(accountNumber=user, **gold)),
    ]
    assert [r["error"]["code"] for r in refused] == ["ACCOUNT_FROZEN"] * 3
    assert done(http, "topup", keyed(accountNumber=user, **gold))["status"] == "completed"
    received = done(http, "transfer", keyed(fromAccount=other, toAccount=user, **gold))
    assert received["status"] == "completed"
    assert http.post(f"/api/accounts/{user}/unfreeze").json()["status"] == "active"
    assert http.balance(user) == "50.00"
    verify = subprocess.run(
        [sys.executable, "-m", "ledger.verify"],
        env=Api.env_for(sessions),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
