"""Posting and processing on real Postgres, each test rolled back."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from ledger.errors import AmountPrecision, IdempotencyKeyReused, InsufficientFunds
from ledger.inbox import Submission, record_request
from ledger.lifecycle import count_crashed_delivery, process_requests
from ledger.models import AccountBalance, LedgerEntry, Request, Transaction
from ledger.operations import OperationType
from ledger.queries import get_balances
from ledger.request_views import request_views
from ledger.seed import create_accounts, create_assets
from ledger.verify import find_violations


def new_user(session: Session) -> str:
    number = f"USR-I{uuid.uuid4().hex[:8].upper()}"
    create_accounts(session, accounts=[(number, "Integration", "user")])
    return number


def submit(
    session: Session,
    account: str,
    operation: OperationType = "topup",
    amount: str = "10",
    key: str | None = None,
) -> uuid.UUID:
    submission = Submission(
        client_id="test",
        idempotency_key=key or str(uuid.uuid4()),
        type=operation,
        account_number=account,
        asset_code="GOLD_COINS",
        amount=Decimal(amount),
        description="d",
    )
    return record_request(session, submission=submission).request.id


def deliver(
    session: Session, *request_ids: uuid.UUID, max_attempts: int = 3, fill_to: int = 0
) -> list[Request]:
    """What a worker does with one message: post its requests in one transaction."""
    process_requests(
        session, request_ids=list(request_ids), max_attempts=max_attempts, fill_to=fill_to
    )
    return [reread(session, i) for i in request_ids]


def reread(session: Session, request_id: uuid.UUID) -> Request:
    request = session.get(Request, request_id, populate_existing=True)
    assert request is not None
    return request


def gold(session: Session, account: str) -> Decimal:
    return next(
        b.balance
        for b in get_balances(session, account_number=account).balances
        if b.code == "GOLD_COINS"
    )


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
    outcomes = process_requests(session, request_ids=ids, max_attempts=3)
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
    plan: list[tuple[OperationType, str]] = [
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


def test_a_delivery_fills_its_batch_with_other_queued_requests(session: Session) -> None:
    """The rolled-back database holds no other queued request, so the fill is exactly ours."""
    user = new_user(session)
    ids = [submit(session, user) for _ in range(5)]
    deliver(session, ids[0], fill_to=3)
    statuses = [reread(session, i).status for i in ids]
    assert statuses == ["completed"] * 3 + ["queued"] * 2  # the named one and the 2 oldest
    assert gold(session, user) == Decimal("30.00")


def test_processing_a_request_twice_posts_it_once(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    deliver(session, request_id)
    assert process_requests(session, request_ids=[request_id], max_attempts=3) == []
    assert gold(session, user) == Decimal("10.00")


def test_a_request_whose_deliveries_crashed_too_often_is_abandoned_with_a_code(
    session: Session,
) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    for _ in range(3):
        assert count_crashed_delivery(session, request_id=request_id)
    (request,) = deliver(session, request_id)
    assert (request.status, request.error_code, request.attempts) == (
        "failed",
        "POSTING_ABANDONED",
        4,
    )
    assert request.error_message == "gave up after 3 deliveries"
    assert gold(session, user) == Decimal("0.00")
    assert not count_crashed_delivery(session, request_id=request_id)


def test_a_delivery_rolled_back_counts_no_attempt(session: Session) -> None:
    user = new_user(session)
    request_id = submit(session, user)
    for _ in range(5):  # five transient errors in a row, with MAX_ATTEMPTS 3
        with session.begin_nested() as savepoint:
            deliver(session, request_id)
            savepoint.rollback()
    (request,) = deliver(session, request_id)
    assert (request.status, request.attempts) == ("completed", 1)


def test_a_request_with_a_crashed_delivery_is_never_a_fill_in(session: Session) -> None:
    user = new_user(session)
    suspect, innocent = submit(session, user), submit(session, user)
    count_crashed_delivery(session, request_id=suspect)
    deliver(session, innocent, fill_to=10)
    assert reread(session, suspect).status == "processing"


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
    (view,) = request_views(session, [request])
    assert view.transaction is not None
    assert (view.transaction.account_number, str(view.transaction.balance_after)) == (user, "2.50")
    assert [e.account_number for e in view.transaction.entries] == ["SYS-TREASURY-001", user]
