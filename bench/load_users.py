"""Load users for the benchmark: USR-LOAD-000001.., each funded like a seed user, created with
the ledger's own account and funding functions. Idempotent."""

from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.seed import create_accounts, fund

CHUNK = 1000


def create_load_users(session: Session, *, count: int, gold: Decimal) -> list[str]:
    """USR-LOAD-000001.. for load tests, each funded with ``gold`` GOLD_COINS."""
    numbers = [f"USR-LOAD-{i:06d}" for i in range(1, count + 1)]
    for start in range(0, count, CHUNK):
        chunk = numbers[start : start + CHUNK]
        create_accounts(session, accounts=[(n, f"Load user {n[-6:]}", "user") for n in chunk])
        fund(session, amounts=[(n, "GOLD_COINS", gold) for n in chunk])
    return numbers
