"""Ledger steps for the integration tier: a fresh user, a recorded request, a delivery."""

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.sealing import PLAIN, Sealer
from ledger.inbox.requests import record_request
from ledger.inbox.submission import Submission
from ledger.models import Request
from ledger.operations import OperationType
from ledger.posting.lifecycle import process_requests
from ledger.reads.queries import get_balances
from ledger.seed import create_accounts


def new_user(session: Session) -> str:
    number = f"USR-I{uuid.uuid4().hex[:8].upper()}"
    create_accounts(session, accounts=[(number, "Integration", "user")])
    return number


def submit(
    session: Session,
    account: str,
    operation: str = "topup",
    amount: str = "10",
    key: str | None = None,
    sealer: Sealer = PLAIN,
) -> uuid.UUID:
    submission = Submission(
        client_id="test",
        idempotency_key=key or str(uuid.uuid4()),
        type=OperationType(operation),
        account_number=account,
        asset_code="GOLD_COINS",
        amount=Decimal(amount),
        description="d",
    )
    return record_request(session, submission=submission, sealer=sealer).request.id


def deliver(
    session: Session,
    *request_ids: uuid.UUID,
    max_attempts: int = 3,
    fill_to: int = 0,
    sealer: Sealer = PLAIN,
) -> list[Request]:
    """What a worker does with one message: post its requests in one transaction."""
    process_requests(
        session,
        request_ids=list(request_ids),
        max_attempts=max_attempts,
        fill_to=fill_to,
        sealer=sealer,
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
