"""Where balance and history reads are answered: the read replica (DATABASE_READ_URL), or the
primary; and ``?after=<idempotencyKey>``, read-your-writes on a replica that lags.

Without ``after`` a read goes to the replica when one is configured, and may be a little
stale (milliseconds, the replica's lag). With ``after`` it reflects that request (the
caller's own, as ``GET /api/wallet/requests/{key}`` scopes it) and everything committed
before it:

1. On the replica: if the request is finished there, the replica has replayed the commit
   that finished it (its outcome is written in its posting transaction,
   ledger.posting.lifecycle), so the read is answered there at once, in the same
   transaction (one connection: a pool of replicas behind one URL cannot answer the check
   from one and the read from another).
2. Otherwise the primary says whether the key exists (else ``404 REQUEST_NOT_FOUND``) and is
   finished (else ``409 REQUEST_NOT_FINISHED``: wait for it first, e.g. with
   ``GET /api/wallet/requests/{key}?wait=N``; a read cannot show what is not posted yet).
3. Then the replica is polled (2 ms, doubling to 50 ms) until it shows the request finished,
   for at most REPLICA_WAIT_MAX_SECONDS, and the read answered there; past the bound, the
   primary answers it.

Checking the request row, rather than comparing WAL positions, is exact (no bound to pick
from ``pg_current_wal_lsn()``, which is behind a commit made visible with
``synchronous_commit = off``) and, when the replica keeps up, costs the primary nothing.

A replica that fails (down, refusing connections, a query cancelled by a recovery conflict)
never fails the read: the primary answers it, and after a connection failure every read goes
to the primary for REPLICA_RETRY_AFTER_SECONDS before the replica is tried again. An account
the replica does not know (created on the primary a moment ago) is looked for on the primary
before answering 404. Each answer says who answered (``Wallet-Read-Source: replica|primary``),
and the metrics count it (producer_api.http.metrics: wallet_reads_total,
wallet_replica_fallbacks_total, wallet_replica_wait_seconds, the lag gauges).

Only balances and history go to the replica. Request statuses (the source of truth of the
lifecycle), holds (a hold read right after its request completed would be 404 on a replica
behind) and the accounts and assets of the admin routes stay on the primary.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from sqlalchemy import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from infra.replication import Lag, lag_behind, wal_position
from ledger.errors import AccountNotFound, RequestNotFound
from ledger.reads.requests import find_status
from ledger.statuses import Status
from producer_api.http.database_errors import Failure, classify
from producer_api.http.metrics import (
    READS,
    REPLICA_FALLBACKS,
    REPLICA_LAG_BYTES,
    REPLICA_LAG_SECONDS,
    REPLICA_UP,
    REPLICA_WAIT,
)
from producer_api.http.problems import Problem

log = logging.getLogger(__name__)
T = TypeVar("T")
Source = Literal["replica", "primary"]
Reason = Literal["wait_bound", "unavailable", "not_found"]
SOURCE_HEADER = "Wallet-Read-Source"
FIRST_POLL_SECONDS, LAST_POLL_SECONDS = 0.002, 0.05


@dataclass(frozen=True)
class Read(Generic[T]):
    value: T
    source: Source


@dataclass(frozen=True)
class Fallback:
    """Why the replica did not answer: the primary will."""

    reason: Reason


NOT_REPLAYED = Fallback("wait_bound")


class ReadRouter:
    def __init__(
        self,
        primary: sessionmaker[Session],
        replica: sessionmaker[Session] | None = None,
        *,
        replica_name: str = "",
        wait_max_seconds: float = 1.0,
        retry_after_seconds: float = 5.0,
    ) -> None:
        self._primary, self._replica, self.replica_name = primary, replica, replica_name
        self._wait_max, self._retry_after = wait_max_seconds, retry_after_seconds
        self._down_until = 0.0

    @property
    def has_replica(self) -> bool:
        return self._replica is not None

    def read(
        self, work: Callable[[Session], T], *, client_id: str, after: str | None = None
    ) -> Read[T]:
        """``work`` (a read of one session) on the replica or the primary; with ``after``,
        once the server it runs on has that request finished."""
        if after is not None:
            return self._read_after(work, client_id, after)
        return self._answered(work, self._on_replica(work) if self.has_replica else None)

    def sample_lag(self) -> Lag | None:
        """The replica's lag now, also set in the gauges; None if it did not answer (or there
        is no replica)."""
        if self._replica is None:
            return None
        if time.monotonic() < self._down_until:  # failed lately: not asked again (a silent
            REPLICA_UP.labels(self.replica_name).set(0)  # one would hold /readyz and scrapes)
            return None
        try:
            with self._primary() as primary:
                position = wal_position(primary)
        except (DBAPIError, PoolTimeout):
            return None  # the primary's trouble, not the replica's (and /readyz says it)
        try:
            with self._replica() as replica:
                lag = lag_behind(replica, position)
        except (DBAPIError, PoolTimeout) as error:
            self._failed(error)
            REPLICA_UP.labels(self.replica_name).set(0)
            return None
        REPLICA_UP.labels(self.replica_name).set(1)
        REPLICA_LAG_BYTES.labels(self.replica_name).set(lag.bytes)
        REPLICA_LAG_SECONDS.labels(self.replica_name).set(lag.seconds)
        return lag

    def _read_after(self, work: Callable[[Session], T], client_id: str, key: str) -> Read[T]:
        def finished(session: Session) -> bool:
            status = find_status(session, client_id=client_id, idempotency_key=key)
            return status is not None and status.is_terminal

        started = time.monotonic()
        found = self._on_replica(_when(finished, work)) if self.has_replica else None
        if found is None or isinstance(found, Fallback):
            with self._primary() as session:
                _check_finished(find_status(session, client_id=client_id, idempotency_key=key))
                if found is not NOT_REPLAYED:  # no replica, or it failed: the primary answers
                    return self._answered(work, found, session)
            found = self._on_replica(_polling(finished, work, started + self._wait_max))
        REPLICA_WAIT.observe(time.monotonic() - started)
        return self._answered(work, found)

    def _answered(
        self,
        work: Callable[[Session], T],
        found: T | Fallback | None,
        session: Session | None = None,
    ) -> Read[T]:
        """The replica's answer ``found``, or else the primary's (in ``session`` if given;
        ``found`` None: there is no replica, Fallback: why it did not answer)."""
        if found is not None and not isinstance(found, Fallback):
            return self._served(found, "replica")
        if isinstance(found, Fallback):
            REPLICA_FALLBACKS.labels(found.reason).inc()
        if session is not None:
            return self._served(work(session), "primary")
        with self._primary() as primary:
            return self._served(work(primary), "primary")

    def _served(self, value: T, source: Source) -> Read[T]:
        READS.labels(source).inc()
        return Read(value, source)

    def _on_replica(self, work: Callable[[Session], T | Fallback]) -> T | Fallback:
        """``work`` on the replica, or why the primary should answer instead."""
        assert self._replica is not None
        if time.monotonic() < self._down_until:
            return Fallback("unavailable")
        try:
            with self._replica() as session:
                return work(session)
        except AccountNotFound:
            return Fallback("not_found")
        except (DBAPIError, PoolTimeout) as error:
            self._failed(error)
            return Fallback("unavailable")

    def _failed(self, error: Exception) -> None:
        """A replica that is down is left alone for ``retry_after`` seconds; anything else
        (a query cancelled by a recovery conflict, SQL the replica refuses, e.g. a migration
        it has not replayed yet) only for this read: the primary answers it, and raises if
        the SQL is wrong there too."""
        failure = classify(error) if isinstance(error, DBAPIError) else Failure.BUSY
        if failure is Failure.BUG or failure is Failure.REFUSED:
            log.error("the read replica %s refused a read: %s", self.replica_name, error)
            return
        if failure is Failure.UNAVAILABLE:
            if time.monotonic() >= self._down_until:
                log.warning(
                    "the read replica %s failed (%s): reads go to the primary for %.0f s",
                    self.replica_name,
                    error.__class__.__name__,
                    self._retry_after,
                )
            self._down_until = time.monotonic() + self._retry_after


def _when(
    finished: Callable[[Session], bool], work: Callable[[Session], T]
) -> Callable[[Session], T | Fallback]:
    """``work`` if the request is finished on this server now, else NOT_REPLAYED."""
    return lambda session: work(session) if finished(session) else NOT_REPLAYED


def _polling(
    finished: Callable[[Session], bool], work: Callable[[Session], T], deadline: float
) -> Callable[[Session], T | Fallback]:
    """``work`` once the request is finished on this server (each check in READ COMMITTED
    sees what the replica has replayed by then), or NOT_REPLAYED at ``deadline``."""

    def poll(session: Session) -> T | Fallback:
        delay = FIRST_POLL_SECONDS
        while not finished(session):
            left = deadline - time.monotonic()
            if left <= 0:
                return NOT_REPLAYED
            time.sleep(min(delay, left))  # nothing tells of a replay: polled, with backoff
            delay = min(delay * 2, LAST_POLL_SECONDS)
        return work(session)

    return poll


def _check_finished(status: Status | None) -> None:
    if status is None:
        detail = "No request of this client has the idempotency key given as after."
        errors = [{"field": "after", "message": detail}]
        raise Problem(404, RequestNotFound.code, detail, errors=errors)
    if not status.is_terminal:
        raise Problem(
            409,
            "REQUEST_NOT_FINISHED",
            f"The request given as after is {status}: a read can reflect it once it is "
            "completed or failed (wait for it: GET /api/wallet/requests/{key}?wait=N).",
            errors=[{"field": "after", "message": f"The request is {status}."}],
        )


def replica_name(url: str) -> str:
    """host:port/database of a URL, as the metrics label the replica (no user or password)."""
    parsed = make_url(url)
    return f"{parsed.host or 'localhost'}:{parsed.port or 5432}/{parsed.database or ''}"
