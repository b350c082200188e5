"""Slow webhook receivers against the real API, a posting worker and a webhook worker as make
run starts them (worker.serve), on a private stack (issue 22, item 1).

Each receiver reads the event, then answers 200 a byte every half second: well within any
per-read timeout, 28 s for the whole answer. A delivery is abandoned at its total deadline
(WEBHOOK_TIMEOUT_SECONDS) and retried, and while six of them are being delivered to, top-ups
with ``Prefer: wait`` complete at once: deliveries have a queue and workers of their own."""

import time
import uuid
from typing import Any

import pytest
from sqlalchemy import text

from harness.processes import start_worker, wait_until
from tests.fixtures.clients import Api
from tests.receiver import ANSWER, Trickler, trickling
from tests.stack import Stack

pytestmark = pytest.mark.slow
TIMEOUT = 3  # WEBHOOK_TIMEOUT_SECONDS
INTERVAL = 0.5  # the receivers' seconds between two bytes of their answer
RECEIVERS = 6  # more than the webhook worker's threads and the posting worker's processes
PROMPT = 3.0  # seconds: a posting that waits for no delivery


def start_service(stack: Stack) -> Api:
    """The API, a posting worker (2 processes) and a webhook worker (2 threads)."""
    timeout = str(TIMEOUT)
    worker = stack.worker(
        "postings", concurrency=2, role="postings", WEBHOOK_TIMEOUT_SECONDS=timeout
    )
    start_worker(worker)
    webhooks = stack.worker(
        "webhooks", concurrency=2, role="webhooks", WEBHOOK_TIMEOUT_SECONDS=timeout
    )
    start_worker(webhooks)
    return Api(stack.api("slow-receivers"))


def top_up(api: Api, user: str) -> tuple[str, float]:
    """A top-up sent with ``Prefer: wait=10``: its status and the seconds it took."""
    body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "1"}
    started = time.monotonic()
    answer = api.submit("topup", {**body, "idempotencyKey": str(uuid.uuid4())}, wait=10)
    return answer.json()["status"], time.monotonic() - started


def subscribe(api: Api, receiver: Trickler) -> None:
    for _ in range(RECEIVERS):
        body = {"url": receiver.url, "events": ["request.completed"]}
        assert api.post("/api/webhooks", body).status_code == 201


def test_slow_receivers_delay_no_posting_and_each_attempt_ends_at_its_deadline(
    stack: Stack,
) -> None:
    assert len(ANSWER) * INTERVAL > 5 * TIMEOUT  # the answer would take far longer
    api, user = start_service(stack), stack.user()
    with trickling(INTERVAL) as receiver:
        subscribe(api, receiver)
        assert top_up(api, user)[0] == "completed"  # six deliveries, to six slow receivers
        wait_until(lambda: receiver.sending >= 2, timeout=10, what="deliveries in flight")
        for _ in range(3):
            status, seconds = top_up(api, user)
            assert status == "completed" and seconds < PROMPT, (status, seconds)
            assert receiver.sending >= 1  # the slow deliveries were still going on
        attempt = wait_for_abandoned_attempt(stack)
    assert attempt["error"].startswith("ReadTimeout")
    assert TIMEOUT * 1000 <= attempt["duration_ms"] < (TIMEOUT + 1.5) * 1000
    # The retry model: the delivery stays pending, due again after its backoff.
    assert attempt["status"] == "pending" and attempt["next_attempt_at"] is not None
    assert attempt["last_error"] == attempt["error"]


def wait_for_abandoned_attempt(stack: Stack) -> dict[str, Any]:
    """The first attempt recorded, with its delivery's state."""
    query = text(
        "SELECT a.error, a.duration_ms, d.status, d.next_attempt_at, d.last_error"
        " FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id"
        " ORDER BY a.id LIMIT 1"
    )
    found: list[dict[str, Any]] = []

    def recorded() -> bool:
        with stack.sessions() as session:
            found[:] = [dict(row._mapping) for row in session.execute(query)]
        return bool(found)

    # Started at the first top-up's deliveries; the answer alone would take 28 s.
    wait_until(recorded, timeout=4 * TIMEOUT, what="an attempt recorded")
    return found[0]
