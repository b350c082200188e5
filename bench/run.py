"""make bench: baselines and the real path, measured in one run; a table and a JSON file.

Measures, on this machine:
1. the raw Postgres ceiling (pgbench, 8 connections): hot (through the treasury) and cold;
2. the Celery no-op round trip with the wallet's Celery settings;
3. the end-to-end path under wrk (16 connections): submit latency, completions/s, and
   submit-to-completed latency (Prefer: wait), hot (one user) and cold (random users);
4. the batch endpoint (1,000 top-ups per call).
"""

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis

from bench.baselines import celery_noop, pgbench
from bench.end_to_end import Run, measure
from bench.setup import prepare_database
from harness.processes import api_process, free_port, start_api, start_worker, worker_process
from ledger.db import make_engine

RESULTS = Path(__file__).parent / "results"
PG = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--worker-concurrency", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk") or not shutil.which("pgbench"):
        sys.exit("make bench needs wrk and pgbench: apt-get install wrk postgresql-client")
    database_url = f"{PG}/wallet_bench"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12"),
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
    }
    redis.Redis.from_url(env["REDIS_URL"]).flushdb()
    log_dir = Path(tempfile.mkdtemp(prefix="wallet-bench-"))
    treasury = prepare_database(database_url, args.users)
    results: dict[str, Any] = {"settings": vars(args), "log_dir": str(log_dir)}
    raw = {
        m: pgbench(
            database_url,
            hot=m == "hot",
            treasury=treasury,
            users=args.users,
            seconds=args.seconds,
        )
        for m in ("hot", "cold")
    }
    results["raw_postgres_postings_per_second"] = raw
    results["celery_noop_per_second"] = celery_noop(
        env, log_dir, tasks=400 * args.seconds, concurrency=args.worker_concurrency
    )
    results["runs"] = [r.as_dict() for r in end_to_end(env, log_dir, args)]
    report(results)


def end_to_end(env: dict[str, str], log_dir: Path, args: argparse.Namespace) -> list[Run]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    api = start_api(api_process(env, log_dir, port), base_url)
    worker = start_worker(
        worker_process(env, log_dir, concurrency=args.worker_concurrency, beat=False)
    )
    engine = make_engine(env["DATABASE_URL"], pool_size=1)
    common = {"seconds": args.seconds, "connections": args.clients}
    try:
        runs = []
        for mode, users in (("hot", 1), ("cold", args.users)):
            runs.append(
                measure(
                    base_url,
                    engine,
                    name=f"submit-{mode}",
                    script="submit.lua",
                    env={"BENCH_USERS": str(users)},
                    **common,
                )
            )
            runs.append(
                measure(
                    base_url,
                    engine,
                    name=f"wait-{mode}",
                    script="submit.lua",
                    env={"BENCH_USERS": str(users), "BENCH_WAIT": "30"},
                    **common,
                )
            )
        runs.append(
            measure(
                base_url,
                engine,
                name="batch-1000",
                script="batch.lua",
                env={"BENCH_USERS": str(args.users), "BENCH_BATCH": "1000"},
                seconds=args.seconds,
                connections=4,
                ops_per_call=1000,
            )
        )
        return runs
    finally:
        engine.dispose()
        worker.stop()
        api.stop()


def report(results: dict[str, Any]) -> None:
    raw, noop = results["raw_postgres_postings_per_second"], results["celery_noop_per_second"]
    print(f"\nraw Postgres (pgbench, 8 conns): hot {raw['hot']:.0f}/s, cold {raw['cold']:.0f}/s")
    print(f"Celery no-op round trip: {noop:.0f}/s\n")
    print(
        f"{'run':<12}{'calls/s':>9}{'done/s':>9}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'vs raw hot':>12}{'vs noop':>9}"
    )
    for run in results["runs"]:
        done = run["completions_per_second"]
        print(
            f"{run['name']:<12}{run['calls_per_second']:>9.0f}{done:>9.0f}{run['p50_ms']:>9.1f}"
            f"{run['p95_ms']:>9.1f}{run['p99_ms']:>9.1f}{run['errors']:>8}"
            f"{done / raw['hot']:>11.2f}x{done / noop:>8.2f}x"
        )
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"bench-{time.strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nwritten to {path}")


if __name__ == "__main__":
    main()
