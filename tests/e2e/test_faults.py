"""Faults provoked against real worker processes, each on a private database and Redis db;
those that concern the broker run once on Redis and once on RabbitMQ (``on_both_brokers``).

A test holds the user's balance rows locked so that workers block in the middle of posting,
provokes the fault, releases the lock and checks: every request terminal, exactly once.
"""

import signal
import time
import uuid

import pytest
from sqlalchemy import text

from harness.processes import (
    Process,
    free_port,
    redis_process,
    start_redis,
    start_worker,
    wait_until,
)
from ledger.models import Request
from tests.fixtures.brokers import on_both_brokers
from tests.stack import Stack, pool_children

pytestmark = pytest.mark.slow


def completed_once(stack: Stack, ids: list[uuid.UUID], started: float) -> list[Request]:
    requests = stack.wait_terminal(ids, timeout=90)
    print(f"{len(ids)} requests drained in {time.monotonic() - started:.1f}s")
    assert [r.status for r in requests] == ["completed"] * len(ids)
    assert stack.transactions_for(ids) == len(ids)
    return requests


def send_and_block(stack: Stack, ids: list[uuid.UUID], *, blocked: int) -> None:
    """Send every request; return once ``blocked`` deliveries wait on the held row locks."""
    for request_id in ids:
        stack.send(request_id)
    wait_until(lambda: stack.blocked_backends() >= blocked, timeout=20, what="workers mid-posting")


@on_both_brokers
def test_sigkill_of_pool_processes_mid_posting_loses_and_doubles_nothing(stack: Stack) -> None:
    worker = start_worker(stack.worker("kill", concurrency=2))
    user = stack.user()
    ids = [stack.record(user) for _ in range(20)]
    with stack.balances_locked(user):
        send_and_block(stack, ids, blocked=2)
        started = time.monotonic()
        for pid in pool_children(worker):
            Process.kill(pid)
    completed_once(stack, ids, started)
    assert "WorkerLostError" in worker.log()


@on_both_brokers
def test_messages_the_broker_loses_with_requests_queued_complete_through_the_reaper(
    stack: Stack,
) -> None:
    # Batch size 1: every request waits for its own message, which the loss destroys (Redis
    # flushed; on RabbitMQ the queue deleted, its unacknowledged messages with it).
    start_worker(stack.worker("lose", concurrency=2, beat=True, BATCH_SIZE="1"))
    user = stack.user()
    ids = [stack.record(user) for _ in range(20)]
    with stack.balances_locked(user):
        send_and_block(stack, ids, blocked=2)
        stack.lose_queued_messages()
        started = time.monotonic()
    completed_once(stack, ids, started)


@on_both_brokers
def test_the_same_task_message_delivered_twice_posts_once(stack: Stack) -> None:
    start_worker(stack.worker("twice", concurrency=2))
    user = stack.user()
    request_id = stack.record(user, amount="5")
    with stack.balances_locked(user):
        stack.send(request_id)
        stack.send(request_id)
        wait_until(lambda: stack.blocked_backends() >= 2, timeout=20, what="both deliveries")
    completed_once(stack, [request_id], time.monotonic())


@on_both_brokers
def test_a_poison_request_is_failed_after_bounded_attempts(stack: Stack) -> None:
    worker = start_worker(stack.worker("poison", concurrency=1, MAX_ATTEMPTS="3"))
    user = stack.user()
    request_id = stack.record(user)
    with stack.balances_locked(user):
        stack.send(request_id)
        # The request kills its worker every time it is posted; on both brokers the message
        # comes back marked redelivered, and that is what counts the crash.
        for delivery in range(1, 4):
            # A redelivery commits the count of the crash before it, then blocks mid-posting.
            wait_until(
                lambda: (
                    deliveries(worker) == delivery  # noqa: B023
                    and stack.requests([request_id])[0].attempts == delivery - 1  # noqa: B023
                    and stack.blocked_backends() >= 1
                ),
                timeout=30,
                what=f"delivery {delivery} mid-posting",
            )
            for pid in pool_children(worker):
                Process.kill(pid)
        (request,) = stack.wait_terminal([request_id], timeout=30)
    assert (request.status, request.error_code, request.attempts) == (
        "failed",
        "POSTING_ABANDONED",
        4,
    )
    assert stack.transactions_for([request_id]) == 0
    assert deliveries(worker) == 4


