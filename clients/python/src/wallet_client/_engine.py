"""What both engines share (``_sync.SyncEngine``, ``_async.AsyncEngine``): the settings and
the decision after each attempt (``Engine.next_step``); they only add the I/O and sleeping."""

from __future__ import annotations

import random
import time
from collections.abc import Callable

import httpx

from wallet_client import _protocol as protocol
from wallet_client._version import __version__
from wallet_client.errors import WalletError, WalletUnavailable
from wallet_client.retry import (
    RETRY_STATUSES,
    RetryEvent,
    RetryPolicy,
    RetryState,
    is_retriable_error,
    parse_retry_after,
)

HISTORY_PAGE = 100  # the service's largest page


class Engine:
    def __init__(
        self,
        *,
        timeout: float,
        policy: RetryPolicy,
        raise_on_failure: bool,
        on_retry: Callable[[RetryEvent], None] | None,
    ) -> None:
        self.timeout, self.policy = timeout, policy
        self.raise_on_failure, self.on_retry = raise_on_failure, on_retry
        self.clock: Callable[[], float] = time.monotonic
        self.rng: Callable[[], float] = random.random

    def state(self, call: protocol.Call) -> RetryState:
        return RetryState(self.policy, extra_time=call.server_wait, clock=self.clock, rng=self.rng)

    def timeout_for(self, call: protocol.Call) -> httpx.Timeout:
        return httpx.Timeout(self.timeout, read=self.timeout + call.server_wait)

    def next_step(
        self, call: protocol.Call, state: RetryState, outcome: httpx.Response | Exception
    ) -> float | None:
        """None: ``outcome`` is a success to return. A float: sleep that long and try again.
        Raises when it is an error that is not retried, or the retries ran out."""
        if isinstance(outcome, Exception):
            if not isinstance(outcome, httpx.TransportError):
                raise outcome
            if not is_retriable_error(outcome):
                raise WalletError(None, "TRANSPORT_ERROR", str(outcome)) from outcome
            delay = state.delay()
            if delay is None:
                detail = f"{type(outcome).__name__}: {outcome}"
                error = WalletUnavailable(
                    None, "CONNECTION_FAILED", detail, attempts=state.attempts
                )
                raise error from outcome
            self._tell(call, state, delay, None, None, outcome)
            return delay
        if outcome.status_code in RETRY_STATUSES:
            delay = state.delay(parse_retry_after(outcome.headers.get("Retry-After")))
            if delay is None:
                raise protocol.unavailable(outcome, state.attempts)
            code, _, _ = protocol.problem_of(outcome)
            self._tell(call, state, delay, outcome.status_code, code, None)
            return delay
        if not outcome.is_success:
            raise protocol.error_of(outcome)
        return None

    def _tell(
        self,
        call: protocol.Call,
        state: RetryState,
        delay: float,
        status: int | None,
        code: str | None,
        error: Exception | None,
    ) -> None:
        if self.on_retry is not None:
            event = RetryEvent(call.method, call.path, state.attempts, delay, status, code, error)
            self.on_retry(event)

    def deadline(self, seconds: float) -> float | None:
        return self.clock() + seconds if seconds else None

    def remaining(self, deadline: float | None) -> float:
        return 0.0 if deadline is None else deadline - self.clock()

    def raises(self, raise_on_failure: bool | None) -> bool:
        return self.raise_on_failure if raise_on_failure is None else raise_on_failure

    @staticmethod
    def page_size(left: int | None, page_size: int) -> int:
        return min(page_size, HISTORY_PAGE) if left is None else min(page_size, left, HISTORY_PAGE)


def http_headers(api_key: str | None, headers: dict[str, str] | None) -> dict[str, str]:
    """The headers of every call: the key, who we are, and the caller's own."""
    sent = {"User-Agent": f"wallet-client/{__version__}", "Accept": "application/json"}
    if api_key:
        sent["Authorization"] = f"Bearer {api_key}"
    return {**sent, **(headers or {})}
