"""Acknowledgements that fail give their prefetch slot back.

On the Redis transport the worker counts the messages it holds unacknowledged against its
prefetch limit (concurrency x ``worker_prefetch_multiplier``) on its own side. An
acknowledgement that fails on a broker connection that stopped answering (a partition; a NAT
or a load balancer that forgot the flow) is logged ("Couldn't ack") and dropped by Celery,
but its message stayed counted: after as many failed acknowledgements as pool processes, the
worker never asked for a message again, alive, connected and idle, for good
(tests/e2e/test_silent_broker.py). Here the message is forgotten on the worker's side too; Redis
still lists it unacknowledged and hands it out again after the visibility timeout, when it
finds its requests finished and posts nothing. (RabbitMQ counts on the broker's side and takes
an unacknowledged message back when the connection drops.)
"""

from celery import Task
from celery.worker.request import Request
from kombu.message import Message
from kombu.transport.virtual import QoS


class SlotReturningRequest(Request):  # type: ignore[misc]
    def acknowledge(self) -> None:
        pending = not self.acknowledged
        super().acknowledge()  # a connection error is logged, not raised
        if pending:
            forget_delivery(self.message)


def forget_delivery(message: Message) -> None:
    """Release ``message``'s prefetch slot if its acknowledgement did not (virtual transports
    only: Redis; a successful ``ack`` has released it already)."""
    qos = getattr(message.channel, "qos", None)
    tag = message.delivery_tag
    if isinstance(qos, QoS) and tag in qos._delivered and tag not in qos._dirty:
        QoS.ack(qos, tag)  # type: ignore[no-untyped-call]  # the bookkeeping, not Redis


class WalletTask(Task):  # type: ignore[misc]
    Request = SlotReturningRequest
