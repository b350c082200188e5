"""The three movements a game server can request, and which accounts each one moves between.

DEBIT lowers the debited account's balance and CREDIT raises the credited one, as in the
seed service: a top-up debits SYS-TREASURY-001 and credits the user.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, cast

OperationType = Literal["topup", "bonus", "spend"]
OPERATION_TYPES: tuple[OperationType, ...] = ("topup", "bonus", "spend")

TREASURY = "SYS-TREASURY-001"
BONUS_POOL = "SYS-BONUS-001"
REVENUE = "SYS-REVENUE-001"


@dataclass(frozen=True)
class Legs:
    debit_account: str
    credit_account: str


def legs_for(operation: OperationType, account_number: str) -> Legs:
    if operation == "topup":
        return Legs(debit_account=TREASURY, credit_account=account_number)
    if operation == "bonus":
        return Legs(debit_account=BONUS_POOL, credit_account=account_number)
    return Legs(debit_account=account_number, credit_account=REVENUE)


@dataclass(frozen=True, kw_only=True)
class Movement:
    """One money movement, as a request's payload keeps it: validated at the edge (the API,
    the seeder), recorded by the inbox (``Submission``), posted by a worker."""

    type: OperationType
    account_number: str  # the user's: the other leg is a system account
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def legs(self) -> Legs:
        return legs_for(self.type, self.account_number)

    def payload(self) -> dict[str, Any]:
        """What the inbox stores (and hashes, to tell a replay from a reused key)."""
        return {
            "accountNumber": self.account_number,
            "assetCode": self.asset_code,
            "amount": str(self.amount),
            "description": self.description,
            "metadata": self.metadata,
        }

    @classmethod
    def from_payload(cls, operation: str, payload: dict[str, Any]) -> "Movement":
        return cls(
            type=cast(OperationType, operation),
            account_number=payload["accountNumber"],
            asset_code=payload["assetCode"],
            amount=Decimal(payload["amount"]),
            description=payload.get("description"),
            metadata=payload.get("metadata") or {},
        )
