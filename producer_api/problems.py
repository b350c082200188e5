"""RFC 9457 problem+json answers: the one place where errors become HTTP responses."""

import logging
from http import HTTPStatus
from typing import Any

import redis
from flask import Flask, Response, request
from kombu.exceptions import OperationalError as BrokerError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException

from ledger.errors import (
    AccountNotFound,
    InvalidCursor,
    LedgerError,
    RequestNotFound,
)
from producer_api.schemas import ProblemOut

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://wallet.example/problems/"


class Problem(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail = status, code, detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(problem: Problem) -> Response:
    """Rendered through ProblemOut, the model /openapi.json documents for every error."""
    body = ProblemOut.model_validate(
        {
            "type": PROBLEM_TYPE + problem.code.lower().replace("_", "-"),
            "title": _title(problem.status),
            "status": problem.status,
            "detail": problem.detail,
            "code": problem.code,
            "instance": request.path,
            "errors": problem.errors,
        }
    )
    response = Response(
        body.model_dump_json(exclude_none=True),
        problem.status,
        mimetype="application/problem+json",
    )
    response.headers.update(problem.headers)
    return response


def validation_problem(error: ValidationError, *, status: int = 422) -> Problem:
    errors = [
        {
            "field": ".".join(str(p) for p in e["loc"]) or "body",
            "message": e["msg"],
            "type": e["type"],
        }
        for e in error.errors(include_url=False, include_input=False)
    ]
    return Problem(status, "VALIDATION_ERROR", "The request is not valid.", errors=errors)


def ledger_problem(error: LedgerError) -> Problem:
    if isinstance(error, RequestNotFound):
        return Problem(404, error.code, error.message)
    if isinstance(error, AccountNotFound) and request.method == "GET":
        return Problem(404, error.code, error.message)  # named by the URL: the resource is missing
    if isinstance(error, InvalidCursor):
        return Problem(
            400, error.code, error.message, errors=[{"field": "cursor", "message": error.message}]
        )
    return Problem(422, error.code, error.message)


def register_problem_handlers(app: Flask) -> None:
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(ValidationError, lambda e: problem_response(validation_problem(e)))
    app.register_error_handler(LedgerError, lambda e: problem_response(ledger_problem(e)))
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(OperationalError, _unavailable("DATABASE_UNAVAILABLE"))
    app.register_error_handler(DBAPIError, _unavailable("DATABASE_UNAVAILABLE"))
    app.register_error_handler(redis.RedisError, _unavailable("REDIS_UNAVAILABLE"))
    app.register_error_handler(BrokerError, _unavailable("BROKER_UNAVAILABLE"))
    app.register_error_handler(Exception, _internal_error)


def _http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    code = (error.name or "error").upper().replace(" ", "_")
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(Problem(status, code, error.description or error.name, headers=headers))


def _unavailable(code: str) -> Any:
    def handler(error: Exception) -> Response:
        log.warning("%s: %s", code, error.__class__.__name__)
        detail = "A backing service is unavailable; retry with the same idempotency key."
        return problem_response(Problem(503, code, detail, headers={"Retry-After": "1"}))

    return handler


def _internal_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(Problem(500, "INTERNAL_ERROR", "An unexpected error occurred."))


def _title(status: int) -> str:
    return HTTPStatus(status).phrase
