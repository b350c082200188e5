"""Transfers between users and frozen accounts, on real Postgres, each test rolled back."""

from decimal import Decimal

import pytest
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.accounts import freeze_account, unfreeze_account
from ledger.errors import AccountNotFound, InvalidAccount
from ledger.reads.requests import request_views
from ledger.verify import find_violations
from tests.integration.ops import outcome, post, record, row, run, transaction_of, user


def test_a_transfer_moves_funds_from_one_user_to_another_in_one_transaction(
    session: Session,
) -> None:
    alice, bob = user(session, "100"), user(session, "5")
    request = run(session, "transfer", account_number=alice, to_account=bob, amount="30.5")
    assert outcome(request) == ("completed", None)
    assert (row(session, alice)[0], row(session, bob)[0]) == (Decimal("69.5"), Decimal("35.5"))
    tx = transaction_of(session, request)
    assert (tx.type, tx.amount) == ("transfer", Decimal("30.5"))
    (view,) = request_views(session, [request], sealer=PLAIN)
    assert view.transaction is not None
    assert (view.transaction.account_number, str(view.transaction.balance_after)) == (
        alice,
        "69.50",
    )
    assert [(e.account_number, e.direction) for e in view.transaction.entries] == [
        (alice, "DEBIT"),
        (bob, "CREDIT"),
    ]
    assert find_violations(session) == []


def test_a_transfer_beyond_the_available_funds_fails_and_moves_nothing(session: Session) -> None:
    alice, bob = user(session, "10"), user(session)
    request = run(session, "transfer", account_number=alice, to_account=bob, amount="10.01")
    assert outcome(request) == ("failed", "INSUFFICIENT_FUNDS")
    assert (row(session, alice)[0], row(session, bob)[0]) == (Decimal(10), Decimal(0))


@pytest.mark.parametrize(
    ("to_account", "refusal"),
    [
        ("SELF", InvalidAccount),
        ("SYS-REVENUE-001", InvalidAccount),
        ("USR-NOBODY", AccountNotFound),
    ],
)
def test_a_transfer_needs_two_different_user_accounts(
    session: Session, to_account: str, refusal: type[Exception]
) -> None:
    alice = user(session, "10")
    receiver = alice if to_account == "SELF" else to_account
    with pytest.raises(refusal):
        record(session, "transfer", account_number=alice, to_account=receiver, amount="1")


def test_transfers_both_ways_in_one_batch_post_against_running_balances(
    session: Session,
) -> None:
    alice, bob = user(session, "10"), user(session, "0")
    ids = [
        record(session, "transfer", account_number=alice, to_account=bob, amount="10"),
        record(session, "transfer", account_number=bob, to_account=alice, amount="4"),
        record(session, "transfer", account_number=bob, to_account=alice, amount="7"),
    ]
    assert [outcome(r) for r in post(session, *ids)] == [
        ("completed", None),
        ("completed", None),
        ("failed", "INSUFFICIENT_FUNDS"),
    ]
    assert (row(session, alice)[0], row(session, bob)[0]) == (Decimal(4), Decimal(6))


def test_a_frozen_account_refuses_spends_transfers_out_and_holds_and_still_receives(
    session: Session,
) -> None:
    frozen, other = user(session, "100"), user(session, "100")
    assert freeze_account(session, account_number=frozen).status == "frozen"
    refused = [
        run(session, "spend", account_number=frozen, amount="1", description="d"),
        run(session, "transfer", account_number=frozen, to_account=other, amount="1"),
        run(session, "hold", account_number=frozen, amount="1"),
    ]
    assert [outcome(r) for r in refused] == [("failed", "ACCOUNT_FROZEN")] * 3
    received = [
        run(session, "topup", account_number=frozen, amount="5"),
        run(session, "bonus", account_number=frozen, amount="5", description="r"),
        run(session, "transfer", account_number=other, to_account=frozen, amount="5"),
    ]
    assert [outcome(r) for r in received] == [("completed", None)] * 3
    assert row(session, frozen)[0] == Decimal(115)
    unfreeze_account(session, account_number=frozen)
    spent = run(session, "spend", account_number=frozen, amount="1", description="d")
    assert outcome(spent) == ("completed", None)
    assert find_violations(session) == []


def test_a_frozen_account_without_funds_says_frozen_rather_than_insufficient(
    session: Session,
) -> None:
    frozen = user(session)
    freeze_account(session, account_number=frozen)
    spend = run(session, "spend", account_number=frozen, amount="1", description="d")
    assert outcome(spend) == ("failed", "ACCOUNT_FROZEN")


def test_system_accounts_cannot_be_frozen(session: Session) -> None:
    with pytest.raises(InvalidAccount):
        freeze_account(session, account_number="SYS-TREASURY-001")
    with pytest.raises(AccountNotFound):
        freeze_account(session, account_number="USR-NOBODY")
