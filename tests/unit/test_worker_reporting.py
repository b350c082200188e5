"""What a posting transaction reports: the "posted" line under the worker.tasks logger (log
queries name it), and unreadable payloads counted, logged by id and error class only, and
never announced as finished (worker.reporting, worker.tasks)."""

import json
import logging
from collections.abc import Iterator
from typing import Any, cast

import pytest
import redis
import structlog
from prometheus_client import REGISTRY

from infra.logs import configure_logging
from infra.settings import Settings
from ledger.statuses import Outcome, Status
from worker.reporting import report
from worker.tasks import log_posted


class Publisher:
    def __init__(self) -> None:
        self.messages: list[tuple[str, Any]] = []

    def publish(self, channel: str, message: str) -> None:
        self.messages.append((channel, json.loads(message)))


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level
    structlog.reset_defaults()


def lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in capsys.readouterr().err.splitlines()]


def json_logs() -> None:
    """In the test's body: the handler writes to the stderr capsys captures then."""
    configure_logging(Settings(wallet_env="development", log_format="json"))


def test_the_posted_line_is_logged_under_worker_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    json_logs()
    log_posted({"posted": 3, "completed": 2})
    (line,) = lines(capsys)
    assert (line["event"], line["logger"], line["requests"], line["completed"]) == (
        "posted",
        "worker.tasks",
        3,
        2,
    )


def test_an_unreadable_payload_is_counted_and_logged_but_never_announced(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def unreadable_count() -> float:
        labels = {"error": "InvalidToken"}
        return REGISTRY.get_sample_value("wallet_unreadable_payloads_total", labels) or 0.0

    json_logs()
    before, publisher = unreadable_count(), Publisher()
    outcomes = [
        Outcome(
            "r-bad", Status.PROCESSING, attempts=1, operation="topup", unreadable="InvalidToken"
        ),
        Outcome("r-good", Status.COMPLETED, operation="topup"),
    ]
    summary = report(outcomes, 0.01, publisher=cast(redis.Redis, publisher), channel="outcomes")
    assert summary == {"posted": 1, "completed": 1}
    assert publisher.messages == [("outcomes", {"requestIds": ["r-good"]})]
    assert unreadable_count() == before + 1
    (line,) = lines(capsys)
    assert (line["request_id"], line["error"], line["level"]) == ("r-bad", "InvalidToken", "error")
    assert "payload" not in line
