"""make bench: baselines and the product as shipped, measured in one run; a table, targets,
profiles.

Measures, on this machine, against the processes and defaults of make run (API, worker, beat
and Flower, bench.product), rate limits lifted (the one difference, printed with the table):
1. the raw Postgres ceilings (pgbench): one posting a transaction from 8 connections, hot
   (through the treasury) and cold; and the batch endpoint's SQL, 1,000 postings a transaction;
2. the Celery no-op round trip with the wallet's Celery settings;
3. the end-to-end path under wrk: plain submits (16 connections; hot, cold, transfers),
   submit-and-wait (Prefer: wait=10, hot, 64 and 256 connections: completions/s and the share
   of answers carrying the outcome), the batch endpoint, fixed-rate runs at half the plain
   and the waiting maximum;
4. 256 clients long-polling their own requests (how long after completion each answer came),
   and 2,000 calls parked on paused workers (a read's and a submit's latency meanwhile, the
   API's memory growth);
5. py-spy profiles of the API, the worker and Flower under the hot and the waiting load.
Everything runs on a private database, Redis and Celery queue, all removed at the end.
"""

import argparse
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench.baselines import celery_noop, pgbench, pgbench_batch
from bench.product import BENCH_SETTINGS, product_env
from bench.report import save, table, targets
from bench.scenarios import end_to_end
from bench.setup import prepare_database
from harness.processes import free_port, redis_process, start_redis
from infra.database_admin import drop_database

PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
STARTED = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:5.0f}s] {message}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep logs and database")
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("pgbench"):
        sys.exit("make bench needs wrk and pgbench: apt-get install wrk postgresql-client")
    log_dir = Path(tempfile.mkdtemp(prefix="wallet-bench-"))
    database_url = f"{PG}/wallet_bench_{os.getpid()}"
    redis_port = free_port()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))  # clean up on the way out
    redis_server = start_redis(redis_process(log_dir, redis_port), redis_port)
    try:
        env = bench_env(database_url, redis_port, log_dir)
        assert redis_server.popen is not None
        measure_all(args, env, log_dir, redis_server.popen.pid)
    finally:
        redis_server.stop()
        if not args.keep:
            drop_database(database_url)
            shutil.rmtree(log_dir, ignore_errors=True)
        progress("removed the bench database and temp files" if not args.keep else f"{log_dir}")


def bench_env(database_url: str, redis_port: int, log_dir: Path) -> dict[str, str]:
    """The product's environment (bench.product) plus what the baselines' processes need."""
    return {
        **os.environ,
        **product_env(database_url, f"redis://127.0.0.1:{redis_port}/0"),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }


def measure_all(
    args: argparse.Namespace, env: dict[str, str], log_dir: Path, redis_pid: int
) -> None:
    progress(f"preparing a database with {args.users} funded users")
    treasury = prepare_database(env["DATABASE_URL"], args.users)
    raw = {}
    for mode in ("hot", "cold"):
        url, seconds = env["DATABASE_URL"], args.seconds
        raw[mode] = pgbench(
            url, hot=mode == "hot", treasury=treasury, users=args.users, seconds=seconds
        )
        progress(f"raw Postgres {mode}: {raw[mode]:.0f} postings/s")
    raw["batch"] = pgbench_batch(
        env["DATABASE_URL"], treasury=treasury, users=args.users, seconds=args.seconds
    )
    progress(f"raw Postgres batch: {raw['batch']:.0f} postings/s")
    noop, noop_cpu = celery_noop(
        env, log_dir, tasks=400 * args.seconds, concurrency=args.worker_concurrency
    )
    progress(f"Celery no-op round trip: {noop:.0f}/s, worker CPU {noop_cpu:.2f} ms a task")
    runs, waits, profile = end_to_end(env, log_dir, args, progress, redis_pid)
    results = {
        "product_settings_changed": BENCH_SETTINGS,
        "settings": vars(args),
        "raw_postgres_postings_per_second": raw,
        "celery_noop_per_second": noop,
        "celery_noop_worker_cpu_ms": noop_cpu,
        "runs": {run.name: run.as_dict() for run in runs},
        "waits": {result["name"]: result for result in waits},
    }
    text = f"{table(results)}\n\n{targets(results)}"
    print(f"\n{text}\n\n{profile}")
    progress(f"written to {save(results, text, profile)}.{{json,txt}}")


if __name__ == "__main__":
    main()
