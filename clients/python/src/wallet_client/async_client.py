"""``AsyncWalletClient``: ``WalletClient``'s methods, for asyncio (``await`` them; iterate
``history`` with ``async for``)."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from wallet_client import _operations as operations
from wallet_client._async import AsyncEngine
from wallet_client._binding import ClientBase, async_pages, awaitable
from wallet_client._operations import Metadata

__all__ = ["AsyncWalletClient", "Metadata"]


class AsyncWalletClient(ClientBase[httpx.AsyncBaseTransport, AsyncEngine]):
    """The asyncio twin of ``WalletClient`` (same arguments, methods and semantics);
    ``transport`` is an ``httpx.AsyncBaseTransport``. Close it with ``await aclose()``
    or ``async with``."""

    def _connect(
        self, http: dict[str, Any], transport: httpx.AsyncBaseTransport | None, **settings: Any
    ) -> AsyncEngine:
        return AsyncEngine(httpx.AsyncClient(**http, transport=transport), **settings)

    async def aclose(self) -> None:
        await self._engine.http.aclose()

    async def __aenter__(self) -> AsyncWalletClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # every method is written once, in _operations (parameters, docstring, plan)
    topup = awaitable(operations.topup)
    bonus = awaitable(operations.bonus)
    spend = awaitable(operations.spend)
    transfer = awaitable(operations.transfer)
    hold = awaitable(operations.hold)
    capture = awaitable(operations.capture)
    void = awaitable(operations.void)
    get_hold = awaitable(operations.get_hold)
    reverse = awaitable(operations.reverse)
    batch = awaitable(operations.batch)
    request = awaitable(operations.request)
    balance = awaitable(operations.balance)
    history = async_pages(operations.history)
