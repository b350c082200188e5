"""The transactional outbox of webhook events: an event, and a delivery of it to each webhook
that subscribes to its type, written in the transaction that caused it. A rolled-back posting
leaves no event; a committed one leaves its deliveries pending until a receiver answers 2xx
(ledger.webhooks.deliveries), whatever happens to the messages that announce them.

- ``record_posting_events``: the worker calls it in its posting transaction, after the
  journal, with the batch's outcomes. One statement writes ``request.completed`` /
  ``request.failed`` for each outcome and ``balance.below`` for each monitored balance that a
  posting took from at-or-above the monitor's ``below`` to under it (each entry keeps the
  balance after it, so the balance before is that, plus or minus the amount): one set-based
  statement for the requests' events and one for the crossings, each only while some webhook
  subscribes to its types (``Subscriptions``, remembered per process until a webhook is
  registered or deleted); none at all otherwise.
- ``record_holds_expired``: ``hold.expired`` for each hold the expiry sweep
  (ledger.posting.expiry) or a capture/void (ledger.posting.holds; ``Posted.expired_holds``)
  expired in the caller's transaction, with the hold resource (as GET
  /api/wallet/holds/{holdId} shows it) as ``data``.
- ``record_event(session, type=..., data=...)``: any other event in the caller's
  transaction. It returns the new deliveries' ids: send them once the transaction commits, or
  leave them to the beat's sweep (``WEBHOOK_SWEEP_INTERVAL_SECONDS``).

A request's event stores no copy of the request: its ``data`` is rendered when delivered,
from the request, which no longer changes once finished (ledger.webhooks.deliveries.event_body).
"""

import json
import uuid
from collections.abc import Collection, Sequence
from typing import Any, Literal, get_args

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.prepared import Prepared, array_literal
from ledger.reads.holds import get_holds
from ledger.statuses import Outcome, Status

EventType = Literal["request.completed", "request.failed", "balance.below", "hold.expired"]
EVENT_TYPES: tuple[str, ...] = get_args(EventType)
POSTING_EVENTS = frozenset({"request.completed", "request.failed", "balance.below"})

# A delivery of each new event to each webhook subscribing to its type (``events`` a CTE).
FAN_OUT = """
INSERT INTO webhook_deliveries (event_id, webhook_id)
SELECT events.id, w.id FROM events JOIN webhooks w ON events.type = ANY(w.events)
RETURNING id
"""
# Two statements, each run only while its types have subscribers, so each plans cheaply
# (one statement holding both was planned afresh at every execution: 2 ms).
REQUEST_EVENTS_CTE = """
WITH events AS (
    INSERT INTO webhook_events (id, type, request_id)
    SELECT gen_random_uuid(), 'request.' || status, request_id
    FROM unnest(:request_ids, :statuses) AS o(request_id, status)
    WHERE 'request.' || status = ANY(:types)
    RETURNING id, type
)"""
RECORD_REQUEST_EVENTS = Prepared(
    "wallet_record_request_events",
    "".join((REQUEST_EVENTS_CTE, FAN_OUT)),
    {"request_ids": "uuid[]", "statuses": "text[]", "types": "text[]"},
)
CROSSINGS_CTE = """
WITH crossing AS (
    SELECT m.id AS monitor_id, a.account_number, t.code, t.scale, m.below, e.balance_after,
           e.balance_after + CASE e.direction WHEN 'DEBIT' THEN e.amount ELSE -e.amount END
               AS balance_before,
           tx.id AS transaction_id, tx.request_id
    FROM transactions tx
    JOIN ledger_entries e ON e.transaction_id = tx.id
    JOIN balance_monitors m ON m.account_id = e.account_id AND m.asset_id = e.asset_id
    JOIN accounts a ON a.id = e.account_id
    JOIN asset_types t ON t.id = e.asset_id
    WHERE tx.request_id = ANY(:request_ids)
), events AS (
    INSERT INTO webhook_events (id, type, data)
    SELECT gen_random_uuid(), 'balance.below', jsonb_build_object(
        'monitorId', monitor_id, 'accountNumber', account_number, 'assetCode', code,
        'below', round(below, scale)::text, 'balance', round(balance_after, scale)::text,
        'previousBalance', round(balance_before, scale)::text,
        'transactionId', transaction_id, 'requestId', request_id)
    FROM crossing WHERE balance_before >= below AND balance_after < below
    RETURNING id, type
)"""
RECORD_CROSSINGS = Prepared(
    "wallet_record_balance_crossings",
    "".join((CROSSINGS_CTE, FAN_OUT)),
    {"request_ids": "uuid[]"},
)
EVENT_CTE = """
WITH events AS (
    INSERT INTO webhook_events (id, type, data)
    SELECT gen_random_uuid(), :type, CAST(:data AS jsonb)
    WHERE EXISTS (SELECT 1 FROM webhooks WHERE :type = ANY(events))
    RETURNING id, type
)"""
RECORD_EVENT = text("".join((EVENT_CTE, FAN_OUT)))


