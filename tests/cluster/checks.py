"""What every cluster test ends with: every accepted request finished, each posted once,
each user's balance what the finished requests say, and ``make verify`` clean."""

from collections import Counter, defaultdict
from decimal import Decimal

from sqlalchemy import func, select

from harness.processes import wait_until
from ledger.models import Request, Transaction
from tests.cluster.cluster import Cluster
from tests.cluster.load import Submit, client

# A business outcome; a partition must never fail a request for its own sake (such as
# POSTING_ABANDONED, the poison-request bound).
EXPECTED_FAILURES = {"INSUFFICIENT_FUNDS"}


def settle(cluster: Cluster, timeout: float = 120) -> None:
    """Wait until no request of the database is pending."""
    wait_until(lambda: cluster.pending_total() == 0, timeout=timeout, what="every request done")


def assert_exactly_once(
    cluster: Cluster, submits: list[Submit], opening: dict[str, Decimal]
) -> Counter[str]:
    """Check every call of ``submits`` against the database; ``opening``: each user's gold
    before the calls. Returns the count of requests by final status."""
    accepted = [s for s in submits if s.accepted]
    assert accepted, "no call was accepted"
    refused = Counter(s.status for s in submits if not s.accepted)
    assert not refused, f"calls the SDK gave up on: {refused}"
    rows = final_rows(cluster, [s.key for s in submits])
    assert [s.key for s in accepted if s.key not in rows] == [], "accepted, then lost"
    assert {r.status for r in rows.values()} <= {"completed", "failed"}
    failures = Counter(r.error_code for r in rows.values() if r.status == "failed")
    assert set(failures) <= EXPECTED_FAILURES, failures
    postings = transactions_per_request(cluster, [r.id for r in rows.values()])
    for row in rows.values():
        assert postings.get(row.id, 0) == (row.status == "completed"), (row.id, row.status)
    assert balances(cluster, list(opening)) == expected_balances(opening, submits, rows)
    verify = cluster.verify()
    assert verify.returncode == 0, verify.stdout + verify.stderr
    return Counter(r.status for r in rows.values())


def final_rows(cluster: Cluster, keys: list[str]) -> dict[str, Request]:
    with cluster.sessions() as session:
        found = session.scalars(select(Request).where(Request.idempotency_key.in_(keys)))
        return {row.idempotency_key: row for row in found}


def transactions_per_request(cluster: Cluster, ids: list[object]) -> dict[object, int]:
    with cluster.sessions() as session:
        counted = session.execute(
            select(Transaction.request_id, func.count())
            .where(Transaction.request_id.in_(ids))
            .group_by(Transaction.request_id)
        )
        return {request_id: count for request_id, count in counted}


def expected_balances(
    opening: dict[str, Decimal], submits: list[Submit], rows: dict[str, Request]
) -> dict[str, Decimal]:
    """Each user's gold: the opening balance, plus the completed top-ups, less the completed
    spends, as the clients asked for them."""
    expected: dict[str, Decimal] = defaultdict(Decimal, opening)
    for s in submits:
        row = rows.get(s.key)
        if row is not None and row.status == "completed":
            expected[s.user] += s.amount if s.operation == "topup" else -s.amount
    return dict(expected)


def balances(cluster: Cluster, users: list[str]) -> dict[str, Decimal]:
    """Each user's gold as the API reads it (through api2)."""
    with client(cluster.urls["api2"]) as wallet:
        return {user: wallet.balance(user)["GOLD_COINS"].balance for user in users}
