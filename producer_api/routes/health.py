"""Liveness and readiness probes, and Prometheus's scrape. /healthz is open to every caller
(it says only that the process answers); /readyz and /metrics tell more (the backlog, the
replica, traffic by route) and are open to OPS_OPEN_NETWORKS only, a valid key elsewhere."""

from flask import Blueprint, Response, jsonify
from sqlalchemy import text

from producer_api.app_services import services
from producer_api.http import metrics
from producer_api.http.problems import Problem
from producer_api.services.auth import ops_endpoint

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    return jsonify(status="ok")


@bp.get("/readyz")
@ops_endpoint
def readyz() -> Response:
    """503 if Postgres or Redis is unreachable (the read replica's state is reported, and
    never fails it). While submits are shed the answer stays 200
    with ``"status": "shedding"``: the backlog is shared by every API process, so failing
    readiness would take them all out of the load balancer, reads included."""
    checks = {"postgres": _postgres_ok(), "redis": _redis_ok()}
    if not all(checks.values()):
        down = ", ".join(name for name, ok in checks.items() if not ok)
        raise Problem(503, "NOT_READY", f"Unreachable: {down}.", headers={"Retry-After": "1"})
    backlog = services().admission.reading()
    return jsonify(
        status="shedding" if backlog.shedding else "ready",
        checks=checks,
        backlog={"pending": backlog.pending, "oldestSeconds": round(backlog.oldest_seconds, 3)},
        **_replica(),
    )


@bp.get("/metrics")
@ops_endpoint
def prometheus_metrics() -> Response:
    return metrics.scrape()


def _replica() -> dict[str, object]:
    """The read replica's lag, reported and never failing readiness: reads go to the primary
    while the replica is down or behind (producer_api.services.reads). Nothing without a replica."""
    if not services().reads.has_replica:
        return {}
    lag = services().reads.sample_lag()
    if lag is None:
        return {"replica": {"reachable": False}}
    seconds = round(lag.seconds, 3)
    return {"replica": {"reachable": True, "lagBytes": lag.bytes, "lagSeconds": seconds}}


def _postgres_ok() -> bool:
    try:
        with services().engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False


def _redis_ok() -> bool:
    try:
        return bool(services().redis.ping())
    except Exception:
        return False