# The subscribers' generation, and their event types if it is not the one already known.
# Not prepared: an EXECUTE takes its snapshot before it waits for the table's lock, so a
# posting held back by a registration read the old generation after it was committed; a
# plain statement's snapshot is taken once the lock is granted.
READ_SUBSCRIPTIONS = text(
    """SELECT generation, CASE WHEN generation IS DISTINCT FROM CAST(:known AS bigint)
        THEN ARRAY(SELECT DISTINCT unnest(events) FROM webhooks) END
    FROM webhook_generation"""
)


class Subscriptions:
    """The event types some webhook subscribes to, remembered per process and read again
    when the subscribers' generation has moved (ledger.webhooks.registration moves it at every
    registration and deletion): one single-row read per posting transaction, in it.

    Exact, not eventually: a registration takes ACCESS EXCLUSIVE on webhook_generation
    before it commits, so it waits for every transaction that read the old generation (they
    commit before it answers), and a transaction that reads it after waits for the
    registration's commit and then sees the new generation (READ COMMITTED: its statement's
    snapshot is taken once the lock is granted). Not shared between threads."""

    def __init__(self) -> None:
        self._generation: int | None = None
        self._types: frozenset[str] = frozenset()

    def types(self, session: Session) -> frozenset[str]:
        known = {"known": self._generation}
        generation, types = session.execute(READ_SUBSCRIPTIONS, known).one()
        if types is not None:
            self._generation, self._types = generation, frozenset(types)
        return self._types


def record_posting_events(
    session: Session, *, outcomes: Sequence[Outcome], subscriptions: Subscriptions
) -> list[int]:
    """The events of a posting batch's outcomes, in its transaction; the ids of their
    deliveries (none, and no statement, while no webhook subscribes)."""
    types = subscriptions.types(session) & POSTING_EVENTS
    if not types or not outcomes:
        return []
    deliveries = []
    if types - {"balance.below"}:
        rows = RECORD_REQUEST_EVENTS.execute(
            session,
            {
                "request_ids": array_literal(o.request_id for o in outcomes),
                "statuses": array_literal(o.status for o in outcomes),
                "types": array_literal(sorted(types)),
            },
        )
        deliveries += [row[0] for row in rows]
    completed = [o.request_id for o in outcomes if o.status == Status.COMPLETED]
    if "balance.below" in types and completed:
        rows = RECORD_CROSSINGS.execute(session, {"request_ids": array_literal(completed)})
        deliveries += [row[0] for row in rows]
    return deliveries


def record_holds_expired(
    session: Session, *, hold_ids: Collection[str], subscriptions: Subscriptions
) -> list[int]:
    """A ``hold.expired`` per hold (expired in this transaction), while subscribed; the ids
    of their deliveries."""
    if not hold_ids or "hold.expired" not in subscriptions.types(session):
        return []
    views = get_holds(session, hold_ids=[uuid.UUID(str(h)) for h in hold_ids])
    deliveries = []
    for _, view in sorted(views.items()):
        data = view.model_dump(mode="json", by_alias=True)
        deliveries += record_event(session, type="hold.expired", data=data)
    return deliveries


def record_event(session: Session, *, type: str, data: dict[str, Any]) -> list[int]:
    """Record an event of ``type`` carrying ``data`` (JSON) in the caller's transaction, if
    any webhook subscribes to it; the ids of its deliveries."""
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    rows = session.execute(RECORD_EVENT, {"type": type, "data": json.dumps(data)})
    return [row[0] for row in rows]
