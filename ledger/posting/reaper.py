"""What the beat's reaper reads: pending requests left untouched too long (their message was
lost, or their worker died), and the size and age of the pending backlog for its metrics.
The lifecycle they recover is ledger.posting.lifecycle's."""

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger.models import Request
from ledger.statuses import PENDING


def stale_requests(
    session: Session, *, older_than_seconds: float, limit: int = 1000
) -> list[list[str]]:
    """``[id, idempotency key, operation]`` of pending requests untouched for a while (at
    most ``limit`` a sweep); touched here so the next sweep skips them."""
    cutoff = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds)
    rows = session.execute(
        update(Request)
        .where(
            Request.id.in_(
                select(Request.id)
                .where(Request.status.in_(PENDING), Request.updated_at < cutoff)
                .order_by(Request.updated_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        .values(updated_at=func.now())
        .returning(Request.id, Request.idempotency_key, Request.type),
        execution_options={"synchronize_session": False},
    )
    return [[str(id), key, type_] for id, key, type_ in rows]


def pending_summary(session: Session) -> tuple[int, float]:
    """How many requests are pending, and the age in seconds of the oldest one."""
    count, oldest = session.execute(
        select(
            func.count(),
            func.coalesce(func.extract("epoch", func.now() - func.min(Request.submitted_at)), 0),
        ).where(Request.status.in_(PENDING))
    ).one()
    return int(count), float(oldest)
