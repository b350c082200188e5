"""Celery tasks: each decodes its arguments, runs ledger transactions, reports a small dict.

``wallet.post`` carries ``[request id, idempotency key, operation]`` triples, so an operator
finds a request in Flower by its key.
Business rejections are outcomes stored on the request; only transient database errors retry.
"""

import time
import uuid
from typing import Any

import structlog
from sqlalchemy.exc import OperationalError

from ledger.claiming import claim_requests, pending_summary, stale_requests
from ledger.processing import process_requests
from worker.celery_app import app
from worker.metrics import record_posting, record_sweep
from worker.runtime import runtime

log = structlog.get_logger(__name__)
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 0.2,
    "retry_backoff_max": 10,
    "retry_jitter": True,
    "max_retries": 12,
}


@app.task(name="wallet.post", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def post(requests: list[list[str]]) -> dict[str, Any]:
    """Post ``[request id, idempotency key, operation]`` triples, BATCH_SIZE per transaction.

    A message from one request is topped up with other queued requests (micro-batching).
    """
    ids = [uuid.UUID(request_id) for request_id, _, _ in requests]
    size = runtime().settings.batch_size
    results = [post_claimed(ids[i : i + size], fill_to=size) for i in range(0, len(ids), size)]
    return {key: sum(r[key] for r in results) for key in ("claimed", "completed", "failed")}


def post_claimed(request_ids: list[uuid.UUID], fill_to: int = 0) -> dict[str, Any]:
    rt = runtime()
    with rt.sessions.begin() as session:
        claimed = claim_requests(session, request_ids=request_ids, fill_to=fill_to)
    if not claimed:
        return {"claimed": 0, "completed": 0, "failed": 0}
    started = time.perf_counter()
    with rt.sessions.begin() as session:
        outcomes = process_requests(
            session, request_ids=claimed, max_attempts=rt.settings.max_attempts
        )
    record_posting(outcomes, time.perf_counter() - started)
    rt.publish_outcomes([str(o.request_id) for o in outcomes])
    completed = sum(o.status == "completed" for o in outcomes)
    log.info("posted", claimed=len(claimed), completed=completed)
    return {"claimed": len(claimed), "completed": completed, "failed": len(outcomes) - completed}


@app.task(name="wallet.reap_stale_requests", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def reap_stale_requests() -> dict[str, int]:
    """Re-enqueue requests left pending too long: a lost message delays a request only."""
    rt = runtime()
    with rt.sessions.begin() as session:
        stale = stale_requests(
            session, older_than_seconds=rt.settings.reaper_stale_after_seconds, limit=1000
        )
        pending = [[str(r.id), r.idempotency_key, r.type] for r in stale]
        count, oldest = pending_summary(session)
    size = rt.settings.batch_size
    for start in range(0, len(pending), size):
        post.delay(pending[start : start + size])
    if pending:
        log.warning("reaper re-enqueued stale requests", count=len(pending))
    with app.connection_for_read() as connection:
        depth = connection.default_channel.client.llen(app.conf.task_default_queue)
    record_sweep(reenqueued=len(pending), pending=count, oldest_seconds=oldest, broker_depth=depth)
    return {"reenqueued": len(pending)}
