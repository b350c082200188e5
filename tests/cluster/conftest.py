"""The cluster tier's one cluster (tests/cluster/cluster.py), shared by its tests: building
it takes a few seconds, and every test leaves it healed."""

from collections.abc import Iterator
from decimal import Decimal

import pytest

from harness.netns import sweep_stale, unavailable
from tests.cluster.cluster import Cluster, running_cluster
from tests.fixtures.required import skip_or_fail

OPENING = Decimal(100)


@pytest.fixture(scope="package")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Skipped where namespaces cannot be made (not root, no iproute2), unless
    WALLET_REQUIRE_NETNS=1 (CI, this machine): then that is a failure."""
    what = "the cluster tier builds hosts as network namespaces"
    skip_or_fail(unavailable(), what, "WALLET_REQUIRE_NETNS")
    sweep_stale()
    with running_cluster(tmp_path_factory.mktemp("cluster")) as built:
        yield built


@pytest.fixture
def users(cluster: Cluster) -> dict[str, Decimal]:
    """Twenty fresh users with OPENING gold each: user -> opening balance."""
    return {cluster.user(gold=str(OPENING)): OPENING for _ in range(20)}
