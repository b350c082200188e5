"""The end-to-end scenarios of make bench, against the product as make run ships it."""

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench import profiles
from bench.cpu import CpuMeter, Finder, process_tree
from bench.end_to_end import Run, measure
from bench.product import ROLES, running_product
from bench.waiting_runs import park_run, poll_run
from infra.db import make_engine
from launcher.children import Child

PROFILE_SECONDS = 6
WARM_UP_SECONDS = 3


@dataclass
class Scenarios:
    base_url: str
    engine: Engine
    args: argparse.Namespace
    progress: Callable[[str], None]
    meter: CpuMeter

    def run(
        self, name: str, script: str, connections: int = 0, seconds: int = 0, /, **env: str
    ) -> Run:
        batch = int(env.get("BENCH_BATCH", "1"))
        self.vacuum()
        self.meter.start()
        run = measure(
            self.base_url,
            self.engine,
            name=name,
            script=script,
            seconds=seconds or self.args.seconds,
            connections=connections or self.args.clients,
            env=env,
            ops_per_call=batch,
        )
        run.cpu_seconds = self.meter.stop()
        self.progress(
            f"{name}: {run.calls_per_second:.0f} calls/s, {run.completions_per_second:.0f} done/s,"
            f" submit p99 {run.p99_ms:.1f} ms, completed p99 {run.completed_p99_ms:.0f} ms"
        )
        return run

    def vacuum(self) -> None:
        """Each run starts on a vacuumed database: the runs before it leave dead rows (the
        batch run tens of thousands) whose autovacuum would otherwise land in its middle and
        count as its load (a fixed-rate run after the batch run: 0.72 against 0.56 ms of
        Postgres CPU a posting, submit p99 25.3 against 13.3 ms)."""
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))

    def warm_up(self) -> None:
        """A short hot run left out of the table: the first seconds of fresh processes (pools
        connecting, first messages, caches) made whichever run came first the slowest."""
        measure(
            self.base_url,
            self.engine,
            name="warm-up",
            script="submit.lua",
            seconds=WARM_UP_SECONDS,
            connections=self.args.clients,
            env={"BENCH_USERS": "1"},
        )
        self.progress("warmed up")

    def all_runs(self) -> list[Run]:
        users = str(self.args.users)
        self.warm_up()
        hot = self.run("submit-hot", "submit.lua", BENCH_USERS="1")
        cold = self.run("submit-cold", "submit.lua", BENCH_USERS=users)
        transfer = self.run("transfer", "transfer.lua", BENCH_USERS=users)
        wait64 = self.run("wait-hot-64", "submit.lua", 64, BENCH_USERS="1", BENCH_WAIT="10")
        wait256 = self.run("wait-hot-256", "submit.lua", 256, BENCH_USERS="1", BENCH_WAIT="10")
        batch = self.run("batch-1000", "batch.lua", 4, BENCH_USERS=users, BENCH_BATCH="1000")
        fixed = self.at_half_rate("fixed-50%", hot, self.args.clients)
        wait_fixed = self.at_half_rate("wait-50%-64", wait64, 64, BENCH_WAIT="10")
        return [hot, cold, transfer, wait64, wait256, batch, fixed, wait_fixed]

    def at_half_rate(self, name: str, of: Run, connections: int, **env: str) -> Run:
        """Each connection pauses between requests so that all send half of ``of``'s rate."""
        rate = of.completions_per_second / 2
        pause = max(1.0, connections * 1000 / rate - 2)
        self.progress(f"{name}: {rate:.0f} submits/s, a pause of {pause:.0f} ms a connection")
        return self.run(
            name, "submit.lua", connections, BENCH_USERS="1", BENCH_DELAY_MS=f"{pause:.0f}", **env
        )

    def profile(
        self,
        name: str,
        script: str,
        processes: dict[str, Child],
        log_dir: Path,
        connections: int = 0,
        **env: str,
    ) -> str:
        """Profile API and worker (py-spy) during a run of their own, left out of the table."""
        raws = {role: log_dir / f"{name}-{role}.raw" for role in processes}
        spies = [
            profiles.start(process.popen.pid, PROFILE_SECONDS - 1, raws[role])
            for role, process in processes.items()
            if process.popen
        ]
        self.run(name, script, connections, PROFILE_SECONDS, **env)
        for spy in spies:
            if spy:
                spy.wait(30)
        return f"== profile: {name}\n" + "".join(
            profiles.summarize(role, raw) for role, raw in raws.items()
        )


def backends(engine: Engine) -> list[int]:
    """The Postgres processes serving the bench database (autovacuum included)."""
    with engine.connect() as connection:
        query = text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")
        return list(connection.scalars(query))


def end_to_end(
    env: dict[str, str],
    log_dir: Path,
    args: argparse.Namespace,
    progress: Callable[[str], None],
    redis_pid: int,
) -> tuple[list[Run], list[dict[str, Any]], str]:
    """Every run against the product as make run starts it (bench.product)."""
    with running_product(env, log_dir) as product:
        engine = make_engine(env["DATABASE_URL"], pool_size=1)
        components: dict[str, Finder] = {
            role: partial(lambda r: process_tree(product.pid(r)), role) for role in ROLES
        }
        components["Postgres"] = lambda: backends(engine)
        components["Redis"] = lambda: [redis_pid]
        scenarios = Scenarios(product.base_url, engine, args, progress, CpuMeter(components))
        try:
            runs = scenarios.all_runs()
            # At half the service's waiting capacity, as the fixed-rate runs: a request polled
            # is two calls (its submit, its long-poll) where a waiting submit is one, hence a
            # quarter of wait-hot-64's rate. A saturated loop measures its own queue, not how
            # soon an answer follows its completion (at half wait-hot-64's rate: p99 1.1 s).
            rate = next(r for r in runs if r.name == "wait-hot-64").completions_per_second / 4
            waits = [
                poll_run(product, clients=256, seconds=args.seconds, rate=rate),
                park_run(product, engine),
            ]
            for result in waits:
                progress(f"{result['name']}: {result}")
            processes = {role: product.children[role] for role in ("API", "worker", "Flower")}
            profile = scenarios.profile(
                "profile-hot", "submit.lua", processes, log_dir, BENCH_USERS="1"
            )
            profile += scenarios.profile(
                "profile-wait",
                "submit.lua",
                processes,
                log_dir,
                64,
                BENCH_USERS="1",
                BENCH_WAIT="10",
            )
            return runs, waits, profile
        finally:
            engine.dispose()
