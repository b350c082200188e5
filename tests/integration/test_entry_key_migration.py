"""Migrations 0006 and 0007 (issue 10): ledger_entries' three keys become fk_entry_balance, on a
database that already holds entries, and a failure at either step leaves a version a re-run
resumes from (each revision commits with its own version bump)."""

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError, OperationalError

from infra.db import make_session_factory
from ledger.seed import seed

OLD_KEYS = {
    "ledger_entries_balance_id_fkey",
    "ledger_entries_account_id_fkey",
    "ledger_entries_asset_id_fkey",
}

USER_GOLD = """(SELECT b.id FROM account_balances b JOIN accounts a ON a.id = b.account_id
               JOIN asset_types t ON t.id = b.asset_id
               WHERE a.account_number = 'USR-003' AND t.code = 'GOLD_COINS')"""
TREASURY = "(SELECT id FROM accounts WHERE account_number = 'SYS-TREASURY-001')"

REQUEST, TRANSACTION = (
    "00000000-0000-0000-0000-00000000000a",
    "00000000-0000-0000-0000-00000000000b",
)


def plant(debit_balance: str, debit_account: str) -> list[str]:
    """A balanced transaction of 1 gold: a credit on USR-003's gold balance row and a debit on
    ``debit_balance`` naming ``debit_account``."""
    return [
        f"""INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash,
            status, attempts)
            VALUES ('{REQUEST}', 'sql', 'planted', 'topup', '{{}}', 'x', 'completed', 1)""",
        f"""INSERT INTO transactions (id, request_id, type, amount, metadata)
            VALUES ('{TRANSACTION}', '{REQUEST}', 'topup', 1, '{{}}')""",
        f"""INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id,
            direction, amount, balance_after)
            SELECT '{TRANSACTION}'::uuid, {debit_balance}, {debit_account}, b.asset_id, 'DEBIT',
                   1, b.balance
            FROM account_balances b WHERE b.id = {USER_GOLD}
            UNION ALL
            SELECT '{TRANSACTION}'::uuid, b.id, b.account_id, b.asset_id, 'CREDIT', 1, b.balance
            FROM account_balances b WHERE b.id = {USER_GOLD}""",
    ]


# The debit names the treasury's account instead of its balance row's: the old keys accept it
# (the account exists), fk_entry_balance does not, and 0006's pre-check finds it.
PLANT_MISMATCH = plant("b.id", TREASURY)
# The debit names a balance row that does not exist, written with the old keys off: 0006's
# pre-check (a join to the balance rows) does not see it, 0007's validation does.
PLANT_ORPHAN = [
    "SET LOCAL session_replication_role = replica",
    *plant("(SELECT max(id) + 1000 FROM account_balances)", "b.account_id"),
]
# Entries are append-only (a trigger); with the session as a replica, triggers, RI checks
# included, do not fire.
REMOVE_PLANTED = [
    "SET LOCAL session_replication_role = replica",
    f"DELETE FROM ledger_entries WHERE transaction_id = '{TRANSACTION}'",
]


@pytest.fixture
def config(empty_config: Config) -> Config:
    return empty_config


@pytest.fixture
def db(empty_engine: Engine) -> Engine:
    return empty_engine


def head(config: Config) -> str:
    current = ScriptDirectory.from_config(config).get_current_head()
    assert current is not None
    return current


def version(engine: Engine) -> str:
    with engine.connect() as connection:
        return str(connection.scalar(text("SELECT version_num FROM alembic_version")))


def entry_keys(engine: Engine) -> dict[str, bool]:
    """ledger_entries' foreign keys but transaction_id's: name -> validated."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                """SELECT conname, convalidated FROM pg_constraint
                   WHERE conrelid = 'ledger_entries'::regclass AND contype = 'f'
                     AND conname <> 'ledger_entries_transaction_id_fkey'"""
            )
        )
        return {name: validated for name, validated in rows}


def has_balance_target(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text(
                    "SELECT EXISTS (SELECT 1 FROM pg_constraint"
                    " WHERE conname = 'uq_balance_id_account_asset')"
                )
            )
        )


def all_validated(engine: Engine) -> bool:
    with engine.connect() as connection:
        return bool(
            connection.scalar(
                text("SELECT NOT EXISTS (SELECT 1 FROM pg_constraint WHERE NOT convalidated)")
            )
        )


def entry_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM ledger_entries")) or 0)


def sql(engine: Engine, statements: list[str]) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


def seeded_at(config: Config, engine: Engine, revision: str) -> None:
    """Migrate to ``revision`` and post the seed's opening balances (ledger entries)."""
    command.upgrade(config, revision)
    with make_session_factory(engine).begin() as session:
        seed(session)
    assert entry_count(engine) > 0


def assert_at_0005(engine: Engine) -> None:
    assert version(engine) == "0005"
    assert entry_keys(engine) == dict.fromkeys(OLD_KEYS, True)
    assert not has_balance_target(engine)


def test_the_key_replaces_the_three_on_a_ledger_with_entries_and_back(
    config: Config, db: Engine
) -> None:
    seeded_at(config, db, "0005")
    entries = entry_count(db)

    command.upgrade(config, "head")
    assert version(db) == head(config)
    assert entry_keys(db) == {"fk_entry_balance": True}
    assert has_balance_target(db)
    assert all_validated(db)

    command.downgrade(config, "0005")
    assert_at_0005(db)

    command.upgrade(config, "head")
    assert version(db) == head(config)
    assert entry_keys(db) == {"fk_entry_balance": True}
    assert all_validated(db)
    assert entry_count(db) == entries


def test_a_mismatched_entry_stops_0006_with_nothing_changed(config: Config, db: Engine) -> None:
    seeded_at(config, db, "0005")
    sql(db, PLANT_MISMATCH)

    with pytest.raises(RuntimeError, match="1 ledger entries name an account or asset other"):
        command.upgrade(config, "head")
    assert_at_0005(db)

    sql(db, REMOVE_PLANTED)
    command.upgrade(config, "head")
    assert version(db) == head(config)
    assert all_validated(db)


def test_a_failed_validation_leaves_0006_committed_and_a_rerun_only_validates(
    config: Config, db: Engine
) -> None:
    """From 0005, 0006 commits on its own (env.py: a transaction per revision) and the failed
    validation of 0007 rolls back alone; once the entry is dealt with, the re-run validates."""
    seeded_at(config, db, "0005")
    sql(db, PLANT_ORPHAN)

    with pytest.raises(IntegrityError, match="fk_entry_balance"):
        command.upgrade(config, "head")
    assert version(db) == "0006"
    assert entry_keys(db) == {"fk_entry_balance": False}
    assert has_balance_target(db)

    sql(db, REMOVE_PLANTED)
    command.upgrade(config, "head")
    assert version(db) == head(config)
    assert entry_keys(db) == {"fk_entry_balance": True}
    assert all_validated(db)


@pytest.mark.slow
def test_0006_gives_up_after_its_lock_timeout_behind_a_long_transaction(
    config: Config, db: Engine
) -> None:
    """A transaction that has read account_balances blocks 0006's ACCESS EXCLUSIVE; 0006 fails
    after lock_timeout (5 s) instead of queueing every posting behind it, at 0005."""
    seeded_at(config, db, "0005")
    with db.connect() as long_transaction:
        long_transaction.execute(text("SELECT count(*) FROM account_balances"))
        with pytest.raises(OperationalError, match="lock timeout"):
            command.upgrade(config, "head")
        assert_at_0005(db)
        long_transaction.rollback()
    command.upgrade(config, "head")
    assert version(db) == head(config)
