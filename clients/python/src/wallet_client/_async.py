"""The asyncio engine: runs ``_engine``'s steps with httpx.AsyncClient and asyncio.sleep."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import httpx

from wallet_client._engine import Engine, HistoryWalk, Machine, Outcome, Plan, Step
from wallet_client.models import HistoryItem

T = TypeVar("T")


class AsyncEngine(Engine):
    def __init__(self, http: httpx.AsyncClient, **settings: Any) -> None:
        super().__init__(**settings)
        self.http = http
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    async def run(self, plan: Plan[T]) -> T:
        for step in (machine := Machine(plan(self))):
            machine.outcome = await self.perform(step)
        return machine.result

    async def perform(self, step: Step) -> Outcome:
        if isinstance(step, float):
            await self.sleep(step)
            return None
        try:
            return await self.http.request(**self.arguments(step))
        except httpx.TransportError as error:
            return error

    async def walk(self, walk: HistoryWalk) -> AsyncIterator[HistoryItem]:
        while (page := walk.next_page()) is not None:
            for item in await self.run(page):
                yield item
