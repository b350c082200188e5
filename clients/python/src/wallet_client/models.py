"""The service's resources as pydantic models: snake_case attributes, camelCase on the wire,
money as ``Decimal``. Fields the service adds later are kept (``extra="allow"``), so an
older client reads a newer service."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic.alias_generators import to_camel

Money = Decimal | int | str
FINISHED = ("completed", "failed")
MAX_DIGITS = 40  # either side of the point: far past any amount the service takes


def amount_text(value: Money) -> str:
    """An amount as the service reads it: a plain decimal string (``Decimal("100")`` ->
    ``"100"``, ``Decimal("1E+2")`` -> ``"100"``). A float is refused: it cannot hold most
    decimal amounts exactly. The service checks the rest (positive, the asset's scale)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"an amount is a Decimal, an int or a str, not {type(value).__name__}")
    try:
        number = value if isinstance(value, Decimal) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"not a decimal amount: {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"not a finite amount: {value!r}")
    exponent = number.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if number.adjusted() > MAX_DIGITS or exponent < -MAX_DIGITS:
        # Written out in plain notation, 1e400000000000 would take 400 TB.
        raise ValueError(f"not an amount: {value!r} has more than {MAX_DIGITS} digits")
    return format(number, "f")


def new_key() -> str:
    return str(uuid.uuid4())


class WalletModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="allow", frozen=True
    )


class Entry(WalletModel):
    account_number: str
    direction: str
    amount: Decimal


class Transaction(WalletModel):
    transaction_id: str
    type: str
    asset_code: str
    amount: Decimal
    account_number: str | None = None
    balance_after: Decimal | None = None
    entries: list[Entry] = []
    description: str | None = None
    metadata: dict[str, Any] = {}
    created_at: datetime | None = None


class RequestError(WalletModel):
    code: str
    message: str = ""


class Hold(WalletModel):
    hold_id: str
    account_number: str
    asset_code: str
    amount: Decimal
    status: str
    expires_at: datetime | None = None
    captured_amount: Decimal | None = None


class RequestResult(WalletModel):
    """A request resource. ``status`` is ``queued``, ``processing``, ``completed`` or
    ``failed``; a completed one has its ``transaction`` (and ``hold`` for a hold), a failed
    one its ``error`` (``INSUFFICIENT_FUNDS``...). Added by the client: ``replayed`` (the
    service already knew this key: an earlier call, or an earlier attempt of this one whose
    answer was lost, recorded it) and ``attempts`` (HTTP calls this result took)."""

    idempotency_key: str
    request_id: str
    type: str
    status: str
    submitted_at: datetime | None = None
    completed_at: datetime | None = None
    transaction: Transaction | None = None
    error: RequestError | None = None
    hold: Hold | None = None
    replayed: bool = False
    attempts: int = 1

    @property
    def finished(self) -> bool:
        return self.status in FINISHED

    @property
    def completed(self) -> bool:
        return self.status == "completed"

    @property
    def failed(self) -> bool:
        return self.status == "failed"


class BatchResult(WalletModel):
    requests: list[RequestResult]

    @property
    def finished(self) -> bool:
        return all(request.finished for request in self.requests)


class AssetBalance(WalletModel):
    """``balance`` is the posted balance; ``held`` and ``available`` (balance - held) come
    from services that have holds, else None."""

    code: str
    name: str = ""
    balance: Decimal
    held: Decimal | None = None
    available: Decimal | None = None


class Balances(WalletModel):
    account_number: str
    balances: list[AssetBalance]

    def __getitem__(self, code: str) -> AssetBalance:
        """``balances["GOLD_COINS"].balance``; KeyError for an asset the account lacks."""
        for balance in self.balances:
            if balance.code == code:
                return balance
        raise KeyError(code)


class HistoryItem(WalletModel):
    """One transaction seen from the account: ``direction`` DEBIT lowers its balance,
    CREDIT raises it; ``amount`` is positive."""

    transaction_id: str
    type: str
    asset_code: str
    amount: Decimal
    direction: str
    balance_after: Decimal | None = None
    description: str | None = None
    metadata: dict[str, Any] = {}
    created_at: datetime | None = None


class Operation(BaseModel):
    """One operation of a batch; its key defaults to a fresh UUID4. Build one with
    ``Operation.topup(...)``, ``.bonus(...)`` or ``.spend(...)``."""

    model_config = ConfigDict(frozen=True)

    type: Literal["topup", "bonus", "spend"]
    account: str
    asset: str
    amount: Annotated[str, BeforeValidator(amount_text)]
    idempotency_key: str = Field(default_factory=new_key)
    metadata: dict[str, Any] | None = None
    reason: str | None = None
    description: str | None = None

    @classmethod
    def topup(cls, account: str, asset: str, amount: Money, **options: Any) -> Operation:
        return cls(type="topup", account=account, asset=asset, amount=amount, **options)

    @classmethod
    def bonus(
        cls, account: str, asset: str, amount: Money, *, reason: str | None = None, **options: Any
    ) -> Operation:
        return cls(
            type="bonus", account=account, asset=asset, amount=amount, reason=reason, **options
        )

    @classmethod
    def spend(
        cls,
        account: str,
        asset: str,
        amount: Money,
        *,
        description: str | None = None,
        **options: Any,
    ) -> Operation:
        return cls(
            type="spend",
            account=account,
            asset=asset,
            amount=amount,
            description=description,
            **options,
        )

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "accountNumber": self.account,
            "assetCode": self.asset,
            "amount": self.amount,
            "idempotencyKey": self.idempotency_key,
        }
        for name in ("metadata", "reason", "description"):
            if getattr(self, name) is not None:
                body[name] = getattr(self, name)
        return body


class HistoryPage(WalletModel):
    account_number: str
    transactions: list[HistoryItem]
    next_cursor: str | None = None
