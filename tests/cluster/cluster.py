"""The cluster of the slow tier: hosts as network namespaces on one bridge (harness.netns).

``db`` runs a private PostgreSQL (its first address) and Redis (its second, so that a
partition may cut Redis alone); ``api1`` and ``api2`` run the API (``api_server.py``) on their
own address, port 3000; ``w1`` and ``w2`` a Celery worker each, ``w1`` with beat (the reaper).
The test process, in the root namespace, is the clients and the checks: it reaches every host
through the bridge, and the database and Redis by the same addresses the hosts use.
"""

import contextlib
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text

from harness.cluster import REDIS_PORT, HostPostgres, host_redis, on_host
from harness.netns import Host, Network
from harness.processes import (
    ROOT,
    Process,
    api_process,
    start_api,
    start_redis,
    start_worker,
    worker_process,
)
from ledger.models import Request
from ledger.seed import prepare_wallet_database
from ledger.statuses import PENDING
from tests.fixtures.processes import DEV_KEY, METADATA_KEY
from tests.stack import Stack

API_PORT = 3000
API_HOSTS = ("api1", "api2")
WORKER_HOSTS = ("w1", "w2")
RECEIVED = re.compile(r"Task wallet\.post\[([0-9a-f-]+)\] received")
FINISHED = re.compile(r"Task wallet\.post\[([0-9a-f-]+)\] (?:succeeded|raised|retry)")

# Lowered from the defaults so that a partition's recovery takes seconds, not minutes: the
# reaper re-sends a request left pending 5 s (default 15 s, every 10 s), an unacknowledged
# message comes back after 10 s (default 300 s), a database peer that stopped answering is
# dropped after 5 s (default 15 s).
TIMINGS = {
    "REAPER_INTERVAL_SECONDS": "1",
    "REAPER_STALE_AFTER_SECONDS": "5",
    "BROKER_VISIBILITY_TIMEOUT_SECONDS": "10",
    "DEAD_PEER_SECONDS": "5",
}


def cluster_env(log_dir: Path) -> dict[str, str]:
    """What every process of the cluster runs with (the database and Redis added by
    ``Stack``), whatever the test process's own environment says of them."""
    return {
        "PATH": f"{Path(sys.executable).parent}:/usr/sbin:/usr/bin:/sbin:/bin",
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(log_dir),
        "CELERY_QUEUE": "wallet",
        "WALLET_ENV": "development",
        "WALLET_DEV_API_KEY": DEV_KEY,
        "METADATA_ENCRYPTION_KEYS": METADATA_KEY,
        "LOG_FORMAT": "json",
        "RATE_LIMIT_PER_KEY": "100000/second",
        "RATE_LIMIT_PER_ACCOUNT": "100000/second",
        "RATE_LIMIT_FAILED_AUTH_PER_ADDRESS": "100000/second",
        "WEB_CONCURRENCY": "1",
        **TIMINGS,
    }


