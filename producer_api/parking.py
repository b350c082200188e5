"""What a route leaves for the front when it parks a call (``Parked``), and the answers of
parked calls rendered together (``Renders``).

One announcement wakes every call its transaction finished, in the same turn of the event
loop: their requests are read again in one statement on one thread and each call's answer
is built from its own, instead of a thread and a read a call.
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

# The requests' resources read again, in the order of the ids (on a front thread).
ReadRequests = Callable[[list[Any]], list[Any]]


@dataclass(frozen=True)
class Parked:
    """A route's request to wait: the requests, how long, and how to answer afterwards."""

    request_ids: tuple[Any, ...]  # every request of the call, read again for the answer
    pending: tuple[str, ...]  # those not finished when the route answered
    seconds: float
    answer: Callable[[list[Any]], tuple[int, BaseModel]]  # status and body from the views
    applied: str | None = None  # Preference-Applied, when the wait was applied


class Renders:
    """Answers of parked calls, built in batches: those asked for in one turn of the loop."""

    def __init__(self, read: ReadRequests, run: Callable[[Callable[[], Any]], Awaitable[Any]]):
        self._read, self._run = read, run
        self._queued: list[tuple[Parked, asyncio.Future[tuple[int, bytes]]]] = []
        self._rendering: set[asyncio.Task[None]] = set()  # held: the loop keeps weak ones

    async def render(self, parked: Parked) -> tuple[int, bytes]:
        loop = asyncio.get_running_loop()
        if not self._queued:
            loop.call_soon(self._flush)
        future: asyncio.Future[tuple[int, bytes]] = loop.create_future()
        self._queued.append((parked, future))
        return await future

    def _flush(self) -> None:
        batch, self._queued = self._queued, []
        task = asyncio.ensure_future(self._render(batch))
        self._rendering.add(task)
        task.add_done_callback(self._rendering.discard)

    async def _render(
        self, batch: list[tuple[Parked, "asyncio.Future[tuple[int, bytes]]"]]
    ) -> None:
        calls = [parked for parked, _ in batch]
        try:
            answers = await self._run(lambda: self._answers(calls))
        except Exception as error:  # each call's coroutine raises it, as its own read would
            for _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, future), answer in zip(batch, answers, strict=True):
            if not future.done():
                future.set_result(answer)

    def _answers(self, calls: list[Parked]) -> list[tuple[int, bytes]]:
        ids = list(dict.fromkeys(i for parked in calls for i in parked.request_ids))
        views = dict(zip(ids, self._read(ids), strict=True))
        answers = []
        for parked in calls:
            status, model = parked.answer([views[i] for i in parked.request_ids])
            answers.append((status, model.model_dump_json(by_alias=True).encode()))
        return answers
