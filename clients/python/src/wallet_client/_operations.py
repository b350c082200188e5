"""What each method of ``WalletClient`` and ``AsyncWalletClient`` does, written once: its
parameters, its promise (docstring) and its plan (``_engine.Plan``), which the blocking
client runs and the asyncio one awaits (``_binding``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from wallet_client import _protocol as protocol
from wallet_client._engine import HISTORY_PAGE, Engine, HistoryWalk, Plan, Steps
from wallet_client.models import (
    Balances,
    BatchResult,
    Hold,
    Money,
    Operation,
    RequestResult,
    WalletModel,
)

Metadata = Mapping[str, Any] | None
M = TypeVar("M", bound=WalletModel)


def submitted(
    call: protocol.Call, wait: float | None, raise_on_failure: bool | None
) -> Plan[RequestResult]:
    return lambda engine: engine.submit(call, wait, raise_on_failure)


def read(call: protocol.Call, model: type[M]) -> Plan[M]:
    def plan(engine: Engine) -> Steps[M]:
        return model.model_validate_json((yield from engine.get(call)))

    return plan


def topup(
    account: str,
    asset: str,
    amount: Money,
    *,
    description: str | None = None,
    idempotency_key: str | None = None,
    metadata: Metadata = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Credit ``account`` from the treasury."""
    call = protocol.money_submission(
        "topup", account, asset, amount, idempotency_key, metadata, description=description
    )
    return submitted(call, wait, raise_on_failure)


def bonus(
    account: str,
    asset: str,
    amount: Money,
    *,
    reason: str | None = None,
    idempotency_key: str | None = None,
    metadata: Metadata = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Credit ``account`` from the bonus pool, saying why (the service says "Bonus credit"
    if not)."""
    call = protocol.money_submission(
        "bonus", account, asset, amount, idempotency_key, metadata, reason=reason
    )
    return submitted(call, wait, raise_on_failure)


def spend(
    account: str,
    asset: str,
    amount: Money,
    *,
    description: str | None = None,
    idempotency_key: str | None = None,
    metadata: Metadata = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Debit ``account`` to revenue (described "In-app purchase" unless ``description``
    says otherwise); fails ``INSUFFICIENT_FUNDS`` past its balance."""
    call = protocol.money_submission(
        "spend", account, asset, amount, idempotency_key, metadata, description=description
    )
    return submitted(call, wait, raise_on_failure)


def transfer(
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
) -> Plan[RequestResult]:
    """Move money from one user account to another (``POST /api/wallet/transfer``)."""
    call = protocol.transfer(
        from_account, to_account, asset, amount, description, idempotency_key, metadata
    )
    return submitted(call, wait, raise_on_failure)


def hold(
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
) -> Plan[RequestResult]:
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
    return submitted(call, wait, raise_on_failure)


def capture(
    hold_id: str,
    amount: Money | None = None,
    *,
    description: str | None = None,
    idempotency_key: str | None = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Capture the hold (all of it by default); the rest is released."""
    call = protocol.capture(hold_id, amount, description, idempotency_key)
    return submitted(call, wait, raise_on_failure)


def void(
    hold_id: str,
    *,
    idempotency_key: str | None = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Release the hold without moving money."""
    return submitted(protocol.void(hold_id, idempotency_key), wait, raise_on_failure)


def get_hold(hold_id: str) -> Plan[Hold]:
    """The hold now: ``status`` active, captured, voided or expired."""
    return read(protocol.hold(hold_id), Hold)


def reverse(
    transaction_id: str,
    amount: Money | None = None,
    *,
    reason: str | None = None,
    idempotency_key: str | None = None,
    wait: float | None = None,
    raise_on_failure: bool | None = None,
) -> Plan[RequestResult]:
    """Reverse a transaction (what is left of it by default) with its legs swapped."""
    call = protocol.reversal(transaction_id, amount, reason, idempotency_key)
    return submitted(call, wait, raise_on_failure)


def batch(
    operations: Iterable[Operation | Mapping[str, Any]], wait: float | None = None
) -> Plan[BatchResult]:
    """Submit up to 1,000 operations at once (accepted all or none; each its own
    request). Mappings take ``Operation``'s field names. Failures are returned."""
    call = protocol.batch(operations)
    return lambda engine: engine.batch(call, wait)


def request(
    key: str, wait: float | None = None, *, raise_on_failure: bool | None = None
) -> Plan[RequestResult]:
    """The request under ``key``, after waiting up to ``wait`` s for it to finish."""
    return lambda engine: engine.request(key, wait, raise_on_failure)


def balance(
    account: str, as_of: datetime | str | None = None, *, after: protocol.After = None
) -> Plan[Balances]:
    """The account's balances (``as_of``: posted balances at that instant; ``after``: a
    finished request, or its idempotency key, that they must reflect)."""
    return read(protocol.balance(account, as_of, after), Balances)


def history(
    account: str,
    limit: int | None = None,
    *,
    page_size: int = HISTORY_PAGE,
    after: protocol.After = None,
) -> HistoryWalk:
    """The account's transactions, newest first, at most ``limit`` (all if None),
    fetched ``page_size`` at a time as the iteration goes, following the cursor
    (``after``: a finished request, or its idempotency key, that they must reflect)."""
    return HistoryWalk(account, limit, page_size, after)
