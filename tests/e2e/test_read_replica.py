"""Read-your-writes on a real streaming replica (producer_api.services.reads).

A private primary (``PrivatePostgres``) streams to a private hot standby made with
``pg_basebackup`` (harness/replica.py); the stack's API reads balances and history from the
standby (DATABASE_READ_URL) and writes through the primary, with a real worker posting. The
machine's own PostgreSQL is never touched.
"""

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine, text

from harness.postgres import PrivatePostgres
from harness.processes import Process, start_worker, wait_until
from harness.replica import PrivateReplica, allow_replication
from tests.fixtures.clients import Api
from tests.fixtures.stacks import private_stack
from tests.stack import Stack

pytestmark = pytest.mark.slow
WAIT_BOUND = 0.5  # REPLICA_WAIT_MAX_SECONDS of the stack's API
ROUNDS = 200


@pytest.fixture
def replicated() -> Iterator[tuple[PrivatePostgres, PrivateReplica]]:
    """A private primary and its hot standby, both removed afterwards."""
    primary = allow_replication(PrivatePostgres().init())
    replica = PrivateReplica(primary)
    try:
        primary.start()
        replica.init().start()
        yield primary, replica
    finally:
        replica.remove()
        primary.remove()


@pytest.fixture
def replica_stack(
    replicated: tuple[PrivatePostgres, PrivateReplica],
    service_env: dict[str, str],
    log_dir: Path,
    redis_server_url: str,
) -> Iterator[Stack]:
    """A stack on the private primary (seeded there, streamed to the replica), with a worker."""
    primary, _ = replicated
    url = f"{primary.server_url()}/wallet"
    for stack in private_stack(url, f"{redis_server_url}/3", service_env, log_dir):
        start_worker(stack.worker("replica", concurrency=2))
        yield stack


class ReplicaApi:
    """The stack's API reading from the replica, and SQL on the replica itself."""

    def __init__(self, stack: Stack, replica: PrivateReplica) -> None:
        self.replica = replica
        self.url = stack.api(
            "api-replica",
            DATABASE_READ_URL=f"{replica.server_url()}/wallet",
            REPLICA_WAIT_MAX_SECONDS=str(WAIT_BOUND),
            REPLICA_RETRY_AFTER_SECONDS="1",
        )
        self.process: Process = stack.processes[-1]
        self.http = Api(self.url)
        self.engine = create_engine(
            f"{replica.server_url()}/wallet", isolation_level="AUTOCOMMIT", pool_size=1
        )

    def topup(self, user: str, amount: int = 1) -> str:
        key = str(uuid.uuid4())
        body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": amount}
        done = self.http.submit("topup", {**body, "idempotencyKey": key}, wait=10)
        assert done.status_code == 200 and done.json()["status"] == "completed", done.text
        return key

    def balance(self, user: str, after: str | None = None) -> tuple[str, str]:
        """(the GOLD_COINS balance, the server that answered)."""
        answer = self.http.get(
            f"/api/wallet/balance/{user}", params={"after": after} if after else {}
        )
        assert answer.status_code == 200, answer.text
        gold = next(b["balance"] for b in answer.json()["balances"] if b["code"] == "GOLD_COINS")
        return gold, answer.headers["Wallet-Read-Source"]

    def newest(self, user: str, after: str) -> tuple[str, str]:
        """(the newest history item's balanceAfter, the server that answered)."""
        params = {"after": after, "limit": "1"}
        answer = self.http.get(f"/api/wallet/history/{user}", params=params)
        assert answer.status_code == 200, answer.text
        item = answer.json()["transactions"][0]
        return item["balanceAfter"], answer.headers["Wallet-Read-Source"]

    def sql(self, statement: str) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(text(statement)).scalar()

    def metric(self, name: str, **labels: str) -> float:
        """A sample of the API's /metrics (summed over its processes), 0 if absent."""
        scraped = requests.get(f"{self.url}/metrics", timeout=10).text
        return sum(
            sample.value
            for family in text_string_to_metric_families(scraped)
            for sample in family.samples
            if sample.name == name and labels.items() <= sample.labels.items()
        )

    def close(self) -> None:
        self.engine.dispose()


@pytest.fixture
def api(
    replica_stack: Stack, replicated: tuple[PrivatePostgres, PrivateReplica]
) -> Iterator[ReplicaApi]:
    api = ReplicaApi(replica_stack, replicated[1])
    yield api
    api.close()
    log = api.process.log()
    assert "INTERNAL_ERROR" not in log and "Traceback" not in log


