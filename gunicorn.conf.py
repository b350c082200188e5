"""Gunicorn settings for the API: processes x threads. Long-poll waiters hold a thread each,
so at most MAX_WAITERS_PER_PROCESS (16 of the 32 threads by default) wait at once."""

import os
import tempfile

# Metrics of all worker processes, merged at /metrics (prometheus-client multiprocess mode).
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="wallet-api-metrics-"))

bind = f"0.0.0.0:{os.environ.get('PORT', '3000')}"
worker_class = "gthread"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
timeout = 60
graceful_timeout = 35  # longer than the longest Prefer: wait (30 s)
keepalive = 5
accesslog = os.environ.get("GUNICORN_ACCESS_LOG")  # off unless asked: it costs throughput


def child_exit(server: object, worker: object) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined]
