"""Seed data of the original service, posted as ordinary ledger transactions. Idempotent.

Run: ``python -m ledger.seed`` (uses DATABASE_URL).
"""

from decimal import Decimal

from sqlalchemy import literal, select, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ledger.inbox import Submission, record_request
from ledger.models import Account, AccountBalance, AssetType
from ledger.processing import process_request

SEED_CLIENT = "seed"
ASSETS = [
    ("GOLD_COINS", "Gold Coins"),
    ("DIAMONDS", "Diamonds"),
    ("LOYALTY_POINTS", "Loyalty Points"),
]
SYSTEM_ACCOUNTS = [
    ("SYS-TREASURY-001", "Treasury"),
    ("SYS-REVENUE-001", "Revenue"),
    ("SYS-BONUS-001", "Bonus Pool"),
]
USERS = [
    ("USR-001", "Alice Johnson"),
    ("USR-002", "Bob Smith"),
    ("USR-003", "Charlie Davis"),
]
OPENING_BALANCES = {
    "GOLD_COINS": Decimal(100),
    "DIAMONDS": Decimal(50),
    "LOYALTY_POINTS": Decimal(500),
}


def seed(session: Session) -> None:
    session.execute(
        insert(AssetType)
        .values([{"code": code, "name": name, "scale": 2} for code, name in ASSETS])
        .on_conflict_do_nothing(index_elements=["code"])
    )
    accounts = [(number, name, "system") for number, name in SYSTEM_ACCOUNTS]
    accounts += [(number, name, "user") for number, name in USERS]
    create_accounts(session, accounts=accounts)
    open_balance_rows(session)
    for number, _ in USERS:
        for asset_code, amount in OPENING_BALANCES.items():
            open_balance(session, number, asset_code, amount)


def create_accounts(session: Session, *, accounts: list[tuple[str, str, str]]) -> None:
    """Create missing (account_number, name, kind) accounts; system accounts may go negative."""
    session.execute(
        insert(Account)
        .values(
            [
                {
                    "account_number": n,
                    "name": name,
                    "kind": kind,
                    "allow_negative": kind == "system",
                }
                for n, name, kind in accounts
            ]
        )
        .on_conflict_do_nothing(index_elements=["account_number"])
    )


def open_balance_rows(session: Session) -> None:
    """Give every account a zero balance row for every asset it lacks one for."""
    session.execute(
        insert(AccountBalance)
        .from_select(
            ["account_id", "asset_id", "allow_negative", "balance"],
            select(Account.id, AssetType.id, Account.allow_negative, literal(0)).join(
                AssetType, true()
            ),
        )
        .on_conflict_do_nothing(constraint="uq_balance_account_asset")
    )


def open_balance(session: Session, account_number: str, asset_code: str, amount: Decimal) -> None:
    """Fund a user from the treasury once (keyed by account and asset), as a posted top-up."""
    submission = Submission(
        client_id=SEED_CLIENT,
        idempotency_key=f"opening:{account_number}:{asset_code}",
        type="topup",
        account_number=account_number,
        asset_code=asset_code,
        amount=amount,
        description="Opening balance",
    )
    recorded = record_request(session, submission=submission)
    process_request(session, request_id=recorded.request.id, max_attempts=1)


def main() -> None:
    from ledger.db import make_engine, make_session_factory
    from ledger.settings import get_settings

    engine = make_engine(get_settings().database_url, pool_size=1)
    with make_session_factory(engine).begin() as session:
        seed(session)
    engine.dispose()
    print("seeded")


if __name__ == "__main__":
    main()
