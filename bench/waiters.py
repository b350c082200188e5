"""The bench's waiting clients, on asyncio (thousands of connections from one process, at
little CPU): long-polls of GET /requests/{key}?wait, and calls parked on paused workers.

HTTP/1.1 with keep-alive, minimal on purpose: the API always answers with Content-Length
(its front buffers each answer), and the bench needs nothing else.
"""

import asyncio
import json
import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

TOKEN = "dev-wallet-key"


class Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, base_url: str) -> "Connection":
        parts = urlsplit(base_url)
        return cls(*await asyncio.open_connection(parts.hostname, parts.port))

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else b""
        lines = [f"{method} {path} HTTP/1.1", "Host: bench", f"Authorization: Bearer {TOKEN}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        lines += ["Content-Type: application/json", f"Content-Length: {len(data)}", "", ""]
        self.writer.write("\r\n".join(lines).encode() + data)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        return status, json.loads(await self.reader.readexactly(length))

    def close(self) -> None:
        self.writer.close()


def topup(key: str, account: str) -> dict[str, str]:
    return {
        "accountNumber": account,
        "assetCode": "GOLD_COINS",
        "amount": "1.00",
        "idempotencyKey": key,
    }


@dataclass
class PollResult:
    polls: int = 0
    not_finished: int = 0  # answered before their request finished (wait ran out)
    errors: int = 0
    lags_ms: list[float] = field(default_factory=list)  # answer received - request completed

    def summary(self) -> dict[str, float]:
        lags = sorted(self.lags_ms) or [0.0]
        return {
            "polls": self.polls,
            "not_finished": self.not_finished,
            "errors": self.errors,
            "lag_p50_ms": statistics.median(lags),
            "lag_p99_ms": lags[min(len(lags) - 1, int(len(lags) * 0.99))],
        }


async def long_polls(
    base_url: str, *, clients: int, seconds: float, prefix: str, account: str, rate: float
) -> PollResult:
    """Each client submits a top-up, then long-polls its request with ?wait=10 until
    finished, again and again for ``seconds``, all together at about ``rate`` requests a
    second (each client pauses between its requests): how long after its completion (when
    the worker wrote its posting) each answer arrives."""
    result = PollResult()
    deadline = time.monotonic() + seconds
    pause = clients / rate

    async def client(number: int) -> None:
        connection = await Connection.open(base_url)
        try:
            count = 0
            await asyncio.sleep(random.uniform(0, pause))
            while time.monotonic() < deadline:
                next_at = time.monotonic() + random.uniform(pause / 2, pause * 1.5)
                count += 1
                key = f"{prefix}-{number}-{count}"
                await connection.call("POST", "/api/wallet/topup", topup(key, account))
                status, view = await connection.call("GET", f"/api/wallet/requests/{key}?wait=10")
                received = time.time()
                result.polls += 1
                if status != 200:
                    result.errors += 1
                elif view["completedAt"] is None:
                    result.not_finished += 1
                else:
                    completed = datetime.fromisoformat(view["completedAt"]).timestamp()
                    result.lags_ms.append((received - completed) * 1000)
                await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        finally:
            connection.close()

    await asyncio.gather(*(client(n) for n in range(clients)))
    return result


async def park(
    base_url: str, *, calls: int, prefix: str, account: str, wait: int = 30
) -> tuple[list[asyncio.Task[tuple[int, Any]]], list[Connection]]:
    """``calls`` top-ups sent with Prefer: wait, each on a connection of its own; returns
    the tasks that will hold their answers."""
    connections = [await Connection.open(base_url) for _ in range(calls)]
    tasks = [
        asyncio.create_task(
            c.call(
                "POST",
                "/api/wallet/topup",
                topup(f"{prefix}-{n}", account),
                {"Prefer": f"wait={wait}"},
            )
        )
        for n, c in enumerate(connections)
    ]
    return tasks, connections


async def timed_call(base_url: str, method: str, path: str, body: Any = None) -> tuple[int, float]:
    connection = await Connection.open(base_url)
    try:
        started = time.monotonic()
        status, _ = await connection.call(method, path, body)
        return status, (time.monotonic() - started) * 1000
    finally:
        connection.close()