class Cluster(Stack):
    """A ``Stack`` (its checks and helpers) whose database, Redis and processes live on
    hosts of ``network``."""

    def __init__(self, network: Network, postgres: HostPostgres, log_dir: Path) -> None:
        self.network, self.postgres = network, postgres
        database_url = f"{postgres.server_url()}/wallet"
        self.db = network.hosts["db"]
        self.postgres_address, self.redis_address = self.db.addresses
        redis_url = f"redis://{self.redis_address}:{REDIS_PORT}/0"
        # The development key is accepted from loopback and the trusted networks only: the
        # cluster's clients call from the root namespace's address on its bridge.
        env = {**cluster_env(log_dir), "WALLET_DEV_TRUSTED_NETWORKS": str(network.subnet)}
        super().__init__(database_url, redis_url, env, log_dir)
        self.urls: dict[str, str] = {}
        self.on: dict[str, Process] = {}  # host name -> the process it runs

    def host(self, name: str) -> Host:
        return self.network.hosts[name]

    def start_api_on(self, name: str) -> str:
        host = self.host(name)
        url = f"http://{host.address}:{API_PORT}"
        env = {**self.env, "LISTEN_ADDRESS": host.address}
        process = on_host(host, api_process(env, self.log_dir, API_PORT, name=name))
        self._add(name, process)
        start_api(process, url)
        self.urls[name] = url
        return url

    def start_worker_on(self, name: str, *, beat: bool = False) -> Process:
        process = worker_process(self.env, self.log_dir, concurrency=2, name=name, beat=beat)
        self._add(name, on_host(self.host(name), process))
        return start_worker(process)

    def _add(self, name: str, process: Process) -> None:
        self.on[name] = process
        self.processes.append(process)

    # --- What the database sees ---------------------------------------------------------

    def backends(self, host: str, *, waiting_on_lock: bool = False) -> int:
        """Connections the database holds from ``host``'s address (those waiting on a lock)."""
        query = "SELECT count(*) FROM pg_stat_activity WHERE client_addr = CAST(:a AS inet)"
        if waiting_on_lock:
            query += " AND wait_event_type = 'Lock'"
        with self.engine.connect() as connection:
            found = connection.scalar(text(query), {"a": self.host(host).address})
            return int(found or 0)

    def pending_since(self, before: datetime) -> int:
        """Requests recorded before ``before`` (database time) and not finished yet."""
        with self.sessions() as session:
            count = session.scalar(
                select(func.count())
                .select_from(Request)
                .where(Request.status.in_(PENDING), Request.submitted_at <= before)
            )
            return int(count or 0)

    def pending_total(self) -> int:
        with self.sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(Request).where(Request.status.in_(PENDING))
            )
            return int(count or 0)

    def completed_after(self, at: datetime) -> int:
        """Requests finished after ``at`` (database time)."""
        with self.sessions() as session:
            count = session.scalar(
                select(func.count()).select_from(Request).where(Request.completed_at > at)
            )
            return int(count or 0)

    def now(self) -> datetime:
        with self.engine.connect() as connection:
            found: datetime = connection.scalar(text("SELECT clock_timestamp()"))
            return found

    def verify(self) -> subprocess.CompletedProcess[str]:
        """``make verify`` (``python -m ledger.verify``) against the cluster's database."""
        return subprocess.run(
            [sys.executable, "-m", "ledger.verify"],
            cwd=ROOT,
            env={**self.env, "DATABASE_URL": self.database_url},
            capture_output=True,
            text=True,
        )

    # --- What the processes logged ------------------------------------------------------

    def logs(self, host: str, text: str) -> Callable[[datetime], bool]:
        """A condition: ``host``'s process logged a line holding ``text`` after a time."""
        return lambda after: self.logged_after(host, text, after)

    def logged_after(self, host: str, text: str, after: datetime) -> bool:
        """Whether ``host``'s process logged a line holding ``text`` after ``after``."""
        for line in self.on[host].log().splitlines():
            if text in line and line.startswith("{"):
                with contextlib.suppress(ValueError):
                    stamp = json.loads(line).get("timestamp")
                    if stamp and datetime.fromisoformat(stamp) > after:
                        return True
        return False

    def received(self, host: str) -> set[str]:
        """Ids of the wallet.post messages ``host``'s worker has received so far."""
        return set(RECEIVED.findall(self.on[host].log()))

    def unfinished(self, host: str) -> set[str]:
        """Ids of the wallet.post messages ``host``'s worker received and has not finished."""
        log = self.on[host].log()
        return set(RECEIVED.findall(log)) - set(FINISHED.findall(log))


@contextlib.contextmanager
def running_cluster(log_dir: Path) -> Iterator[Cluster]:
    """Build the network and hosts, start the servers and processes; tear all of it down
    afterwards, whatever failed."""
    with contextlib.ExitStack() as teardown:
        network = Network()
        teardown.callback(network.close)
        network.create()
        db = network.add_host("db", services=1)
        for name in (*API_HOSTS, *WORKER_HOSTS):
            network.add_host(name)
        postgres = HostPostgres(db, db.addresses[0], str(network.subnet)).init()
        teardown.callback(postgres.remove)
        postgres.start()
        redis = host_redis(db, db.addresses[1], log_dir)
        teardown.callback(redis.stop)
        start_redis(redis, REDIS_PORT, host=db.addresses[1])
        prepare_wallet_database(f"{postgres.server_url()}/wallet")
        cluster = Cluster(network, postgres, log_dir)
        teardown.callback(cluster.close)
        for name in API_HOSTS:
            cluster.start_api_on(name)
        cluster.start_worker_on("w1", beat=True)
        cluster.start_worker_on("w2")
        yield cluster
