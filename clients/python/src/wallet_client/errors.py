"""What the SDK raises.

``WalletError``        the service refused the call (a 4xx problem, or a 5xx it does not retry)
``RequestFailed``      a finished request whose outcome is ``failed`` (only when asked to raise)
``WalletUnavailable``  retries ran out: connection errors, 429, 502, 503 or 504 every time
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wallet_client.models import RequestResult


class WalletError(Exception):
    """A problem answer (RFC 9457): ``status`` (HTTP status, None when nothing answered),
    ``code`` (the problem's machine-readable code, such as ``ACCOUNT_NOT_FOUND``),
    ``detail`` (for people) and ``problem`` (the whole problem+json body as a dict)."""

    def __init__(
        self, status: int | None, code: str, detail: str, problem: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{code} ({status}): {detail}" if status else f"{code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.problem: dict[str, Any] = problem if problem is not None else {}

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The problem's field errors, ``[{field, message, type}]`` (empty when none)."""
        errors = self.problem.get("errors")
        return list(errors) if isinstance(errors, list) else []


class RequestFailed(WalletError):
    """A request that finished ``failed`` (``INSUFFICIENT_FUNDS``...), raised only with
    ``raise_on_failure=True``; ``result`` is the finished request, ``code`` its error code."""

    def __init__(self, result: RequestResult) -> None:
        error = result.error
        code = error.code if error else "REQUEST_FAILED"
        message = error.message if error else "The request failed."
        problem = {"code": code, "detail": message, "request": result.model_dump(mode="json")}
        super().__init__(None, code, message, problem)
        self.result = result


class WalletUnavailable(WalletError):
    """Every attempt met a connection error or a retriable answer until the client's bounds
    (``max_attempts``, ``max_retry_time``) ran out. ``status``/``code``/``problem`` describe
    the last answer (``status`` None and code ``CONNECTION_FAILED`` when it was a connection
    error, kept as ``__cause__``); ``attempts`` counts the calls made. The same call may be
    made again later with the same idempotency key: it can never post twice."""

    def __init__(
        self,
        status: int | None,
        code: str,
        detail: str,
        problem: dict[str, Any] | None = None,
        *,
        attempts: int,
    ) -> None:
        calls = "1 attempt" if attempts == 1 else f"{attempts} attempts"
        super().__init__(status, code, f"{detail} (after {calls})", problem)
        self.attempts = attempts
