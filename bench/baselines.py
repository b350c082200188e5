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
from harness.processes import start_worker, wait_until, worker_process

HERE = Path(__file__).parent


def pgbench(url: str, *, hot: bool, treasury: int, users: int, seconds: int) -> float:
    """Postings/s of the raw double-entry posting from 8 connections (pgbench)."""
    parsed = make_url(url)
    out = subprocess.run(
        [
            "pgbench",
            "-n",
            "-c",
            "8",
            "-j",
            "2",
            "-T",
            str(seconds),
            "-M",
            "prepared",
            "-h",
            parsed.host or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
            "-D",
            f"treasury={treasury}",
            "-D",
            f"users={users}",
            "-D",
            f"hot={int(hot)}",
            "-f",
            str(HERE / "pgbench_posting.sql"),
            parsed.database or "",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
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
    app = Celery("bench-client", config_source="celeryconfig")
    app.conf.broker_url = env["REDIS_URL"]
    app.conf.task_default_queue = env["CELERY_QUEUE"]
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
