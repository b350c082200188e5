"""The two kinds of worker process, each on its own queue:
``python -m worker.serve postings|webhooks [celery worker options]``.

- ``postings``: CELERY_QUEUE only (postings, the reaper, hold expiry), the prefork pool.
- ``webhooks``: the deliveries' queue only (``Settings.webhook_queue``), a pool of
  WEBHOOK_CONCURRENCY threads: a delivery waits on its receiver (at most
  WEBHOOK_TIMEOUT_SECONDS, worker.sender), so threads, cheap to have many of, do it.

However many receivers are slow, they hold delivery threads and never a posting process.
make run (launcher.service), docker-compose and the test fixtures start one of each; a plain
``celery -A worker.celery_app worker`` consumes both queues (celeryconfig).
"""

import sys

from infra.settings import Settings, get_settings
from worker.celery_app import app

USAGE = "usage: python -m worker.serve postings|webhooks [celery worker options]"


def role_options(role: str, settings: Settings) -> list[str]:
    if role == "postings":
        return [f"--queues={settings.celery_queue}"]
    if role == "webhooks":
        threads = f"--concurrency={settings.webhook_concurrency}"
        return [f"--queues={settings.webhook_queue}", "--pool=threads", threads]
    raise SystemExit(USAGE)


def main(argv: list[str]) -> None:
    role, *options = argv or [""]
    app.worker_main(["worker", *role_options(role, get_settings()), *options])


if __name__ == "__main__":
    main(sys.argv[1:])
