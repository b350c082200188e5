"""The blocking engine: runs ``_engine``'s steps with httpx.Client and time.sleep."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from wallet_client._engine import Engine, HistoryWalk, Machine, Outcome, Plan, Step
from wallet_client.models import HistoryItem

T = TypeVar("T")


class SyncEngine(Engine):
    def __init__(self, http: httpx.Client, **settings: Any) -> None:
        super().__init__(**settings)
        self.http = http
        self.sleep: Callable[[float], None] = time.sleep

    def run(self, plan: Plan[T]) -> T:
        for step in (machine := Machine(plan(self))):
            machine.outcome = self.perform(step)
        return machine.result

    def perform(self, step: Step) -> Outcome:
        if isinstance(step, float):
            self.sleep(step)
            return None
        try:
            return self.http.request(**self.arguments(step))
        except httpx.TransportError as error:
            return error

    def walk(self, walk: HistoryWalk) -> Iterator[HistoryItem]:
        while (page := walk.next_page()) is not None:
            yield from self.run(page)
