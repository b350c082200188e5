"""The service's logs in every worker and beat process, with the API's request id on each
line of a task."""

from typing import Any

import structlog
from celery.signals import setup_logging, task_postrun, task_prerun

from infra.logs import configure_logging


@setup_logging.connect  # type: ignore[untyped-decorator]
def use_service_logs(**_: Any) -> None:
    configure_logging()


@task_prerun.connect  # type: ignore[untyped-decorator]
def bind_request_context(task_id: str, task: Any, args: Any = (), **_: Any) -> None:
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(
        request_id=getattr(task.request, "request_id", None), task_id=task_id, task=task.name
    )
    if task.name == "wallet.post" and args:
        keys = [key for _, key, _ in args[0]]
        structlog.contextvars.bind_contextvars(idempotency_keys=keys[:20], requests=len(keys))


@task_postrun.connect  # type: ignore[untyped-decorator]
def clear_request_context(**_: Any) -> None:
    structlog.contextvars.clear_contextvars()
