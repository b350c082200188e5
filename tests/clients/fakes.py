"""A scripted stand-in for the service behind ``httpx.MockTransport``: the client's own
logic (what it sends, how it retries and reads answers) without a server. What the real
service does is tested against it in the other modules."""

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import unquote

import httpx
from wallet_client import AsyncWalletClient, WalletClient

BASE = "http://wallet.test"
Answer = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


def resource(key: str = "k1", status: str = "completed", **extra: Any) -> dict[str, Any]:
    """A request resource as the service shapes it."""
    done = status in ("completed", "failed")
    transaction: dict[str, Any] = {
        "transactionId": "5b0c1c38-4d07-4d5a-a2a6-0d6c7b0b1e11",
        "type": "topup",
        "accountNumber": "USR-001",
        "assetCode": "GOLD_COINS",
        "amount": "100.50",
        "balanceAfter": "200.50",
        "entries": [
            {"accountNumber": "SYS-TREASURY-001", "direction": "DEBIT", "amount": "100.50"},
            {"accountNumber": "USR-001", "direction": "CREDIT", "amount": "100.50"},
        ],
        "description": None,
        "metadata": {},
        "createdAt": "2026-01-02T03:04:05.123456Z",
    }
    error = {"code": "INSUFFICIENT_FUNDS", "message": "Balance too low."}
    return {
        "idempotencyKey": key,
        "requestId": "0c1e8c9e-93b0-4d3f-a3a5-2a6b6f0d4c11",
        "type": "topup",
        "status": status,
        "submittedAt": "2026-01-02T03:04:05Z",
        "completedAt": "2026-01-02T03:04:05.2Z" if done else None,
        "transaction": transaction if status == "completed" else None,
        "error": error if status == "failed" else None,
        **extra,
    }


def problem(status: int, code: str, retry_after: str | None = None, **extra: Any) -> httpx.Response:
    body = {
        "type": "about:blank",
        "title": "Problem",
        "status": status,
        "detail": f"{code} detail",
        "code": code,
        "instance": "/x",
        **extra,
    }
    headers = {"Content-Type": "application/problem+json"}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return httpx.Response(status, headers=headers, content=json.dumps(body))


def echo(status: int = 200, state: str = "completed", **headers: str) -> Answer:
    """An answer naming the key the call sent (body field, or the path for a poll)."""

    def answer(request: httpx.Request) -> httpx.Response:
        if request.content:
            key = json.loads(request.content)["idempotencyKey"]
        else:
            key = unquote(request.url.raw_path.decode().split("?")[0].rsplit("/", 1)[1])
        return httpx.Response(status, json=resource(key, state), headers=headers)

    return answer


class FakeService:
    """Gives the scripted answers in order (the last one again and again) and records every
    request; ``sleeps`` are the delays the client slept between attempts."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers) or [echo()]
        self.requests: list[httpx.Request] = []
        self.sleeps: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        if isinstance(answer, httpx.Response):
            return answer
        return answer(request)

    async def handle_async(self, request: httpx.Request) -> httpx.Response:
        return self(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(request.content) for request in self.requests]

    def client(self, **options: Any) -> WalletClient:
        options = {"backoff_base": 0.0, "api_key": "k-test", **options}
        client = WalletClient(BASE, transport=httpx.MockTransport(self), **options)
        client._engine.sleep = self.sleeps.append
        return client

    def async_client(self, **options: Any) -> AsyncWalletClient:
        options = {"backoff_base": 0.0, "api_key": "k-test", **options}
        client = AsyncWalletClient(
            BASE, transport=httpx.MockTransport(self.handle_async), **options
        )

        async def sleep(seconds: float) -> None:
            self.sleeps.append(seconds)

        client._engine.sleep = sleep
        return client
