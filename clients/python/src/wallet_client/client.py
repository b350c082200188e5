"""``WalletClient``: the blocking client. ``AsyncWalletClient`` has the same methods."""

from __future__ import annotations

from types import TracebackType
from typing import Any

import httpx

from wallet_client import _operations as operations
from wallet_client._binding import ClientBase, blocking, pages
from wallet_client._operations import Metadata
from wallet_client._sync import SyncEngine

__all__ = ["Metadata", "WalletClient"]


class WalletClient(ClientBase[httpx.BaseTransport, SyncEngine]):
    """A client of the wallet service at ``base_url`` (``http://127.0.0.1:3000``).

    Every money movement is a request under an idempotency key (a fresh UUID4 unless you
    give one; it is on the result): sending it again never posts twice. ``wait`` (seconds)
    waits for the outcome: the service holds the call up to 30 s and the client long-polls
    for the rest; without it the result is usually still ``queued``. A finished request
    that ``failed`` (``INSUFFICIENT_FUNDS``...) is returned, or raised as
    ``RequestFailed`` with ``raise_on_failure=True`` (here or per call).

    Connection errors and 429/502/503/504 answers are retried with the same key and body
    (``wallet_client.retry``: full-jitter backoff, ``Retry-After`` honoured, at most
    ``max_attempts`` calls and ``max_retry_time`` seconds), then ``WalletUnavailable`` is
    raised; other error answers raise ``WalletError`` at once. ``on_retry`` hears of each
    retry. ``transport`` replaces httpx's (tests: ``httpx.MockTransport``)."""

    def _connect(
        self, http: dict[str, Any], transport: httpx.BaseTransport | None, **settings: Any
    ) -> SyncEngine:
        return SyncEngine(httpx.Client(**http, transport=transport), **settings)

    def close(self) -> None:
        self._engine.http.close()

    def __enter__(self) -> WalletClient:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # every method is written once, in _operations (parameters, docstring, plan)
    topup = blocking(operations.topup)
    bonus = blocking(operations.bonus)
    spend = blocking(operations.spend)
    transfer = blocking(operations.transfer)
    hold = blocking(operations.hold)
    capture = blocking(operations.capture)
    void = blocking(operations.void)
    get_hold = blocking(operations.get_hold)
    reverse = blocking(operations.reverse)
    batch = blocking(operations.batch)
    request = blocking(operations.request)
    balance = blocking(operations.balance)
    history = pages(operations.history)
