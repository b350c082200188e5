"""The real path under wrk: HTTP submit -> inbox -> Celery -> worker -> ledger, until completed."""

import json
import os
import subprocess
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

HERE = Path(__file__).parent
PROGRESS = """SELECT count(*) FILTER (WHERE status IN ('queued', 'processing')),
                     count(*) FILTER (WHERE status = 'completed')
              FROM requests WHERE idempotency_key LIKE :prefix"""
# Submit-to-completed, as the database saw it: from the inbox insert to the posting commit.
COMPLETION_MS = """SELECT
    percentile_cont(0.5) WITHIN GROUP (ORDER BY completed_at - submitted_at),
    percentile_cont(0.99) WITHIN GROUP (ORDER BY completed_at - submitted_at)
    FROM requests WHERE idempotency_key LIKE :prefix AND status = 'completed'"""


@dataclass
class Run:
    name: str
    calls: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    ok: int = 0  # answered 200: the outcome in the answer
    accepted: int = 0  # answered 202
    server_errors: int = 0
    completed: int = 0
    drained_seconds: float = 0.0
    completed_p50_ms: float = 0.0
    completed_p99_ms: float = 0.0
    cpu_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds

    @property
    def completions_per_second(self) -> float:
        return self.completed / self.drained_seconds if self.drained_seconds else 0.0

    @property
    def with_outcome(self) -> float:
        """The share of the answers that carried the outcome (200)."""
        return self.ok / max(self.ok + self.accepted + self.server_errors, 1)

    @property
    def cpu_ms_per_posting(self) -> dict[str, float]:
        return {k: v * 1000 / max(self.completed, 1) for k, v in self.cpu_seconds.items()}

    def as_dict(self) -> dict[str, Any]:
        return {
            **asdict(self),
            "calls_per_second": self.calls_per_second,
            "completions_per_second": self.completions_per_second,
            "with_outcome": self.with_outcome,
            "cpu_ms_per_posting": self.cpu_ms_per_posting,
        }


def wrk(
    base_url: str, script: str, name: str, *, seconds: int, connections: int, env: dict[str, str]
) -> Run:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{seconds}s", "--timeout", "40s"]
    out = subprocess.run(
        [*args, "-s", str(HERE / script), base_url],
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
        p99_ms=data["p99_ms"],
        errors=data["socket_errors"] + data["http_errors"],
        ok=data["ok"],
        accepted=data["accepted"],
        server_errors=data["server_errors"],
    )


def drain(engine: Engine, prefix: str, started: float, timeout: float = 120) -> tuple[int, float]:
    """Wait until no request of this run is pending; (completed, seconds since ``started``)."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as connection:
            pending, completed = connection.execute(text(PROGRESS), {"prefix": prefix}).one()
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
    run.completed, run.drained_seconds = drain(engine, f"{prefix}-%", started)
    with engine.connect() as connection:
        p50, p99 = connection.execute(text(COMPLETION_MS), {"prefix": f"{prefix}-%"}).one()
    run.completed_p50_ms, run.completed_p99_ms = _ms(p50), _ms(p99)
    run.calls *= ops_per_call
    return run


def _ms(interval: Any) -> float:
    return interval.total_seconds() * 1000 if interval is not None else 0.0
