"""The worker side of the inbox: lock pending requests, count crashed deliveries, find stale ones.

A request's ``attempts`` counts the deliveries that reached it: the posting transaction
stores its own delivery (``attempts + 1``) with the outcome, so a transient error that rolls
it back counts nothing. A delivery that crashes (a killed worker) rolls back too; its message
comes back marked redelivered, and :func:`count_crashed_delivery` stores that crash in a
transaction of its own before the request is posted again. A request that kills its worker
every time therefore runs out of attempts; one that meets deadlocks or timeouts never does.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from infra.sealing import PLAIN, Sealer
from ledger.models import PENDING_STATUSES, Request
from ledger.prepared import Prepared

RequestId = uuid.UUID | str  # as a message carries it, or as the database returns it


@dataclass(frozen=True)
class Claimed:
    """A locked pending request: what posting needs, nothing hydrated."""

    id: str
    type: str
    payload: dict[str, Any]
    attempts: int  # deliveries counted before this one


@dataclass(frozen=True)
class Outcome:
    request_id: str
    status: str
    error_code: str | None = None
    error_message: str | None = None
    attempts: int = 1  # deliveries, this one included


# The named requests are locked first, in id order, waiting for a delivery that holds them
# (then found terminal, they drop out); fill-ins never wait (SKIP LOCKED), so the only waits
# happen in id order and two deliveries cannot deadlock. Fill-ins are fresh requests only.
# "Not terminal" is spelled so that it cannot match the pending index: a named request is
# found by its key, never by scanning a backlog.
LOCK_REQUESTS = Prepared(
    "wallet_lock_requests",
    """
WITH named AS MATERIALIZED (
    SELECT id, seq, type, payload, attempts FROM requests
    WHERE id = ANY(:ids) AND status NOT IN ('completed', 'failed')
    ORDER BY id FOR UPDATE
), fill AS MATERIALIZED (
    SELECT id, seq, type, payload, attempts FROM requests
    WHERE status = 'queued' AND attempts = 0 AND id <> ALL(:ids)
    ORDER BY seq LIMIT greatest(:fill_to - (SELECT count(*) FROM named), 0)
    FOR UPDATE SKIP LOCKED
)
SELECT CAST(id AS text), type, payload, attempts
FROM (SELECT * FROM named UNION ALL SELECT * FROM fill) AS locked ORDER BY seq
""",
    {"ids": "uuid[]", "fill_to": "int"},
)


def lock_requests(
    session: Session, *, request_ids: Sequence[RequestId], fill_to: int = 0, sealer: Sealer = PLAIN
) -> list[Claimed]:
    """Lock the named pending requests and, up to ``fill_to`` in all, other fresh queued
    requests (micro-batching); in arrival order. Terminal requests are left out."""
    ids = "{" + ",".join(map(str, request_ids)) + "}"
    rows = LOCK_REQUESTS.execute(session, {"ids": ids, "fill_to": fill_to})
    return [
        Claimed(id, type_, sealer.unseal(payload), attempts)
        for id, type_, payload, attempts in rows
    ]


def count_crashed_delivery(session: Session, *, request_id: RequestId) -> bool:
    """Store the delivery that crashed before this redelivery; False if the request is
    terminal already. The caller commits before posting the request again."""
    counted = session.execute(
        update(Request)
        .where(Request.id == uuid.UUID(str(request_id)), Request.status.in_(PENDING_STATUSES))
        .values(status="processing", attempts=Request.attempts + 1, updated_at=func.now())
        .returning(Request.id),
        execution_options={"synchronize_session": False},
    )
    return counted.first() is not None


def stale_requests(session: Session, *, older_than_seconds: float, limit: int) -> list[list[str]]:
    """``[id, idempotency key, operation]`` of pending requests untouched for a while;
    touched here so the next sweep skips them."""
    cutoff = func.now() - func.make_interval(0, 0, 0, 0, 0, 0, older_than_seconds)
    rows = session.execute(
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
        ).where(Request.status.in_(PENDING_STATUSES))
    ).one()
    return int(count), float(oldest)
