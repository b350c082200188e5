"""The real path under wrk: HTTP submit -> inbox -> Celery -> worker -> ledger, until completed."""

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

HERE = Path(__file__).parent
PENDING = """SELECT count(*) FILTER (WHERE status IN ('queued', 'processing')),
                    count(*) FILTER (WHERE status = 'completed')
             FROM requests WHERE idempotency_key LIKE :prefix"""


@dataclass
class Run:
    name: str
    calls: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    completed: int = 0
    drained_seconds: float = 0.0

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds

    @property
    def completions_per_second(self) -> float:
        return self.completed / self.drained_seconds if self.drained_seconds else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.__dict__,
            "calls_per_second": self.calls_per_second,
            "completions_per_second": self.completions_per_second,
        }


def wrk(
    base_url: str, script: str, name: str, *, seconds: int, connections: int, env: dict[str, str]
) -> Run:
    out = subprocess.run(
        [
            "wrk",
            "-t",
            "2",
            "-c",
            str(connections),
            "-d",
            f"{seconds}s",
            "--timeout",
            "40s",
            "-s",
            str(HERE / script),
            base_url,
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=HERE.parent,
        env={**os.environ, **env},
    ).stdout
    line = next(row for row in out.splitlines() if row.startswith("WRK_JSON "))
    data = json.loads(line.removeprefix("WRK_JSON "))
    return Run(
        name=name,
        calls=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_ms"],
        p95_ms=data["p95_ms"],
        p99_ms=data["p99_ms"],
        errors=data["socket_errors"] + data["http_errors"],
    )


def drain(engine: Engine, prefix: str, started: float, timeout: float = 300) -> tuple[int, float]:
    """Wait until no request of this run is pending; (completed, seconds since ``started``)."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            pending, completed = connection.execute(text(PENDING), {"prefix": f"{prefix}-%"}).one()
        if pending == 0 or time.monotonic() > deadline:
            return completed, time.monotonic() - started
        time.sleep(0.05)


def measure(
    base_url: str,
    engine: Engine,
    *,
    name: str,
    script: str,
    seconds: int,
    connections: int,
    env: dict[str, str],
    ops_per_call: int = 1,
) -> Run:
    prefix = f"{name}-{int(time.time())}"
    started = time.monotonic()
    run = wrk(
        base_url,
        script,
        name,
        seconds=seconds,
        connections=connections,
        env={**env, "BENCH_PREFIX": prefix},
    )
    run.completed, run.drained_seconds = drain(engine, prefix, started)
    run.calls *= ops_per_call
    return run
