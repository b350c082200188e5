"""Celery tasks: each decodes its arguments, runs one ledger transaction, reports a small dict.

A request's task is named by its operation (``wallet.topup``, ``wallet.bonus``,
``wallet.spend``) and carries the idempotency key, so an operator finds it in Flower by key.
Business rejections are outcomes stored on the request; only transient database errors retry.
"""

import logging
import uuid
from typing import Any

from sqlalchemy.exc import OperationalError

from ledger.inbox import stale_requests, start_attempt
from ledger.operations import OPERATION_TYPES
from ledger.processing import process_request
from worker.celery_app import app
from worker.runtime import runtime

log = logging.getLogger(__name__)
RETRY_POLICY: dict[str, Any] = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": 0.2,
    "retry_backoff_max": 10,
    "retry_jitter": True,
    "max_retries": 12,
}


def process(request_id: str, idempotency_key: str) -> dict[str, Any]:
    rt = runtime()
    with rt.sessions.begin() as session:
        started = start_attempt(session, request_id=uuid.UUID(request_id))
    if started is None:
        return {"requestId": request_id, "status": "already-terminal"}
    with rt.sessions.begin() as session:
        request = process_request(
            session, request_id=started.id, max_attempts=rt.settings.max_attempts
        )
        outcome = {"requestId": request_id, "idempotencyKey": idempotency_key}
        outcome["status"] = request.status if request else "already-terminal"
    rt.publish_outcome(outcome)
    return outcome


PROCESS_TASKS: dict[str, Any] = {
    operation: app.task(name=f"wallet.{operation}", **RETRY_POLICY)(process)
    for operation in OPERATION_TYPES
}


@app.task(name="wallet.reap_stale_requests", **RETRY_POLICY)  # type: ignore[untyped-decorator]
def reap_stale_requests() -> dict[str, int]:
    """Re-enqueue requests left pending too long: a lost message delays a request only."""
    rt = runtime()
    with rt.sessions.begin() as session:
        stale = stale_requests(
            session, older_than_seconds=rt.settings.reaper_stale_after_seconds, limit=1000
        )
        pending = [(str(r.id), r.idempotency_key, r.type) for r in stale]
    for request_id, key, operation in pending:
        PROCESS_TASKS[operation].apply_async(args=(request_id, key), task_id=request_id)
    if pending:
        log.warning("reaper re-enqueued %d stale requests", len(pending))
    return {"reenqueued": len(pending)}
