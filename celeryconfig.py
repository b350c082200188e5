"""Celery's configuration, where Celery's documentation looks for it: the worker's app reads
this module by name (``app.config_from_object("celeryconfig")``), its settings being the
module's attributes, derived on first read from the process's one ``Settings``
(``get_settings()``). A client given other settings (the API's ``producer_api.services.enqueuer``, a
test's stack) takes ``celery_config(settings)``: the same values, from the settings it was
given, never from the environment behind its back. Plain values: nothing here imports Celery."""

from functools import cache
from typing import Any

from infra.settings import Settings, get_settings


def __getattr__(name: str) -> Any:
    # Dunder and private look-ups (the import system's, copy's, pickle's) must not read the
    # environment: a production process without its secrets would fail on them.
    if name.startswith("_") or name not in process_config():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return process_config()[name]


def __dir__() -> list[str]:
    # What Celery lists as this module's settings (DictAttribute iterates dir()).
    return sorted(process_config())


@cache
def process_config() -> dict[str, Any]:
    return celery_config(get_settings())


def celery_config(settings: Settings) -> dict[str, Any]:
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a worker started before its broker waits
        # Outcomes live in Postgres (the request row); Celery results are not stored.
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A task running when the broker connection drops finishes (its message comes back
        # as a redelivery, which finds its requests terminal): Celery 5's behaviour, said.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": settings.celery_queue,
        **webhook_routes(settings),
        "worker_send_task_events": True,
        # The API sends one message per burst; a task-sent event per message would only
        # load Flower.
        "task_send_sent_event": False,
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "beat_schedule": {
            "reap-stale-requests": {
                "task": "wallet.reap_stale_requests",
                "schedule": settings.reaper_interval_seconds,
            },
            "expire-holds": {
                "task": "wallet.expire_holds",
                "schedule": settings.hold_expiry_interval_seconds,
            },
            "sweep-webhook-deliveries": {
                "task": "wallet.sweep_webhook_deliveries",
                "schedule": settings.webhook_sweep_interval_seconds,
            },
        },
        **(amqp_options(settings) if settings.broker_is_amqp else redis_options(settings)),
    }


# --- Queues: postings on CELERY_QUEUE, webhook deliveries on a queue of their own ---

WEBHOOK_TASKS = ("wallet.deliver_webhook", "wallet.sweep_webhook_deliveries")


def webhook_routes(settings: Settings) -> dict[str, Any]:
    """Deliveries (and their sweep) to ``settings.webhook_queue``, consumed by workers of
    their own, so that a slow receiver can only ever delay other deliveries. A worker started
    without ``--queues`` consumes both; make run and docker-compose name one each."""
    queues = (settings.celery_queue, settings.webhook_queue)
    return {
        "task_queues": {name: queue_options(settings, name) for name in queues},
        "task_routes": {task: {"queue": settings.webhook_queue} for task in WEBHOOK_TASKS},
    }


def queue_options(settings: Settings, name: str) -> dict[str, Any]:
    """A queue as the broker's options below declare the default one."""
    if settings.broker_is_amqp:
        return {
            "exchange": name,
            "exchange_type": "topic",
            "routing_key": name,
            "queue_arguments": {"x-queue-type": "quorum"},
        }
    return {"exchange": "", "routing_key": name}


# --- The broker's own options: Redis (the default) or RabbitMQ (CELERY_BROKER_URL=amqp://) ---


def redis_options(settings: Settings) -> dict[str, Any]:
    # An unacknowledged message returns to the queue after the visibility timeout (acks_late
    # above); kombu sweeps for such messages every unacked_restore_interval seconds.
    visibility = settings.broker_visibility_timeout_seconds
    restore_interval = max(1, min(10, visibility // 2))
    return {
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "unacked_restore_interval": restore_interval,
            "unacked_restore_throttle": 1,
            # The sweep's lock in Redis, which kombu holds 300 s unless released. A worker
            # whose SET of it timed out during a partition never releases it, yet the kernel
            # still delivers the SET once the network heals: no worker restored anything for
            # five minutes (tests/cluster/). One interval bounds that; two sweeps at once are
            # safe (each message is restored in a WATCH/MULTI transaction).
            "unacked_mutex_expire": restore_interval,
            # A Redis that stops answering without closing the connection (a partition):
            # without a socket timeout, an ack or a publish (a task's retry) waits on the dead
            # connection for the kernel's ~15 min of retransmissions, and a reconnect for its
            # ~2 min of SYNs; a consumer's BRPOP that gets no reply is dropped after this long
            # past its own 1 s timeout (kombu's health check, 25 s by default).
            **dead_peer_redis_options(settings.dead_peer_seconds),
        },
        # Publish through the default ("") exchange, straight to the queue by name. With a
        # named exchange, kombu's Redis transport routes through a _kombu.binding.* key that
        # a FLUSHDB or a Redis restart deletes, after which every publish fails until the
        # worker restarts.
        "task_default_exchange": "",
    }


def dead_peer_redis_options(seconds: float) -> dict[str, Any]:
    return {
        "socket_timeout": seconds,
        "socket_connect_timeout": seconds,
        "socket_keepalive": True,
        "health_check_interval": max(1, round(seconds)),
    }


def amqp_options(settings: Settings) -> dict[str, Any]:
    # A durable quorum queue (replicated on a RabbitMQ cluster) and publisher confirms: a
    # send returns once the broker has the message. An unacknowledged message returns to the
    # queue when its consumer's connection closes (no visibility timeout). Celery sees the
    # quorum queue and turns global QoS off (worker_detect_quorum_queues), and delays a
    # retry through RabbitMQ (native delayed delivery), which needs a topic exchange.
    return {
        "broker_transport_options": {"confirm_publish": True},
        "task_default_queue_type": "quorum",
        "task_default_exchange": settings.celery_queue,
        "task_default_exchange_type": "topic",
        "task_default_routing_key": settings.celery_queue,
        "worker_detect_quorum_queues": True,
    }


def client_timeouts(settings: Settings, seconds: float) -> dict[str, Any]:
    """Transport options that bound every socket operation of a sending client, so a broker
    that accepts the connection but never answers cannot hold the sender."""
    if settings.broker_is_amqp:
        return {"connect_timeout": seconds, "read_timeout": seconds, "write_timeout": seconds}
    return {"socket_timeout": seconds, "socket_connect_timeout": seconds}
