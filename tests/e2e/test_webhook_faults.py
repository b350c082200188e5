"""Webhooks under faults, each on a private database and Redis db with a receiver on
127.0.0.1: every completed and every failed request is delivered, once after deduplication
by event id, when the receiver answers 500 to the first attempts, when the worker's pool
processes are SIGKILLed mid-delivery and when Redis is flushed. Every delivery received
verifies with the SDK's ``verify``; duplicates carry the same id and the same bytes."""

import json
import time
import uuid
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import text
from wallet_client.webhooks import WebhookVerificationError, sign, verify

from harness.processes import BIN, Process, start_worker, wait_until
from infra.sealing import PLAIN
from ledger.webhooks.registration import register_webhook
from tests.receiver import Receiver, receiving
from tests.stack import Stack, pool_children

pytestmark = pytest.mark.slow
# A hung receiver times the sender out quickly; a killed attempt's lease is 2 + 30 s.
WORKER_ENV = {"WEBHOOK_TIMEOUT_SECONDS": "2"}
COUNT = 30  # requests, a third of them failing INSUFFICIENT_FUNDS


def subscribe(stack: Stack, receiver: Receiver) -> str:
    """A webhook for both request events; its secret."""
    with stack.sessions.begin() as session:
        created = register_webhook(
            session,
            url=receiver.url,
            events=["request.completed", "request.failed"],
            description="faults",
            created_by="test",
            allow_private=False,
            allow_loopback=True,
            sealer=PLAIN,  # the private stack runs without METADATA_ENCRYPTION_KEYS
        )
    return created.secret


def start_beat(stack: Stack) -> None:
    """Beat on its own, so that killing a worker's children kills no embedded beat."""
    name = f"beat-{uuid.uuid4().hex[:6]}"
    schedule = f"--schedule={stack.log_dir / name}"
    args = [str(BIN / "celery"), "-A", "worker.celery_app", "beat", "--loglevel=INFO", schedule]
    stack.processes.append(Process(name, args, stack.env, stack.log_dir).start())


def submit_mix(stack: Stack) -> dict[str, str]:
    """COUNT requests sent five to a message: request id -> the event type it must raise."""
    user, expected = stack.user(gold="100"), {}
    for i in range(COUNT):
        if i % 3 == 2:
            spend = stack.submit(
                "spend",
                account_number=user,
                asset_code="GOLD_COINS",
                amount=Decimal(1000),
                description="more than the balance",
            )
            expected[spend] = "request.failed"
        else:
            expected[stack.record(user)] = "request.completed"
    ids = list(expected)
    for start in range(0, COUNT, 5):
        stack.send(*ids[start : start + 5])
    return {str(request_id): kind for request_id, kind in expected.items()}


def wait_delivered(stack: Stack, started: float) -> None:
    def delivered() -> bool:
        with stack.sessions() as session:
            found = session.execute(
                text("SELECT status, count(*) FROM webhook_deliveries GROUP BY status")
            )
            return {status: count for status, count in found} == {"delivered": COUNT}

    wait_until(delivered, timeout=150, what=f"{COUNT} deliveries delivered")
    print(f"{COUNT} events delivered in {time.monotonic() - started:.1f}s")


def assert_once_each(receiver: Receiver, secret: str, expected: dict[str, str]) -> int:
    """Every POST verifies; one event id per request, of the right type; a duplicate is the
    same id with the same body. Returns how many POSTs arrived."""
    bodies: dict[str, bytes] = {}
    for received in receiver.log:
        event = verify(secret, received.headers["Wallet-Signature"], received.body)
        assert bodies.setdefault(event.id, received.body) == received.body
    events = [json.loads(body) for body in bodies.values()]
    assert Counter(e["data"]["requestId"] for e in events) == Counter(list(expected))
    assert {e["data"]["requestId"]: e["type"] for e in events} == expected
    print(f"{len(receiver.log)} POSTs for {len(bodies)} events")
    return len(receiver.log)


def test_a_receiver_answering_500_at_first_gets_every_event_once(stack: Stack) -> None:
    with receiving(fail_first=2) as receiver:
        secret = subscribe(stack, receiver)
        start_worker(stack.worker("hooks-500", concurrency=2, beat=True, **WORKER_ENV))
        started = time.monotonic()
        expected = submit_mix(stack)
        wait_delivered(stack, started)
    assert assert_once_each(receiver, secret, expected) >= 3 * COUNT
    first = receiver.log[0]
    tampered = first.body.replace(b'"data"', b'"data" ', 1)
    with pytest.raises(WebhookVerificationError):
        verify(secret, first.headers["Wallet-Signature"], tampered)
    old = sign(secret, first.body, timestamp=int(time.time()) - 301)
    with pytest.raises(WebhookVerificationError):
        verify(secret, old, first.body)


def test_pool_processes_killed_mid_delivery_lose_no_event(stack: Stack) -> None:
    with receiving() as receiver:
        secret = subscribe(stack, receiver)
        worker = start_worker(stack.worker("hooks-kill", concurrency=2, beat=False, **WORKER_ENV))
        start_beat(stack)
        receiver.gate.clear()  # every POST hangs: the pool processes sit in deliveries
        started = time.monotonic()
        expected = submit_mix(stack)
        wait_until(lambda: receiver.hanging >= 2, timeout=60, what="deliveries mid-POST")
        for pid in pool_children(worker):
            Process.kill(pid)
        receiver.gate.set()
        wait_delivered(stack, started)
    assert_once_each(receiver, secret, expected)
    assert "WorkerLostError" in worker.log()


def test_redis_flushed_with_deliveries_queued_loses_no_event(stack: Stack) -> None:
    with receiving() as receiver:
        secret = subscribe(stack, receiver)
        start_worker(stack.worker("hooks-flush", concurrency=2, beat=True, **WORKER_ENV))
        receiver.gate.clear()
        started = time.monotonic()
        expected = submit_mix(stack)
        wait_until(lambda: receiver.hanging >= 2, timeout=60, what="deliveries mid-POST")
        stack.lose_queued_messages()
        receiver.gate.set()
        wait_delivered(stack, started)
    assert_once_each(receiver, secret, expected)
