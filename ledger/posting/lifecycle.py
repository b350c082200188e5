"""A request's lifecycle: its statuses, and the claim-and-post protocol that moves it.

The common path: one delivery posts the request, or refuses it.

    queued ──> completed
       └─────> failed                      (business rejection)

Only when a delivery is counted without an outcome (a crash, or a payload the worker cannot
open) does the request wait in ``processing`` for the next one:

    queued ──> processing ──> completed
                 │    ▲  └──> failed       (business rejection, or out of attempts)
                 └────┘ counted again

- ``queued``: recorded by the inbox (ledger.inbox.requests), committed before any message names it.
- ``processing``: a delivery crashed (a killed worker) or could not open the payload, and
  was counted; the request waits for its next delivery (a redelivery, or the reaper's).
- ``completed`` | ``failed``: terminal, written with the outcome in the posting transaction.
  A failed request is never posted again: replaying its key returns the same failure.

The claim-and-post protocol, one delivery of a ``wallet.post`` message (worker.tasks opens
and commits the transactions; nothing here commits):

1. Claim: ``process_requests`` locks the named requests that are not terminal, in id order,
   waiting for a delivery that holds them (a redelivery then finds them terminal and drops
   them), then fills up to ``fill_to`` with fresh queued requests it can lock without
   waiting (``SKIP LOCKED``): micro-batching without deadlocks.
2. Post: the holds and original transactions they name, then their balance rows, are
   locked in ascending id order, and each request is checked against the running state, in
   arrival order (ledger.posting.dispatch, ledger.posting.posting).
3. Finish: one statement writes the balances, the transactions and their entries, and each
   request's outcome with its delivery counted (``attempts + 1``; ledger.posting.journal).

``attempts`` counts the deliveries that reached a request. A transient error rolls the
posting transaction back and counts nothing. A crash rolls it back too; the message comes
back marked redelivered, and ``count_crashed_delivery`` stores that crash in a transaction
of its own before the request is posted again, alone. A request that kills its worker every
time therefore runs out of attempts (``POSTING_ABANDONED``); one that meets deadlocks or
timeouts never does. A payload the worker cannot open (sealed with a key it lacks, or
malformed) is not posted: its delivery is counted with the batch (``processing``, so it is
no longer a fill-in), and the reaper sends it again until it runs out of attempts; the
operator has MAX_ATTEMPTS x REAPER_STALE_AFTER_SECONDS to give the workers the key.
A lost message only delays a request: the reaper (ledger.posting.reaper) finds requests left
pending and sends them again, and the protocol makes a second delivery harmless.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from infra.sealing import Sealer, Unsealable
from ledger.errors import BusinessRejection, PostingAbandoned
from ledger.operations import Movement
from ledger.posting.dispatch import post_movements
from ledger.posting.journal import Journal
from ledger.prepared import Prepared
from ledger.rows import select_as, select_list
from ledger.statuses import PENDING, TERMINAL, sql_list
from ledger.statuses import Outcome as Outcome  # re-exported: the protocol's outcome
from ledger.statuses import Status as Status  # re-exported: a request's statuses

RequestId = uuid.UUID | str  # as a message carries it, or as the database returns it
# What opening one stored payload may raise: a key this worker lacks, a malformed payload.
UNREADABLE = (Unsealable, KeyError, ValueError, TypeError, AttributeError, ArithmeticError)


@dataclass(frozen=True)
class LockedRequest:
    """A row ``LOCK_REQUESTS`` returns: a locked pending request, its payload as stored."""

    id: str = select_as("CAST(id AS text)")
    type: str = select_as("type")
    payload: Any = select_as("payload")  # sealed when the recorder had keys
    attempts: int = select_as("attempts")  # deliveries counted before this one


@dataclass(frozen=True)
class Posted:
    """What one delivery's transaction did: each claimed request's outcome, in arrival order,
    and the holds its captures and voids found past their expiry and expired (their
    ``hold.expired`` is the caller's to raise, in the same transaction)."""

    outcomes: list[Outcome]
    expired_holds: list[str]


@dataclass(frozen=True)
class Claimed:
    """A locked pending request: what posting needs, nothing hydrated."""

    id: str
    type: str
    movement: Movement | None  # None: the payload could not be opened
    attempts: int  # deliveries counted before this one
    unreadable: str | None = None  # why not: the error's class


# Named requests first, in id order, waiting for a delivery that holds them; fill-ins never
# wait, so the only waits happen in id order and two deliveries cannot deadlock. Fill-ins
# are fresh requests only. "Not terminal" is spelled so that it cannot match the pending
# index: a named request is found by its key, never by scanning a backlog.
LOCK_REQUESTS = Prepared(
    "wallet_lock_requests",
    f"""
WITH named AS MATERIALIZED (
    SELECT id, seq, type, payload, attempts FROM requests
    WHERE id = ANY(:ids) AND status NOT IN {sql_list(TERMINAL)}
    ORDER BY id FOR UPDATE
), fill AS MATERIALIZED (
    SELECT id, seq, type, payload, attempts FROM requests
    WHERE status = '{Status.QUEUED}' AND attempts = 0 AND id <> ALL(:ids)
    ORDER BY seq LIMIT greatest(:fill_to - (SELECT count(*) FROM named), 0)
    FOR UPDATE SKIP LOCKED
)
SELECT {select_list(LockedRequest)}
FROM (SELECT * FROM named UNION ALL SELECT * FROM fill) AS locked ORDER BY seq
""",  # noqa: S608 - the statuses' own literals, no input
    {"ids": "uuid[]", "fill_to": "int"},
)
COUNT_CRASH = text(
    f"""UPDATE requests SET status = '{Status.PROCESSING}', attempts = attempts + 1,
    updated_at = now() WHERE id = :id AND status IN {sql_list(PENDING)} RETURNING id"""  # noqa: S608
)


def process_requests(
    session: Session,
    *,
    request_ids: Sequence[RequestId],
    max_attempts: int,
    fill_to: int = 0,
    sealer: Sealer,
) -> Posted:
    """Claim and post the pending ones among ``request_ids``, and fresh queued requests up
    to ``fill_to`` in all, each at most once; outcomes in arrival order. A request already
    delivered ``max_attempts`` times fails as POSTING_ABANDONED. ``sealer`` opens the
    payloads and seals the transactions' metadata."""
    if not request_ids:
        return Posted(outcomes=[], expired_holds=[])
    claimed = lock_requests(session, request_ids=request_ids, fill_to=fill_to, sealer=sealer)
    live = [c for c in claimed if c.attempts < max_attempts and c.movement is not None]
    journal = Journal(sealer=sealer)
    rejections = post_movements(
        session, postings=[(c.id, c.movement) for c in live if c.movement], journal=journal
    )
    by_id = {c.id: r for c, r in zip(live, rejections, strict=True)}
    outcomes = [_outcome(c, by_id, max_attempts) for c in claimed]
    expired_holds = journal.write(session, outcomes=outcomes)
    return Posted(outcomes=outcomes, expired_holds=expired_holds)


def lock_requests(
    session: Session, *, request_ids: Sequence[RequestId], fill_to: int = 0, sealer: Sealer
) -> list[Claimed]:
    """Step 1: lock the named pending requests and, up to ``fill_to`` in all, other fresh
    queued requests; in arrival order. Terminal requests are left out."""
    ids = "{" + ",".join(map(str, request_ids)) + "}"
    rows = LOCK_REQUESTS.execute(session, {"ids": ids, "fill_to": fill_to})
    return [_claimed(LockedRequest(*row), sealer=sealer) for row in rows]


def _claimed(row: LockedRequest, *, sealer: Sealer) -> Claimed:
    """Open one row's payload; one that cannot be opened is claimed without a movement,
    so that it is counted and the others still post."""
    try:
        movement = Movement.from_payload(row.type, sealer.open(row.payload))
        return Claimed(row.id, row.type, movement, attempts=row.attempts)
    except UNREADABLE as error:
        unreadable = type(error).__name__
        return Claimed(row.id, row.type, None, attempts=row.attempts, unreadable=unreadable)


def count_crashed_delivery(session: Session, *, request_id: RequestId) -> bool:
    """Store the delivery that crashed before this redelivery (the request is then
    ``processing``); False if the request is terminal already. The caller commits before
    posting the request again."""
    counted = session.execute(COUNT_CRASH, {"id": str(uuid.UUID(str(request_id)))})
    return counted.first() is not None


def _abandoned(deliveries: int) -> BusinessRejection:
    return PostingAbandoned(f"gave up after {deliveries} deliveries")


def _outcome(
    request: Claimed, rejections: dict[str, BusinessRejection | None], max_attempts: int
) -> Outcome:
    """A request delivered ``max_attempts`` times already is abandoned; an unreadable one
    has this delivery counted and waits (``processing``) for the reaper to send it again."""
    attempts, operation = request.attempts + 1, request.type
    if request.attempts >= max_attempts:
        rejection: BusinessRejection | None = _abandoned(request.attempts)
    elif request.unreadable is not None:
        return Outcome(
            request.id,
            Status.PROCESSING,
            attempts=attempts,
            operation=operation,
            unreadable=request.unreadable,
        )
    else:
        rejection = rejections[request.id]
    if rejection is None:
        return Outcome(request.id, Status.COMPLETED, attempts=attempts, operation=operation)
    return Outcome(
        request.id,
        Status.FAILED,
        error_code=rejection.code,
        error_message=rejection.message,
        attempts=attempts,
        operation=operation,
    )
