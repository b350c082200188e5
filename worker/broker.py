"""What the worker asks of its broker beyond Celery: the depth of the task queue, on Redis (the
default) or RabbitMQ (CELERY_BROKER_URL=amqp://...)."""

from celery import Celery


def queue_depth(app: Celery) -> int:
    """Messages waiting in ``app``'s task queue: the Redis list's length, or the count that a
    passive declare answers on RabbitMQ (0 while the queue is gone)."""
    queue = app.conf.task_default_queue
    with app.connection_for_read() as connection:
        if connection.transport.driver_type != "amqp":
            return int(connection.default_channel.client.llen(queue))
        with connection.channel() as channel:
            try:
                return int(channel.queue_declare(queue=queue, passive=True).message_count)
            except connection.channel_errors:
                return 0
