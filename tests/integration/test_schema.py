"""The schema is the last line of defence: direct SQL that breaks a money rule is refused."""

import uuid

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from ledger.models import Base


def test_migrations_run_from_empty_down_and_up_again_and_match_the_models(
    empty_config: Config, empty_engine: Engine
) -> None:
    command.upgrade(empty_config, "head")
    command.downgrade(empty_config, "base")
    command.upgrade(empty_config, "head")
    with empty_engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def sql(engine: Engine, *statements: str) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement))


USER_GOLD = """(SELECT b.id FROM account_balances b JOIN accounts a ON a.id = b.account_id
               JOIN asset_types t ON t.id = b.asset_id
               WHERE a.account_number = 'USR-003' AND t.code = 'GOLD_COINS')"""


def test_a_user_balance_cannot_go_negative(engine: Engine) -> None:
    with pytest.raises(IntegrityError, match=r"(balance|available)_not_negative"):
        sql(engine, f"UPDATE account_balances SET balance = -1 WHERE id = {USER_GOLD}")


def test_a_balance_row_cannot_claim_an_overdraft_its_account_lacks(engine: Engine) -> None:
    with pytest.raises(IntegrityError, match="fk_balance_account"):
        sql(engine, f"UPDATE account_balances SET allow_negative = true WHERE id = {USER_GOLD}")


def test_an_unbalanced_transaction_is_refused_at_commit(engine: Engine) -> None:
    request_id, tx_id = uuid.uuid4(), uuid.uuid4()
    with pytest.raises(DBAPIError, match="unbalanced"):
        sql(
            engine,
            f"""INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash,
                status, attempts) VALUES ('{request_id}', 'sql', '{request_id}', 'topup', '{{}}',
                'x', 'completed', 1)""",
            f"""INSERT INTO transactions (id, request_id, type, amount, metadata)
                VALUES ('{tx_id}', '{request_id}', 'topup', 5, '{{}}')""",
            f"""INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id,
                direction, amount, balance_after)
                SELECT '{tx_id}', b.id, b.account_id, b.asset_id, 'CREDIT', 5, b.balance + 5
                FROM account_balances b WHERE b.id = {USER_GOLD}""",
        )


def test_entries_are_append_only(engine: Engine) -> None:
    with pytest.raises(DBAPIError, match="append-only"):
        sql(engine, "UPDATE ledger_entries SET amount = amount + 1")
    with pytest.raises(DBAPIError, match="append-only"):
        sql(engine, "DELETE FROM ledger_entries")


def test_an_idempotency_key_is_unique_per_client(engine: Engine) -> None:
    insert = """INSERT INTO requests (id, client_id, idempotency_key, type, payload, payload_hash,
                status, attempts)
                VALUES (gen_random_uuid(), 'sql', 'dup', 'topup', '{}', 'x', 'queued', 0)"""
    with pytest.raises(IntegrityError, match="uq_request_client_key"):
        sql(engine, insert, insert)


def test_an_entry_amount_must_be_positive(engine: Engine) -> None:
    with pytest.raises(IntegrityError, match="amount_positive"):
        sql(
            engine,
            f"""INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id,
                direction, amount, balance_after)
                SELECT t.id, b.id, b.account_id, b.asset_id, 'CREDIT', 0, b.balance
                FROM account_balances b, transactions t WHERE b.id = {USER_GOLD} LIMIT 1""",
        )


@pytest.mark.parametrize(
    "column, other",
    [
        ("account_id", "(SELECT id FROM accounts WHERE account_number = 'SYS-TREASURY-001')"),
        ("asset_id", "(SELECT id FROM asset_types WHERE code <> 'GOLD_COINS' LIMIT 1)"),
    ],
)
def test_an_entry_cannot_name_an_account_or_asset_other_than_its_balance_rows(
    engine: Engine, column: str, other: str
) -> None:
    """The account and asset exist, but are not the balance row's (issue 10)."""
    values = {"account_id": "b.account_id", "asset_id": "b.asset_id", column: other}
    with pytest.raises(IntegrityError, match="fk_entry_balance"):
        sql(
            engine,
            f"""INSERT INTO ledger_entries (transaction_id, balance_id, account_id, asset_id,
                direction, amount, balance_after)
                SELECT t.id, b.id, {values["account_id"]}, {values["asset_id"]}, 'CREDIT', 1,
                       b.balance + 1
                FROM account_balances b, transactions t WHERE b.id = {USER_GOLD} LIMIT 1""",
        )