def test_a_read_after_a_request_always_shows_it(api: ReplicaApi, replica_stack: Stack) -> None:
    user = replica_stack.user()
    sources: list[str] = []
    stale = 0
    for round_ in range(1, ROUNDS + 1):
        key = api.topup(user)
        stale += api.balance(user)[0] != f"{round_}.00"  # without after: maybe not yet
        gold, source = api.balance(user, after=key)
        assert gold == f"{round_}.00", (round_, source)
        sources.append(source)
        if round_ % 20 == 0:
            balance_after, source = api.newest(user, after=key)
            assert balance_after == f"{round_}.00", (round_, source)
    print(
        f"{ROUNDS} reads after a top-up: {sources.count('replica')} from the replica,"
        f" {sources.count('primary')} from the primary; {stale} plain reads were stale"
    )
    assert sources.count("replica") > ROUNDS // 2
    assert api.metric("wallet_reads_total", source="replica") >= sources.count("replica")


def test_while_replay_is_paused_after_falls_back_to_the_primary_and_plain_reads_are_stale(
    api: ReplicaApi, replica_stack: Stack
) -> None:
    user = replica_stack.user()
    first = api.topup(user)
    assert api.balance(user, after=first) == ("1.00", "replica")
    api.sql("SELECT pg_wal_replay_pause()")
    wait_until(
        lambda: api.sql("SELECT pg_get_wal_replay_pause_state()") == "paused",
        timeout=10,
        what="replay paused",
    )
    second = api.topup(user, 2)
    assert api.balance(user) == ("1.00", "replica")  # stale: reads do go to the replica
    fallbacks = api.metric("wallet_replica_fallbacks_total", reason="wait_bound")
    started = time.monotonic()
    assert api.balance(user, after=second) == ("3.00", "primary")
    waited = time.monotonic() - started
    assert WAIT_BOUND <= waited < WAIT_BOUND + 2, waited
    assert api.newest(user, after=second) == ("3.00", "primary")
    assert api.metric("wallet_replica_fallbacks_total", reason="wait_bound") == fallbacks + 2
    assert api.metric("wallet_replica_lag_bytes") > 0
    assert api.metric("wallet_replica_lag_seconds") > 0
    ready = api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["replica"]["lagBytes"] > 0
    print(f"after fell back to the primary in {waited:.3f} s (bound {WAIT_BOUND} s)")

    api.sql("SELECT pg_wal_replay_resume()")
    assert api.balance(user, after=second) == ("3.00", "replica")
    wait_until(lambda: api.metric("wallet_replica_lag_bytes") == 0, timeout=10, what="caught up")


def test_with_the_replica_down_reads_go_to_the_primary_then_back(
    api: ReplicaApi, replica_stack: Stack, replicated: tuple[PrivatePostgres, PrivateReplica]
) -> None:
    user = replica_stack.user()
    key = api.topup(user)
    assert api.balance(user, after=key) == ("1.00", "replica")
    replica = replicated[1]
    api.engine.dispose()
    replica.stop()
    unavailable = api.metric("wallet_replica_fallbacks_total", reason="unavailable")
    key = api.topup(user, 2)
    assert api.balance(user) == ("3.00", "primary")
    assert api.balance(user, after=key) == ("3.00", "primary")
    assert api.newest(user, after=key) == ("3.00", "primary")
    assert_refused_after(api, user)
    assert api.metric("wallet_replica_fallbacks_total", reason="unavailable") >= unavailable + 3
    ready = api.http.get("/readyz")
    assert ready.status_code == 200 and ready.json()["replica"] == {"reachable": False}
    assert api.metric("wallet_replica_up") == 0

    replica.start()
    wait_until(lambda: api.balance(user)[1] == "replica", timeout=30, what="reads on the replica")
    assert api.balance(user, after=key) == ("3.00", "replica")


def assert_refused_after(api: ReplicaApi, user: str) -> None:
    """Unknown and unfinished keys are still refused with the replica down (the primary says)."""
    answer = api.http.get(f"/api/wallet/balance/{user}", params={"after": "no-such-key"})
    assert answer.status_code == 404 and answer.json()["code"] == "REQUEST_NOT_FOUND"
