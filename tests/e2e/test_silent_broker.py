"""A broker connection that goes silent (a NAT, a load balancer or a firewall forgets the flow:
no reset, and nothing ever comes back) must not stop a worker for good."""

from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from harness.processes import start_worker, wait_until
from tests.relay import ForgetfulRelay
from tests.stack import Stack

pytestmark = pytest.mark.slow


@pytest.fixture
def relay(stack: Stack) -> Iterator[ForgetfulRelay]:
    """A relay in front of the stack's Redis."""
    port = urlsplit(stack.redis_url).port
    assert port is not None
    forgetful = ForgetfulRelay(port)
    yield forgetful
    forgetful.close()


def test_a_worker_whose_broker_connections_go_silent_mid_task_consumes_again(
    stack: Stack, relay: ForgetfulRelay
) -> None:
    """The worker acknowledges its message on a connection that no longer answers. Without a
    socket timeout it waited there for good (the relay's kernel acknowledges every byte, so
    TCP never gives up); with one, the failed acknowledgement kept its prefetch slot, and a
    worker of one pool process never asked for a message again (worker/acks.py)."""
    port = urlsplit(stack.redis_url).port
    through_relay = stack.redis_url.replace(f":{port}/", f":{relay.port}/")
    worker = start_worker(
        stack.worker("silent", concurrency=1, REDIS_URL=through_relay, DEAD_PEER_SECONDS="2")
    )
    user = stack.user()
    first = stack.record(user)
    with stack.balances_locked(user):
        stack.send(first)
        wait_until(lambda: stack.blocked_backends() >= 1, timeout=20, what="the worker mid-posting")
        assert relay.forget() > 0
    second = stack.record(user)
    stack.send(second)  # from the test's own connection to Redis
    requests = stack.wait_terminal([first, second], timeout=60)
    assert [r.status for r in requests] == ["completed", "completed"]
    assert stack.transactions_for([first, second]) == 2
    assert "Couldn't ack" in worker.log()
