"""The worker side of the inbox: claim pending requests, lock them, record their outcomes."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, Text, column, func, select, update, values
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Session

from ledger.models import PENDING_STATUSES, Request


@dataclass(frozen=True)
class Outcome:
    request_id: uuid.UUID
    status: str
    error_code: str | None = None
    error_message: str | None = None


def claim_requests(
    session: Session, *, request_ids: list[uuid.UUID], fill_to: int = 0
) -> list[uuid.UUID]:
    """Count one more delivery of the named pending requests and, up to ``fill_to`` in all,
    of other fresh queued requests (micro-batching). Committed before posting, so a request
    that kills its worker every time runs out of attempts.

    A named request that another delivery is posting is waited for (then found terminal);
    fill-ins another worker holds are skipped. A named request delivered before (it may be
    the one that crashed its batch) is claimed alone, so it cannot take innocent requests
    down with it.
    """
    claimed = _claim(session, Request.id.in_(request_ids), Request.status.in_(PENDING_STATUSES))
    room = fill_to - len(claimed)
    if claimed and room > 0 and max(attempts for _, attempts in claimed) == 1:
        fresh = (Request.status == "queued", Request.attempts == 0)
        claimed += _claim(session, *fresh, limit=room, skip_locked=True)
    return [request_id for request_id, _ in claimed]


def lock_pending_requests(session: Session, *, request_ids: list[uuid.UUID]) -> list[Request]:
    """Lock in id order; a request another delivery finished meanwhile is left out."""
    return list(
        session.scalars(
            select(Request)
            .where(Request.id.in_(request_ids), Request.status.in_(PENDING_STATUSES))
            .order_by(Request.id)
            .with_for_update()
        )
    )


def finish_requests(session: Session, *, outcomes: list[Outcome]) -> None:
    if not outcomes:
        return
    new = values(
        column("id", UUID(as_uuid=True)),
        column("status", String),
        column("error_code", String),
        column("error_message", Text),
        name="outcome",
    ).data([(o.request_id, o.status, o.error_code, o.error_message) for o in outcomes])
    session.execute(
        update(Request)
        .where(Request.id == new.c.id)
        .values(
            status=new.c.status,
            error_code=new.c.error_code,
            error_message=new.c.error_message,
            updated_at=func.now(),
            completed_at=func.now(),
        ),
        execution_options={"synchronize_session": False},
    )


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


def _claim(
    session: Session, *conditions: Any, limit: int | None = None, skip_locked: bool = False
) -> list[tuple[uuid.UUID, int]]:
    candidates = (
        select(Request.id)
        .where(*conditions)
        .order_by(Request.seq)
        .limit(limit)
        .with_for_update(skip_locked=skip_locked)
    )
    claimed = session.execute(
        update(Request)
        .where(Request.id.in_(candidates.scalar_subquery()))
        .values(status="processing", attempts=Request.attempts + 1, updated_at=func.now())
        .returning(Request.id, Request.attempts),
        execution_options={"synchronize_session": False},
    )
    return [(row.id, row.attempts) for row in claimed]


def pending_summary(session: Session) -> tuple[int, float]:
    """How many requests are pending, and the age in seconds of the oldest one."""
    count, oldest = session.execute(
        select(
            func.count(),
            func.coalesce(func.extract("epoch", func.now() - func.min(Request.submitted_at)), 0),
        ).where(Request.status.in_(PENDING_STATUSES))
    ).one()
    return int(count), float(oldest)
