"""The blocking engine: httpx.Client, time.sleep."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx

from wallet_client import _protocol as protocol
from wallet_client._engine import Engine
from wallet_client.models import BatchResult, HistoryItem, HistoryPage, RequestResult


class SyncEngine(Engine):
    def __init__(self, http: httpx.Client, **settings: Any) -> None:
        super().__init__(**settings)
        self.http = http
        self.sleep: Callable[[float], None] = time.sleep

    def send(self, call: protocol.Call) -> tuple[httpx.Response, int]:
        """The first success of ``call``, and how many attempts it took."""
        state = self.state(call)
        while True:
            state.started()
            outcome: httpx.Response | Exception
            try:
                outcome = self.http.request(
                    call.method,
                    call.path,
                    content=call.body,
                    params=call.params,
                    headers=call.headers,
                    timeout=self.timeout_for(call),
                )
            except httpx.TransportError as error:
                outcome = error
            delay = self.next_step(call, state, outcome)
            if delay is None:
                assert isinstance(outcome, httpx.Response)
                return outcome, state.attempts
            self.sleep(delay)

    def submit(
        self, call: protocol.Call, wait: float | None, raise_on_failure: bool | None
    ) -> RequestResult:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = self.send(protocol.prefer_wait(call, seconds))
        result = self.follow(protocol.request_result(response, attempts), deadline)
        return protocol.outcome(result, self.raises(raise_on_failure))

    def request(self, key: str, wait: float | None, raise_on_failure: bool | None) -> RequestResult:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = self.send(protocol.request(key, seconds))
        result = self.follow(protocol.request_result(response, attempts, False), deadline)
        return protocol.outcome(result, self.raises(raise_on_failure))

    def follow(self, result: RequestResult, deadline: float | None) -> RequestResult:
        """Long-poll the request until it is finished or ``deadline`` passes."""
        while not result.finished and (left := self.remaining(deadline)) > 0.01:
            response, attempts = self.send(protocol.request(result.idempotency_key, left))
            total = result.attempts + attempts
            result = protocol.request_result(response, total, result.replayed)
        return result

    def batch(self, call: protocol.Call, wait: float | None) -> BatchResult:
        seconds = protocol.checked_wait(wait)
        deadline = self.deadline(seconds)
        response, attempts = self.send(protocol.prefer_wait(call, seconds))
        results = protocol.batch_results(response, attempts)
        return BatchResult(requests=[self.follow(result, deadline) for result in results])

    def history(self, account: str, limit: int | None, page_size: int) -> Iterator[HistoryItem]:
        left, cursor = limit, None
        while left is None or left > 0:
            response, _ = self.send(
                protocol.history(account, self.page_size(left, page_size), cursor)
            )
            page = HistoryPage.model_validate_json(response.content)
            yield from page.transactions
            if left is not None:
                left -= len(page.transactions)
            cursor = page.next_cursor
            if not cursor or not page.transactions:
                return

    def get(self, call: protocol.Call) -> bytes:
        response, _ = self.send(call)
        return response.content
