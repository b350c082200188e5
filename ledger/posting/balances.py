"""The balance rows a posting batch moves money between, keyed by (account number, asset
code), locked with one statement in ascending id order (so concurrent batches never
deadlock), and held, with their running state, until the journal writes them. They exist
from the creation of their account and asset (ledger.seed): posting never inserts one, and
a key without a row says why (an unknown account or asset).
"""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.errors import AccountNotFound, AssetNotFound, BusinessRejection
from ledger.prepared import Prepared
from ledger.rows import select_as, select_list

BalanceKey = tuple[str, str]  # (account number, asset code)


@dataclass(slots=True)
class LockedBalance:
    """A locked balance row, with what the checks need of its account and asset; ``balance``
    and ``held`` are the running values the batch's postings leave."""

    id: int = select_as("b.id")
    account_id: int = select_as("b.account_id")
    asset_id: int = select_as("b.asset_id")
    allow_negative: bool = select_as("b.allow_negative")
    balance: Decimal = select_as("b.balance")
    kind: str = select_as("a.kind")  # the account's
    scale: int = select_as("t.scale")  # the asset's
    held: Decimal = select_as("b.held")  # the sum of the row's active holds
    frozen: bool = select_as("a.status = 'frozen'")  # the account's
    account_number: str = select_as("a.account_number")
    asset_code: str = select_as("t.code")

    @property
    def key(self) -> BalanceKey:
        return (self.account_number, self.asset_code)

    @property
    def available(self) -> Decimal:
        return self.balance - self.held


LOCK_BALANCES = Prepared(
    "wallet_lock_balances",
    f"""
SELECT {select_list(LockedBalance)}
FROM unnest(:numbers, :codes) AS k(account_number, code)
JOIN accounts a ON a.account_number = k.account_number
JOIN asset_types t ON t.code = k.code
JOIN account_balances b ON b.account_id = a.id AND b.asset_id = t.id
ORDER BY b.id FOR UPDATE OF b
""",  # noqa: S608 - the shape's own expressions, no input
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
    locked = (LockedBalance(*row) for row in rows)
    return {balance.key: balance for balance in locked}


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
