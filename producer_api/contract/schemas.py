"""Pydantic models of the HTTP contract the API owns: request bodies and query strings in,
a batch's answer out (camelCase JSON; problems: producer_api.http.problems). The resources it
reads out of the ledger are the ledger's own read models (ledger.reads.views), served as
they are."""

import uuid
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic.alias_generators import to_camel

from ledger.operations import OperationType
from ledger.reads.views import RequestView, field_title, model_title
from producer_api.contract.fields import (
    AccountNumber,
    Amount,
    AssetCode,
    IdempotencyKey,
    PreferWait,
    Text,
)
from producer_api.contract.metadata import checked_metadata

BATCH_MAX_OPERATIONS = 1000


class ReadableModel(BaseModel):
    """Titles for people in the OpenAPI description, as the ledger's read models have them."""

    model_config = ConfigDict(field_title_generator=field_title, model_title_generator=model_title)


class CamelModel(ReadableModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class KeyedBody(CamelModel):
    """What every submit body has: the idempotency key, unless the Idempotency-Key header
    brings it. ``movement`` gives the ``Movement`` fields the body (and the path) name."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    idempotency_key: IdempotencyKey | None = Field(default=None, examples=["order-1234"])

    def movement(self, **path: str) -> dict[str, Any]:
        return {}

    def charged_account(self) -> str | None:
        """The account whose rate limit the call is charged to (None: the key's only)."""
        return None


class MovingBody(KeyedBody):
    """A body that moves an amount of an asset, with the caller's metadata."""

    # The examples name seeded data, so generated calls (schemathesis) can also succeed.
    asset_code: AssetCode = Field(examples=["GOLD_COINS"])
    amount: Amount = Field(examples=["1.00"])
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("metadata")
    @classmethod
    def metadata_is_small_shallow_and_exact(cls, value: dict[str, Any]) -> dict[str, Any]:
        return checked_metadata(value)

    def movement(self, **path: str) -> dict[str, Any]:
        return {"asset_code": self.asset_code, "amount": self.amount, "metadata": self.metadata}


# Every movement may say what it is for; a spend and a bonus that do not are given the seed
# service's words (their ``default_description`` in ledger.operations.SPECS).
DESCRIPTION = "what the movement is for, shown in history"


def described(reason: str | None, info: ValidationInfo) -> str | None:
    """A ``reason`` that agrees with the body's ``description``: the two name one text (the
    seed's word for a bonus, this API's for every movement), so two different texts are
    refused rather than one silently dropped."""
    description = info.data.get("description")
    if reason is not None and description is not None and reason != description:
        raise ValueError("reason and description are the same text: send one, or both equal")
    return reason


class SubmitBody(MovingBody):
    account_number: AccountNumber = Field(examples=["USR-003"])
    description: Text | None = Field(default=None, description=DESCRIPTION)

    def memo(self) -> str | None:
        return self.description

    def movement(self, **path: str) -> dict[str, Any]:
        mine = {"account_number": self.account_number, "description": self.memo()}
        return super().movement() | mine

    def charged_account(self) -> str | None:
        return self.account_number


class TopupBody(SubmitBody):
    pass


class BonusBody(SubmitBody):
    reason: Text | None = Field(
        default=None, examples=["Daily login bonus"], description="the seed's description"
    )
    reason_agrees = field_validator("reason")(described)

    def memo(self) -> str | None:
        return self.reason or self.description


class SpendBody(SubmitBody):
    description: Text | None = Field(
        default=None, examples=["Purchased sword"], description=DESCRIPTION
    )


class TransferBody(MovingBody):
    from_account: AccountNumber = Field(examples=["USR-001"])
    to_account: AccountNumber = Field(examples=["USR-002"])
    description: Text | None = Field(default=None, examples=["Gift"], description=DESCRIPTION)

    def movement(self, **path: str) -> dict[str, Any]:
        parties = {"account_number": self.from_account, "to_account": self.to_account}
        return super().movement() | parties | {"description": self.description}

    def charged_account(self) -> str | None:
        return self.from_account


class HoldBody(SubmitBody):
    description: Text | None = Field(
        default=None, examples=["Tournament entry"], description=DESCRIPTION
    )
    # Checked by the ledger (INVALID_EXPIRY): 1..604800 seconds, 3600 if not given.
    expires_in_seconds: int | None = Field(default=None, examples=[3600])

    def movement(self, **path: str) -> dict[str, Any]:
        return super().movement() | {"expires_in_seconds": self.expires_in_seconds}


class CaptureBody(KeyedBody):
    amount: Amount | None = Field(default=None, examples=["20.00"])  # None: the whole hold
    description: Text | None = Field(
        default=None, examples=["Tournament entry fee"], description=DESCRIPTION
    )

    def movement(self, **path: str) -> dict[str, Any]:
        return {"hold_id": path["hold_id"], "amount": self.amount, "description": self.description}


class VoidBody(KeyedBody):
    def movement(self, **path: str) -> dict[str, Any]:
        return {"hold_id": path["hold_id"]}


class ReversalBody(KeyedBody):
    transaction_id: uuid.UUID
    amount: Amount | None = Field(default=None, examples=["10.00"])  # None: what is left
    description: Text | None = Field(default=None, description=DESCRIPTION)
    reason: Text | None = Field(default=None, examples=["Refund"], description="its description")
    reason_agrees = field_validator("reason")(described)

    def movement(self, **path: str) -> dict[str, Any]:
        fields = {"transaction_id": str(self.transaction_id), "amount": self.amount}
        return fields | {"description": self.reason or self.description}


class BatchTopup(TopupBody):
    type: Literal[OperationType.TOPUP]
    idempotency_key: IdempotencyKey


class BatchBonus(BonusBody):
    type: Literal[OperationType.BONUS]
    idempotency_key: IdempotencyKey


class BatchSpend(SpendBody):
    type: Literal[OperationType.SPEND]
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


AFTER = (
    "the idempotency key of a finished request of yours: the answer reflects it (read from "
    "the replica once it has replayed it, else from the primary); 409 if it is not finished"
)


class AccountHistoryQuery(HistoryQuery):
    after: IdempotencyKey | None = Field(default=None, description=AFTER)


class BalanceQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    as_of: AwareDatetime | None = None  # RFC 3339, with its offset
    after: IdempotencyKey | None = Field(default=None, description=AFTER)


class AccountBody(CamelModel):
    model_config = ConfigDict(extra="forbid")
    account_number: AccountNumber = Field(examples=["USR-004"])
    name: Text = Field(examples=["Dana Evans"])


class AssetBody(CamelModel):
    model_config = ConfigDict(extra="forbid")
    code: AssetCode = Field(examples=["RUBIES"])
    name: Text = Field(examples=["Rubies"])
    scale: int = Field(examples=[2])  # 0..8, checked by the ledger (INVALID_SCALE)


class WaitQuery(CamelModel):
    model_config = ConfigDict(extra="forbid")
    wait: float = Field(default=0, ge=0, le=30, allow_inf_nan=False)


class AccountPath(CamelModel):
    account_number: AccountNumber = Field(examples=["USR-001"])


class HoldPath(CamelModel):
    hold_id: uuid.UUID


class KeyPath(CamelModel):
    key: IdempotencyKey = Field(examples=["spend-1"])


class WaitHeaders(ReadableModel):
    """Documented here, read by producer_api.http.body."""

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
