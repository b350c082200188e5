"""Replica lag under load, and how reads with ``?after=`` are answered
(python -m bench.replica_lag).

On a private primary and its hot standby (harness/replica.py; synchronous_commit on, fsync
off), a private Redis, a real API reading balances from the standby (DATABASE_READ_URL) and a
Celery worker: ``--connections`` client threads, each on a load user of its own, run a top-up
with ``Prefer: wait=30`` and then ``GET /balance/{user}?after=<key>`` until ``--requests`` in
all, checking that each read shows the top-up's ``balanceAfter`` (read-your-writes). With
``--batch-threads`` N, N more threads keep posting batch calls of 1,000 top-ups to other users
meanwhile (each waiting for its batch: no backlog), the write load the replica must replay.

A sampler measures the lag every ``--sample-ms``: bytes (the primary's flushed WAL position,
what it can stream, less the replica's replay position, read back to back) and seconds (from
reading the primary's position to the replica having replayed past it, polled every
millisecond: how long a write takes to reach the replica; a sample still waiting when the
load ends is dropped: a record the primary flushed only in part, with no commit after it,
is flushed by the primary's next standby snapshot, up to 15 s later). Prints their p50/p99/max, the
reads answered by the replica and by the primary (by the API's own counters too), the reads'
latency, and what the replica's log says of recovery conflicts.
"""

import argparse
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import Connection, Engine, create_engine, text

from bench.run import bench_env
from bench.setup import prepare_database
from harness import processes as procs
from harness.postgres import PrivatePostgres
from harness.replica import PrivateReplica, allow_replication

BATCH = 1000


class Sampler(threading.Thread):
    """Lag samples (bytes, seconds) every ``every`` seconds until stopped."""

    def __init__(self, primary: Engine, replica: Engine, every: float) -> None:
        super().__init__(daemon=True)
        self.primary, self.replica, self.every = primary, replica, every
        self.bytes: list[float] = []
        self.seconds: list[float] = []
        self.stopping = threading.Event()

    def run(self) -> None:
        with self.primary.connect() as primary, self.replica.connect() as replica:
            while not self.stopping.wait(self.every):
                self.sample(primary, replica)

    def sample(self, primary: Connection, replica: Connection) -> None:
        started = time.monotonic()
        position = primary.execute(text("SELECT pg_current_wal_flush_lsn()")).scalar_one()
        query = text("SELECT pg_wal_lsn_diff(:p, pg_last_wal_replay_lsn())")
        self.bytes.append(max(0, int(replica.execute(query, {"p": position}).scalar_one())))
        while int(replica.execute(query, {"p": position}).scalar_one()) > 0:
            if self.stopping.is_set():  # the load is over: the last WAL may be flushed late
                return
            time.sleep(0.001)
        self.seconds.append(time.monotonic() - started)

    def stop(self) -> None:
        self.stopping.set()
        self.join()


class Clients:
    """Top-up then read after it, per thread on a user of its own; what each read showed."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.sources: Counter[str] = Counter()
        self.wrong: list[tuple[str, str, str]] = []
        self.read_seconds: list[float] = []
        self.local = threading.local()

    def one(self, user: str) -> None:
        http = getattr(self.local, "http", None) or requests.Session()
        self.local.http = http
        key = str(uuid.uuid4())
        body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "1"}
        done = http.post(
            f"{self.base_url}/api/wallet/topup",
            json={**body, "idempotencyKey": key},
            headers={"Prefer": "wait=30"},
        ).json()
        assert done["status"] == "completed", done
        started = time.monotonic()
        answer = http.get(f"{self.base_url}/api/wallet/balance/{user}", params={"after": key})
        self.read_seconds.append(time.monotonic() - started)
        assert answer.status_code == 200, answer.text
        gold = next(b["balance"] for b in answer.json()["balances"] if b["code"] == "GOLD_COINS")
        source = answer.headers["Wallet-Read-Source"]
        self.sources[source] += 1
        if gold != done["transaction"]["balanceAfter"]:
            self.wrong.append((key, gold, source))


def batch_load(
    base_url: str, first_user: int, users: int, stopping: threading.Event, posted: list[int]
) -> None:
    """Batch calls of 1,000 top-ups (users first_user.. first_user+users-1) until stopped;
    each call's count appended to ``posted``."""
    http = requests.Session()
    while not stopping.is_set():
        operations = [
            {
                "type": "topup",
                "accountNumber": f"USR-LOAD-{first_user + i % users:06d}",
                "assetCode": "GOLD_COINS",
                "amount": "1",
                "idempotencyKey": str(uuid.uuid4()),
            }
            for i in range(BATCH)
        ]
        answer = http.post(
            f"{base_url}/api/wallet/batch",
            json={"operations": operations},
            headers={"Prefer": "wait=30"},  # one batch in flight per thread: no backlog
        )
        assert answer.status_code in (200, 202), answer.text
        posted.append(BATCH)


