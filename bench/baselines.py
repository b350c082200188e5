"""Baselines measured in the same run: the raw Postgres ceiling and the Celery round trip."""

import re
import subprocess
import threading
import time
from pathlib import Path

import redis
from celery import Celery
from sqlalchemy import make_url

from bench.cpu import CpuMeter, process_tree
from bench.noop_app import COUNTER
from celeryconfig import celery_config
from harness.processes import start_worker, wait_until, worker_process
from infra.settings import Settings

HERE = Path(__file__).parent


def pgbench(url: str, *, hot: bool, treasury: int, users: int, seconds: int) -> float:
    """Postings/s of the raw double-entry posting from 8 connections (pgbench)."""
    variables = {"treasury": treasury, "users": users, "hot": int(hot)}
    return _pgbench(url, "pgbench_posting.sql", variables, seconds, clients=8, prepared=True)


def pgbench_batch(url: str, *, treasury: int, users: int, seconds: int) -> float:
    """Postings/s of the batch endpoint's SQL alone (1,000 top-ups recorded, then posted in
    one transaction), from 2 connections: the ceiling no Python code can raise."""
    variables = {"treasury": treasury, "users": users}
    return 1000 * _pgbench(url, "pgbench_batch.sql", variables, seconds, clients=2)


def _pgbench(
    url: str,
    script: str,
    variables: dict[str, int],
    seconds: int,
    *,
    clients: int,
    prepared: bool = False,
) -> float:
    """Transactions (script runs) per second."""
    parsed = make_url(url)
    args = ["pgbench", "-n", "-c", str(clients), "-j", "2", "-T", str(seconds)]
    args += ["-M", "prepared"] if prepared else []
    args += ["-h", parsed.host or "127.0.0.1", "-p", str(parsed.port or 5432)]
    args += ["-U", parsed.username or "postgres"]
    for name, value in variables.items():
        args += ["-D", f"{name}={value}"]
    args += ["-f", str(HERE / script), parsed.database or ""]
    out = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    match = re.search(r"tps = ([\d.]+) \(without initial connection time\)", out)
    assert match, out
    return float(match.group(1))


def celery_noop(
    env: dict[str, str], log_dir: Path, *, tasks: int, concurrency: int
) -> tuple[float, float]:
    """Tasks/s from send to executed, 16 sending threads, the wallet's Celery settings; and
    the worker's CPU ms per task (what Celery alone costs a message)."""
    client = redis.Redis.from_url(env["REDIS_URL"])
    client.delete(COUNTER)
    process = worker_process(env, log_dir, concurrency=concurrency, name="noop", beat=False)
    process.args[2] = "bench.noop_app"
    start_worker(process)
    meter = CpuMeter({"worker": lambda: process_tree(process.popen.pid) if process.popen else []})
    settings = Settings(
        _env_file=None, redis_url=env["REDIS_URL"], celery_queue=env["CELERY_QUEUE"]
    )
    app = Celery("bench-client", set_as_current=False)
    app.conf.update(celery_config(settings))
    try:
        meter.start()
        started = time.monotonic()
        threads = [threading.Thread(target=_send, args=(app, tasks // 16)) for _ in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wait_until(
            lambda: int(client.get(COUNTER) or 0) >= tasks // 16 * 16,
            timeout=120,
            what="the no-op tasks",
        )
        done = tasks // 16 * 16
        return done / (time.monotonic() - started), meter.stop()["worker"] * 1000 / done
    finally:
        process.stop()


def _send(app: Celery, count: int) -> None:
    for _ in range(count):
        app.send_task("bench.noop")
