"""The three movements a game server can request, and which accounts each one moves between.

DEBIT lowers the debited account's balance and CREDIT raises the credited one, as in the
seed service: a top-up debits SYS-TREASURY-001 and credits the user.
"""

from dataclasses import dataclass
from typing import Literal

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
