"""Posting and processing on real Postgres, each test rolled back."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.errors import AmountPrecision, IdempotencyKeyReused, InsufficientFunds
from ledger.inbox import Submission, record_request, start_attempt
from ledger.models import LedgerEntry, Transaction
from ledger.processing import process_request
from ledger.queries import get_balances, request_view
from ledger.seed import create_accounts, open_balance_rows
from ledger.verify import find_violations


def new_user(session: Session) -> str:
    number = f"USR-I{uuid.uuid4().hex[:8].upper()}"
    create_accounts(session, accounts=[(number, "Integration", "user")])
    open_balance_rows(session)
    return number


def submit(
    session: Session,
    account: str,
    operation: str = "topup",
    amount: str = "10",
    key: str | None = None,
) -> uuid.UUID:
    submission = Submission(
        client_id="test",
        idempotency_key=key or str(uuid.uuid4()),
        type=operation,
        account_number=account,  # type: ignore[arg-type]
        asset_code="GOLD_COINS",
        amount=Decimal(amount),
        description="d",
    )
    return record_request(session, submission=submission).request.id


def gold(session: Session, account: str) -> Decimal:
    return next(
        b.balance
        for b in get_balances(session, account_number=account).balances
        if b.code == "GOLD_COINS"
    )


def test_a_topup_posts_one_debit_and_one_credit_of_equal_amount(session: Session) -> None:
    user = new_user(session)
    request = process_request(session, request_id=submit(session, user), max_attempts=3)
    assert request is not None and request.status == "completed"
    tx = session.scalar(select(Transaction).where(Transaction.request_id == request.id))
    assert tx is not None
    entries = session.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == tx.id)).all()
    assert sorted((e.direction, e.amount) for e in entries) == [
        ("CREDIT", Decimal(10)),
        ("DEBIT", Decimal(10)),
    ]
    assert gold(session, user) == Decimal("10.00")
    assert find_violations(session) == []


def test_insufficient_funds_fails_the_request_and_writes_nothing(session: Session) -> None:
    user = new_user(session)
    request = process_request(
        session, request_id=submit(session, user, "spend", "0.01"), max_attempts=3
    )
    assert request is not None
    assert (request.status, request.error_code) == ("failed", InsufficientFunds.code)
    assert session.scalar(select(Transaction).where(Transaction.request_id == request.id)) is None
    assert gold(session, user) == Decimal("0.00")


def test_processing_a_request_twice_posts_it_once(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    assert process_request(session, request_id=request_id, max_attempts=3) is not None
    assert process_request(session, request_id=request_id, max_attempts=3) is None
    assert start_attempt(session, request_id=request_id) is None
    assert gold(session, user) == Decimal("10.00")


def test_a_request_delivered_too_often_is_abandoned_with_a_code(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    for _ in range(4):
        start_attempt(session, request_id=request_id)
    request = process_request(session, request_id=request_id, max_attempts=3)
    assert request is not None
    assert (request.status, request.error_code) == ("failed", "POSTING_ABANDONED")
    assert gold(session, user) == Decimal("0.00")


def test_the_same_key_with_another_payload_is_refused(session: Session) -> None:
    user = new_user(session)
    submit(session, user, key="same")
    assert submit(session, user, key="same") is not None
    with pytest.raises(IdempotencyKeyReused):
        submit(session, user, amount="11", key="same")


def test_amounts_finer_than_the_asset_scale_are_refused(session: Session) -> None:
    with pytest.raises(AmountPrecision):
        submit(session, new_user(session), amount="0.001")


def test_the_request_view_shows_the_user_side(session: Session) -> None:
    user = new_user(session)
    request = process_request(
        session, request_id=submit(session, user, amount="2.5"), max_attempts=3
    )
    assert request is not None
    view = request_view(session, request)
    assert view.transaction is not None
    assert (view.transaction.account_number, str(view.transaction.balance_after)) == (user, "2.50")
    assert [e.account_number for e in view.transaction.entries] == ["SYS-TREASURY-001", user]
