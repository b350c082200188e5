"""The HTTP contract without I/O: the calls each method makes and how answers are read.

A submit's body is serialised once, with its idempotency key inside, so every attempt of
the call sends the very same bytes (a retry is a replay, never a second request).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from wallet_client.errors import RequestFailed, WalletError, WalletUnavailable
from wallet_client.models import Money, Operation, RequestResult, amount_text, new_key

API = "/api/wallet"
MAX_SERVER_WAIT = 30  # the service holds a call at most this long
JSON = {"Content-Type": "application/json"}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    body: bytes | None = None
    params: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    server_wait: float = 0.0  # how long the service may hold it: added to the read timeout
    key: str | None = None


def segment(value: object) -> str:
    """A path segment, percent-encoded whole (an idempotency key may hold '/', '?', '%')."""
    return quote(str(value), safe="")


def encode(body: Mapping[str, Any]) -> bytes:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def checked_wait(wait: float | None) -> float:
    if wait is None:
        return 0.0
    if isinstance(wait, bool) or not isinstance(wait, int | float) or not wait >= 0:
        raise ValueError(f"wait is a number of seconds, 0 or more: {wait!r}")
    return float(wait)


def submission(
    path: str,
    fields: Mapping[str, Any],
    key: str | None,
    metadata: Mapping[str, Any] | None = None,
) -> Call:
    """A POST of ``fields`` (None values left out) with its idempotency key in the body."""
    if key is None:
        key = new_key()
    elif not isinstance(key, str) or not key:
        raise ValueError("an idempotency key is a non-empty string")
    body = {name: value for name, value in fields.items() if value is not None}
    if metadata is not None:
        body["metadata"] = dict(metadata)
    body["idempotencyKey"] = key
    return Call("POST", path, encode(body), headers=JSON, key=key)


def prefer_wait(call: Call, wait: float) -> Call:
    """Ask the service to hold the answer until the outcome is known (``Prefer: wait=N``,
    whole seconds, at most 30); the client follows up for any rest of ``wait``."""
    if wait <= 0:
        return call
    seconds = min(MAX_SERVER_WAIT, math.ceil(wait))
    headers = {**call.headers, "Prefer": f"wait={seconds}"}
    return replace(call, headers=headers, server_wait=seconds)


def money_submission(
    operation: str,
    account: str,
    asset: str,
    amount: Money,
    key: str | None,
    metadata: Mapping[str, Any] | None,
    **extra: Any,
) -> Call:
    fields = {"accountNumber": account, "assetCode": asset, "amount": amount_text(amount)}
    return submission(f"{API}/{operation}", {**fields, **extra}, key, metadata)


def transfer(
    from_account: str,
    to_account: str,
    asset: str,
    amount: Money,
    description: str | None,
    key: str | None,
    metadata: Mapping[str, Any] | None,
) -> Call:
    fields = {
        "fromAccount": from_account,
        "toAccount": to_account,
        "assetCode": asset,
        "amount": amount_text(amount),
        "description": description,
    }
    return submission(f"{API}/transfer", fields, key, metadata)


def capture(hold_id: str, amount: Money | None, description: str | None, key: str | None) -> Call:
    fields = {
        "amount": None if amount is None else amount_text(amount),
        "description": description,
    }
    return submission(f"{API}/holds/{segment(hold_id)}/capture", fields, key)


def void(hold_id: str, key: str | None) -> Call:
    return submission(f"{API}/holds/{segment(hold_id)}/void", {}, key)


def reversal(
    transaction_id: str, amount: Money | None, reason: str | None, key: str | None
) -> Call:
    fields = {
        "transactionId": str(transaction_id),
        "amount": None if amount is None else amount_text(amount),
        "reason": reason,
    }
    return submission(f"{API}/reversals", fields, key)


def batch(operations: Iterable[Operation | Mapping[str, Any]]) -> Call:
    checked = [op if isinstance(op, Operation) else Operation(**op) for op in operations]
    if not checked:
        raise ValueError("a batch has at least one operation")
    body = encode({"operations": [op.body() for op in checked]})
    return Call("POST", f"{API}/batch", body, headers=JSON)


def request(key: str, wait: float) -> Call:
    seconds = min(float(MAX_SERVER_WAIT), wait)
    params = {"wait": f"{seconds:.3f}"} if seconds > 0 else {}
    return Call("GET", f"{API}/requests/{segment(key)}", params=params, server_wait=seconds)


After = RequestResult | str | None  # a finished request (or its key) a read must reflect


def after_params(after: After) -> dict[str, str]:
    """``?after=<idempotencyKey>``: the read reflects that request, answered by the replica
    once it has replayed it, else by the primary (409 REQUEST_NOT_FINISHED while pending)."""
    if after is None:
        return {}
    return {"after": after.idempotency_key if isinstance(after, RequestResult) else after}


def balance(account: str, as_of: datetime | str | None, after: After = None) -> Call:
    params = after_params(after)
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise ValueError("as_of needs a time zone (RFC 3339), e.g. datetime.now(UTC)")
        params["asOf"] = as_of.isoformat()
    elif as_of is not None:
        params["asOf"] = as_of
    return Call("GET", f"{API}/balance/{segment(account)}", params=params)


def history(account: str, limit: int, cursor: str | None, after: After = None) -> Call:
    params = {"limit": str(limit), **after_params(after)}
    if cursor:
        params["cursor"] = cursor
    return Call("GET", f"{API}/history/{segment(account)}", params=params)


def hold(hold_id: str) -> Call:
    return Call("GET", f"{API}/holds/{segment(hold_id)}")


def problem_of(response: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """``(code, detail, problem)`` of an error answer, problem+json or not."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text[:500]
        body = {"status": response.status_code, "detail": text or response.reason_phrase}
    code = body.get("code") or f"HTTP_{response.status_code}"
    detail = body.get("detail") or body.get("title") or response.reason_phrase
    return str(code), str(detail), body


def error_of(response: httpx.Response) -> WalletError:
    return WalletError(response.status_code, *problem_of(response))


def unavailable(response: httpx.Response, attempts: int) -> WalletUnavailable:
    return WalletUnavailable(response.status_code, *problem_of(response), attempts=attempts)


def request_result(
    response: httpx.Response, attempts: int, replayed: bool | None = None
) -> RequestResult:
    """The request resource of a 200/202 answer. ``replayed`` comes from the
    ``Idempotent-Replayed`` header unless given (a follow-up poll keeps the submit's)."""
    if replayed is None:
        replayed = response.headers.get("Idempotent-Replayed", "").lower() == "true"
    data = {**response.json(), "replayed": replayed, "attempts": attempts}
    return RequestResult.model_validate(data)


def outcome(result: RequestResult, raise_on_failure: bool) -> RequestResult:
    if raise_on_failure and result.failed:
        raise RequestFailed(result)
    return result


def batch_results(response: httpx.Response, attempts: int) -> list[RequestResult]:
    return [
        RequestResult.model_validate({**item, "attempts": attempts})
        for item in response.json()["requests"]
    ]
