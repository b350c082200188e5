"""Admission control: a 202 promises completion within seconds, so while the backlog is past
its bounds new submits are refused (503 + Retry-After) and nothing is recorded; the client
retries with the same key. Reads, and polls of accepted requests, are always served.

The backlog (``ledger.inbox.requests.backlog``: the line a new request joins, and how long its head
has waited) is read at most every ``REFRESH_SECONDS`` per process, by whichever request
finds the reading stale; the others meanwhile use the last one. A replay of a known key is
refused too while shedding (telling it apart would take the insert): its client can poll
GET /api/wallet/requests/{key}.
"""

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from infra.db import retrying_disconnect
from ledger.inbox.requests import backlog
from producer_api.http.metrics import SHED, SHEDDING
from producer_api.http.problems import Problem

REFRESH_SECONDS = 0.2
RETRY_AFTER_SECONDS = 1


@dataclass(frozen=True)
class Backlog:
    pending: int
    oldest_seconds: float
    shedding: bool


class Admission:
    def __init__(
        self, sessions: sessionmaker[Session], *, max_pending: int, max_age_seconds: float
    ) -> None:
        self._sessions = sessions
        self._max_pending, self._max_age = max_pending, max_age_seconds
        self._reading = Backlog(0, 0.0, False)
        self._read_at = float("-inf")
        self._refreshing = threading.Lock()

    def reading(self) -> Backlog:
        """The last reading, refreshed first if stale (unless another thread is at it)."""
        if time.monotonic() - self._read_at > REFRESH_SECONDS and self._refreshing.acquire(
            blocking=False
        ):
            try:
                self._refresh()
            finally:
                self._refreshing.release()
        return self._reading

    def admit(self) -> None:
        """Raise a 503 problem if the backlog is past a bound."""
        if self.reading().shedding:
            SHED.inc()
            raise Problem(
                503,
                "OVERLOADED",
                "The service is behind on posting; nothing was recorded. Retry later with "
                "the same idempotency key.",
                headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
            )

    def _refresh(self) -> None:
        pending, oldest = retrying_disconnect(self._read_backlog)
        shedding = pending >= self._max_pending or oldest >= self._max_age
        self._reading = Backlog(pending, oldest, shedding)
        self._read_at = time.monotonic()
        SHEDDING.set(int(shedding))

    def _read_backlog(self) -> tuple[int, float]:
        with self._sessions() as session:
            return backlog(session)
