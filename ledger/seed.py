"""Seed data of the original service, posted as ordinary ledger transactions. Idempotent.

Run: ``python -m ledger.seed`` (uses DATABASE_URL); ``prepare_wallet_database`` creates,
migrates and seeds a database in one call (make run, the tests, the bench). ``migrate`` and
``alembic_config`` run the ledger's migrations (alembic.ini: ledger/migrations, which import
ledger.models) and live here, beside their models; creating and dropping a database is
infra's (infra.database_admin).
"""

from decimal import Decimal
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import ColumnElement, literal, select, text, true
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from infra.database_admin import create_database_if_missing
from infra.db import make_engine, make_session_factory
from infra.sealing import PLAIN
from ledger.inbox.requests import record_requests
from ledger.inbox.submission import Submission
from ledger.models import Account, AccountBalance, AssetType
from ledger.operations import OperationType
from ledger.posting.lifecycle import process_requests

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"
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
    create_assets(session, assets=[(code, name, 2) for code, name in ASSETS])
    accounts = [(number, name, "system") for number, name in SYSTEM_ACCOUNTS]
    accounts += [(number, name, "user") for number, name in USERS]
    create_accounts(session, accounts=accounts)
    fund(
        session,
        amounts=[(n, code, amount) for n, _ in USERS for code, amount in OPENING_BALANCES.items()],
    )


def create_assets(session: Session, *, assets: list[tuple[str, str, int]]) -> list[int]:
    """Create missing (code, name, scale) assets, each with a zero balance row per account;
    return the new assets' ids."""
    lock_catalog(session)
    created = session.scalars(
        insert(AssetType)
        .values([{"code": code, "name": name, "scale": scale} for code, name, scale in assets])
        .on_conflict_do_nothing(index_elements=["code"])
        .returning(AssetType.id)
    ).all()
    if created:
        open_balance_rows(session, where=AssetType.id.in_(created))
    return list(created)


def create_accounts(session: Session, *, accounts: list[tuple[str, str, str]]) -> list[int]:
    """Create missing (account_number, name, kind) accounts, each with a zero balance row per
    asset; system accounts may go negative. Return the new accounts' ids.

    Balance rows are born with their account (and asset): posting only ever locks existing
    rows, in id order, so two postings never race to create the same row (a deadlock).
    """
    lock_catalog(session)
    created = session.scalars(
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
        .returning(Account.id)
    ).all()
    if created:
        open_balance_rows(session, where=Account.id.in_(created))
    return list(created)


def lock_catalog(session: Session) -> None:
    """Serialize account and asset creations (until commit): an account created while an
    asset is would otherwise miss that asset's balance row, each insert blind to the other."""
    session.execute(text("SELECT pg_advisory_xact_lock(hashtext('wallet:catalog'))"))


def open_balance_rows(session: Session, *, where: ColumnElement[bool] | None = None) -> None:
    """Give every (account, asset) pair matching ``where`` (all pairs if None) the zero
    balance row it lacks, in one statement."""
    pairs = select(Account.id, AssetType.id, Account.allow_negative, literal(0)).join(
        AssetType, true()
    )
    if where is not None:
        pairs = pairs.where(where)
    session.execute(
        insert(AccountBalance)
        .from_select(["account_id", "asset_id", "allow_negative", "balance"], pairs)
        .on_conflict_do_nothing(constraint="uq_balance_account_asset")
    )


def fund(session: Session, *, amounts: list[tuple[str, str, Decimal]]) -> None:
    """Fund users from the treasury once per (account, asset), as posted top-ups."""
    submissions = [
        Submission(
            client_id=SEED_CLIENT,
            idempotency_key=f"opening:{number}:{asset_code}",
            type=OperationType.TOPUP,
            account_number=number,
            asset_code=asset_code,
            amount=amount,
            description="Opening balance",
        )
        for number, asset_code, amount in amounts
    ]
    recorded = record_requests(session, submissions=submissions, sealer=PLAIN)
    new = [r.request.id for r in recorded if r.created]
    process_requests(session, request_ids=new, max_attempts=1, sealer=PLAIN)


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration (alembic.ini: ledger/migrations) for ``database_url``, leaving
    the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config


def migrate(database_url: str) -> None:
    """Migrate the database to the newest revision (ledger/migrations)."""
    command.upgrade(alembic_config(database_url), "head")


def prepare_wallet_database(database_url: str) -> bool:
    """Create the database if missing, migrate it to head and seed it (idempotent); return
    True if it had to be created."""
    created = create_database_if_missing(database_url)
    migrate(database_url)
    engine = make_engine(database_url, pool_size=1)
    with make_session_factory(engine).begin() as session:
        seed(session)
    engine.dispose()
    return created


def main() -> None:
    from infra.settings import get_settings

    engine = make_engine(get_settings().database_url, pool_size=1)
    with make_session_factory(engine).begin() as session:
        seed(session)
    engine.dispose()
    print("seeded")


if __name__ == "__main__":
    main()
