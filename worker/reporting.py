"""What a posting transaction reports once it commits: metrics, the wake-up of the API's
waiters, the unreadable payloads it counted, and the task's small result. The "posted" log
line stays with the task (worker.tasks), whose logger name log queries use."""

import json
import logging

import redis
import structlog

from ledger.statuses import Outcome, Status
from worker.metrics import record_posting, record_unreadable

log = logging.getLogger(__name__)
NOTHING_POSTED = {"posted": 0, "completed": 0}


def report(
    outcomes: list[Outcome], seconds: float, *, publisher: redis.Redis, channel: str
) -> dict[str, int]:
    """Metrics and wake-ups for the requests this transaction finished; the unreadable
    payloads it counted; ``{"posted": n, "completed": m}``."""
    report_unreadable([o for o in outcomes if o.unreadable])
    outcomes = finished(outcomes)
    if not outcomes:
        return dict(NOTHING_POSTED)
    record_posting(outcomes, seconds)
    publish_outcomes(publisher, channel, [o.request_id for o in outcomes])
    completed = sum(o.status is Status.COMPLETED for o in outcomes)
    return {"posted": len(outcomes), "completed": completed}


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


def publish_outcomes(publisher: redis.Redis, channel: str, request_ids: list[str]) -> None:
    """Wake API calls waiting on these requests; they fall back to polling if this is lost."""
    try:
        publisher.publish(channel, json.dumps({"requestIds": request_ids}))
    except redis.RedisError:
        log.warning("could not publish the outcomes of %d requests", len(request_ids))
