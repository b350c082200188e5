"""Reversals, on real Postgres, each test rolled back."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.accounts import freeze_account, unfreeze_account
from ledger.errors import AmountPrecision, TransactionNotFound
from ledger.reads.requests import request_views
from ledger.verify import find_violations
from tests.integration.ops import (
    outcome,
    post,
    record,
    record_unchecked,
    row,
    run,
    transaction_of,
    user,
)


def topup(session: Session, account: str, amount: str) -> str:
    request = run(session, "topup", account_number=account, amount=amount)
    return str(transaction_of(session, request).id)


def test_a_full_reversal_swaps_the_legs_and_links_to_the_original(session: Session) -> None:
    alice = user(session)
    original = topup(session, alice, "40")
    reversal = run(session, "reversal", transaction_id=original, description="wrong user")
    assert outcome(reversal) == ("completed", None)
    assert row(session, alice)[0] == Decimal(0)
    tx = transaction_of(session, reversal)
    assert (tx.type, tx.amount, str(tx.reversal_of)) == ("reversal", Decimal(40), original)
    (view,) = request_views(session, [reversal], sealer=PLAIN)
    assert view.transaction is not None and str(view.transaction.reversal_of) == original
    assert [(e.account_number, e.direction) for e in view.transaction.entries] == [
        (alice, "DEBIT"),
        ("SYS-TREASURY-001", "CREDIT"),
    ]
    assert find_violations(session) == []


def test_partial_reversals_never_sum_above_the_original(session: Session) -> None:
    alice = user(session)
    original = topup(session, alice, "40")
    steps = [
        run(session, "reversal", transaction_id=original, amount="15"),
        run(session, "reversal", transaction_id=original, amount="25.01"),
        run(session, "reversal", transaction_id=original),  # the rest: 25
        run(session, "reversal", transaction_id=original),  # nothing left
    ]
    assert [outcome(r) for r in steps] == [
        ("completed", None),
        ("failed", "REVERSAL_EXCEEDS_ORIGINAL"),
        ("completed", None),
        ("failed", "REVERSAL_EXCEEDS_ORIGINAL"),
    ]
    assert steps[1].error_message == f"transaction {original} has 25.00 GOLD_COINS left to reverse"
    assert transaction_of(session, steps[2]).amount == Decimal(25)
    assert row(session, alice)[0] == Decimal(0)
    assert find_violations(session) == []


def test_two_reversals_in_one_batch_see_each_other(session: Session) -> None:
    alice = user(session)
    original = topup(session, alice, "40")
    ids = [record(session, "reversal", transaction_id=original, amount="30") for _ in range(2)]
    assert [outcome(r) for r in post(session, *ids)] == [
        ("completed", None),
        ("failed", "REVERSAL_EXCEEDS_ORIGINAL"),
    ]


def test_reversing_a_topup_already_spent_fails_for_insufficient_funds(session: Session) -> None:
    alice = user(session)
    original = topup(session, alice, "40")
    run(session, "spend", account_number=alice, amount="30", description="d")
    reversal = run(session, "reversal", transaction_id=original)
    assert outcome(reversal) == ("failed", "INSUFFICIENT_FUNDS")
    assert outcome(run(session, "reversal", transaction_id=original, amount="10")) == (
        "completed",
        None,
    )
    assert row(session, alice)[0] == Decimal(0)
    assert find_violations(session) == []


def test_funds_on_hold_cannot_be_reversed_away(session: Session) -> None:
    alice = user(session)
    original = topup(session, alice, "40")
    run(session, "hold", account_number=alice, amount="35")
    assert outcome(run(session, "reversal", transaction_id=original, amount="6")) == (
        "failed",
        "INSUFFICIENT_FUNDS",
    )


def test_a_reversal_cannot_be_reversed(session: Session) -> None:
    alice = user(session)
    reversal = run(session, "reversal", transaction_id=topup(session, alice, "40"), amount="1")
    again = run(session, "reversal", transaction_id=str(transaction_of(session, reversal).id))
    assert outcome(again) == ("failed", "INVALID_REVERSAL")


def test_transfers_captures_and_spends_reverse_back_to_their_payer(session: Session) -> None:
    alice, bob = user(session, "100"), user(session)
    sent = run(session, "transfer", account_number=alice, to_account=bob, amount="10")
    spent = run(session, "spend", account_number=alice, amount="20", description="d")
    held = run(session, "hold", account_number=alice, amount="30")
    (hold_id,) = [
        str(v.hold.hold_id) for v in request_views(session, [held], sealer=PLAIN) if v.hold
    ]
    captured = run(session, "capture", hold_id=hold_id)
    for request in (sent, spent, captured):
        original = str(transaction_of(session, request).id)
        assert outcome(run(session, "reversal", transaction_id=original)) == ("completed", None)
    assert (row(session, alice)[0], row(session, bob)[0]) == (Decimal(100), Decimal(0))
    assert find_violations(session) == []


def test_a_reversal_out_of_a_frozen_account_is_refused_and_one_into_it_allowed(
    session: Session,
) -> None:
    alice, frozen = user(session, "100"), user(session, "30")
    sent = run(session, "transfer", account_number=alice, to_account=frozen, amount="40")
    topped = topup(session, frozen, "5")
    spent = run(session, "spend", account_number=frozen, amount="10", description="d")
    freeze_account(session, account_number=frozen)
    transfer = str(transaction_of(session, sent).id)
    refused = [run(session, "reversal", transaction_id=t) for t in (transfer, topped)]
    assert [outcome(r) for r in refused] == [("failed", "ACCOUNT_FROZEN")] * 2
    assert row(session, frozen)[0] == Decimal(65)
    spend = str(transaction_of(session, spent).id)
    assert outcome(run(session, "reversal", transaction_id=spend)) == ("completed", None)
    assert row(session, frozen)[0] == Decimal(75)
    unfreeze_account(session, account_number=frozen)
    assert outcome(run(session, "reversal", transaction_id=transfer)) == ("completed", None)
    assert (row(session, alice)[0], row(session, frozen)[0]) == (Decimal(100), Decimal(35))
    assert find_violations(session) == []


def test_an_unknown_transaction_is_refused_at_submit_and_by_the_worker(session: Session) -> None:
    with pytest.raises(TransactionNotFound):
        record(session, "reversal", transaction_id=str(uuid.uuid4()))
    request = record_unchecked(session, "reversal", {"transactionId": str(uuid.uuid4())})
    assert [outcome(r) for r in post(session, request)] == [("failed", "TRANSACTION_NOT_FOUND")]


def test_a_reversal_amount_is_checked_against_the_asset_scale_at_submit(session: Session) -> None:
    original = topup(session, user(session), "40")
    with pytest.raises(AmountPrecision):
        record(session, "reversal", transaction_id=original, amount="0.001")
