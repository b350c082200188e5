"""Posting on real Postgres, each test rolled back: entries, balance rows, batches, refusals."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.errors import AmountPrecision, IdempotencyKeyReused, InsufficientFunds
from ledger.models import AccountBalance, LedgerEntry, Request, Transaction
from ledger.posting.lifecycle import process_requests
from ledger.reads.queries import get_balances
from ledger.reads.requests import request_views
from ledger.seed import create_assets
from ledger.verify import find_violations
from tests.integration.helpers import deliver, gold, new_user, submit


def test_a_topup_posts_one_debit_and_one_credit_of_equal_amount(session: Session) -> None:
    user = new_user(session)
    (request,) = deliver(session, submit(session, user))
    assert request.status == "completed"
    tx = session.scalar(select(Transaction).where(Transaction.request_id == request.id))
    assert tx is not None
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == tx.id)).all()
    assert sorted((e.direction, e.amount) for e in entries) == [
        ("CREDIT", Decimal(10)),
        ("DEBIT", Decimal(10)),
    ]
    assert gold(session, user) == Decimal("10.00")
    assert find_violations(session) == []


def test_accounts_and_assets_are_created_with_their_balance_rows(session: Session) -> None:
    user = new_user(session)
    assert {b.code: b.balance for b in get_balances(session, account_number=user).balances} == {
        "GOLD_COINS": Decimal("0.00"),
        "DIAMONDS": Decimal("0.00"),
        "LOYALTY_POINTS": Decimal("0.00"),
    }
    create_assets(session, assets=[("RUBIES", "Rubies", 0)])
    accounts = session.scalar(text("SELECT count(*) FROM accounts"))
    rubies = session.scalar(
        text(
            "SELECT count(*) FROM account_balances b JOIN asset_types t ON t.id = b.asset_id "
            "WHERE t.code = 'RUBIES'"
        )
    )
    assert rubies == accounts


def test_posting_never_creates_a_balance_row(session: Session) -> None:
    number = f"USR-I{uuid.uuid4().hex[:8].upper()}"
    session.execute(
        text(
            "INSERT INTO accounts (account_number, name, kind, allow_negative) "
            "VALUES (:n, 'No balance rows', 'user', false)"
        ),
        {"n": number},
    )
    rows_before = session.scalar(select(func.count()).select_from(AccountBalance))
    (request,) = deliver(session, submit(session, number, amount="3"))
    assert (request.status, request.error_code, request.error_message) == (
        "failed",
        "ACCOUNT_NOT_FOUND",
        f"account {number!r} has no GOLD_COINS balance",
    )
    assert session.scalar(select(func.count()).select_from(AccountBalance)) == rows_before


def test_a_batch_is_posted_with_three_statements_whatever_its_size(session: Session) -> None:
    user, other = new_user(session), new_user(session)
    ids = [submit(session, u, op) for u in (user, other) for op in ("topup", "bonus", "spend")]
    statements: list[str] = []

    def record(*args: object) -> None:
        statements.append(str(args[2]))

    connection = session.connection()
    event.listen(connection, "before_cursor_execute", record)
    outcomes = process_requests(session, request_ids=ids, max_attempts=3, sealer=PLAIN).outcomes
    event.remove(connection, "before_cursor_execute", record)
    assert [o.status for o in outcomes] == ["completed"] * 6
    executed = [s.split("(")[0] for s in statements if not s.startswith("PREPARE")]
    assert executed == [
        "EXECUTE wallet_lock_requests",
        "EXECUTE wallet_lock_balances",
        "EXECUTE wallet_write_journal",
    ]
    prepared = {
        name: sql
        for name, sql in session.execute(text("SELECT name, statement FROM pg_prepared_statements"))
    }
    assert "FOR UPDATE OF b" in prepared["wallet_lock_balances"]
    assert not any("INSERT INTO account_balances" in sql for sql in prepared.values())


def test_insufficient_funds_fails_the_request_and_writes_nothing(session: Session) -> None:
    user = new_user(session)
    (request,) = deliver(session, submit(session, user, "spend", "0.01"))
    assert (request.status, request.error_code) == ("failed", InsufficientFunds.code)
    assert request.error_message == f"{user} holds 0.00 GOLD_COINS, needs 0.01"
    assert session.scalar(select(Transaction).where(Transaction.request_id == request.id)) is None
    assert gold(session, user) == Decimal("0.00")


def test_a_batch_posts_each_request_against_running_balances(session: Session) -> None:
    user = new_user(session)
    plan: list[tuple[str, str]] = [
        ("topup", "10"),
        ("spend", "4"),
        ("spend", "7"),
        ("bonus", "1"),
        ("spend", "7"),
    ]
    ids = [submit(session, user, op, amount) for op, amount in plan]
    requests = deliver(session, *ids)
    assert [r.status for r in requests] == [
        "completed",
        "completed",
        "failed",
        "completed",
        "completed",
    ]
    assert gold(session, user) == Decimal("0.00")
    assert find_violations(session) == []


def test_the_same_key_with_another_payload_is_refused(session: Session) -> None:
    user = new_user(session)
    first = submit(session, user, key="same")
    assert submit(session, user, key="same") == first  # a replay names the recorded request
    with pytest.raises(IdempotencyKeyReused):
        submit(session, user, amount="11", key="same")
    recorded = session.scalars(select(Request).where(Request.idempotency_key == "same")).all()
    assert [(r.id, r.payload["amount"]) for r in recorded] == [(first, "10.00")]


def test_amounts_finer_than_the_asset_scale_are_refused(session: Session) -> None:
    with pytest.raises(AmountPrecision):
        submit(session, new_user(session), amount="0.001")


def test_the_request_view_shows_the_user_side(session: Session) -> None:
    user = new_user(session)
    (request,) = deliver(session, submit(session, user, amount="2.5"))
    (view,) = request_views(session, [request], sealer=PLAIN)
    assert view.transaction is not None
    assert (view.transaction.account_number, str(view.transaction.balance_after)) == (user, "2.50")
    assert [e.account_number for e in view.transaction.entries] == ["SYS-TREASURY-001", user]
