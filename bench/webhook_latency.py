"""Webhook delivery latency (python -m bench.webhook_latency).

On a private database, Redis and Celery queue: a real API and worker (with beat), a webhook
on request.completed and request.failed to a receiver on 127.0.0.1 that answers 200 at
once. ``--requests`` submits (one in ten a spend beyond the balance, so it fails) are sent
at a steady ``--rate`` from ``--connections`` threads, without waiting. Prints the latency
from each request's ``completedAt`` (in the event) and from its submit to the first arrival
of its event at the receiver (p50/p99/max), and how many requests had exactly one event id.
"""

import argparse
import json
import os
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from bench.run import bench_env
from bench.setup import prepare_database
from harness import processes as procs
from infra.database_admin import drop_database

PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
USERS = 200


class Arrivals:
    """Each POST's wall-clock arrival time and parsed event, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[float, dict[str, Any]]] = []
        self.lock = threading.Lock()

    def add(self, at: float, body: bytes) -> None:
        with self.lock:
            self.events.append((at, json.loads(body)))

    def first_by_request(self) -> dict[str, tuple[float, dict[str, Any]]]:
        with self.lock:
            events = list(self.events)
        first: dict[str, tuple[float, dict[str, Any]]] = {}
        for at, event in events:
            first.setdefault(event["data"]["idempotencyKey"], (at, event))
        return first


@contextmanager
def receiver() -> Iterator[tuple[str, Arrivals]]:
    arrivals = Arrivals()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            at = time.time()
            arrivals.add(at, self.rfile.read(int(self.headers.get("Content-Length", 0))))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals
    finally:
        server.shutdown()
        server.server_close()


def submit_all(base_url: str, args: argparse.Namespace) -> dict[str, float]:
    """Submit at a steady rate; each idempotency key's wall-clock submit time."""
    local, started, submitted = threading.local(), time.time() + 0.5, {}

    def one(i: int) -> None:
        time.sleep(max(0.0, started + i / args.rate - time.time()))  # pacing, not a wait
        http = getattr(local, "http", None) or requests.Session()
        local.http = http
        key, failing = str(uuid.uuid4()), i % 10 == 9
        body = {
            "accountNumber": f"USR-LOAD-{i % USERS + 1:06d}",
            "assetCode": "GOLD_COINS",
            "amount": "1000000000" if failing else "1",
            "idempotencyKey": key,
        }
        if failing:
            body["description"] = "more than the balance"
        submitted[key] = time.time()
        answer = http.post(f"{base_url}/api/wallet/{'spend' if failing else 'topup'}", json=body)
        assert answer.status_code in (200, 201, 202), answer.text

    with ThreadPoolExecutor(args.connections) as pool:
        list(pool.map(one, range(args.requests)))
    return submitted


def wait_for_events(arrivals: Arrivals, count: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while len(arrivals.first_by_request()) < count and time.monotonic() < deadline:
        time.sleep(0.2)


def percentiles(label: str, values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return (
        f"{label}: p50 {statistics.median(ordered) * 1000:.0f} ms, p99 {p99 * 1000:.0f} ms,"
        f" max {ordered[-1] * 1000:.0f} ms"
    )


def report(arrivals: Arrivals, submitted: dict[str, float]) -> str:
    first = arrivals.first_by_request()
    ids: dict[str, set[str]] = {}
    for _, event in arrivals.events:
        ids.setdefault(event["data"]["idempotencyKey"], set()).add(event["id"])
    once = sum(1 for key in submitted if len(ids.get(key, ())) == 1)
    from_completed = [
        at - datetime.fromisoformat(event["data"]["completedAt"]).timestamp()
        for at, event in first.values()
    ]
    from_submit = [at - submitted[key] for key, (at, _) in first.items()]
    kinds = Counter(event["type"] for _, event in first.values())
    arrived = [at for at, _ in first.values()]
    span = max(arrived) - min(submitted.values())
    return "\n".join(
        [
            f"{len(submitted)} requests, {len(arrivals.events)} POSTs received;"
            f" {once} requests with exactly one event id after dedup"
            f" (request.completed {kinds['request.completed']},"
            f" request.failed {kinds['request.failed']})",
            f"{len(first) / span:.0f} events/s delivered (first submit to last arrival)",
            percentiles("completedAt -> receiver", from_completed),
            percentiles("submit -> receiver", from_submit),
        ]
    )


def measure(env: dict[str, str], log_dir: Path, args: argparse.Namespace) -> str:
    prepare_database(env["DATABASE_URL"], USERS)
    port = procs.free_port()
    base_url = f"http://127.0.0.1:{port}"
    api = procs.start_api(procs.api_process(env, log_dir, port), base_url)
    worker = procs.start_worker(
        procs.worker_process(env, log_dir, concurrency=args.worker_concurrency)
    )
    try:
        with receiver() as (url, arrivals):
            events = ["request.completed", "request.failed"]
            hook = requests.post(f"{base_url}/api/webhooks", json={"url": url, "events": events})
            assert hook.status_code == 201, hook.text
            submitted = submit_all(base_url, args)
            wait_for_events(arrivals, len(submitted), timeout=120)
            return report(arrivals, submitted)
    finally:
        worker.stop()
        api.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rate", type=float, default=200.0, help="submits per second")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="wallet-webhook-bench-"))
    database_url, redis_port = f"{PG}/wallet_hookbench_{os.getpid()}", procs.free_port()
    redis_server = procs.start_redis(procs.redis_process(log_dir, redis_port), redis_port)
    try:
        env = bench_env(database_url, redis_port, log_dir)
        print(measure(env, log_dir, args), flush=True)
    finally:
        redis_server.stop()
        drop_database(database_url)
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
