"""What both engines share (``_sync.SyncEngine``, ``_async.AsyncEngine``), without I/O.

Every operation is a generator of steps (sans-I/O): it yields a ``Call`` to make (and is sent
back the ``httpx.Response``, or the ``httpx.TransportError`` it raised) or a float, seconds
to sleep (sent back None), and returns its result. The retries, long polls, batches and
history pages are written once, here; the engines only run the steps (``Steps``), one
blocking and one with ``await``."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

import httpx

from wallet_client import _protocol as protocol
from wallet_client._version import __version__
from wallet_client.errors import WalletError, WalletUnavailable
from wallet_client.models import BatchResult, HistoryItem, HistoryPage, RequestResult
from wallet_client.retry import (
    RETRY_STATUSES,
    RetryEvent,
    RetryPolicy,
    RetryState,
    is_retriable_error,
    parse_retry_after,
)

HISTORY_PAGE = 100  # the service's largest page
REFUSED_WAIT_PAUSE = 0.05  # seconds; see Engine.follow
MAX_REFUSED_WAIT_PAUSE = 1.0
T = TypeVar("T")
Step = protocol.Call | float  # make this call, or sleep this many seconds
Outcome = httpx.Response | Exception | None  # what a step gave
Steps = Generator[Step, Outcome, T]
Plan = Callable[["Engine"], Steps[T]]  # an operation, given the engine's settings


class Machine(Generic[T]):
    """Iterates the steps of ``steps``, the driver setting ``outcome`` after each; then
    ``result`` is what they returned."""

    result: T

    def __init__(self, steps: Steps[T]) -> None:
        self.steps = steps
        self.outcome: Outcome = None

    def __iter__(self) -> Iterator[Step]:
        return self

    def __next__(self) -> Step:
        outcome, self.outcome = self.outcome, None
        try:
            return self.steps.send(outcome)
        except StopIteration as done:
            self.result = done.value
            raise StopIteration from None


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

    def arguments(self, call: protocol.Call) -> dict[str, Any]:
        """The ``request`` arguments of ``call`` (httpx.Client or httpx.AsyncClient)."""
        timeout = httpx.Timeout(self.timeout, read=self.timeout + call.server_wait)
        return {
            "method": call.method,
            "url": call.path,
            "content": call.body,
            "params": call.params,
            "headers": call.headers,
            "timeout": timeout,
        }

    def send(self, call: protocol.Call) -> Steps[tuple[httpx.Response, int]]:
        """The first success of ``call``, and how many attempts it took."""
        state = self.state(call)
        while True:
            state.started()
            outcome = yield call
            assert outcome is not None
            delay = self.next_step(call, state, outcome)
            if delay is None:
                assert isinstance(outcome, httpx.Response)
                return outcome, state.attempts
            yield float(delay)

    def submit(
        self, call: protocol.Call, wait: float | None, raise_on_failure: bool | None
    ) -> Steps[RequestResult]:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = yield from self.send(protocol.prefer_wait(call, seconds))
        result = yield from self.follow(protocol.request_result(response, attempts), deadline)
        return protocol.outcome(result, self.raises(raise_on_failure))

    def request(
        self, key: str, wait: float | None, raise_on_failure: bool | None
    ) -> Steps[RequestResult]:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = yield from self.send(protocol.request(key, seconds))
        first = protocol.request_result(response, attempts, False)
        result = yield from self.follow(first, deadline)
        return protocol.outcome(result, self.raises(raise_on_failure))

    def follow(self, result: RequestResult, deadline: float | None) -> Steps[RequestResult]:
        """Long-poll the request until it is finished or ``deadline`` passes. A poll answered
        unfinished well before the wait it asked for (the service's waiters were all taken:
        it answers at once rather than queue the call) is followed by a pause, doubling from
        ``REFUSED_WAIT_PAUSE`` up to ``MAX_REFUSED_WAIT_PAUSE``, so that a busy service is not
        polled in a tight loop."""
        pause = REFUSED_WAIT_PAUSE
        while not result.finished and (left := self.remaining(deadline)) > 0.01:
            call, asked_at = protocol.request(result.idempotency_key, left), self.clock()
            response, attempts = yield from self.send(call)
            total = result.attempts + attempts
            result = protocol.request_result(response, total, result.replayed)
            if not result.finished and self.clock() - asked_at < call.server_wait / 2:
                yield max(0.0, min(pause, self.remaining(deadline)))
                pause = min(2 * pause, MAX_REFUSED_WAIT_PAUSE)
        return result

    def batch(self, call: protocol.Call, wait: float | None) -> Steps[BatchResult]:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = yield from self.send(protocol.prefer_wait(call, seconds))
        results = []
        for result in protocol.batch_results(response, attempts):
            results.append((yield from self.follow(result, deadline)))
        return BatchResult(requests=results)

    def get(self, call: protocol.Call) -> Steps[bytes]:
        response, _ = yield from self.send(call)
        return response.content

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


class HistoryWalk:
    """An account's history, page by page: ``next_page`` is the plan of the next page's
    items (fetched ``page_size`` at a time, at most ``limit`` in all), None after the last."""

    def __init__(
        self, account: str, limit: int | None, page_size: int, after: protocol.After = None
    ) -> None:
        self.account, self.left, self.page_size = account, limit, page_size
        self.after = after  # sent with every page: each may meet another replica
        self.cursor: str | None = None
        self.ended = False

    def next_page(self) -> Plan[list[HistoryItem]] | None:
        if self.ended or (self.left is not None and self.left <= 0):
            return None
        return self.fetch

    def fetch(self, engine: Engine) -> Steps[list[HistoryItem]]:
        size = min(self.page_size, HISTORY_PAGE, *([] if self.left is None else [self.left]))
        call = protocol.history(self.account, size, self.cursor, self.after)
        page = HistoryPage.model_validate_json((yield from engine.get(call)))
        if self.left is not None:
            self.left -= len(page.transactions)
        self.cursor = page.next_cursor
        self.ended = not self.cursor or not page.transactions
        return page.transactions


def http_headers(api_key: str | None, headers: dict[str, str] | None) -> dict[str, str]:
    """The headers of every call: the key, who we are, and the caller's own."""
    sent = {"User-Agent": f"wallet-client/{__version__}", "Accept": "application/json"}
    if api_key:
        sent["Authorization"] = f"Bearer {api_key}"
    return {**sent, **(headers or {})}
