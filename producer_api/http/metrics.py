"""API metrics: requests by route and status, latency, admission control. The server's
processes share them through PROMETHEUS_MULTIPROC_DIR (set by api_server.py before any
process imports this)."""

import os
import time

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter(
    "wallet_http_requests_total", "HTTP requests answered", ["route", "method", "status"]
)
LATENCY = Histogram(
    "wallet_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
SHEDDING = Gauge(
    "wallet_api_shedding",
    "1 while this API process refuses submits because the backlog is past its bounds",
    multiprocess_mode="mostrecent",  # a dead process's last value never outvotes the living
)
# The front's parked calls (producer_api.waiting): waiting now, and declined past the bound.
PARKED = Gauge(
    "wallet_api_parked_calls",
    "Calls waiting for their outcome (Prefer: wait, ?wait), in every API process",
    multiprocess_mode="livesum",
)
WAITS_DECLINED = Counter(
    "wallet_api_waits_declined_total",
    "Calls that asked to wait and were answered at once: MAX_WAITERS_PER_PROCESS were waiting",
)
SHED = Counter("wallet_api_submits_shed_total", "Submits refused with 503 by admission control")
# The read replica (producer_api.services.reads). The gauges carry the replica's host:port/database
# and exist only where DATABASE_READ_URL is set; they are sampled at each scrape.
READS = Counter(
    "wallet_reads_total", "Balance and history reads, by the server that answered", ["source"]
)
REPLICA_FALLBACKS = Counter(
    "wallet_replica_fallbacks_total",
    "Reads meant for the replica that the primary answered: wait_bound (?after= not replayed "
    "within REPLICA_WAIT_MAX_SECONDS), unavailable (the replica failed), not_found (an "
    "account the replica does not know yet)",
    ["reason"],
)
REPLICA_WAIT = Histogram(
    "wallet_replica_wait_seconds",
    "How long a read with ?after= waited for the replica to replay its request",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
REPLICA_LAG_BYTES = Gauge(
    "wallet_replica_lag_bytes",
    "WAL the primary has written that the replica has not replayed yet",
    ["replica"],
    multiprocess_mode="mostrecent",
)
REPLICA_LAG_SECONDS = Gauge(
    "wallet_replica_lag_seconds",
    "0 if the replica has replayed all the primary wrote, else the age of the last "
    "transaction it replayed",
    ["replica"],
    multiprocess_mode="mostrecent",
)
REPLICA_UP = Gauge(
    "wallet_replica_up",
    "1 if the replica answered the last lag sample, else 0",
    ["replica"],
    multiprocess_mode="mostrecent",
)
BEFORE_SCRAPE = "wallet_before_scrape"  # app.extensions: callables run before each scrape


def init_metrics(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_observe)


def scrape() -> Response:
    """The answer to a Prometheus scrape (the route: producer_api.routes.health)."""
    for refresh in current_app.extensions.get(BEFORE_SCRAPE, ()):
        refresh()  # gauges sampled now (the replica's lag)
    registry = REGISTRY
    if "PROMETHEUS_MULTIPROC_DIR" in os.environ:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


def _start_timer() -> None:
    g.started = time.perf_counter()


def _observe(response: Response) -> Response:
    route = request.url_rule.rule if request.url_rule else "unmatched"
    REQUESTS.labels(route, request.method, str(response.status_code)).inc()
    if "started" in g:
        LATENCY.labels(route, request.method).observe(time.perf_counter() - g.started)
    return response
