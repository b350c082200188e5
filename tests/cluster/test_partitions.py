"""Partitions while requests flow through both API hosts: each cut silently (packets dropped on
the bridge, no reset), held until the cluster has shown it works around it, then healed.

Each test prints what it measured; docs/resilience.md's "Several hosts, and partitions"
section records them:
- ``serving``: from the heal until the cut host does its job again (w1 posts; a submit through
  api1 completes within its 2 s wait, so api1's own enqueuer sent it; w2 receives messages);
- ``drained``: from the heal until every request recorded before the heal is finished.
Then every accepted request is checked finished, posted once, and the ledger verified.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import pytest

from harness.netns import Cut
from harness.processes import wait_until
from tests.cluster.checks import assert_exactly_once, final_rows, settle
from tests.cluster.cluster import API_HOSTS, WORKER_HOSTS, Cluster
from tests.cluster.load import Load, Submit, client, submit

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Recovery:
    """Seconds: the cut's length, then from the heal until the cut host served again and
    until every request recorded before the heal was finished."""

    partition: float
    serving: float
    drained: float

    def __str__(self) -> str:
        return (
            f"cut for {self.partition:.1f}s; after the heal, serving again in "
            f"{self.serving:.1f}s, everything recorded before it finished in {self.drained:.1f}s"
        )


class Scenario:
    """A load flowing through both API hosts, plus the submits a test makes itself."""

    def __init__(
        self, cluster: Cluster, users: dict[str, Decimal], apis: tuple[str, ...] = API_HOSTS
    ) -> None:
        self.cluster, self.opening = cluster, dict(users)
        urls = {api: cluster.urls[api] for api in apis}
        self.load = Load(urls, list(users), threads=6, pace=0.05).start()
        self.probes: list[Submit] = []
        try:
            wait_until(lambda: len(self.load.accepted()) >= 50, timeout=30, what="load flowing")
        except BaseException:
            self.load.stop()
            raise

    def __enter__(self) -> "Scenario":
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        """Heal whatever is still cut (the cluster is shared by the tests that follow); then
        check, unless the test failed: its own error is the one to see."""
        self.cluster.network.heal_all()
        if kind is not None:
            self.load.stop()
            return
        self.finish()

    def probe(self, api: str, user: str, *, wait: float | None = None) -> Submit:
        with client(self.cluster.urls[api]) as wallet:
            sent = submit(wallet, api, user, "topup", Decimal(1), wait=wait)
        self.probes.append(sent)
        return sent

    def stalled_mid_batch(self, worker: str) -> tuple[str, Callable[[], bool]]:
        """A fresh user, whose balance rows the test is to hold, and a condition that submits a
        top-up for it each time it is checked, until a posting of ``worker`` waits on a lock:
        that worker is then in the middle of a batch, its message unacknowledged."""
        victim = self.cluster.user(gold="100")
        self.opening[victim] = Decimal(100)

        def stalled() -> bool:
            if self.cluster.backends(worker, waiting_on_lock=True):
                return True
            self.probe("api1", victim)
            return False

        return victim, stalled

    def since(self, start: datetime) -> float:
        return (self.cluster.now() - start).total_seconds()

    def heal(
        self, cut: Cut, cut_at: datetime, serving: Callable[[datetime], bool], what: str
    ) -> "Recovery":
        """Heal ``cut``; time until ``serving(healed)`` holds, and until every request
        recorded before the heal is finished."""
        healed = self.cluster.now()
        cut.heal()
        wait_until(lambda: serving(healed), timeout=120, what=what)
        back = self.since(healed)
        wait_until(
            lambda: self.cluster.pending_since(healed) == 0,
            timeout=120,
            what="the requests recorded before the heal finished",
        )
        return Recovery((healed - cut_at).total_seconds(), back, self.since(healed))

    def finish(self) -> None:
        self.load.stop()
        settle(self.cluster)
        submits = self.load.submits + self.probes
        statuses = assert_exactly_once(self.cluster, submits, self.opening)
        print(f"{len(submits)} submits: {dict(statuses)}")


def test_w1_cut_off_from_db_in_the_middle_of_a_batch(
    cluster: Cluster, users: dict[str, Decimal]
) -> None:
    """The whole db host (PostgreSQL and Redis) out of w1's reach while w1's batch holds row
    locks (the hot system rows among them): the database drops w1's connections, and rolls
    its batch back, within the dead-peer bound, and w2 posts meanwhile (the reaper and the
    visibility timeout send it what w1 held)."""
    with Scenario(cluster, users) as scenario:
        victim, stalled = scenario.stalled_mid_batch("w1")
        with cluster.balances_locked(victim):
            wait_until(stalled, timeout=30, what="a batch of w1 waiting on a lock")
            cut = cluster.network.cut(cluster.host("w1"), cluster.db)
            cut_at = cluster.now()
        # Released: w1's batch goes on in the database, whose answers no longer reach w1.
        wait_until(lambda: cluster.backends("w1") == 0, timeout=60, what="w1's connections dropped")
        dropped = scenario.since(cut_at)
        wait_until(
            lambda: cluster.completed_after(cut_at) >= 50, timeout=60, what="w2 posting meanwhile"
        )
        recovery = scenario.heal(cut, cut_at, cluster.logs("w1", '"posted"'), "w1 posting")
    print(
        f"w1 | db: the database dropped w1's connections {dropped:.1f}s after the cut; {recovery}"
    )


def test_api1_cut_off_from_redis_accepts_and_the_reaper_sends(
    cluster: Cluster, users: dict[str, Decimal]
) -> None:
    """api1 keeps accepting (the rate limits fail open, the enqueuer's sends fail and are
    left to the reaper); what it accepted is sent by the reaper and posted meanwhile. The load
    goes through api1 alone: requests through api2 would have their messages' batches take
    api1's queued requests along (micro-batching fills a batch with queued requests), and the
    reaper would have nothing left to send."""
    user = next(iter(users))
    with Scenario(cluster, users, apis=("api1",)) as scenario:
        cut = cluster.network.cut(cluster.host("api1"), cluster.db, [cluster.redis_address])
        cut_at = cluster.now()
        started = time.monotonic()

        def reaped() -> bool:
            keys = [s.key for s in scenario.load.accepted("api1", after=started)]
            rows = final_rows(cluster, keys).values()
            return sum(row.status == "completed" for row in rows) >= 20

        wait_until(reaped, timeout=60, what="what api1 accepted while cut off, completed")
        reaper = "reaper re-enqueued stale requests"
        assert any(cluster.logged_after(w, reaper, cut_at) for w in WORKER_HOSTS)
        during = scenario.load.accepted("api1", after=started)
        slowest = max(s.seconds for s in during)
        recovery = scenario.heal(
            cut,
            cut_at,
            lambda _: scenario.probe("api1", user, wait=2).status == "completed",
            "a submit through api1 completed within its 2 s wait",
        )
    print(
        f"api1 | redis: {len(during)} submits accepted through api1 (slowest {slowest:.2f}s), "
        f"sent by the reaper; {recovery}"
    )


def test_w2_cut_off_from_redis_with_unacknowledged_messages(
    cluster: Cluster, users: dict[str, Decimal]
) -> None:
    """w2 loses Redis with messages unacknowledged (one blocked mid-batch): w2 finishes them
    in the database but cannot acknowledge them; after the visibility timeout they are
    delivered to w1, which finds their requests finished and posts nothing twice."""
    with Scenario(cluster, users) as scenario:
        victim, stalled = scenario.stalled_mid_batch("w2")
        with cluster.balances_locked(victim):
            wait_until(stalled, timeout=30, what="a batch of w2 waiting on a lock")
            cut = cluster.network.cut(cluster.host("w2"), cluster.db, [cluster.redis_address])
            cut_at = cluster.now()
            # Read after the cut: what w2 has not finished by now, it cannot have acknowledged.
            held = cluster.unfinished("w2")
        assert held
        wait_until(
            lambda: held <= cluster.received("w1"), timeout=60, what="w2's messages sent to w1"
        )
        redelivered = scenario.since(cut_at)
        recovery = scenario.heal(cut, cut_at, cluster.logs("w2", "] received"), "w2 receiving")
    print(
        f"w2 | redis: {len(held)} unacknowledged messages delivered to w1 {redelivered:.1f}s "
        f"after the cut; {recovery}"
    )
