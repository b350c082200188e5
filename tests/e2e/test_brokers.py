"""The service on either broker (tests/fixtures/brokers.py): the flow through RabbitMQ, what
the queue is made of there, the reaper's depth metric and a broker down at submit on both.
The faults of workers on both brokers are in test_faults.py."""

import time
import uuid

import pytest

from harness.processes import free_port, start_worker
from harness.rabbitmq import Vhost
from infra.sealing import PLAIN
from ledger.webhooks.registration import register_webhook
from tests.fixtures.brokers import on_both_brokers
from tests.fixtures.clients import Api
from tests.receiver import receiving
from tests.stack import Stack
from worker.broker import queue_depth

on_rabbitmq = pytest.mark.parametrize("broker", ["rabbitmq"], indirect=True)


@on_rabbitmq
def test_a_submit_that_waits_completes_through_rabbitmq(
    stack: Stack, rabbitmq_vhost: Vhost
) -> None:
    worker = start_worker(stack.worker("rabbit-flow", concurrency=2, beat=True))
    api = Api(stack.api("api-rabbit"))
    user = stack.user()
    body = topup(user, amount=7)
    started = time.monotonic()
    answer = api.submit("topup", body, wait=10)
    print(f"completed through RabbitMQ in {time.monotonic() - started:.2f}s")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    assert api.balance(user) == "7.00"
    assert api.submit("topup", body).headers["Idempotent-Replayed"] == "true"
    queues = rabbitmq_vhost.queues()
    assert queues[stack.settings.celery_queue][0] == "quorum"
    assert "celery_delayed_0" in queues  # retries are delayed by RabbitMQ, not in the worker
    assert "Global QoS is disabled" in worker.log()  # per-consumer prefetch: quorum queues


@on_both_brokers
def test_webhooks_are_delivered_from_a_queue_of_their_own_by_the_webhook_worker(
    stack: Stack, broker: str, request: pytest.FixtureRequest
) -> None:
    """make run's two workers (worker.serve), on either broker: the posting worker takes no
    delivery, the webhook worker takes them from their own queue (a quorum one on RabbitMQ)."""
    with receiving() as receiver:
        with stack.sessions.begin() as session:
            register_webhook(
                session,
                url=receiver.url,
                events=["request.completed"],
                description=None,
                created_by="test",
                allow_private=False,
                allow_loopback=True,
                sealer=PLAIN,
            )
        postings = start_worker(stack.worker("postings", role="postings"))
        webhooks = start_worker(stack.worker("webhooks", role="webhooks"))
        request_id = stack.record(stack.user())
        stack.send(request_id)
        (received,) = receiver.wait_for(lambda e: e["data"]["requestId"] == str(request_id))
    assert received.event["type"] == "request.completed"
    assert "wallet.deliver_webhook[" not in postings.log()  # "Task ...[id] received"
    assert "wallet.deliver_webhook[" in webhooks.log()
    if broker == "rabbitmq":
        vhost: Vhost = request.getfixturevalue("rabbitmq_vhost")
        assert vhost.queues()[stack.settings.webhook_queue][0] == "quorum"


@on_both_brokers
def test_the_queue_depth_counts_waiting_messages_and_a_lost_queue_as_empty(stack: Stack) -> None:
    for _ in range(3):
        stack.send(uuid.uuid4())
    assert queue_depth(stack.celery) == 3
    stack.lose_queued_messages()
    assert queue_depth(stack.celery) == 0


@pytest.mark.slow
@on_both_brokers
def test_a_broker_down_at_submit_leaves_the_request_to_the_reaper(
    stack: Stack, broker: str
) -> None:
    start_worker(stack.worker("broker-down", concurrency=1, beat=True))
    port = free_port()  # nothing listens there
    dead = {"redis": f"redis://127.0.0.1:{port}/0", "rabbitmq": f"amqp://127.0.0.1:{port}//"}
    api = Api(stack.api("api-broker-down", CELERY_BROKER_URL=dead[broker]))
    user = stack.user()
    started = time.monotonic()
    answer = api.submit("topup", topup(user, amount=3), wait=20)  # the waiters are on Redis
    print(f"sent by the reaper, completed {time.monotonic() - started:.1f}s after the submit")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "completed"
    assert api.balance(user) == "3.00"


def topup(user: str, amount: int) -> dict[str, object]:
    return {
        "accountNumber": user,
        "assetCode": "GOLD_COINS",
        "amount": amount,
        "idempotencyKey": str(uuid.uuid4()),
    }
