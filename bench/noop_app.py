"""The Celery baseline: the wallet's Celery settings, one task that only counts itself."""

import redis

from infra.settings import get_settings
from worker.celery_app import app

COUNTER = "bench:noop:done"
_redis = redis.Redis.from_url(get_settings().redis_url)


@app.task(name="bench.noop")  # type: ignore[untyped-decorator]
def noop() -> None:
    _redis.incr(COUNTER)
