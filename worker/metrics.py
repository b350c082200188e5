"""Worker metrics, served by the worker's main process on WORKER_METRICS_PORT.

The pool processes write them to PROMETHEUS_MULTIPROC_DIR, which must be in the worker's
environment when it starts (the celery command imports prometheus_client before any of our
code runs); scripts/run.sh, docker-compose.yml and the tests set it.
"""

import logging
import os
from collections import Counter as Tally
from typing import Any

from celery.signals import task_retry, worker_ready
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)

from infra.settings import get_settings
from ledger.statuses import Outcome

POSTINGS = Counter("wallet_requests_finished_total", "Requests finished by workers", ["status"])
FAILURES = Counter("wallet_requests_failed_total", "Failed requests by error code", ["code"])
OPERATIONS = Counter(
    "wallet_operations_finished_total",
    "Requests finished by workers, by operation type and status",
    ["operation", "status"],
)
HOLDS = Counter("wallet_holds_total", "Holds placed, captured, voided and expired", ["event"])
REVERSALS = Counter("wallet_reversals_total", "Reversals posted")
# A completed request of these types is this hold event.
HOLD_EVENTS = {"hold": "placed", "capture": "captured", "void": "voided"}
BATCH_SIZE = Histogram(
    "wallet_batch_size",
    "Requests posted per database transaction",
    buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
)
POSTING_SECONDS = Histogram("wallet_posting_seconds", "Duration of one posting transaction")
UNREADABLE = Counter(
    "wallet_unreadable_payloads_total",
    "Deliveries of requests whose payload the worker could not open (a key it lacks, a"
    " malformed payload), by error class: counted, not posted",
    ["error"],
)
REENQUEUED = Counter("wallet_reaper_reenqueued_total", "Requests re-sent by the reaper")
RETRIES = Counter("wallet_task_retries_total", "Task retries on transient errors", ["reason"])
PENDING = Gauge(
    "wallet_pending_requests",
    "Requests queued or processing (inbox)",
    multiprocess_mode="mostrecent",
)
OLDEST_PENDING = Gauge(
    "wallet_oldest_pending_age_seconds",
    "Age of the oldest pending request",
    multiprocess_mode="mostrecent",
)
WEBHOOK_DELIVERIES = Counter(
    "wallet_webhook_attempts_total",
    "Webhook delivery attempts by outcome: delivered, retry, failed (given up), refused (SSRF)",
    ["outcome"],
)
BROKER_QUEUE = Gauge(
    "wallet_broker_queue_depth",
    "Messages waiting in the broker queue",
    multiprocess_mode="mostrecent",
)


@worker_ready.connect  # type: ignore[untyped-decorator]
def serve_metrics(**_: Any) -> None:
    port = get_settings().worker_metrics_port
    if not port:
        return
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    else:
        logging.getLogger(__name__).warning("PROMETHEUS_MULTIPROC_DIR unset: pool metrics lost")
    start_http_server(port, addr=get_settings().bind_address, registry=registry)


@task_retry.connect  # type: ignore[untyped-decorator]
def count_retry(reason: Any = None, **_: Any) -> None:
    original = getattr(reason, "exc", reason)
    RETRIES.labels(reason=type(getattr(original, "orig", original)).__name__).inc()


def record_posting(outcomes: list[Outcome], seconds: float) -> None:
    BATCH_SIZE.observe(len(outcomes))
    POSTING_SECONDS.observe(seconds)
    for status, count in Tally(o.status for o in outcomes).items():
        POSTINGS.labels(status=status).inc(count)
    for code, count in Tally(o.error_code for o in outcomes if o.error_code).items():
        FAILURES.labels(code=code).inc(count)
    for (operation, status), count in Tally((o.operation, o.status) for o in outcomes).items():
        OPERATIONS.labels(operation=operation, status=status).inc(count)
        if status == "completed" and operation in HOLD_EVENTS:
            HOLDS.labels(event=HOLD_EVENTS[operation]).inc(count)
        if status == "completed" and operation == "reversal":
            REVERSALS.inc(count)


def record_unreadable(outcomes: list[Outcome]) -> None:
    for error, count in Tally(o.unreadable for o in outcomes if o.unreadable).items():
        UNREADABLE.labels(error=error).inc(count)


def record_expired(count: int) -> None:
    HOLDS.labels(event="expired").inc(count)


def record_sweep(
    *, reenqueued: int, pending: int, oldest_seconds: float, broker_depth: int
) -> None:
    REENQUEUED.inc(reenqueued)
    PENDING.set(pending)
    OLDEST_PENDING.set(oldest_seconds)
    BROKER_QUEUE.set(broker_depth)


def record_delivery(status: str, *, refused: bool) -> None:
    """One webhook attempt: ``status`` is the delivery's after it."""
    outcome = {"pending": "retry"}.get(status, status)
    WEBHOOK_DELIVERIES.labels(outcome="refused" if refused else outcome).inc()
