"""The broker is chosen by CELERY_BROKER_URL: unset, the Redis at REDIS_URL with its own
transport options; amqp://, RabbitMQ with a quorum queue and publisher confirms."""

from typing import Any

import pytest

from celeryconfig import celery_config
from infra.settings import Settings
from producer_api.services.enqueuer import BROKER_SOCKET_TIMEOUT, celery_client

RABBIT = "amqp://guest:guest@rabbitmq:5672/wallet"


def settings(**fields: Any) -> Settings:
    return Settings(_env_file=None, redis_url="redis://cache:6379/0", celery_queue="q", **fields)


def test_without_a_broker_url_the_broker_is_the_redis_of_redis_url() -> None:
    config = celery_config(settings())
    assert config["broker_url"] == "redis://cache:6379/0"
    assert config["broker_transport_options"]["visibility_timeout"] == 300
    assert config["task_default_exchange"] == ""
    assert "task_default_queue_type" not in config


@pytest.mark.parametrize("url", [RABBIT, "amqps://u:p@rabbitmq/wallet", "pyamqp://rabbitmq//"])
def test_an_amqp_broker_url_runs_the_queue_on_rabbitmq_as_a_quorum_queue(url: str) -> None:
    config = celery_config(settings(celery_broker_url=url))
    assert config["broker_url"] == url
    assert config["broker_transport_options"] == {"confirm_publish": True}
    assert config["task_default_queue_type"] == "quorum"
    assert config["worker_detect_quorum_queues"] is True
    assert (config["task_default_exchange"], config["task_default_exchange_type"]) == ("q", "topic")
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]


def test_rate_limits_and_outcomes_stay_on_redis_whatever_the_broker() -> None:
    assert settings(celery_broker_url=RABBIT).redis_url == "redis://cache:6379/0"


@pytest.mark.parametrize(
    ("url", "timeouts"),
    [
        (None, {"socket_timeout", "socket_connect_timeout"}),
        (RABBIT, {"connect_timeout", "read_timeout", "write_timeout"}),
    ],
)
def test_the_apis_client_bounds_every_socket_operation_on_either_broker(
    url: str | None, timeouts: set[str]
) -> None:
    client = celery_client(settings(celery_broker_url=url))
    options = client.conf.broker_transport_options
    assert {name: options[name] for name in timeouts} == dict.fromkeys(
        timeouts, BROKER_SOCKET_TIMEOUT
    )
    assert client.conf.broker_url == (url or "redis://cache:6379/0")


def test_workers_give_up_a_silent_redis_within_the_dead_peer_bound() -> None:
    """A partition drops packets without a reset: without socket timeouts an ack or a
    publish waited on the dead connection for the kernel's ~15 min of retransmissions
    (tests/cluster/: after a 60 s partition, workers came back 48 s after the heal)."""
    options = celery_config(settings(dead_peer_seconds=7))["broker_transport_options"]
    assert options["socket_timeout"] == options["socket_connect_timeout"] == 7
    assert options["socket_keepalive"] is True
    assert options["health_check_interval"] == 7


@pytest.mark.parametrize(("visibility", "interval"), [(300, 10), (10, 5), (1, 1)])
def test_the_restore_lock_expires_after_one_sweep_interval(visibility: int, interval: int) -> None:
    """kombu holds it 300 s unless released: a SET that reached Redis only after a partition
    healed, from a worker that had given up on it, stopped every sweep that long."""
    config = celery_config(settings(broker_visibility_timeout_seconds=visibility))
    options = config["broker_transport_options"]
    assert options["unacked_restore_interval"] == options["unacked_mutex_expire"] == interval


def test_the_apis_client_keeps_its_own_short_timeouts_on_redis() -> None:
    options = celery_client(settings(dead_peer_seconds=30)).conf.broker_transport_options
    assert options["socket_timeout"] == options["socket_connect_timeout"] == BROKER_SOCKET_TIMEOUT
