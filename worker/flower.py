"""Flower with the service's logging: ``python -m worker.flower [Flower's options]``.

The same as ``celery -A worker.celery_app flower ...``, except that Flower's records (and
Tornado's) come out in the service's log format, as every other process's do.
"""

import sys

from celery.bin.celery import main as celery_main

from infra.logs import configure_logging

if __name__ == "__main__":
    configure_logging()
    sys.argv = ["celery", "-A", "worker.celery_app", "flower", *sys.argv[1:]]
    sys.exit(celery_main())
