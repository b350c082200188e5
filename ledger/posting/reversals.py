"""Reversals: a ``reversal`` transaction with the original's legs swapped, for all of what is
left of the original or part of it, linked by ``reversal_of``.

- The sum reversed never exceeds the original (REVERSAL_EXCEEDS_ORIGINAL; nothing left is
  the same code). Concurrent reversals of one original are serialized by locking the
  original's row (FOR UPDATE, after the request rows, before any balance row); its
  ``reversed_amount`` grows in the same transaction, and a CHECK bounds it by ``amount``.
- The account the reversal debits needs the amount available (posted minus held): reversing
  a top-up the user already spent fails INSUFFICIENT_FUNDS.
- A frozen account refuses every movement out, a reversal's too (ACCOUNT_FROZEN): a reversal
  that debits a frozen user (of a top-up, or of a transfer into it) waits for the unfreeze;
  one that credits a frozen account (of its spend) is allowed, as it still receives.
- A reversal cannot be reversed (INVALID_REVERSAL): reverse less of the original instead.
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import (
    BusinessRejection,
    InvalidReversal,
    ReversalExceedsOriginal,
    TransactionNotFound,
)
from ledger.money import format_amount
from ledger.operations import OperationType
from ledger.posting.balances import BalanceKey, LockedBalance
from ledger.posting.journal import Journal
from ledger.posting.journal_extras import ReversedAmount
from ledger.posting.posting import Posting, post_one
from ledger.prepared import lock_by_id
from ledger.rows import select_as, select_list


@dataclass(frozen=True)
class Reverse:
    request_id: str
    transaction_id: str
    amount: Decimal | None = None  # None: what is left
    description: str | None = None  # the reason


@dataclass
class LockedOriginal:
    id: str = select_as("CAST(t.id AS text)")
    type: str = select_as("t.type")
    amount: Decimal = select_as("t.amount")
    reversed: Decimal = select_as("t.reversed_amount")
    debit_account: str = select_as("d.account_number")
    credit_account: str = select_as("c.account_number")
    asset_code: str = select_as("s.code")
    scale: int = select_as("s.scale")

    def keys(self) -> set[BalanceKey]:
        return {(self.debit_account, self.asset_code), (self.credit_account, self.asset_code)}


LOCK_ORIGINALS = text(f"""
SELECT {select_list(LockedOriginal)}
FROM transactions t
JOIN ledger_entries de ON de.transaction_id = t.id AND de.direction = 'DEBIT'
JOIN ledger_entries ce ON ce.transaction_id = t.id AND ce.direction = 'CREDIT'
JOIN accounts d ON d.id = de.account_id
JOIN accounts c ON c.id = ce.account_id
JOIN asset_types s ON s.id = de.asset_id
WHERE t.id = ANY(CAST(:ids AS uuid[])) ORDER BY t.id FOR UPDATE OF t
""")  # noqa: S608 - the shape's own expressions, no input


def lock_originals(session: Session, *, ids: set[str]) -> dict[str, LockedOriginal]:
    """Lock these transactions in ascending id order; unknown ids are left out."""
    return lock_by_id(session, LOCK_ORIGINALS, ids=ids, make=LockedOriginal)


def reverse(
    journal: Journal,
    reversal: Reverse,
    originals: dict[str, LockedOriginal],
    balances: dict[BalanceKey, LockedBalance],
    missing: dict[BalanceKey, BusinessRejection],
) -> BusinessRejection | None:
    original = originals.get(reversal.transaction_id)
    if original is None:
        return TransactionNotFound(f"transaction {reversal.transaction_id!r} does not exist")
    if original.type == OperationType.REVERSAL:
        return InvalidReversal(f"transaction {original.id} is a reversal; it cannot be reversed")
    left = original.amount - original.reversed
    amount = left if reversal.amount is None else reversal.amount
    if left <= 0 or amount > left:
        return ReversalExceedsOriginal(
            f"transaction {original.id} has {format_amount(left, original.scale)} "
            f"{original.asset_code} left to reverse"
        )
    swapped = Posting(
        request_id=reversal.request_id,
        type=OperationType.REVERSAL,
        debit_account=original.credit_account,
        credit_account=original.debit_account,
        asset_code=original.asset_code,
        amount=amount,
        description=reversal.description,
        reversal_of=original.id,
        refuse_frozen=OperationType.REVERSAL.spec.refuses_frozen,
    )
    rejection = post_one(journal, swapped, balances, missing)
    if rejection is None:
        original.reversed += amount
        journal.extras.reversed[original.id] = ReversedAmount(original.id, original.reversed)
    return rejection
