"""Waiting for outcomes at the cost of a coroutine: the calls the front (producer_api.front)
parks until their requests finish.

One asyncio Redis subscriber per API process hears the workers announce finished requests
(``{"requestIds": [...]}`` on OUTCOME_CHANNEL, after their commit) and wakes the calls
waiting on them. The announcement is a hint, not the truth: every ``recheck_seconds`` one
query asks Postgres which of all the awaited requests are finished (one statement for the
whole process, however many calls wait), so a lost message (Redis restarted or flushed, the
subscriber reconnecting) delays an answer by that much and never hangs it.

A request may finish between the moment its route read it unfinished and the moment its call
is parked: the ids announced in the last ``RECENT_SECONDS`` are remembered, so such a call is
answered at once instead of at the next re-check.

At most ``max_waiters`` calls of a process wait at once (MAX_WAITERS_PER_PROCESS, thousands:
2,000 parked calls grew the API by 41 MB, docs/performance.md); past that a call is answered
at once as if it had not asked to wait (RFC 7240 lets a server ignore a preference).
"""

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from producer_api.http.metrics import PARKED, WAITS_DECLINED

log = logging.getLogger(__name__)
RECENT_SECONDS = 10.0
RECONNECT_SECONDS = 1.0

# Which of these request ids are finished (Postgres: the truth behind the hints).
FinishedAmong = Callable[[list[str]], Awaitable[set[str]]]


class _Call:
    """One parked call: the requests it still waits for, and the future that ends its wait."""

    __slots__ = ("done", "pending")

    def __init__(self, pending: set[str], done: asyncio.Future[None]) -> None:
        self.pending, self.done = pending, done


class OutcomeWaiter:
    def __init__(
        self,
        redis_url: str,
        channel: str,
        *,
        max_waiters: int,
        recheck_seconds: float,
        finished_among: FinishedAmong,
    ) -> None:
        self._redis_url, self._channel = redis_url, channel
        self._max_waiters, self._recheck_seconds = max_waiters, recheck_seconds
        self._finished_among = finished_among
        self._calls: dict[str, set[_Call]] = {}  # request id -> the calls waiting on it
        self._waiting = 0
        self._recent: set[str] = set()  # request ids announced in the last RECENT_SECONDS
        self._announced: deque[tuple[float, list[str]]] = deque()  # (when, ids), oldest first
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        """Start the subscriber and the re-check loop on the running loop (once)."""
        if not self._tasks:
            self._tasks = [
                asyncio.create_task(self._listen_forever(), name="outcome-listener"),
                asyncio.create_task(self._recheck_forever(), name="outcome-recheck"),
            ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    async def wait(self, request_ids: Iterable[str], seconds: float) -> bool:
        """Return once every request is finished or ``seconds`` have passed: True. False at
        once if ``max_waiters`` calls already wait (the wait is not applied)."""
        pending = {i for i in request_ids if i not in self._recent}
        if not pending:
            return True
        if self._waiting >= self._max_waiters:
            WAITS_DECLINED.inc()
            return False
        self.start()
        call = _Call(pending, asyncio.get_running_loop().create_future())
        for request_id in pending:
            self._calls.setdefault(request_id, set()).add(call)
        self._waiting += 1
        PARKED.inc()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(call.done, seconds)
        finally:
            self._waiting -= 1
            PARKED.dec()
            self._forget(call)
        return True

    def _forget(self, call: _Call) -> None:
        for request_id in call.pending:
            calls = self._calls.get(request_id)
            if calls is not None:
                calls.discard(call)
                if not calls:
                    del self._calls[request_id]

    def finish(self, request_ids: Iterable[str]) -> None:
        """These requests are finished: wake every call that waited only on them."""
        for request_id in request_ids:
            for call in self._calls.pop(request_id, ()):
                call.pending.discard(request_id)
                if not call.pending and not call.done.done():
                    call.done.set_result(None)

    def _remember(self, request_ids: list[str]) -> None:
        now = time.monotonic()
        self._recent.update(request_ids)
        self._announced.append((now, request_ids))
        while self._announced[0][0] < now - RECENT_SECONDS:
            self._recent.difference_update(self._announced.popleft()[1])

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen()
            except (RedisError, OSError) as error:
                log.warning("outcome listener lost Redis (%s); reconnecting", error)
            except Exception:  # anything else too: a dead listener would leave only re-checks
                log.exception("outcome listener failed; reconnecting")
            await asyncio.sleep(RECONNECT_SECONDS)

    async def _listen(self) -> None:
        client = aioredis.Redis.from_url(self._redis_url, health_check_interval=10)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(self._channel)
            async for message in pubsub.listen():
                if message.get("type") == "message":
                    request_ids = announced_ids(message["data"])
                    self._remember(request_ids)
                    self.finish(request_ids)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]
            await client.aclose()

    async def _recheck_forever(self) -> None:
        while True:
            await asyncio.sleep(self._recheck_seconds)
            if self._calls:
                try:
                    self.finish(await self._finished_among(list(self._calls)))
                except Exception:  # the next round tries again; a parked call has its deadline
                    log.exception("the re-check of awaited requests failed")


def announced_ids(data: bytes) -> list[str]:
    """The ids a worker announced; anything else on the channel is ignored, not fatal."""
    try:
        ids = json.loads(data).get("requestIds", [])
    except (ValueError, AttributeError):
        ids = None
    if not isinstance(ids, list):
        log.warning("ignored a malformed message on the outcome channel")
        return []
    return [str(i) for i in ids]
