"""Accounts and assets, point-in-time balances, and what verify and the schema refuse; each
test rolled back."""

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledger.accounts import (
    create_account,
    create_asset,
    get_account,
    list_accounts,
    list_assets,
)
from ledger.errors import AccountExists, AssetExists, InvalidCursor, InvalidScale
from ledger.models import Account, AccountBalance
from ledger.reads.queries import get_balances
from ledger.verify import find_violations
from tests.integration.ops import hold_of, row, run, transaction_of, user


def test_an_account_is_created_once_with_a_balance_row_per_asset(session: Session) -> None:
    account, created = create_account(session, account_number="USR-NEW-1", name="New One")
    assert (account.account_number, account.kind, account.status, created) == (
        "USR-NEW-1",
        "user",
        "active",
        True,
    )
    again, created_again = create_account(session, account_number="USR-NEW-1", name="New One")
    assert (again, created_again) == (account, False)
    with pytest.raises(AccountExists):
        create_account(session, account_number="USR-NEW-1", name="Someone Else")
    with pytest.raises(AccountExists):
        create_account(session, account_number="SYS-TREASURY-001", name="Treasury")
    assert [b.code for b in get_balances(session, account_number="USR-NEW-1").balances] == [
        "GOLD_COINS",
        "DIAMONDS",
        "LOYALTY_POINTS",
    ]
    assert get_account(session, account_number="USR-NEW-1") == account


def test_an_asset_is_created_once_with_a_balance_row_per_account(session: Session) -> None:
    asset, created = create_asset(session, code="RUBIES", name="Rubies", scale=0)
    assert (asset.code, asset.scale, created) == ("RUBIES", 0, True)
    assert create_asset(session, code="RUBIES", name="Rubies", scale=0) == (asset, False)
    with pytest.raises(AssetExists):
        create_asset(session, code="RUBIES", name="Rubies", scale=2)
    with pytest.raises(InvalidScale):
        create_asset(session, code="PEARLS", name="Pearls", scale=9)
    rows = session.scalar(
        select(func.count())
        .select_from(AccountBalance)
        .join(Account, Account.id == AccountBalance.account_id)
    )
    accounts = session.scalar(select(func.count()).select_from(Account))
    assets = session.scalar(text("SELECT count(*) FROM asset_types"))
    assert rows == accounts * assets


def test_accounts_and_assets_are_listed_page_by_page(session: Session) -> None:
    for i in range(5):
        create_account(session, account_number=f"USR-PAGE-{i}", name=f"Page {i}")
    seen, cursor = [], None
    while True:
        page = list_accounts(session, limit=2, cursor=cursor)
        assert len(page.accounts) <= 2
        seen += [a.account_number for a in page.accounts]
        if (cursor := page.next_cursor) is None:
            break
    total = session.scalar(select(func.count()).select_from(Account))
    assert len(seen) == len(set(seen)) == total
    assert seen[-5:] == [f"USR-PAGE-{i}" for i in range(5)]
    first = list_assets(session, limit=2)
    assert [a.code for a in first.assets] == ["GOLD_COINS", "DIAMONDS"]
    assert first.next_cursor is not None
    rest = list_assets(session, limit=2, cursor=first.next_cursor)
    assert ([a.code for a in rest.assets], rest.next_cursor) == (["LOYALTY_POINTS"], None)
    with pytest.raises(InvalidCursor):
        list_assets(session, limit=2, cursor=page.next_cursor or "ZTE")  # an entries cursor


def test_balances_as_of_an_instant_are_the_running_balances_then(session: Session) -> None:
    alice, bob = user(session), user(session)
    steps = [
        ("topup", {"account_number": alice, "amount": "50"}),
        ("spend", {"account_number": alice, "amount": "7.25", "description": "d"}),
        ("transfer", {"account_number": alice, "to_account": bob, "amount": "12"}),
        ("hold", {"account_number": alice, "amount": "5"}),  # no entry: posted unchanged
        ("bonus", {"account_number": alice, "amount": "1", "description": "r"}),
    ]
    instants: list[tuple[datetime, Decimal, Decimal]] = []
    for operation, fields in steps:
        run(session, operation, **fields)
        now = session.scalar(select(func.clock_timestamp()))
        assert now is not None
        instants.append((now, row(session, alice)[0], row(session, bob)[0]))
    for instant, alice_then, bob_then in instants:
        for account, then in ((alice, alice_then), (bob, bob_then)):
            gold = get_balances(session, account_number=account, as_of=instant).balances[0]
            assert (gold.balance, gold.held) == (then, None)
    before = get_balances(session, account_number=alice, as_of=datetime(2000, 1, 1))
    assert [b.balance for b in before.balances] == [Decimal("0.00")] * 3


def test_verify_finds_held_amounts_and_reversals_that_disagree(session: Session) -> None:
    alice = user(session, "100")
    hold = hold_of(session, run(session, "hold", account_number=alice, amount="30"))
    tx = transaction_of(session, run(session, "topup", account_number=alice, amount="5"))
    assert find_violations(session) == []
    session.execute(text("UPDATE holds SET status = 'voided' WHERE id = :id"), {"id": hold.id})
    session.execute(
        text("UPDATE transactions SET reversed_amount = 1 WHERE id = :id"), {"id": tx.id}
    )
    assert {v.check for v in find_violations(session)} == {
        "held equals the sum of the row's active holds",
        "captured holds have one capture transaction of the captured amount, others none",
        "reversed amount equals the sum of its reversals and never exceeds the original",
    }


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE account_balances SET held = balance + 1 WHERE id = :balance", "available"),
        ("UPDATE account_balances SET held = -1 WHERE id = :balance", "held_not_negative"),
        ("UPDATE holds SET captured_amount = amount + 1 WHERE id = :hold", "captured_within"),
        ("UPDATE transactions SET reversed_amount = amount + 1 WHERE id = :tx", "reversed_within"),
        ("UPDATE accounts SET status = 'closed' WHERE id = :account", "account_status_known"),
    ],
)
def test_the_schema_refuses_what_breaks_a_hold_or_reversal_rule(
    session: Session, statement: str, constraint: str
) -> None:
    alice = user(session, "100")
    hold = hold_of(session, run(session, "hold", account_number=alice, amount="30"))
    tx = transaction_of(session, run(session, "topup", account_number=alice, amount="5"))
    ids = {"balance": hold.balance_id, "hold": hold.id, "tx": tx.id, "account": hold.account_id}
    with pytest.raises(IntegrityError, match=constraint), session.begin_nested():
        session.execute(text(statement), ids)
