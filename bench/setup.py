"""A fresh benchmark database: migrated, seeded, with funded load users."""

from decimal import Decimal

from sqlalchemy import text

from bench.load_users import create_load_users
from infra.database_admin import drop_database
from infra.db import make_engine, make_session_factory
from ledger.seed import prepare_wallet_database


def prepare_database(url: str, users: int) -> int:
    """Returns the treasury's GOLD_COINS balance row id (for the raw pgbench scripts)."""
    drop_database(url)
    prepare_wallet_database(url)
    engine = make_engine(url, pool_size=1)
    with make_session_factory(engine).begin() as session:
        create_load_users(session, count=users, gold=Decimal(10_000_000))
        session.execute(text(BENCH_USERS_TABLE))
        treasury = session.scalar(text(TREASURY_GOLD))
    # Statistics and a visibility map for the fresh tables now, not an autovacuum in the
    # middle of the first measured run.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    assert treasury is not None
    return int(treasury)


BENCH_USERS_TABLE = """
CREATE TABLE bench_users AS
SELECT substr(a.account_number, 10)::int AS n, b.id AS balance_id
FROM accounts a JOIN account_balances b ON b.account_id = a.id
JOIN asset_types t ON t.id = b.asset_id
WHERE a.account_number LIKE 'USR-LOAD-%' AND t.code = 'GOLD_COINS';
ALTER TABLE bench_users ADD PRIMARY KEY (n);
"""

TREASURY_GOLD = """
SELECT b.id FROM account_balances b JOIN accounts a ON a.id = b.account_id
JOIN asset_types t ON t.id = b.asset_id
WHERE a.account_number = 'SYS-TREASURY-001' AND t.code = 'GOLD_COINS'
"""
