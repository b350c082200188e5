"""The bench's waiting runs beyond wrk: 256 clients long-polling their own requests, and
2,000 calls parked on paused workers while a read and a submit are timed."""

import asyncio
import os
import signal
import time
from typing import Any

from sqlalchemy import Engine, text

from bench.cpu import process_tree
from bench.product import Product
from bench.waiters import long_polls, park, timed_call, topup

PARKED = 2000
PROBES = 5
PROBED = "USR-LOAD-000003"  # the account the read and the submit are timed on
COUNT = "SELECT count(*) FROM requests WHERE idempotency_key LIKE :prefix"


def poll_run(product: Product, *, clients: int, seconds: int, rate: float) -> dict[str, Any]:
    """``clients`` long-polling their own requests, together at ``rate`` submits a second."""
    prefix = f"poll-{int(time.time())}"
    result = asyncio.run(
        long_polls(
            product.base_url,
            clients=clients,
            seconds=seconds,
            prefix=prefix,
            account="USR-LOAD-000001",
            rate=rate,
        )
    )
    return {"name": f"poll-wait-{clients}", "rate": rate, **result.summary()}


def park_run(product: Product, engine: Engine) -> dict[str, Any]:
    return asyncio.run(_park(product, engine))


async def _park(product: Product, engine: Engine) -> dict[str, Any]:
    prefix = f"park-{int(time.time())}"
    workers = process_tree(product.pid("worker"))
    api_before = rss_mb(process_tree(product.pid("API")))
    _signal_all(workers, signal.SIGSTOP)
    try:
        tasks, connections = await park(
            product.base_url, calls=PARKED, prefix=prefix, account="USR-LOAD-000002"
        )
        await _until(lambda: _count(engine, prefix) >= PARKED)
        reads = [
            await timed_call(product.base_url, "GET", f"/api/wallet/balance/{PROBED}")
            for _ in range(PROBES)
        ]
        submits = [
            await timed_call(
                product.base_url, "POST", "/api/wallet/topup", topup(f"{prefix}-probe-{n}", PROBED)
            )
            for n in range(PROBES)
        ]
        api_after = rss_mb(process_tree(product.pid("API")))
        answered_early = sum(t.done() for t in tasks)
    finally:
        _signal_all(workers, signal.SIGCONT)
    started = time.monotonic()
    answers = await asyncio.gather(*tasks, return_exceptions=True)
    drained = time.monotonic() - started
    for connection in connections:
        connection.close()
    return {
        "name": f"park-{PARKED}",
        "answered_before_workers_resumed": answered_early,
        "answered_200": sum(1 for a in answers if isinstance(a, tuple) and a[0] == 200),
        "seconds_to_answer_all_after_resume": drained,
        "balance_read_max_ms": max(ms for _, ms in reads),
        "balance_read_statuses": sorted({status for status, _ in reads}),
        "submit_max_ms": max(ms for _, ms in submits),
        "submit_statuses": sorted({status for status, _ in submits}),
        "api_rss_growth_mb": api_after - api_before,
    }


def rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm") as statm:
                total += int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            continue
    return total / 2**20


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            continue


def _count(engine: Engine, prefix: str) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text(COUNT), {"prefix": f"{prefix}-%"}) or 0)


async def _until(condition: Any, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the parked calls were not all recorded")
        await asyncio.sleep(0.2)
