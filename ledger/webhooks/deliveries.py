"""Delivering the outbox, at least once: a delivery stays ``pending`` until a receiver's 2xx
is recorded, or until it is too old to try again (``failed``).

- ``claim_delivery`` takes a due pending delivery for one attempt: it counts the attempt and
  pushes ``next_attempt_at`` a lease ahead, and commits, before anything is sent. A worker
  that dies mid-POST leaves the delivery due again once the lease runs out; two messages
  for one delivery (a redelivery, the sweep) cannot both claim it within the lease.
- ``finish_attempt`` records the attempt (always) and the delivery's new state, unless
  another claim took the delivery in the meantime (then that one decides).
- ``sweep_due`` finds pending deliveries due for a while whose message never came (lost,
  or never sent: a long backoff, ``record_event``) and touches them, as the reaper does for
  requests.

Backoff: ``min(max, base * 2^(attempt-1))``, less a random part of up to half (jitter).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from infra.sealing import Sealer
from ledger.reads.requests import get_requests_by_id
from ledger.rows import select_as, select_list
from ledger.statuses import DeliveryStatus
from ledger.webhooks.views import EventBody

FINISH = text(
    """
WITH delivery AS (
    UPDATE webhook_deliveries
    SET status = :status, last_status_code = :code, last_error = :error,
        next_attempt_at = now() + make_interval(secs => coalesce(:retry_in, 0)),
        delivered_at = CASE WHEN :status = 'delivered' THEN now() END
    WHERE id = :id AND attempts = :attempt AND status = 'pending'
)
INSERT INTO webhook_attempts (delivery_id, attempt, status_code, error, duration_ms,
                              next_attempt_at)
VALUES (:id, :attempt, :code, :error, :duration_ms,
        now() + make_interval(secs => :retry_in))
"""
)
SWEEP = text(
    """
UPDATE webhook_deliveries SET next_attempt_at = now()
WHERE id IN (
    SELECT id FROM webhook_deliveries
    WHERE status = 'pending' AND next_attempt_at <= now() - make_interval(secs => :grace)
    ORDER BY next_attempt_at LIMIT :limit FOR UPDATE SKIP LOCKED
)
RETURNING id
"""
)


@dataclass(frozen=True)
class Claim:
    """A delivery claimed for one attempt: a row ``CLAIM`` returns."""

    delivery_id: int = select_as("d.id")
    attempt: int = select_as("d.attempts")  # this one's number, from 1
    age_seconds: float = select_as("CAST(extract(epoch FROM now() - d.created_at) AS float8)")
    url: str = select_as("w.url")
    secret: Any = select_as("w.secret")  # sealed
    event_id: uuid.UUID = select_as("e.id")
    event_type: str = select_as("e.type")
    event_created_at: datetime = select_as("e.created_at")
    request_id: uuid.UUID | None = select_as("e.request_id")
    data: dict[str, Any] | None = select_as("e.data")


CLAIM = text(
    f"""
UPDATE webhook_deliveries d
SET attempts = d.attempts + 1, next_attempt_at = now() + make_interval(secs => :lease)
FROM webhooks w, webhook_events e
WHERE d.id = :id AND d.status = 'pending' AND d.next_attempt_at <= now() + interval '1 second'
  AND w.id = d.webhook_id AND e.id = d.event_id
RETURNING {select_list(Claim)}
"""  # noqa: S608 - the shape's own expressions, no input
)


@dataclass(frozen=True)
class Backoff:
    base: float
    max: float
    give_up_after: float

    def delay(self, attempt: int) -> float:
        """Seconds before the attempt after ``attempt`` (1-based), jittered."""
        ceiling = min(self.max, self.base * 2.0 ** min(attempt - 1, 60))
        return ceiling - random.uniform(0, ceiling / 2)  # noqa: S311 - jitter, not a secret


@dataclass(frozen=True)
class Answer:
    """What one attempt got: a status code, or the error that stood for one."""

    status_code: int | None
    error: str | None
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.error is None and self.status_code is not None and self.status_code < 300


def claim_delivery(session: Session, *, delivery_id: int, lease_seconds: float) -> Claim | None:
    """The due pending delivery for one attempt, counted; None if not pending or not due."""
    row = session.execute(CLAIM, {"id": delivery_id, "lease": lease_seconds}).first()
    return None if row is None else Claim(*row)


def event_body(session: Session, *, claim: Claim, sealer: Sealer) -> bytes:
    """The JSON to POST: a request's event carries the request resource, read now."""
    data = claim.data
    if claim.request_id is not None:
        (view,) = get_requests_by_id(session, request_ids=[claim.request_id], sealer=sealer)
        data = view.model_dump(mode="json", by_alias=True)
    body = EventBody(
        id=claim.event_id, type=claim.event_type, created_at=claim.event_created_at, data=data
    )
    return body.model_dump_json(by_alias=True).encode()


def finish_attempt(
    session: Session, *, claim: Claim, answer: Answer, backoff: Backoff
) -> tuple[DeliveryStatus, float | None]:
    """Record the attempt; the delivery's status after it (``delivered``, ``pending`` for a
    retry, ``failed`` when the next try would come too late) and, if pending, the seconds
    until its next attempt."""
    retry_in = None if answer.delivered else backoff.delay(claim.attempt)
    status = DeliveryStatus.DELIVERED if retry_in is None else DeliveryStatus.PENDING
    age = claim.age_seconds + answer.seconds
    if retry_in is not None and age + retry_in > backoff.give_up_after:
        status, retry_in = DeliveryStatus.FAILED, None
    session.execute(
        FINISH,
        {
            "id": claim.delivery_id,
            "attempt": claim.attempt,
            "status": status,
            "code": answer.status_code,
            "error": answer.error,
            "duration_ms": round(answer.seconds * 1000),
            "retry_in": retry_in,
        },
    )
    return status, retry_in


def sweep_due(session: Session, *, grace_seconds: float, limit: int = 1000) -> list[int]:
    """Pending deliveries due for ``grace_seconds`` and more; touched, so the next sweep
    leaves them to the message sent now."""
    rows = session.execute(SWEEP, {"grace": grace_seconds, "limit": limit})
    return [row[0] for row in rows]
