"""Per-process resources of a worker: built on first use, after the pool has forked."""

from dataclasses import dataclass
from functools import lru_cache

import redis
from celery.signals import worker_init, worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from infra.db import make_engine, make_session_factory
from infra.memory import freeze_startup_heap
from infra.sealing import Sealer
from infra.settings import Settings, get_settings
from ledger.webhooks.outbox import Subscriptions


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    sealer: Sealer
    redis: redis.Redis
    subscriptions: Subscriptions  # which webhook event types have subscribers, remembered


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = get_settings()
    engine = make_engine(
        settings.database_url, pool_size=2, dead_peer_seconds=settings.dead_peer_seconds
    )
    return Runtime(
        settings=settings,
        sessions=make_session_factory(engine),
        sealer=Sealer(settings.metadata_encryption_keys),
        redis=redis.Redis.from_url(settings.redis_url, socket_timeout=2),
        subscriptions=Subscriptions(),
    )


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _forget_parent_resources(**_: object) -> None:
    runtime.cache_clear()


@worker_init.connect  # type: ignore[untyped-decorator]
def _freeze_before_forking(**_: object) -> None:
    # In the main process, before the pool forks: a child that froze its own copy would
    # touch (and so copy) every page it shares with the parent.
    freeze_startup_heap()
