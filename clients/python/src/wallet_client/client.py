"""``WalletClient``: the blocking client. ``AsyncWalletClient`` has the same methods."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any

import httpx

from wallet_client import _protocol as protocol
from wallet_client._engine import HISTORY_PAGE, http_headers
from wallet_client._sync import SyncEngine
from wallet_client.models import (
    Balances,
    BatchResult,
    HistoryItem,
    Hold,
    Money,
    Operation,
    RequestResult,
)
from wallet_client.retry import RetryEvent, RetryPolicy

Metadata = Mapping[str, Any] | None


class WalletClient:
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

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        *,
        max_attempts: int = 8,
        max_retry_time: float = 30.0,
        backoff_base: float = 0.25,
        backoff_max: float = 8.0,
        raise_on_failure: bool = False,
        on_retry: Callable[[RetryEvent], None] | None = None,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        http = httpx.Client(
            base_url=base_url, headers=http_headers(api_key, headers), transport=transport
        )
        policy = RetryPolicy(max_attempts, max_retry_time, backoff_base, backoff_max)
        self._engine = SyncEngine(
            http,
            timeout=timeout,
            policy=policy,
            raise_on_failure=raise_on_failure,
            on_retry=on_retry,
        )

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

    def topup(
        self,
        account: str,
        asset: str,
        amount: Money,
        *,
        idempotency_key: str | None = None,
        metadata: Metadata = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Credit ``account`` from the treasury."""
        call = protocol.money_submission("topup", account, asset, amount, idempotency_key, metadata)
        return self._engine.submit(call, wait, raise_on_failure)

    def bonus(
        self,
        account: str,
        asset: str,
        amount: Money,
        *,
        reason: str,
        idempotency_key: str | None = None,
        metadata: Metadata = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Credit ``account`` from the bonus pool, saying why."""
        call = protocol.money_submission(
            "bonus", account, asset, amount, idempotency_key, metadata, reason=reason
        )
        return self._engine.submit(call, wait, raise_on_failure)

    def spend(
        self,
        account: str,
        asset: str,
        amount: Money,
        *,
        description: str,
        idempotency_key: str | None = None,
        metadata: Metadata = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Debit ``account`` to revenue; fails ``INSUFFICIENT_FUNDS`` past its balance."""
        call = protocol.money_submission(
            "spend", account, asset, amount, idempotency_key, metadata, description=description
        )
        return self._engine.submit(call, wait, raise_on_failure)

    def transfer(
        self,
        from_account: str,
        to_account: str,
        asset: str,
        amount: Money,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
        metadata: Metadata = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Move money from one user account to another (``POST /api/wallet/transfer``)."""
        call = protocol.transfer(
            from_account, to_account, asset, amount, description, idempotency_key, metadata
        )
        return self._engine.submit(call, wait, raise_on_failure)

    def hold(
        self,
        account: str,
        asset: str,
        amount: Money,
        *,
        description: str | None = None,
        expires_in: int | None = None,
        idempotency_key: str | None = None,
        metadata: Metadata = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Reserve ``amount`` (capture or void it later; it expires after ``expires_in``
        seconds, by default the service's 3600). The completed result carries ``hold``."""
        call = protocol.money_submission(
            "holds",
            account,
            asset,
            amount,
            idempotency_key,
            metadata,
            description=description,
            expiresInSeconds=expires_in,
        )
        return self._engine.submit(call, wait, raise_on_failure)

    def capture(
        self,
        hold_id: str,
        amount: Money | None = None,
        *,
        description: str | None = None,
        idempotency_key: str | None = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Capture the hold (all of it by default); the rest is released."""
        call = protocol.capture(hold_id, amount, description, idempotency_key)
        return self._engine.submit(call, wait, raise_on_failure)

    def void(
        self,
        hold_id: str,
        *,
        idempotency_key: str | None = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Release the hold without moving money."""
        call = protocol.void(hold_id, idempotency_key)
        return self._engine.submit(call, wait, raise_on_failure)

    def get_hold(self, hold_id: str) -> Hold:
        """The hold now: ``status`` active, captured, voided or expired."""
        return Hold.model_validate_json(self._engine.get(protocol.hold(hold_id)))

    def reverse(
        self,
        transaction_id: str,
        amount: Money | None = None,
        *,
        reason: str | None = None,
        idempotency_key: str | None = None,
        wait: float | None = None,
        raise_on_failure: bool | None = None,
    ) -> RequestResult:
        """Reverse a transaction (what is left of it by default) with its legs swapped."""
        call = protocol.reversal(transaction_id, amount, reason, idempotency_key)
        return self._engine.submit(call, wait, raise_on_failure)

    def batch(
        self, operations: Iterable[Operation | Mapping[str, Any]], wait: float | None = None
    ) -> BatchResult:
        """Submit up to 1,000 operations at once (accepted all or none; each its own
        request). Mappings take ``Operation``'s field names. Failures are returned."""
        return self._engine.batch(protocol.batch(operations), wait)

    def request(
        self, key: str, wait: float | None = None, *, raise_on_failure: bool | None = None
    ) -> RequestResult:
        """The request under ``key``, after waiting up to ``wait`` s for it to finish."""
        return self._engine.request(key, wait, raise_on_failure)

    def balance(self, account: str, as_of: datetime | str | None = None) -> Balances:
        """The account's balances (``as_of``: posted balances at that instant)."""
        return Balances.model_validate_json(self._engine.get(protocol.balance(account, as_of)))

    def history(
        self, account: str, limit: int | None = None, *, page_size: int = HISTORY_PAGE
    ) -> Iterator[HistoryItem]:
        """The account's transactions, newest first, at most ``limit`` (all if None),
        fetched ``page_size`` at a time as the iteration goes, following the cursor."""
        return self._engine.history(account, limit, page_size)
