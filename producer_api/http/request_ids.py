"""A request id per HTTP call: taken from X-Request-ID or made, bound to every log line,
echoed in the answer and carried in the Celery message headers to the worker's log lines."""

import re
import uuid

import structlog
from flask import Flask, Response, request

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


def init_request_ids(app: Flask) -> None:
    app.before_request(_bind)
    app.after_request(_echo)
    app.teardown_request(_unbind)  # a thread's next line outside a request carries none


def current_request_id() -> str | None:
    value = structlog.contextvars.get_contextvars().get("request_id")
    return str(value) if value else None


def _bind() -> None:
    incoming = request.headers.get("X-Request-ID", "")
    request_id = incoming if _SAFE.match(incoming) else uuid.uuid4().hex
    structlog.contextvars.clear_contextvars()
    structlog.contextvars.bind_contextvars(request_id=request_id)


def _echo(response: Response) -> Response:
    request_id = current_request_id()
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response


def _unbind(_: BaseException | None) -> None:
    structlog.contextvars.clear_contextvars()
