"""Holds: place, capture (all or part), void, expire; on real Postgres, each test rolled back."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.accounts import freeze_account, unfreeze_account
from ledger.errors import AmountPrecision, HoldNotFound, InvalidExpiry
from ledger.posting.expiry import expire_holds
from ledger.reads.holds import get_hold
from ledger.reads.queries import get_balances
from ledger.reads.requests import request_views
from ledger.verify import find_violations
from tests.integration.ops import (
    hold_of,
    outcome,
    post,
    record,
    record_unchecked,
    row,
    run,
    transaction_of,
    user,
)


def place(session: Session, account: str, amount: str, seconds: int | None = None) -> str:
    request = run(
        session, "hold", account_number=account, amount=amount, expires_in_seconds=seconds
    )
    assert outcome(request) == ("completed", None)
    return str(hold_of(session, request).id)


def test_a_hold_reserves_funds_without_posting_and_the_request_shows_it(session: Session) -> None:
    alice = user(session, "100")
    request = run(session, "hold", account_number=alice, amount="30", description="entry fee")
    (view,) = request_views(session, [request], sealer=PLAIN)
    assert view.status == "completed" and view.transaction is None and view.hold is not None
    assert (view.hold.account_number, view.hold.asset_code, str(view.hold.amount)) == (
        alice,
        "GOLD_COINS",
        "30.00",
    )
    assert (view.hold.status, str(view.hold.captured_amount)) == ("active", "0.00")
    delay = view.hold.expires_at - view.hold.created_at
    assert delay == timedelta(seconds=3600)
    assert get_hold(session, hold_id=view.hold.hold_id) == view.hold
    gold = get_balances(session, account_number=alice).balances[0]
    assert (str(gold.balance), str(gold.held), str(gold.available)) == ("100.00", "30.00", "70.00")
    assert find_violations(session) == []


def test_spends_transfers_and_holds_need_the_available_balance(session: Session) -> None:
    alice, bob = user(session, "100"), user(session)
    place(session, alice, "70")
    refused = [
        run(session, "spend", account_number=alice, amount="31", description="d"),
        run(session, "transfer", account_number=alice, to_account=bob, amount="31"),
        run(session, "hold", account_number=alice, amount="31"),
    ]
    assert [outcome(r) for r in refused] == [("failed", "INSUFFICIENT_FUNDS")] * 3
    assert refused[0].error_message == f"{alice} holds 100.00 GOLD_COINS (70.00 held), needs 31.00"
    spent = run(session, "spend", account_number=alice, amount="30", description="d")
    assert outcome(spent) == ("completed", None)
    assert row(session, alice) == (Decimal(70), Decimal(70))


def test_a_partial_capture_posts_the_amount_and_releases_the_rest(session: Session) -> None:
    alice = user(session, "100")
    hold_id = place(session, alice, "30")
    revenue_before = row(session, "SYS-REVENUE-001")[0]
    capture = run(session, "capture", hold_id=hold_id, amount="20", description="settled")
    assert outcome(capture) == ("completed", None)
    gold = get_balances(session, account_number=alice).balances[0]
    assert (str(gold.balance), str(gold.held), str(gold.available)) == ("80.00", "0.00", "80.00")
    assert row(session, "SYS-REVENUE-001")[0] - revenue_before == Decimal(20)
    tx = transaction_of(session, capture)
    assert (tx.type, tx.amount, str(tx.hold_id)) == ("capture", Decimal(20), hold_id)
    (view,) = request_views(session, [capture], sealer=PLAIN)
    assert view.transaction is not None and view.hold is not None
    assert (view.transaction.account_number, str(view.transaction.balance_after)) == (
        alice,
        "80.00",
    )
    assert (view.hold.status, str(view.hold.captured_amount)) == ("captured", "20.00")
    assert find_violations(session) == []


def test_a_capture_without_amount_takes_the_whole_hold(session: Session) -> None:
    alice = user(session, "100")
    capture = run(session, "capture", hold_id=place(session, alice, "30"))
    assert outcome(capture) == ("completed", None)
    assert row(session, alice) == (Decimal(70), Decimal(0))


def test_a_capture_above_the_hold_fails_and_leaves_it_active(session: Session) -> None:
    alice = user(session, "100")
    hold_id = place(session, alice, "30")
    capture = run(session, "capture", hold_id=hold_id, amount="30.01")
    assert outcome(capture) == ("failed", "CAPTURE_EXCEEDS_HOLD")
    assert get_hold(session, hold_id=hold_id).status == "active"
    assert row(session, alice) == (Decimal(100), Decimal(30))


def test_a_void_releases_the_hold_and_a_settled_hold_cannot_be_settled_again(
    session: Session,
) -> None:
    alice = user(session, "100")
    hold_id = place(session, alice, "30")
    assert outcome(run(session, "void", hold_id=hold_id)) == ("completed", None)
    assert row(session, alice) == (Decimal(100), Decimal(0))
    again = [run(session, "void", hold_id=hold_id), run(session, "capture", hold_id=hold_id)]
    assert [outcome(r) for r in again] == [("failed", "HOLD_NOT_ACTIVE")] * 2
    assert again[1].error_message == f"hold {hold_id} is voided"
    assert find_violations(session) == []


@pytest.mark.parametrize("first", ["capture", "void"])
def test_a_capture_and_a_void_of_one_hold_in_one_batch_exactly_one_wins(
    session: Session, first: str
) -> None:
    alice = user(session, "100")
    hold_id = place(session, alice, "30")
    second = "void" if first == "capture" else "capture"
    ids = [record(session, op, hold_id=hold_id) for op in (first, second)]
    assert [outcome(r) for r in post(session, *ids)] == [
        ("completed", None),
        ("failed", "HOLD_NOT_ACTIVE"),
    ]
    assert row(session, alice) == (Decimal(70 if first == "capture" else 100), Decimal(0))
    assert find_violations(session) == []


def test_the_sweep_expires_holds_past_their_time_and_releases_them(session: Session) -> None:
    alice = user(session, "100")
    soon, later = place(session, alice, "10", seconds=60), place(session, alice, "20")
    now = session.scalar(select(func.now()))
    assert now is not None
    assert expire_holds(session, now=now + timedelta(seconds=59)) == []
    assert len(expire_holds(session, now=now + timedelta(seconds=61))) == 1
    assert (get_hold(session, hold_id=soon).status, get_hold(session, hold_id=later).status) == (
        "expired",
        "active",
    )
    assert row(session, alice) == (Decimal(100), Decimal(20))
    assert find_violations(session) == []


def test_a_hold_past_its_time_cannot_be_captured_even_before_the_sweep(session: Session) -> None:
    alice = user(session, "100")
    hold_id = place(session, alice, "30")
    session.execute(
        text("UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = :id"),
        {"id": hold_id},
    )
    capture = run(session, "capture", hold_id=hold_id)
    assert (outcome(capture), capture.error_message) == (
        ("failed", "HOLD_NOT_ACTIVE"),
        f"hold {hold_id} has expired",
    )
    assert get_hold(session, hold_id=hold_id).status == "expired"
    assert row(session, alice) == (Decimal(100), Decimal(0))
    assert find_violations(session) == []


def test_a_hold_on_an_account_frozen_since_is_not_captured_until_the_unfreeze(
    session: Session,
) -> None:
    alice = user(session, "100")
    kept, voided = place(session, alice, "30"), place(session, alice, "20")
    freeze_account(session, account_number=alice)
    assert outcome(run(session, "capture", hold_id=kept)) == ("failed", "ACCOUNT_FROZEN")
    assert get_hold(session, hold_id=kept).status == "active"
    assert row(session, alice) == (Decimal(100), Decimal(50))
    assert outcome(run(session, "void", hold_id=voided)) == ("completed", None)
    unfreeze_account(session, account_number=alice)
    assert outcome(run(session, "capture", hold_id=kept)) == ("completed", None)
    assert row(session, alice) == (Decimal(70), Decimal(0))
    assert find_violations(session) == []


def test_an_unknown_hold_is_refused_at_submit_and_by_the_worker(session: Session) -> None:
    with pytest.raises(HoldNotFound):
        record(session, "capture", hold_id=str(uuid.uuid4()))
    with pytest.raises(HoldNotFound):
        record(session, "void", hold_id="not-a-uuid")
    ids = [
        record_unchecked(session, "capture", {"holdId": str(uuid.uuid4())}),
        record_unchecked(session, "void", {"holdId": "not-a-uuid"}),
    ]
    assert [outcome(r) for r in post(session, *ids)] == [("failed", "HOLD_NOT_FOUND")] * 2


def test_hold_amounts_and_expiry_are_checked_at_submit(session: Session) -> None:
    alice = user(session, "100")
    with pytest.raises(AmountPrecision):
        record(session, "hold", account_number=alice, amount="0.001")
    for seconds in (0, 604801):
        with pytest.raises(InvalidExpiry):
            record(session, "hold", account_number=alice, amount="1", expires_in_seconds=seconds)
    hold_id = place(session, alice, "10", seconds=604800)
    with pytest.raises(AmountPrecision):
        record(session, "capture", hold_id=hold_id, amount="0.001")


def test_a_batch_with_a_hold_adds_two_statements_to_the_seed_three(session: Session) -> None:
    alice, bob = user(session, "100"), user(session)
    hold_id = place(session, alice, "30")
    ids = [
        record(session, "topup", account_number=bob, amount="5"),
        record(session, "capture", hold_id=hold_id, amount="10"),
        record(session, "hold", account_number=alice, amount="5"),
    ]
    statements: list[str] = []

    def remember(*args: object) -> None:
        statements.append(str(args[2]).strip())

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", remember)
    assert [outcome(r) for r in post(session, *ids)] == [("completed", None)] * 3
    event.remove(connection, "before_cursor_execute", remember)
    executed = [s.split("(")[0].split("\n")[0] for s in statements if not s.startswith("PREPARE")]
    assert executed[:5] == [
        "EXECUTE wallet_lock_requests",
        "SELECT CAST",  # the holds, FOR UPDATE
        "EXECUTE wallet_lock_balances",
        "EXECUTE wallet_write_extras",
        "EXECUTE wallet_write_journal",
    ]
    assert row(session, alice) == (Decimal(90), Decimal(5))
