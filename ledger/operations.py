"""The operations a game server can request, and which accounts each movement moves between.

DEBIT lowers the debited account's balance and CREDIT raises the credited one, as in the
seed service: a top-up debits SYS-TREASURY-001 and credits the user.

- topup, bonus, spend: the seed's movements between a user and a system account.
- transfer: user -> user (both users, different accounts).
- hold: reserves funds on a user's balance row (``held``); no transaction until captured.
- capture: settles a hold, user -> SYS-REVENUE-001; void releases it; expiry (beat) too.
- reversal: the original transaction's legs swapped, for all or part of its amount.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast

OperationType = Literal[
    "topup", "bonus", "spend", "transfer", "hold", "capture", "void", "reversal"
]
SeedOperationType = Literal["topup", "bonus", "spend"]
SEED_OPERATION_TYPES: tuple[SeedOperationType, ...] = ("topup", "bonus", "spend")
OPERATION_TYPES: tuple[OperationType, ...] = (
    *SEED_OPERATION_TYPES,
    "transfer",
    "hold",
    "capture",
    "void",
    "reversal",
)
# Operations that post no transaction of their own.
WITHOUT_TRANSACTION: tuple[OperationType, ...] = ("hold", "void")


def parse_uuid(value: object) -> uuid.UUID | None:
    """``value`` as a UUID (the ids a payload names), or None if it is not one."""
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


TREASURY = "SYS-TREASURY-001"
BONUS_POOL = "SYS-BONUS-001"
REVENUE = "SYS-REVENUE-001"

# The payload fields an operation cannot do without (ledger.posting.lifecycle refuses to post a
# payload that lacks one, as it refuses one it cannot open).
_AMOUNTED = ("accountNumber", "assetCode", "amount")
REQUIRED_FIELDS: dict[str, tuple[str, ...]] = {
    "topup": _AMOUNTED,
    "bonus": _AMOUNTED,
    "spend": _AMOUNTED,
    "hold": _AMOUNTED,
    "transfer": ("fromAccount", "toAccount", "assetCode", "amount"),
    "capture": ("holdId",),
    "void": ("holdId",),
    "reversal": ("transactionId",),
}

# What a movement says it is for when its body names nothing, as in the seed service.
DEFAULT_DESCRIPTIONS: dict[OperationType, str] = {
    "spend": "In-app purchase",
    "bonus": "Bonus credit",
}

DEFAULT_HOLD_SECONDS = 3600
MAX_HOLD_SECONDS = 604800  # a week


@dataclass(frozen=True)
class Legs:
    debit_account: str
    credit_account: str


def legs_for(operation: OperationType, account_number: str) -> Legs:
    """The legs of a seed movement (top-up, bonus, spend) for the user ``account_number``."""
    if operation == "topup":
        return Legs(debit_account=TREASURY, credit_account=account_number)
    if operation == "bonus":
        return Legs(debit_account=BONUS_POOL, credit_account=account_number)
    return Legs(debit_account=account_number, credit_account=REVENUE)


@dataclass(frozen=True, kw_only=True)
class Movement:
    """One requested operation, as a request's payload keeps it: validated at the edge (the
    API, the seeder), recorded by the inbox (``Submission``), posted by a worker.

    Which fields an operation uses (the others stay None):
    - topup, bonus, spend: ``account_number`` (the user), ``asset_code``, ``amount``;
    - transfer: ``account_number`` (the sender), ``to_account``, ``asset_code``, ``amount``;
    - hold: ``account_number``, ``asset_code``, ``amount``, ``expires_in_seconds``;
    - capture: ``hold_id``, ``amount`` (None: the whole hold); void: ``hold_id``;
    - reversal: ``transaction_id``, ``amount`` (None: what is left), ``description`` (reason).
    Every one may have a ``description``; a spend's and a bonus's default to the seed's.
    """

    type: OperationType
    account_number: str | None = None
    asset_code: str | None = None
    amount: Decimal | None = None
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    to_account: str | None = None
    hold_id: str | None = None
    transaction_id: str | None = None
    expires_in_seconds: int | None = None

    def __post_init__(self) -> None:
        if self.description is None and self.type in DEFAULT_DESCRIPTIONS:
            object.__setattr__(self, "description", DEFAULT_DESCRIPTIONS[self.type])

    def payload(self) -> dict[str, Any]:
        """What the inbox stores (and hashes, to tell a replay from a reused key); the seed
        operations' shape is unchanged."""
        amount = None if self.amount is None else str(self.amount)
        common: dict[str, Any] = {"description": self.description, "metadata": self.metadata}
        if self.type == "transfer":
            parties = {"fromAccount": self.account_number, "toAccount": self.to_account}
            return {**parties, "assetCode": self.asset_code, "amount": amount, **common}
        if self.type in ("capture", "void"):
            return {"holdId": self.hold_id, "amount": amount, **common}
        if self.type == "reversal":
            return {"transactionId": self.transaction_id, "amount": amount, **common}
        payload: dict[str, Any] = {"accountNumber": self.account_number}
        payload |= {"assetCode": self.asset_code, "amount": amount, **common}
        if self.type == "hold":
            payload["expiresInSeconds"] = self.expires_in_seconds or DEFAULT_HOLD_SECONDS
        return payload

    @classmethod
    def from_payload(cls, operation: str, payload: dict[str, Any]) -> "Movement":
        """The movement a stored payload asks for; KeyError for an unknown operation or a
        missing field, ValueError (or decimal's InvalidOperation) for a malformed one."""
        missing = [name for name in REQUIRED_FIELDS[operation] if payload.get(name) is None]
        if missing:
            raise KeyError(f"{operation} payload without {', '.join(missing)}")
        amount = payload.get("amount")
        return cls(
            type=cast(OperationType, operation),
            account_number=payload.get("accountNumber") or payload.get("fromAccount"),
            asset_code=payload.get("assetCode"),
            amount=None if amount is None else Decimal(amount),
            description=payload.get("description"),
            metadata=payload.get("metadata") or {},
            to_account=payload.get("toAccount"),
            hold_id=payload.get("holdId"),
            transaction_id=payload.get("transactionId"),
            expires_in_seconds=payload.get("expiresInSeconds"),
        )
