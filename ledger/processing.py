"""Turns claimed requests into outcomes: posted transactions or coded failures."""

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.claiming import Outcome, finish_requests, lock_pending_requests
from ledger.errors import BusinessRejection, PostingAbandoned
from ledger.models import Request
from ledger.operations import OperationType, legs_for
from ledger.posting import Transfer, post_transfers


def process_requests(
    session: Session, *, request_ids: list[uuid.UUID], max_attempts: int
) -> list[Outcome]:
    """Post the pending ones among ``request_ids`` in this transaction, each at most once.

    The request rows are locked first, so a second delivery of a request waits here and
    then finds it terminal: one transaction per request, whatever the broker does.
    """
    if not request_ids:
        return []
    locked = lock_pending_requests(session, request_ids=request_ids)
    requests = sorted(locked, key=lambda r: r.seq)  # post in arrival order
    abandoned = [r for r in requests if r.attempts > max_attempts]
    live = [r for r in requests if r.attempts <= max_attempts]
    rejections = post_transfers(session, transfers=[transfer_for(r) for r in live])
    outcomes = [
        _outcome(r, PostingAbandoned(f"gave up after {r.attempts - 1} deliveries"))
        for r in abandoned
    ] + [_outcome(r, rejection) for r, rejection in zip(live, rejections, strict=True)]
    finish_requests(session, outcomes=outcomes)
    return outcomes


def transfer_for(request: Request) -> Transfer:
    payload = request.payload
    operation: OperationType = request.type  # type: ignore[assignment]
    legs = legs_for(operation, payload["accountNumber"])
    return Transfer(
        request_id=request.id,
        type=request.type,
        user_account=payload["accountNumber"],
        debit_account=legs.debit_account,
        credit_account=legs.credit_account,
        asset_code=payload["assetCode"],
        amount=Decimal(payload["amount"]),
        description=payload.get("description"),
        metadata=payload.get("metadata") or {},
    )


def _outcome(request: Request, rejection: BusinessRejection | None) -> Outcome:
    if rejection is None:
        return Outcome(request.id, "completed")
    return Outcome(request.id, "failed", rejection.code, rejection.message)
