"""Turns one recorded request into its outcome: a posted transaction or a coded failure."""

import uuid
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.errors import BusinessRejection, PostingAbandoned
from ledger.inbox import finish_request, lock_pending_request
from ledger.models import Request
from ledger.operations import OperationType, legs_for
from ledger.posting import Transfer, post_transfer


def process_request(
    session: Session, *, request_id: uuid.UUID, max_attempts: int
) -> Request | None:
    """Post a pending request once; returns None when it was already terminal (a redelivery).

    The request row is locked first, so a second delivery of the same request waits here
    and then finds it terminal: one transaction per request, whatever the broker does.
    """
    request = lock_pending_request(session, request_id=request_id)
    if request is None:
        return None
    try:
        if request.attempts > max_attempts:
            raise PostingAbandoned(f"gave up after {request.attempts - 1} failed deliveries")
        post_transfer(session, transfer=transfer_for(request))
    except BusinessRejection as rejection:
        finish_request(
            session,
            request=request,
            error_code=rejection.code,
            message=rejection.message,
        )
    else:
        finish_request(session, request=request)
    return request


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
