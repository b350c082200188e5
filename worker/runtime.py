"""Per-process resources of a worker: built on first use, after the pool has forked."""

import json
import logging
from dataclasses import dataclass
from functools import lru_cache

import redis
import structlog
from celery.signals import worker_process_init
from sqlalchemy.orm import Session, sessionmaker

from infra.db import make_engine, make_session_factory
from infra.sealing import Sealer
from infra.settings import Settings, get_settings
from ledger.lifecycle import Outcome, Status
from worker.metrics import record_posting, record_unreadable

log = logging.getLogger(__name__)
NOTHING_POSTED = {"posted": 0, "completed": 0}


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    sessions: sessionmaker[Session]
    sealer: Sealer
    redis: redis.Redis

    def report(self, outcomes: list[Outcome], seconds: float) -> dict[str, int]:
        """A posting transaction's outcomes: metrics, the wake-up of the API's waiters, a log
        line, and the task's small result."""
        report_unreadable([o for o in outcomes if o.unreadable])
        outcomes = finished(outcomes)
        if not outcomes:
            return dict(NOTHING_POSTED)
        record_posting(outcomes, seconds)
        self.publish_outcomes([o.request_id for o in outcomes])
        completed = sum(o.status is Status.COMPLETED for o in outcomes)
        structlog.get_logger(__name__).info("posted", requests=len(outcomes), completed=completed)
        return {"posted": len(outcomes), "completed": completed}

    def publish_outcomes(self, request_ids: list[str]) -> None:
        """Wake API calls waiting on these requests; they fall back to polling if this is lost."""
        try:
            self.redis.publish(
                self.settings.outcome_channel, json.dumps({"requestIds": request_ids})
            )
        except redis.RedisError:
            log.warning("could not publish the outcomes of %d requests", len(request_ids))


def finished(outcomes: list[Outcome]) -> list[Outcome]:
    """The outcomes that end a request: not the deliveries of unreadable payloads."""
    return [o for o in outcomes if o.unreadable is None]


def report_unreadable(outcomes: list[Outcome]) -> None:
    """Requests whose payload could not be opened: by id and error class, never the payload."""
    record_unreadable(outcomes)
    for o in outcomes:
        structlog.get_logger(__name__).error(
            "unreadable request payload: delivery counted, not posted",
            request_id=o.request_id,
            error=o.unreadable,
            attempts=o.attempts,
        )


@lru_cache(maxsize=1)
def runtime() -> Runtime:
    settings = get_settings()
    engine = make_engine(settings.database_url, pool_size=2)
    return Runtime(
        settings=settings,
        sessions=make_session_factory(engine),
        sealer=Sealer(settings.metadata_encryption_keys),
        redis=redis.Redis.from_url(settings.redis_url, socket_timeout=2),
    )


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _forget_parent_resources(**_: object) -> None:
    runtime.cache_clear()
