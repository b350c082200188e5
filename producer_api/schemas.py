"""Pydantic models of the HTTP contract: request bodies in, resources out (camelCase JSON)."""

import json
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from ledger.money import MAX_AMOUNT

METADATA_MAX_BYTES = 4096
METADATA_MAX_DEPTH = 5
BATCH_MAX_OPERATIONS = 1000

IdempotencyKey = Annotated[
    str, StringConstraints(min_length=1, max_length=255, pattern=r"^[\x20-\x7e]+$")
]
AccountNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
AssetCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Z0-9_]+$")]
Amount = Annotated[Decimal, Field(gt=0, lt=MAX_AMOUNT, allow_inf_nan=False)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=500, strip_whitespace=True)]


class CamelModel(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class SubmitBody(CamelModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    account_number: AccountNumber
    asset_code: AssetCode
    amount: Amount
    idempotency_key: IdempotencyKey | None = None
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def metadata_is_small_and_shallow(cls, value: dict[str, Any]) -> dict[str, Any]:
        if _depth(value) > METADATA_MAX_DEPTH:
            raise ValueError(f"metadata nests deeper than {METADATA_MAX_DEPTH} levels")
        if len(json.dumps(value, default=str)) > METADATA_MAX_BYTES:
            raise ValueError(f"metadata is larger than {METADATA_MAX_BYTES} bytes")
        cleaned: dict[str, Any] = _without_decimals(value)
        return cleaned

    def memo(self) -> str | None:
        return None


class TopupBody(SubmitBody):
    pass


class BonusBody(SubmitBody):
    reason: Text

    def memo(self) -> str | None:
        return self.reason


class SpendBody(SubmitBody):
    description: Text

    def memo(self) -> str | None:
        return self.description


class BatchTopup(TopupBody):
    type: Literal["topup"]
    idempotency_key: IdempotencyKey


class BatchBonus(BonusBody):
    type: Literal["bonus"]
    idempotency_key: IdempotencyKey


class BatchSpend(SpendBody):
    type: Literal["spend"]
    idempotency_key: IdempotencyKey


BatchOperation = Annotated[BatchTopup | BatchBonus | BatchSpend, Field(discriminator="type")]


class BatchBody(CamelModel):
    model_config = ConfigDict(extra="forbid")
    operations: list[BatchOperation] = Field(min_length=1, max_length=BATCH_MAX_OPERATIONS)


class BalanceOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name: str
    balance: Decimal


class AccountBalancesOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    account_number: str
    balances: list[BalanceOut]


class EntryOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    account_number: str
    direction: str
    amount: Decimal


class TransactionOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    transaction_id: uuid.UUID
    type: str
    account_number: str
    asset_code: str
    amount: Decimal
    balance_after: Decimal
    entries: list[EntryOut]
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


class ErrorOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    message: str


class RequestOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    idempotency_key: str
    request_id: uuid.UUID
    type: str
    status: str
    submitted_at: datetime
    completed_at: datetime | None
    transaction: TransactionOut | None
    error: ErrorOut | None


class BatchOut(CamelModel):
    requests: list[RequestOut]


class HistoryItemOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    transaction_id: uuid.UUID
    type: str
    asset_code: str
    amount: Decimal
    direction: str
    balance_after: Decimal
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


class HistoryOut(CamelModel):
    model_config = ConfigDict(from_attributes=True)
    account_number: str
    transactions: list[HistoryItemOut]
    next_cursor: str | None


class HistoryQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=10, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=64)] | None = None


class WaitQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    wait: float = Field(default=0, ge=0, le=30)


class FieldErrorOut(BaseModel):
    field: str
    message: str
    type: str | None = None


class ProblemOut(BaseModel):
    """RFC 9457 problem details, plus a machine-readable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[FieldErrorOut] | None = None


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


def _without_decimals(value: Any) -> Any:
    """Metadata is opaque client data stored as JSONB: its numbers are kept as JSON numbers."""
    if isinstance(value, dict):
        return {k: _without_decimals(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_decimals(v) for v in value]
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value
