"""The request inbox: records each request once under its idempotency key and tracks its status."""

import hashlib
import json
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ledger.errors import (
    AmountPrecision,
    IdempotencyKeyReused,
    InvalidAccount,
    RequestNotFound,
)
from ledger.lookups import find_account, find_asset
from ledger.models import PENDING_STATUSES, Request
from ledger.money import decimal_places, quantize
from ledger.operations import OperationType


@dataclass(frozen=True)
class Submission:
    """A validated request to move money, as the API (or the seeder) hands it over."""

    client_id: str
    idempotency_key: str
    type: OperationType
    account_number: str
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        return {
            "accountNumber": self.account_number,
            "assetCode": self.asset_code,
            "amount": str(self.amount),
            "description": self.description,
            "metadata": self.metadata,
        }


@dataclass(frozen=True)
class Recorded:
    request: Request
    created: bool


def payload_hash(operation: str, payload: dict[str, Any]) -> str:
    canonical = json.dumps([operation, payload], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_submission(session: Session, *, submission: Submission) -> Submission:
    """Refuse unknown assets and accounts and over-precise amounts; quantize to the asset scale."""
    asset = find_asset(session, code=submission.asset_code)
    if decimal_places(submission.amount) > asset.scale:
        raise AmountPrecision(f"{asset.code} amounts have at most {asset.scale} decimal places")
    account = find_account(session, account_number=submission.account_number)
    if account.kind != "user":
        raise InvalidAccount(f"{account.account_number} is not a user account")
    return replace(submission, amount=quantize(submission.amount, asset.scale))


def record_request(session: Session, *, submission: Submission) -> Recorded:
    """Insert the request unless its key is known; a known key with another payload is refused."""
    submission = check_submission(session, submission=submission)
    payload = submission.payload()
    digest = payload_hash(submission.type, payload)
    inserted = session.scalar(
        insert(Request)
        .values(
            id=uuid.uuid4(),
            client_id=submission.client_id,
            idempotency_key=submission.idempotency_key,
            type=submission.type,
            payload=payload,
            payload_hash=digest,
            status="queued",
            attempts=0,
        )
        .on_conflict_do_nothing(constraint="uq_request_client_key")
        .returning(Request.id)
    )
    request = find_request(
        session,
        client_id=submission.client_id,
        idempotency_key=submission.idempotency_key,
    )
    if request is None:  # pragma: no cover - the row was just inserted or already there
        raise RequestNotFound(submission.idempotency_key)
    if request.payload_hash != digest:
        raise IdempotencyKeyReused(
            f"idempotency key {submission.idempotency_key!r} was used with a different request"
        )
    return Recorded(request=request, created=inserted is not None)


def find_request(session: Session, *, client_id: str, idempotency_key: str) -> Request | None:
    return session.scalar(
        select(Request).where(
            Request.client_id == client_id, Request.idempotency_key == idempotency_key
        )
    )


def start_attempt(session: Session, *, request_id: uuid.UUID) -> Request | None:
    """Count one more delivery of a pending request; None if it is already terminal."""
    return session.scalar(
        update(Request)
        .where(Request.id == request_id, Request.status.in_(PENDING_STATUSES))
        .values(status="processing", attempts=Request.attempts + 1, updated_at=func.now())
        .returning(Request)
    )


def lock_pending_request(session: Session, *, request_id: uuid.UUID) -> Request | None:
    return session.scalar(
        select(Request)
        .where(Request.id == request_id, Request.status.in_(PENDING_STATUSES))
        .with_for_update()
    )


def finish_request(
    session: Session,
    *,
    request: Request,
    error_code: str | None = None,
    message: str | None = None,
) -> None:
    request.status = "failed" if error_code else "completed"
    request.error_code = error_code
    request.error_message = message
    request.updated_at = request.completed_at = func.now()
    session.flush()


def stale_requests(session: Session, *, older_than_seconds: float, limit: int) -> list[Request]:
    """Pending requests untouched for a while; touched here so the next sweep skips them."""
    cutoff = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds)
    rows = session.scalars(
        update(Request)
        .where(
            Request.id.in_(
                select(Request.id)
                .where(Request.status.in_(PENDING_STATUSES), Request.updated_at < cutoff)
                .order_by(Request.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .values(updated_at=func.now())
        .returning(Request)
    )
    return list(rows)