def spread(label: str, values: list[float], unit: str, scale: float = 1.0) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    numbers = (statistics.median(ordered) * scale, p99 * scale, ordered[-1] * scale)
    return f"{label}: p50 {numbers[0]:.1f}, p99 {numbers[1]:.1f}, max {numbers[2]:.1f} {unit}"


def api_counts(base_url: str) -> str:
    scraped = requests.get(f"{base_url}/metrics", timeout=10).text
    counts: Counter[str] = Counter()
    for family in text_string_to_metric_families(scraped):
        for sample in family.samples:
            if sample.name == "wallet_reads_total":
                counts[f"reads from the {sample.labels['source']}"] += int(sample.value)
            if sample.name == "wallet_replica_fallbacks_total":
                counts[f"fallbacks {sample.labels['reason']}"] += int(sample.value)
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))


def measure(base_url: str, primary: Engine, replica: Engine, args: argparse.Namespace) -> str:
    clients, stopping, posted = Clients(base_url), threading.Event(), list[int]()
    loaders = [
        threading.Thread(
            target=batch_load, args=(base_url, args.connections + 1, 1000, stopping, posted)
        )
        for _ in range(args.batch_threads)
    ]
    sampler = Sampler(primary, replica, args.sample_ms / 1000)
    started = time.monotonic()
    sampler.start()
    for loader in loaders:
        loader.start()
    try:
        rounds = args.requests // args.connections

        def client(number: int) -> None:  # one user per thread: its balance is its own
            for _ in range(rounds):
                clients.one(f"USR-LOAD-{number:06d}")

        with ThreadPoolExecutor(args.connections) as pool:
            list(pool.map(client, range(1, args.connections + 1)))
    finally:
        stopping.set()
        for loader in loaders:
            loader.join()
        sampler.stop()
    elapsed = time.monotonic() - started
    return "\n".join(
        [
            f"{sum(clients.sources.values())} top-ups, each read back with ?after="
            f" ({args.connections} clients, {args.batch_threads} batch threads,"
            f" {elapsed:.1f} s):"
            f" {clients.sources['replica']} answered by the replica,"
            f" {clients.sources['primary']} by the primary; {len(clients.wrong)} did not show"
            " their top-up",
            f"batch load: {sum(posted)} top-ups ({sum(posted) / elapsed:.0f}/s);"
            f" API counters: {api_counts(base_url)}",
            spread(f"replica lag ({len(sampler.bytes)} samples)", sampler.bytes, "bytes"),
            spread("replica lag (time to replay)", sampler.seconds, "ms", 1000),
            spread("read with ?after=", clients.read_seconds, "ms", 1000),
        ]
    )


def replay_waits(log: str) -> str:
    """What the replica's log says of replay waiting for its queries (recovery conflicts)
    and of its streaming being restarted."""
    lines = log.splitlines()
    waits = [line for line in lines if "recovery conflict" in line or "due to conflict" in line]
    restarts = [line for line in lines if "started streaming" in line]
    shown = "".join(f"\n  {line}" for line in waits[:5])
    counts = f"{len(waits)} recovery-conflict lines, {len(restarts)} streaming starts"
    return f"replica log: {counts}{shown}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--batch-threads", type=int, default=0)
    parser.add_argument("--sample-ms", type=float, default=20)
    parser.add_argument("--wait-max", type=float, default=1.0, help="REPLICA_WAIT_MAX_SECONDS")
    parser.add_argument("--worker-concurrency", type=int, default=2)
    args = parser.parse_args()
    log_dir = Path(tempfile.mkdtemp(prefix="wallet-replica-bench-"))
    primary = allow_replication(PrivatePostgres().init())
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.write("max_connections = 300\n")  # the replica inherits it, as it must
    replica = PrivateReplica(primary)
    redis_port = procs.free_port()
    redis_server = procs.start_redis(procs.redis_process(log_dir, redis_port), redis_port)
    stopping: list[Callable[[], None]] = []
    try:
        primary.start()
        database_url = f"{primary.server_url()}/wallet"
        prepare_database(database_url, args.connections + 1000)
        replica.init().start()
        env = bench_env(database_url, redis_port, log_dir)
        env["DATABASE_READ_URL"] = f"{replica.server_url()}/wallet"
        env["REPLICA_WAIT_MAX_SECONDS"] = str(args.wait_max)
        port = procs.free_port()
        base_url = f"http://127.0.0.1:{port}"
        api = procs.start_api(procs.api_process(env, log_dir, port), base_url)
        stopping.append(api.stop)
        worker = procs.worker_process(env, log_dir, concurrency=args.worker_concurrency)
        stopping.append(procs.start_worker(worker).stop)
        on_primary = create_engine(database_url, isolation_level="AUTOCOMMIT")
        on_replica = create_engine(env["DATABASE_READ_URL"], isolation_level="AUTOCOMMIT")
        stopping += [on_primary.dispose, on_replica.dispose]
        print(measure(base_url, on_primary, on_replica, args), flush=True)
        print(replay_waits(replica.log()), flush=True)
    finally:
        for stop in reversed(stopping):
            stop()
        redis_server.stop()
        replica.remove()
        primary.remove()
        shutil.rmtree(log_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
