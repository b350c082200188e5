"""holds, reversals, transfers, frozen accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = "type IN ('topup', 'bonus', 'spend')"
NEW_TYPES = "type IN ('topup', 'bonus', 'spend', 'transfer', 'hold', 'capture', 'void', 'reversal')"


def upgrade() -> None:
    op.add_column(
        "accounts",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    op.create_check_constraint("account_status_known", "accounts", "status IN ('active', 'frozen')")
    op.add_column(
        "account_balances",
        sa.Column("held", sa.Numeric(precision=38, scale=18), server_default="0", nullable=False),
    )
    op.create_check_constraint("held_not_negative", "account_balances", "held >= 0")
    op.create_check_constraint(
        "available_not_negative", "account_balances", "allow_negative OR balance - held >= 0"
    )
    op.drop_constraint("type_known", "requests", type_="check")
    op.create_check_constraint("type_known", "requests", NEW_TYPES)
    op.create_table(
        "holds",
        sa.Column("id", sa.UUID(), nullable=False),
        sa.Column("request_id", sa.UUID(), nullable=False),
        sa.Column("balance_id", sa.BigInteger(), nullable=False),
        sa.Column("account_id", sa.BigInteger(), nullable=False),
        sa.Column("asset_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=38, scale=18), nullable=False),
        sa.Column(
            "captured_amount",
            sa.Numeric(precision=38, scale=18),
            server_default="0",
            nullable=False,
        ),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("amount > 0", name="hold_amount_positive"),
        sa.CheckConstraint(
            "captured_amount >= 0 AND captured_amount <= amount", name="captured_within_hold"
        ),
        sa.CheckConstraint(
            "status IN ('active', 'captured', 'voided', 'expired')", name="hold_status_known"
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"]),
        sa.ForeignKeyConstraint(["asset_id"], ["asset_types.id"]),
        sa.ForeignKeyConstraint(["balance_id"], ["account_balances.id"]),
        sa.ForeignKeyConstraint(["request_id"], ["requests.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index(
        "ix_holds_active_expiry",
        "holds",
        ["expires_at"],
        unique=False,
        postgresql_where=sa.text("status = 'active'"),
    )
    op.create_index(op.f("ix_holds_balance_id"), "holds", ["balance_id"], unique=False)
    op.add_column("transactions", sa.Column("amount", sa.Numeric(precision=38, scale=18)))
    # Existing transactions: the amount of their (one) DEBIT entry.
    op.execute(
        "UPDATE transactions t SET amount = e.amount FROM ledger_entries e"
        " WHERE e.transaction_id = t.id AND e.direction = 'DEBIT'"
    )
    op.alter_column("transactions", "amount", nullable=False)
    op.add_column(
        "transactions",
        sa.Column(
            "reversed_amount",
            sa.Numeric(precision=38, scale=18),
            server_default="0",
            nullable=False,
        ),
    )
    op.add_column("transactions", sa.Column("reversal_of", sa.UUID(), nullable=True))
    op.add_column("transactions", sa.Column("hold_id", sa.UUID(), nullable=True))
    op.create_check_constraint(
        "reversed_within_amount",
        "transactions",
        "reversed_amount >= 0 AND reversed_amount <= amount",
    )
    op.create_foreign_key(None, "transactions", "transactions", ["reversal_of"], ["id"])
    op.create_foreign_key(None, "transactions", "holds", ["hold_id"], ["id"])
    op.create_index(
        "ix_transactions_reversal_of",
        "transactions",
        ["reversal_of"],
        unique=False,
        postgresql_where=sa.text("reversal_of IS NOT NULL"),
    )
    # Entries take the time of their insert (under the balance row's lock), not now(); a
    # balance row's entries are indexed in time order (point-in-time balances).
    op.alter_column("ledger_entries", "created_at", server_default=sa.text("clock_timestamp()"))
    op.drop_index("ix_entries_balance_id", table_name="ledger_entries")
    op.create_index("ix_entries_balance_time", "ledger_entries", ["balance_id", "created_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_entries_balance_time", table_name="ledger_entries")
    op.create_index("ix_entries_balance_id", "ledger_entries", ["balance_id"])
    op.alter_column("ledger_entries", "created_at", server_default=sa.text("now()"))
    op.drop_index(
        "ix_transactions_reversal_of",
        table_name="transactions",
        postgresql_where=sa.text("reversal_of IS NOT NULL"),
    )
    op.drop_constraint("transactions_hold_id_fkey", "transactions", type_="foreignkey")
    op.drop_constraint("transactions_reversal_of_fkey", "transactions", type_="foreignkey")
    op.drop_constraint("reversed_within_amount", "transactions", type_="check")
    op.drop_column("transactions", "hold_id")
    op.drop_column("transactions", "reversal_of")
    op.drop_column("transactions", "reversed_amount")
    op.drop_column("transactions", "amount")
    op.drop_index(op.f("ix_holds_balance_id"), table_name="holds")
    op.drop_index(
        "ix_holds_active_expiry", table_name="holds", postgresql_where=sa.text("status = 'active'")
    )
    op.drop_table("holds")
    # Refused while requests of the new types exist: their transactions cannot be unposted.
    op.drop_constraint("type_known", "requests", type_="check")
    op.create_check_constraint("type_known", "requests", OLD_TYPES)
    op.drop_constraint("available_not_negative", "account_balances", type_="check")
    op.drop_constraint("held_not_negative", "account_balances", type_="check")
    op.drop_column("account_balances", "held")
    op.drop_constraint("account_status_known", "accounts", type_="check")
    op.drop_column("accounts", "status")
