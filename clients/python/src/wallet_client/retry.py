"""Which failures are retried, and when: pure logic, no I/O (both clients sleep as it says).

A call is retried only when repeating it cannot post twice: every submit carries its
idempotency key and the very same body on every attempt (a replay returns the recorded
request), and reads change nothing. Retried: connection errors (refused, reset, a timeout,
a connection closed before the answer, even after the request was sent) and the answers
429, 502, 503 and 504. The delay before retry ``n`` (1, 2, ...) is "full jitter": a uniform
draw in ``[0, min(backoff_max, backoff_base * 2**(n-1))]``, but never less than the answer's
``Retry-After``. Retries stop after ``max_attempts`` calls in all, or when the next delay
would end past ``max_retry_time`` seconds from the first call (plus the time the call asked
the server to wait).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

RETRY_STATUSES = frozenset({429, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 8
    max_retry_time: float = 30.0
    backoff_base: float = 0.25
    backoff_max: float = 8.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts is at least 1")
        if min(self.max_retry_time, self.backoff_base, self.backoff_max) < 0:
            raise ValueError("times are not negative")

    def ceiling(self, retry: int) -> float:
        """The largest backoff before retry number ``retry`` (1 for the first retry)."""
        return float(min(self.backoff_max, self.backoff_base * 2 ** (retry - 1)))


@dataclass(frozen=True)
class RetryEvent:
    """Told to ``on_retry`` before each retry: the attempt that just failed (1 = the first
    call), the delay about to be slept, and what failed (an answer's status and problem code,
    or the connection error)."""

    method: str
    path: str
    attempt: int
    delay: float
    status: int | None
    code: str | None
    error: BaseException | None


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (RFC 9110: delay-seconds or an
    HTTP-date); None if absent or unreadable; a date in the past is 0."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def is_retriable_error(error: BaseException) -> bool:
    """Connection-level failures, wherever they happen: connecting, sending, or waiting for
    the answer after the request went out (the server may have recorded it: the retry is a
    replay). Not a malformed URL or a request this client could not even build."""
    if isinstance(error, httpx.TimeoutException | httpx.NetworkError | httpx.ProxyError):
        return True
    return isinstance(error, httpx.RemoteProtocolError)


class RetryState:
    """The bookkeeping of one call's attempts."""

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        extra_time: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.policy, self.clock, self.rng = policy, clock, rng
        self.attempts = 0
        self.deadline = clock() + policy.max_retry_time + extra_time

    def started(self) -> None:
        self.attempts += 1

    def delay(self, retry_after: float | None = None) -> float | None:
        """The delay before the next attempt, or None when the bounds say stop."""
        if self.attempts >= self.policy.max_attempts:
            return None
        delay = self.rng() * self.policy.ceiling(self.attempts)
        if retry_after is not None:
            delay = max(delay, retry_after)
        if self.clock() + delay > self.deadline:
            return None
        return delay
