"""Double-entry posting of many movements in one transaction.

The balance rows the batch touches are locked with one statement, in ascending id order (so
concurrent batches never deadlock); they exist from the creation of their account and asset
(ledger.seed), so posting never inserts one. Each movement is checked against the running
balances in order, so a rejected movement (insufficient funds) leaves the others untouched.
Each accepted movement becomes one transaction with one DEBIT and one CREDIT entry of equal
amount, each entry keeping the balance after it (ledger.journal writes them). A hot system
account's row is updated once per batch, not once per movement: that lifts the hot-row ceiling.
"""

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountNotFound,
    AssetNotFound,
    BusinessRejection,
    InsufficientFunds,
    InvalidAccount,
)
from ledger.journal import Journal, LockedBalance
from ledger.money import format_amount
from ledger.operations import Movement
from ledger.prepared import Prepared

BalanceKey = tuple[str, str]  # (account number, asset code)
Posting = tuple[str, Movement]  # a request's id and its movement

LOCK_BALANCES = Prepared(
    "wallet_lock_balances",
    """
SELECT b.id, b.account_id, b.asset_id, b.allow_negative, b.balance, a.kind, t.scale,
       a.account_number, t.code
FROM unnest(:numbers, :codes) AS k(account_number, code)
JOIN accounts a ON a.account_number = k.account_number
JOIN asset_types t ON t.code = k.code
JOIN account_balances b ON b.account_id = a.id AND b.asset_id = t.id
ORDER BY b.id FOR UPDATE OF b
""",
    {"numbers": "text[]", "codes": "text[]"},
)


def post_movements(
    session: Session, *, postings: Sequence[Posting], journal: Journal
) -> list[BusinessRejection | None]:
    """Post each request's movement into ``journal`` or say why not; the result lines up
    with ``postings``."""
    keys = {(n, m.asset_code) for _, m in postings for n in _parties(m)}
    balances = lock_balances(session, keys=keys)
    missing = _missing_parties(session, keys - balances.keys())
    return [_post(journal, posting, balances, missing) for posting in postings]


def lock_balances(session: Session, *, keys: set[BalanceKey]) -> dict[BalanceKey, LockedBalance]:
    """Lock the balance rows of (account number, asset code) pairs in ascending row id order."""
    if not keys:
        return {}
    numbers, codes = zip(*keys, strict=True)
    rows = LOCK_BALANCES.execute(session, {"numbers": list(numbers), "codes": list(codes)})
    return {(row[7], row[8]): LockedBalance(*row[:7]) for row in rows}


def _parties(movement: Movement) -> tuple[str, str]:
    legs = movement.legs
    return legs.debit_account, legs.credit_account


def _post(
    journal: Journal,
    posting: Posting,
    balances: dict[BalanceKey, LockedBalance],
    missing: dict[BalanceKey, BusinessRejection],
) -> BusinessRejection | None:
    request_id, movement = posting
    code, (debit, credit) = movement.asset_code, _parties(movement)
    for number in (debit, credit):
        if (number, code) in missing:
            return missing[number, code]
    source, destination = balances[debit, code], balances[credit, code]
    if balances[movement.account_number, code].kind != "user" or source is destination:
        return InvalidAccount(f"{movement.account_number} is not a user account")
    if not source.allow_negative and source.balance < movement.amount:
        return InsufficientFunds(
            f"{debit} holds {format_amount(source.balance, source.scale)} "
            f"{code}, needs {format_amount(movement.amount, source.scale)}"
        )
    journal.post(request_id, movement, source, destination)
    return None


def _missing_parties(
    session: Session, keys: set[BalanceKey]
) -> dict[BalanceKey, BusinessRejection]:
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
