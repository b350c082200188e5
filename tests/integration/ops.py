"""Helpers for the rolled-back tests of transfers, holds and reversals: record a request of
any operation, post requests as one worker delivery, read a balance row."""

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.inbox.requests import record_request
from ledger.inbox.submission import Submission
from ledger.models import Hold, Request, Transaction
from ledger.operations import OperationType
from ledger.posting.lifecycle import process_requests
from ledger.seed import create_accounts, fund


def user(session: Session, gold: str = "0") -> str:
    number = f"USR-I{uuid.uuid4().hex[:8].upper()}"
    create_accounts(session, accounts=[(number, "Integration", "user")])
    if Decimal(gold):
        fund(session, amounts=[(number, "GOLD_COINS", Decimal(gold))])
    return number


def record(session: Session, operation: str, **fields: Any) -> uuid.UUID:
    if "amount" in fields and fields["amount"] is not None:
        fields["amount"] = Decimal(fields["amount"])
    if OperationType(operation).spec.amounted:
        fields.setdefault("asset_code", "GOLD_COINS")
    submission = Submission(
        client_id="test", idempotency_key=str(uuid.uuid4()), type=OperationType(operation), **fields
    )
    return record_request(session, submission=submission, sealer=PLAIN).request.id


def record_unchecked(session: Session, operation: str, payload: dict[str, Any]) -> uuid.UUID:
    """A request the inbox's checks would refuse (e.g. naming an unknown hold): what the
    worker does with one anyway."""
    request_id = uuid.uuid4()
    session.add(
        Request(
            id=request_id,
            client_id="test",
            idempotency_key=str(request_id),
            type=operation,
            payload=payload,
            payload_hash="x",
            status="queued",
            attempts=0,
        )
    )
    session.flush()
    return request_id


def post(session: Session, *request_ids: uuid.UUID) -> list[Request]:
    """One worker delivery naming these requests (one transaction's worth)."""
    process_requests(session, request_ids=list(request_ids), max_attempts=3, sealer=PLAIN)
    found = [session.get(Request, i, populate_existing=True) for i in request_ids]
    assert all(r is not None for r in found)
    return found  # type: ignore[return-value]


def run(session: Session, operation: str, **fields: Any) -> Request:
    (request,) = post(session, record(session, operation, **fields))
    return request


def outcome(request: Request) -> tuple[str, str | None]:
    return request.status, request.error_code


def row(session: Session, account: str, asset: str = "GOLD_COINS") -> tuple[Decimal, Decimal]:
    """(posted balance, held) of a balance row."""
    balance, held = session.execute(
        text(
            "SELECT b.balance, b.held FROM account_balances b"
            " JOIN accounts a ON a.id = b.account_id JOIN asset_types t ON t.id = b.asset_id"
            " WHERE a.account_number = :n AND t.code = :c"
        ),
        {"n": account, "c": asset},
    ).one()
    return balance, held


def hold_of(session: Session, request: Request) -> Hold:
    hold = session.scalar(select(Hold).where(Hold.request_id == request.id))
    assert hold is not None
    session.refresh(hold)
    return hold


def transaction_of(session: Session, request: Request) -> Transaction:
    tx = session.scalar(select(Transaction).where(Transaction.request_id == request.id))
    assert tx is not None
    session.refresh(tx)
    return tx
