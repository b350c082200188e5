"""The API's HTTP server: granian's ASGI interface serving the front (producer_api.front),
which runs the Flask app on API_THREADS threads and parks waiting calls as coroutines.

``python api_server.py``: WEB_CONCURRENCY processes (2), on LISTEN_ADDRESS:PORT (the
settings: 127.0.0.1 in development, every interface in production and in the image). Each
process takes up to MAX_WAITERS_PER_PROCESS waiting calls plus 1,024 working ones at once
(granian's backpressure); past that its connections wait to be read.

A top-level module: it must run before anything imports prometheus_client (producer_api
does), which picks its multiprocess mode at import.
"""

import os
import shutil
import tempfile

from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings

from infra.logs import configure_logging
from infra.settings import get_settings

# Long enough for the longest Prefer: wait (30 s) to be answered on a graceful stop.
GRACEFUL_STOP_SECONDS = 35
WORKING_CALLS = 1024
# The request line and headers must fit in this (bodies stream through it); a client has
# 10 s to send them.
HTTP1 = HTTP1Settings(max_buffer_size=32 * 1024, header_read_timeout=10_000)
# Granian's own records go to the root logger, rendered like every other line.
LOGGERS = {
    "loggers": {
        "_granian": {"handlers": [], "propagate": True},
        "granian.access": {"handlers": [], "propagate": True},
    }
}


def main() -> None:
    # Metrics of all processes, merged at /metrics (prometheus-client multiprocess mode):
    # set before any process imports prometheus_client. make run and the tests give one;
    # else one is made here and removed when the server stops.
    own_metrics_dir = None
    if "PROMETHEUS_MULTIPROC_DIR" not in os.environ:
        own_metrics_dir = tempfile.mkdtemp(prefix="wallet-metrics-")
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = own_metrics_dir
    settings = get_settings()
    configure_logging(settings)
    try:
        Granian(
            "producer_api.app:server_front",
            factory=True,
            interface=Interfaces.ASGI,
            address=settings.bind_address,
            port=settings.port,
            workers=settings.web_concurrency,
            backpressure=settings.max_waiters_per_process + WORKING_CALLS,
            backlog=max(1024, settings.max_waiters_per_process),
            websockets=False,
            http1_settings=HTTP1,
            log_level="warning",  # type: ignore[arg-type]
            log_dictconfig=LOGGERS,
            respawn_failed_workers=True,
            workers_kill_timeout=GRACEFUL_STOP_SECONDS,
        ).serve()
    finally:
        if own_metrics_dir:
            shutil.rmtree(own_metrics_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
