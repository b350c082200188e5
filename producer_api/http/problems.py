"""RFC 9457 problem+json answers: the one place where errors become HTTP responses."""

import logging
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

import redis
from flask import Flask, Response, request
from kombu.exceptions import OperationalError as BrokerError
from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException

from ledger.errors import (
    AccountExists,
    AccountNotFound,
    AmountPrecision,
    AssetExists,
    AssetNotFound,
    HoldNotFound,
    IdempotencyKeyReused,
    InvalidAccount,
    InvalidCursor,
    InvalidExpiry,
    InvalidScale,
    LedgerError,
    MonitorNotFound,
    NotOwner,
    RequestNotFound,
    TransactionNotFound,
    WebhookNotFound,
    WebhookUrlRefused,
)
from producer_api.contract.schemas import ReadableModel
from producer_api.contract.text import escaped
from producer_api.front import REFUSED
from producer_api.http.database_errors import Failure, classify, sqlstate

log = logging.getLogger(__name__)
PROBLEM_TYPE = "https://wallet.example/problems/"
RETRY = "retry with the same idempotency key."
# The body field a refusal of the ledger's checks points at (in a batch: operations.N.field).
LEDGER_FIELDS: dict[type[LedgerError], str] = {
    AccountNotFound: "accountNumber",
    InvalidAccount: "accountNumber",
    AssetNotFound: "assetCode",
    AmountPrecision: "amount",
    IdempotencyKeyReused: "idempotencyKey",
    InvalidExpiry: "expiresInSeconds",
    TransactionNotFound: "transactionId",
    InvalidScale: "scale",
    AccountExists: "accountNumber",
    AssetExists: "code",
    WebhookUrlRefused: "url",
}
# Refusals that are not 422: what the call names does not exist (404) or is taken (409).
LEDGER_STATUSES: dict[type[LedgerError], int] = {
    RequestNotFound: 404,
    HoldNotFound: 404,
    TransactionNotFound: 404,
    AccountExists: 409,
    AssetExists: 409,
    WebhookNotFound: 404,
    MonitorNotFound: 404,
    NotOwner: 403,
}


class FieldErrorOut(ReadableModel):
    field: str
    message: str
    type: str | None = None


class ProblemOut(ReadableModel):
    """RFC 9457 problem details, plus a machine-readable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[FieldErrorOut] | None = None


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
            "instance": escaped(request.path),
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
            "field": ".".join(escaped(str(p)) or '""' for p in e["loc"]) or "body",
            "message": e["msg"],
            "type": e["type"],
        }
        for e in error.errors(include_url=False, include_input=False)
    ]
    return Problem(status, "VALIDATION_ERROR", "The request is not valid.", errors=errors)


def ledger_problem(error: LedgerError, *, field_prefix: str = "") -> Problem:
    if isinstance(error, AccountNotFound) and "account_number" in (request.view_args or {}):
        return Problem(404, error.code, error.message)  # named by the URL: the resource is missing
    if isinstance(error, InvalidCursor):
        return Problem(
            400, error.code, error.message, errors=[{"field": "cursor", "message": error.message}]
        )
    field = LEDGER_FIELDS.get(type(error))
    errors = [{"field": field_prefix + field, "message": error.message}] if field else None
    return Problem(LEDGER_STATUSES.get(type(error), 422), error.code, error.message, errors=errors)


# The codes the API answers of its own, beside the ledger's (each LedgerError's ``code``) and
# werkzeug's HTTP errors' (their names: NOT_FOUND, METHOD_NOT_ALLOWED). Every problem a
# route raises names one of them (tests/unit/test_error_codes.py reads the source), and the
# docs' error table lists them all.
API_CODES = frozenset(
    {
        "VALIDATION_ERROR",
        "INVALID_JSON",
        "DUPLICATE_MEMBER",
        "INVALID_NUMBER",
        "INVALID_STRING",
        "UNSUPPORTED_MEDIA_TYPE",
        "UNSUPPORTED_CONTENT_ENCODING",
        "IDEMPOTENCY_KEY_REQUIRED",
        "IDEMPOTENCY_KEY_MISMATCH",
        "DUPLICATE_IDEMPOTENCY_KEY",
        "REQUEST_NOT_FINISHED",
        "UNAUTHENTICATED",
        "INVALID_API_KEY",
        "FORBIDDEN",
        "TOO_MANY_REQUESTS",
        "REQUEST_TIMEOUT",
        "REQUEST_ENTITY_TOO_LARGE",
        "INVALID_DATA",
        "OVERLOADED",
        "NOT_READY",
        "DATABASE_UNAVAILABLE",
        "DATABASE_BUSY",
        "REDIS_UNAVAILABLE",
        "BROKER_UNAVAILABLE",
        "INTERNAL_ERROR",
    }
)
# Bodies the front (producer_api.front) refused before the app saw them.
FRONT_REFUSALS = {
    408: ("REQUEST_TIMEOUT", "The request body did not arrive in time."),
    413: ("REQUEST_ENTITY_TOO_LARGE", "The request body is too large."),
}


def register_problem_handlers(app: Flask) -> None:
    app.before_request(_refused_by_front)
    app.register_error_handler(Problem, problem_response)
    app.register_error_handler(ValidationError, lambda e: problem_response(validation_problem(e)))
    app.register_error_handler(LedgerError, lambda e: problem_response(ledger_problem(e)))
    app.register_error_handler(HTTPException, _http_problem)
    app.register_error_handler(DBAPIError, _database_problem)
    app.register_error_handler(PoolTimeout, _unavailable("DATABASE_BUSY"))
    app.register_error_handler(redis.RedisError, _unavailable("REDIS_UNAVAILABLE"))
    app.register_error_handler(BrokerError, _unavailable("BROKER_UNAVAILABLE"))
    app.register_error_handler(Exception, _internal_error)


def _refused_by_front() -> None:
    status = request.environ.get(REFUSED)
    if status is not None:
        code, detail = FRONT_REFUSALS[status]
        raise Problem(status, code, detail, headers={"Connection": "close"})


def _http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    code = (error.name or "error").upper().replace(" ", "_")
    headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
    return problem_response(Problem(status, code, error.description or error.name, headers=headers))


def _database_problem(error: DBAPIError) -> Response:
    failure = classify(error)
    if failure is Failure.UNAVAILABLE:
        return _unavailable("DATABASE_UNAVAILABLE")(error)
    if failure is Failure.BUSY:
        return _unavailable("DATABASE_BUSY")(error)
    if failure is Failure.REFUSED:
        log.warning("the database refused a value (SQLSTATE %s)", sqlstate(error))
        detail = "The database refused a value of this request; it was not recorded."
        return problem_response(Problem(422, "INVALID_DATA", detail))
    return _internal_error(error)


def _unavailable(code: str) -> Callable[[Exception], Response]:
    def handler(error: Exception) -> Response:
        state = sqlstate(error) if isinstance(error, DBAPIError) else ""
        log.warning("%s: %s %s", code, error.__class__.__name__, state)
        detail = f"A backing service is unavailable or busy; {RETRY}"
        return problem_response(Problem(503, code, detail, headers={"Retry-After": "1"}))

    return handler


def _internal_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return problem_response(Problem(500, "INTERNAL_ERROR", "An unexpected error occurred."))


def _title(status: int) -> str:
    return HTTPStatus(status).phrase
