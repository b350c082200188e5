"""A load through both API hosts, posted by both worker hosts, completes exactly once."""

import time
from collections import Counter
from decimal import Decimal

import pytest

from tests.cluster.checks import assert_exactly_once, settle
from tests.cluster.cluster import Cluster
from tests.cluster.load import Load

pytestmark = pytest.mark.slow
SUBMITS = 2000


def test_a_load_through_both_api_hosts_completes_exactly_once(
    cluster: Cluster, users: dict[str, Decimal]
) -> None:
    started = time.monotonic()
    submits = Load(cluster.urls, list(users), threads=16, total=SUBMITS).start().join()
    accepted_in = time.monotonic() - started
    settle(cluster)
    drained_in = time.monotonic() - started
    statuses = assert_exactly_once(cluster, submits, users)
    per_api = Counter(s.api for s in submits if s.accepted)
    assert set(per_api) == {"api1", "api2"} and sum(per_api.values()) == SUBMITS
    per_worker = {name: len(cluster.received(name)) for name in ("w1", "w2")}
    assert all(per_worker.values()), per_worker
    print(
        f"{SUBMITS} submits ({dict(per_api)}) accepted in {accepted_in:.1f}s "
        f"({SUBMITS / accepted_in:.0f}/s), all finished {drained_in:.1f}s after the first: "
        f"{dict(statuses)}; messages per worker {per_worker}"
    )
