"""Double-entry posting of many requests in one transaction.

The balance rows the batch touches are locked with one statement, in ascending id order (so
concurrent batches never deadlock); they exist from the creation of their account and asset
(ledger.seed), so posting never inserts one. Each posting is checked against the running
balances in order, so a rejected posting (insufficient funds) leaves the others untouched:
a debited user needs the amount available (posted minus held), and a frozen account refuses
the movements that would take from it (spends, transfers out).
Each accepted posting becomes one transaction with one DEBIT and one CREDIT entry of equal
amount, each entry keeping the balance after it (ledger.journal writes them). A hot system
account's row is updated once per batch, not once per posting: that lifts the hot-row ceiling.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountFrozen,
    AccountNotFound,
    AssetNotFound,
    BusinessRejection,
    InsufficientFunds,
    InvalidAccount,
)
from ledger.journal import Journal, LockedBalance
from ledger.money import format_amount
from ledger.prepared import Prepared

BalanceKey = tuple[str, str]  # (account number, asset code)


@dataclass(slots=True)  # not frozen: built 1,000 times a batch, frozen's __init__ costs more
class Posting:
    """What a request posts: the two balance rows a requested ``Movement`` moves between
    (for a capture or a reversal, found from the hold or the original), and the rules the
    pair must pass. Built by ledger.dispatch; never stored."""

    request_id: str
    type: str
    debit_account: str
    credit_account: str
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    users: tuple[str, ...] = ()  # accounts that must be users' (INVALID_ACCOUNT otherwise)
    refuse_frozen: bool = False  # a frozen debited account refuses it (ACCOUNT_FROZEN)
    check_funds: bool = True  # the debited user needs the amount available
    hold_id: str | None = None  # the hold a capture settles
    reversal_of: str | None = None  # the transaction a reversal reverses


LOCK_BALANCES = Prepared(
    "wallet_lock_balances",
    """
SELECT b.id, b.account_id, b.asset_id, b.allow_negative, b.balance, a.kind, t.scale,
       b.held, a.status = 'frozen', a.account_number, t.code
FROM unnest(:numbers, :codes) AS k(account_number, code)
JOIN accounts a ON a.account_number = k.account_number
JOIN asset_types t ON t.code = k.code
JOIN account_balances b ON b.account_id = a.id AND b.asset_id = t.id
ORDER BY b.id FOR UPDATE OF b
""",
    {"numbers": "text[]", "codes": "text[]"},
)


def lock_parties(
    session: Session, *, keys: set[BalanceKey]
) -> tuple[dict[BalanceKey, LockedBalance], dict[BalanceKey, BusinessRejection]]:
    """Lock the balance rows of ``keys``; say why each key without a row has none."""
    balances = lock_balances(session, keys=keys)
    return balances, missing_parties(session, keys - balances.keys())


def lock_balances(session: Session, *, keys: set[BalanceKey]) -> dict[BalanceKey, LockedBalance]:
    """Lock the balance rows of (account number, asset code) pairs in ascending row id order."""
    if not keys:
        return {}
    numbers, codes = zip(*keys, strict=True)
    rows = LOCK_BALANCES.execute(session, {"numbers": list(numbers), "codes": list(codes)})
    return {(row[9], row[10]): LockedBalance(*row[:9]) for row in rows}


def post_one(
    journal: Journal,
    posting: Posting,
    balances: dict[BalanceKey, LockedBalance],
    missing: dict[BalanceKey, BusinessRejection],
) -> BusinessRejection | None:
    """Check ``posting`` against the running balances and post it, or say why not."""
    code = posting.asset_code
    for number in (posting.debit_account, posting.credit_account):
        if (number, code) in missing:
            return missing[number, code]
    source = balances[posting.debit_account, code]
    destination = balances[posting.credit_account, code]
    rejection = _refusal(posting, source, destination, balances)
    if rejection is None:
        journal.post(posting, source, destination)
    return rejection


def _refusal(
    posting: Posting,
    source: LockedBalance,
    destination: LockedBalance,
    balances: dict[BalanceKey, LockedBalance],
) -> BusinessRejection | None:
    code = posting.asset_code
    for number in posting.users:
        if balances[number, code].kind != "user":
            return InvalidAccount(f"{number} is not a user account")
    if source is destination:
        return InvalidAccount(f"{posting.debit_account} cannot pay itself")
    if posting.refuse_frozen and source.frozen:
        return AccountFrozen(f"{posting.debit_account} is frozen")
    if posting.check_funds and not source.allow_negative and source.available < posting.amount:
        return insufficient(source, posting.debit_account, code, posting.amount)
    return None


def insufficient(
    source: LockedBalance, number: str, code: str, amount: Decimal
) -> InsufficientFunds:
    held = f" ({format_amount(source.held, source.scale)} held)" if source.held else ""
    return InsufficientFunds(
        f"{number} holds {format_amount(source.balance, source.scale)} {code}{held}, "
        f"needs {format_amount(amount, source.scale)}"
    )


def missing_parties(session: Session, keys: set[BalanceKey]) -> dict[BalanceKey, BusinessRejection]:
    """Why these pairs have no balance row: an unknown asset or account (rare: the API
    refuses both before recording a request)."""
    if not keys:
        return {}
    known = session.execute(
        text(
            "SELECT (SELECT array_agg(code) FROM asset_types WHERE code = ANY(:codes)),"
            " (SELECT array_agg(account_number) FROM accounts WHERE account_number = ANY(:numbers))"
        ),
        {"codes": [c for _, c in keys], "numbers": [n for n, _ in keys]},
    ).one()
    assets, accounts = set(known[0] or ()), set(known[1] or ())
    return {(n, c): _why_missing(n, c, assets, accounts) for n, c in keys}


def _why_missing(number: str, code: str, assets: set[str], accounts: set[str]) -> BusinessRejection:
    if code not in assets:
        return AssetNotFound(f"asset {code!r} does not exist")
    if number not in accounts:
        return AccountNotFound(f"account {number!r} does not exist")
    return AccountNotFound(f"account {number!r} has no {code} balance")
