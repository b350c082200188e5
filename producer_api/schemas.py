"""Pydantic models of the HTTP contract the API owns: request bodies and query strings in,
a batch's answer and problems out (camelCase JSON). The resources it reads out of the
ledger are the ledger's own read models (ledger.views), served as they are."""

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic.alias_generators import to_camel

from ledger.views import RequestView, field_title, model_title
from producer_api.fields import (
    AccountNumber,
    Amount,
    AssetCode,
    IdempotencyKey,
    PreferWait,
    Text,
)
from producer_api.metadata import checked_metadata

BATCH_MAX_OPERATIONS = 1000


class ReadableModel(BaseModel):
    """Titles for people in the OpenAPI description, as the ledger's read models have them."""

    model_config = ConfigDict(field_title_generator=field_title, model_title_generator=model_title)


class CamelModel(ReadableModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class SubmitBody(CamelModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    # The examples name seeded data, so generated calls (schemathesis) can also succeed.
    account_number: AccountNumber = Field(examples=["USR-003"])
    asset_code: AssetCode = Field(examples=["GOLD_COINS"])
    amount: Amount = Field(examples=["1.00"])
    idempotency_key: IdempotencyKey | None = Field(default=None, examples=["order-1234"])
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def metadata_is_small_shallow_and_exact(cls, value: dict[str, Any]) -> dict[str, Any]:
        return checked_metadata(value)

    def memo(self) -> str | None:
        return None


class TopupBody(SubmitBody):
    pass


class BonusBody(SubmitBody):
    reason: Text = Field(examples=["Daily login bonus"])

    def memo(self) -> str | None:
        return self.reason


class SpendBody(SubmitBody):
    description: Text = Field(examples=["Purchased sword"])

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

    def repeated_keys(self) -> list[int]:
        """Indexes of the operations whose idempotency key an earlier one already names."""
        seen: set[str] = set()
        repeated = []
        for index, operation in enumerate(self.operations):
            if operation.idempotency_key in seen:
                repeated.append(index)
            seen.add(operation.idempotency_key)
        return repeated


class BatchOut(CamelModel):
    requests: list[RequestView]


class HistoryQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    limit: int = Field(default=10, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=64)] | None = None


class WaitQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    wait: float = Field(default=0, ge=0, le=30, allow_inf_nan=False)


class AccountPath(CamelModel):
    account_number: AccountNumber = Field(examples=["USR-001"])


class KeyPath(CamelModel):
    key: IdempotencyKey = Field(examples=["spend-1"])


class WaitHeaders(ReadableModel):
    """Documented here, read by producer_api.body."""

    prefer: PreferWait | None = Field(
        default=None,
        alias="Prefer",
        description="wait=N: hold the call up to N seconds (at most 30) for the outcome",
    )


class SubmitHeaders(WaitHeaders):
    idempotency_key: IdempotencyKey | None = Field(
        default=None,
        alias="Idempotency-Key",
        description="the idempotency key, if the body has no idempotencyKey (same if both)",
    )


class FieldErrorOut(ReadableModel):
    field: str
    message: str
    type: str | None = None


class ProblemOut(ReadableModel):
    """RFC 9457 problem details, plus a machine-readable ``code``."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str
    errors: list[FieldErrorOut] | None = None