@on_both_brokers
def test_transient_errors_in_a_row_never_abandon_a_request(stack: Stack) -> None:
    worker = start_worker(stack.worker("transient", concurrency=1, MAX_ATTEMPTS="2"))
    request_id = stack.record(user := stack.user())
    failed: set[int] = set()
    with stack.balances_locked(user):
        stack.send(request_id)
        for _ in range(5):  # each posting blocks, then loses its connection: a retry
            wait_until(
                lambda: bool(blocked_pids(stack) - failed),
                timeout=30,
                what="the next retry mid-posting",
            )
            failed.update(terminate(stack, blocked_pids(stack) - failed))
    (request,) = completed_once(stack, [request_id], time.monotonic())
    assert request.attempts == 1
    assert worker.log().count("wallet.post[") >= 6
    assert worker.log().count("Retry in") >= 5


def blocked_pids(stack: Stack) -> set[int]:
    with stack.engine.connect() as connection:
        return set(
            connection.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            )
        )


def terminate(stack: Stack, pids: set[int]) -> set[int]:
    with stack.engine.connect() as connection:
        for pid in pids:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    return pids


@on_both_brokers
def test_warm_shutdown_redelivers_unacknowledged_requests(stack: Stack) -> None:
    first = start_worker(stack.worker("deploy-old", concurrency=2))
    user = stack.user()
    ids = [stack.record(user) for _ in range(10)]
    with stack.balances_locked(user):
        send_and_block(stack, ids, blocked=2)
        assert first.popen is not None
        first.popen.send_signal(signal.SIGTERM)  # what a deploy does: warm shutdown
        wait_until(lambda: "Warm shutdown" in first.log(), timeout=20, what="warm shutdown")
    first.popen.wait(30)
    started = time.monotonic()
    start_worker(stack.worker("deploy-new", concurrency=2))
    completed_once(stack, ids, started)


def test_a_posting_longer_than_the_visibility_timeout_posts_once(stack: Stack) -> None:
    worker = start_worker(
        stack.worker("slow", concurrency=2, BROKER_VISIBILITY_TIMEOUT_SECONDS="1")
    )
    user = stack.user()
    request_id = stack.record(user)
    with stack.balances_locked(user):
        stack.send(request_id)
        # The broker hands the unacknowledged message out again; it waits on the request row.
        wait_until(
            lambda: deliveries(worker) >= 2,
            timeout=60,
            what="redelivery after the visibility timeout",
        )
    completed_once(stack, [request_id], time.monotonic())


def test_a_worker_started_before_redis_waits_for_it_then_works(stack: Stack) -> None:
    port = free_port()
    redis_url = f"redis://127.0.0.1:{port}/0"
    worker = stack.worker("early", concurrency=1, REDIS_URL=redis_url)
    worker.start()
    wait_until(
        lambda: worker.log().count("Cannot connect to redis") >= 2,
        timeout=30,
        what="the worker to retry connecting to Redis",
    )
    assert worker.popen is not None and worker.popen.poll() is None, "worker gave up"
    redis_server = start_redis(redis_process(stack.log_dir, port, name="late-redis"), port)
    stack.processes.append(redis_server)
    wait_until(lambda: " ready." in worker.log(), timeout=60, what="worker to connect")
    stack.celery.conf.broker_url = redis_url
    request_id = stack.record(stack.user())
    stack.send(request_id)
    completed_once(stack, [request_id], time.monotonic())


def deliveries(worker: Process) -> int:
    """wallet.post messages the worker received (each test's stack has its own worker log)."""
    lines = worker.log().splitlines()
    return sum("wallet.post[" in line and "received" in line for line in lines)
