"""The one logging set-up of every process (API, worker, beat, Flower), through structlog.

Development writes readable lines, coloured on a terminal; production one JSON object per
line; ``LOG_FORMAT`` (console or json) overrides. Standard-library records (Celery's,
granian's, Flower's, SQLAlchemy's) are rendered the same way, and every line carries the
context bound with ``structlog.contextvars`` (the request id, where a line has one).
"""

import logging
import os
import sys

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from infra.settings import Settings, get_settings


def _drop_unset(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    """Leave out context that is None (a reaper task has no request id)."""
    return {key: value for key, value in event.items() if value is not None}


SHARED: list[Processor] = [
    structlog.contextvars.merge_contextvars,
    _drop_unset,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
]


def configure_logging(settings: Settings | None = None, level: str = "INFO") -> None:
    as_json = (settings or get_settings()).logs_as_json
    stamp = structlog.processors.TimeStamper(fmt="iso" if as_json else "%H:%M:%S", utc=as_json)
    structlog.configure(
        processors=[*SHARED, stamp, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*SHARED, stamp],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *_renderer(as_json),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Alembic announces each of its plugins at INFO on every migration run (14 lines a start).
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


def _renderer(as_json: bool) -> list[Processor]:
    if as_json:
        return [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()]
    colours = sys.stderr.isatty() and "NO_COLOR" not in os.environ
    # Plain tracebacks: rich's print every frame's local variables (secrets included) and
    # cost a bad request more CPU than answering it.
    plain = structlog.dev.plain_traceback
    return [structlog.dev.ConsoleRenderer(colors=colours, exception_formatter=plain)]
