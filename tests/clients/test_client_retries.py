"""Retries and errors in the client's own logic (httpx.MockTransport). That a retry really
posts once is shown against the real service (test_sdk_faults.py)."""

import asyncio
import json
from decimal import Decimal

import httpx
import pytest
from wallet_client import RequestFailed, RetryEvent, WalletError, WalletUnavailable

from tests.clients.fakes import FakeService, echo, problem, resource

REQUEST = httpx.Request("POST", "http://wallet.test/api/wallet/topup")


def test_every_retriable_failure_is_retried_with_the_same_key_and_the_same_bytes() -> None:
    service = FakeService(
        problem(503, "DATABASE_UNAVAILABLE", retry_after="1"),
        httpx.ConnectError("refused", request=REQUEST),
        httpx.RemoteProtocolError("Server disconnected", request=REQUEST),
        httpx.ReadTimeout("timed out", request=REQUEST),
        problem(429, "TOO_MANY_REQUESTS", retry_after="2"),
        problem(502, "HTTP_502"),
        echo(200, "completed", **{"Idempotent-Replayed": "true"}),
    )
    events: list[RetryEvent] = []
    client = service.client(on_retry=events.append, max_attempts=10)
    result = client.topup("USR-001", "GOLD_COINS", Decimal("1"), wait=5)
    assert len(service.requests) == 7
    assert len({request.content for request in service.requests}) == 1
    assert {request.headers["Prefer"] for request in service.requests} == {"wait=5"}
    assert result.completed and result.replayed and result.attempts == 7
    assert result.idempotency_key == json.loads(service.requests[0].content)["idempotencyKey"]
    assert service.sleeps[0] >= 1 and service.sleeps[4] >= 2  # Retry-After honoured
    assert [(e.attempt, e.status, e.code) for e in events] == [
        (1, 503, "DATABASE_UNAVAILABLE"),
        (2, None, None),
        (3, None, None),
        (4, None, None),
        (5, 429, "TOO_MANY_REQUESTS"),
        (6, 502, "HTTP_502"),
    ]
    assert isinstance(events[1].error, httpx.ConnectError)


def test_reads_are_retried_the_same_way() -> None:
    body = {"accountNumber": "USR-1", "balances": []}
    service = FakeService(
        httpx.ReadError("reset", request=REQUEST),
        problem(503, "DATABASE_BUSY", retry_after="1"),
        httpx.Response(200, json=body),
    )
    assert service.client().balance("USR-1").balances == []
    assert len(service.requests) == 3


def test_503s_until_the_attempts_run_out_raise_wallet_unavailable_with_the_last_problem() -> None:
    service = FakeService(problem(503, "OVERLOADED", retry_after="0"))
    with pytest.raises(WalletUnavailable) as raised:
        service.client(max_attempts=4).topup("USR-001", "GOLD_COINS", 1)
    error = raised.value
    assert (error.status, error.code, error.attempts) == (503, "OVERLOADED", 4)
    assert error.problem["code"] == "OVERLOADED" and "after 4 attempts" in error.detail
    assert len(service.requests) == 4 and len(service.sleeps) == 3


def test_connection_errors_until_the_time_runs_out_raise_connection_failed() -> None:
    service = FakeService(httpx.ConnectError("refused", request=REQUEST))
    client = service.client(max_attempts=1000, max_retry_time=0.0)
    with pytest.raises(WalletUnavailable) as raised:
        client.balance("USR-1")
    assert (raised.value.status, raised.value.code) == (None, "CONNECTION_FAILED")
    assert isinstance(raised.value.__cause__, httpx.ConnectError)
    assert len(service.requests) == 1  # with max_retry_time=0 no retry fits
    assert isinstance(raised.value, WalletError)


def test_a_retry_after_past_the_time_budget_is_not_slept_through() -> None:
    service = FakeService(problem(429, "TOO_MANY_REQUESTS", retry_after="3600"))
    with pytest.raises(WalletUnavailable) as raised:
        service.client(max_retry_time=30).topup("USR-001", "GOLD_COINS", 1)
    assert raised.value.status == 429 and service.sleeps == []


