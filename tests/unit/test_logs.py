"""One logging set-up: readable lines in development, one JSON object per line in
production, LOG_FORMAT over either; the request id on each line that has one, whether the
line comes from structlog or from a library's standard logger."""

import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from infra.logs import configure_logging
from infra.settings import Settings


def production(log_format: str | None) -> Settings:
    return Settings(wallet_env="production", wallet_secret_key="s" * 32, log_format=log_format)


def development(log_format: str | None) -> Settings:
    return Settings(wallet_env="development", log_format=log_format)


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    structlog.contextvars.clear_contextvars()
    yield
    root.handlers[:], root.level = handlers, level
    structlog.contextvars.clear_contextvars()
    structlog.reset_defaults()


def logged(settings: Settings, capsys: pytest.CaptureFixture[str]) -> list[str]:
    """What a structlog logger and a standard one write, with and without a request id."""
    configure_logging(settings)
    structlog.get_logger("wallet").info("posted", requests=3)
    structlog.contextvars.bind_contextvars(request_id="req-42")
    logging.getLogger("celery.worker").warning("task received")
    structlog.contextvars.clear_contextvars()
    logging.getLogger("gunicorn.error").info("booting")
    return capsys.readouterr().err.splitlines()


@pytest.mark.parametrize(
    "settings",
    [
        production(log_format=None),
        development(log_format="json"),
    ],
)
def test_json_is_one_object_per_line_with_the_request_id_where_bound(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, third = (json.loads(line) for line in logged(settings, capsys))
    assert (first["event"], first["requests"], first["level"]) == ("posted", 3, "info")
    assert (second["event"], second["request_id"]) == ("task received", "req-42")
    assert second["logger"] == "celery.worker"
    assert "request_id" not in first and "request_id" not in third


@pytest.mark.parametrize(
    "settings",
    [
        development(log_format=None),
        production(log_format="console"),
    ],
)
def test_console_lines_are_readable_with_the_request_id_where_bound(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second, third = logged(settings, capsys)
    assert "posted" in first and "requests=3" in first and not first.startswith("{")
    assert "task received" in second and "request_id=req-42" in second
    assert "request_id" not in first + third
    assert "\x1b[" not in first + second + third  # colours only on a terminal
