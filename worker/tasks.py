"""Celery tasks: each decodes its arguments, runs ledger transactions, reports a small dict.
What a delivery does to a request (claim, post, finish) is ledger.posting.lifecycle's protocol.

``wallet.post`` carries ``[request id, idempotency key, operation]`` triples, so an operator
finds a request in Flower by its key. A message's requests are posted BATCH_SIZE per
transaction, one transaction each batch, topped up with other queued requests
(micro-batching). A message the broker hands out again after a crash (``redelivered``: a
killed pool process, or a worker lost past the visibility timeout) may carry the request
that crashed it: each of its requests then has that crash counted and committed first, and
is posted alone, so a poison request runs out of attempts without taking others with it.
Business rejections are outcomes stored on the request; only transient database errors
retry, and a retry is a new message, not a redelivery: it counts nothing.
"""

import time
from collections.abc import Iterable
from typing import Any

import structlog
from sqlalchemy.exc import OperationalError

from ledger.posting.expiry import expire_holds as release_expired_holds
from ledger.posting.lifecycle import count_crashed_delivery, process_requests
from ledger.posting.reaper import pending_summary, stale_requests
from worker.broker import queue_depth
from worker.celery_app import app
from worker.metrics import record_expired, record_sweep
from worker.outbox import announce, record_events, record_expired_events
from worker.reporting import NOTHING_POSTED, finished, report
from worker.runtime import runtime

log = structlog.get_logger(__name__)
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 0.2,
    "retry_backoff_max": 10,
    "retry_jitter": True,
    "max_retries": 12,
}
EXPIRY_BATCH = 1000  # holds released per transaction by the expiry sweep


@app.task(name="wallet.post", bind=True, **RETRY_POLICY)  # type: ignore[untyped-decorator]
def post(self: Any, requests: list[list[str]]) -> dict[str, int]:
    """Post ``[request id, idempotency key, operation]`` triples."""
    ids = [request_id for request_id, _, _ in requests]
    if (self.request.delivery_info or {}).get("redelivered"):
        return _tally(post_alone(request_id) for request_id in ids)
    size = runtime().settings.batch_size
    return _tally(post_batch(ids[i : i + size], fill_to=size) for i in range(0, len(ids), size))


def post_batch(request_ids: list[str], fill_to: int = 0) -> dict[str, int]:
    """One transaction: the claim-and-post protocol of ledger.posting.lifecycle."""
    rt, started = runtime(), time.perf_counter()
    with rt.sessions.begin() as session:
        posted = process_requests(
            session,
            request_ids=request_ids,
            fill_to=fill_to,
            max_attempts=rt.settings.max_attempts,
            sealer=rt.sealer,
        )
        outcomes = posted.outcomes
        # Webhooks: the transactional outbox, written in the posting's own transaction.
        deliveries = record_events(session, finished(outcomes), posted.expired_holds)
    announce(deliveries)
    seconds, channel = time.perf_counter() - started, rt.settings.outcome_channel
    return log_posted(report(outcomes, seconds, publisher=rt.redis, channel=channel))


def log_posted(summary: dict[str, int]) -> dict[str, int]:
    """The "posted" line, under this module's logger (worker.tasks): log queries use it."""
    if summary["posted"]:
        log.info("posted", requests=summary["posted"], completed=summary["completed"])
    return summary


def post_alone(request_id: str) -> dict[str, int]:
    """A redelivered request: count the crashed delivery (committed), then post it alone."""
    with runtime().sessions.begin() as session:
        pending = count_crashed_delivery(session, request_id=request_id)
    return post_batch([request_id]) if pending else dict(NOTHING_POSTED)


def _tally(results: Iterable[dict[str, int]]) -> dict[str, int]:
    totals = dict(NOTHING_POSTED)
    for result in results:
        for key in totals:
            totals[key] += result[key]
    return totals


@app.task(name="wallet.reap_stale_requests", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def reap_stale_requests() -> dict[str, int]:
    """Re-enqueue requests left pending too long: a lost message delays a request only."""
    rt = runtime()
    with rt.sessions.begin() as session:
        stale = stale_requests(session, older_than_seconds=rt.settings.reaper_stale_after_seconds)
        count, oldest = pending_summary(session)
    for start in range(0, len(stale), rt.settings.batch_size):
        post.delay(stale[start : start + rt.settings.batch_size])
    if stale:
        log.warning("reaper re-enqueued stale requests", count=len(stale))
    record_sweep(
        reenqueued=len(stale), pending=count, oldest_seconds=oldest, broker_depth=queue_depth(app)
    )
    return {"reenqueued": len(stale)}


@app.task(name="wallet.expire_holds", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def expire_holds() -> dict[str, int]:
    """Release active holds past their expiry (a thousand per transaction, until none), each
    transaction with their ``hold.expired`` events, announced once it commits."""
    expired, batch = 0, EXPIRY_BATCH
    while batch == EXPIRY_BATCH:
        with runtime().sessions.begin() as session:
            hold_ids = release_expired_holds(session, limit=EXPIRY_BATCH)
            deliveries = record_expired_events(session, hold_ids)
        announce(deliveries)
        expired, batch = expired + len(hold_ids), len(hold_ids)
    if expired:
        record_expired(expired)
        log.info("holds expired", count=expired)
    return {"expired": expired}