@pytest.mark.parametrize(
    ("status", "code"),
    [(400, "INVALID_JSON"), (401, "UNAUTHENTICATED"), (403, "FORBIDDEN"),
     (404, "ACCOUNT_NOT_FOUND"), (409, "ACCOUNT_EXISTS"), (413, "REQUEST_ENTITY_TOO_LARGE"),
     (422, "IDEMPOTENCY_KEY_REUSED"), (500, "INTERNAL_ERROR")],
)  # fmt: skip
def test_other_problems_raise_wallet_error_at_once(status: int, code: str) -> None:
    errors = [{"field": "amount", "message": "too many decimals", "type": "x"}]
    service = FakeService(problem(status, code, errors=errors))
    with pytest.raises(WalletError) as raised:
        service.client().topup("USR-001", "GOLD_COINS", 1)
    error = raised.value
    assert not isinstance(error, WalletUnavailable)
    assert (error.status, error.code, error.detail) == (status, code, f"{code} detail")
    assert error.problem["instance"] == "/x" and error.errors == errors
    assert len(service.requests) == 1


def test_an_error_that_is_not_problem_json_still_has_a_code() -> None:
    service = FakeService(httpx.Response(404, text="<html>not here</html>"))
    with pytest.raises(WalletError) as raised:
        service.client().balance("USR-1")
    assert (raised.value.code, raised.value.problem["detail"]) == (
        "HTTP_404",
        "<html>not here</html>",
    )


def test_a_bad_url_is_not_retried() -> None:
    service = FakeService(httpx.UnsupportedProtocol("ftp", request=REQUEST))
    with pytest.raises(WalletError) as raised:
        service.client().balance("USR-1")
    assert raised.value.code == "TRANSPORT_ERROR" and len(service.requests) == 1


def test_a_failed_request_is_returned_unless_asked_to_raise() -> None:
    service = FakeService(echo(200, "failed"))
    result = service.client().spend("USR-1", "GOLD_COINS", 5, description="x", wait=5)
    assert result.failed and result.error is not None
    assert result.error.code == "INSUFFICIENT_FUNDS"
    with pytest.raises(RequestFailed) as raised:
        service.client().spend(
            "USR-1", "GOLD_COINS", 5, description="x", wait=5, raise_on_failure=True
        )
    assert raised.value.code == "INSUFFICIENT_FUNDS" and raised.value.result.failed
    with pytest.raises(RequestFailed):
        service.client(raise_on_failure=True).request("k1")
    assert service.client(raise_on_failure=True).request("k1", raise_on_failure=False).failed


def test_the_async_client_retries_and_reads_the_same_way() -> None:
    service = FakeService(
        httpx.RemoteProtocolError("Server disconnected", request=REQUEST),
        problem(503, "DATABASE_UNAVAILABLE", retry_after="1"),
        echo(202, "queued"),
        echo(200, "completed"),
    )

    async def run() -> None:
        async with service.async_client() as client:
            result = await client.topup("USR-001", "GOLD_COINS", Decimal("100.50"), wait=3)
            assert result.completed and result.attempts == 4
            tx = result.transaction
            assert tx is not None and tx.balance_after == Decimal("200.50")

    asyncio.run(run())
    assert len({r.content for r in service.requests[:3]}) == 1
    assert service.requests[3].method == "GET"
    assert service.sleeps[1] >= 1


def test_the_async_history_follows_the_cursor() -> None:
    item = {
        "transactionId": "t",
        "type": "spend",
        "assetCode": "GOLD_COINS",
        "amount": "1.00",
        "direction": "DEBIT",
        "balanceAfter": "0.00",
        "createdAt": "2026-01-02T03:04:05Z",
    }
    page = {"accountNumber": "USR-1", "transactions": [item, item], "nextCursor": "c"}
    last = {"accountNumber": "USR-1", "transactions": [item], "nextCursor": None}
    service = FakeService(httpx.Response(200, json=page), httpx.Response(200, json=last))

    async def run() -> list[Decimal]:
        async with service.async_client() as client:
            return [i.amount async for i in client.history("USR-1", page_size=2)]

    assert asyncio.run(run()) == [Decimal("1.00")] * 3
    assert service.requests[1].url.params["cursor"] == "c"


def test_the_async_client_raises_the_same_errors() -> None:
    service = FakeService(problem(404, "REQUEST_NOT_FOUND"), httpx.Response(200, json=resource()))

    async def run() -> None:
        async with service.async_client() as client:
            with pytest.raises(WalletError) as raised:
                await client.request("nope")
            assert raised.value.code == "REQUEST_NOT_FOUND"

    asyncio.run(run())
