"""Celery's configuration, derived from a ``Settings``: the worker's app and the API's
client (``producer_api.enqueuer``) are both configured from the settings they were given,
never from the environment behind their back. Plain values: nothing here imports Celery."""

from typing import Any

from infra.settings import Settings


def celery_config(settings: Settings) -> dict[str, Any]:
    # An unacknowledged message returns to the queue after the visibility timeout (acks_late
    # below); kombu sweeps for such messages every unacked_restore_interval seconds.
    visibility = settings.broker_visibility_timeout_seconds
    return {
        "broker_url": settings.broker_url,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,  # a worker started before Redis waits for it
        "broker_transport_options": {
            "visibility_timeout": visibility,
            "unacked_restore_interval": max(1, min(10, visibility // 2)),
            "unacked_restore_throttle": 1,
        },
        # Outcomes live in Postgres (the request row); Celery results are not stored.
        "task_ignore_result": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": settings.celery_queue,
        # Publish through the default ("") exchange, straight to the queue by name. With a
        # named exchange, kombu's Redis transport routes through a _kombu.binding.* key that
        # a FLUSHDB or a Redis restart deletes, after which every publish fails until the
        # worker restarts.
        "task_default_exchange": "",
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
        },
    }
