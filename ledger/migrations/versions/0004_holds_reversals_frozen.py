"""holds, reversals, transfers, frozen accounts

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 12:30:00.000000

Released as one transaction that updated every transaction (``transactions.amount``),
validated its new checks in place and built ix_entries_balance_time on ``ledger_entries``
without CONCURRENTLY: every posting waited for all of it. The upgrade now builds the same
schema in steps that each hold a busy table's strong lock only for a catalog change:

1. one transaction of catalog changes only: the new columns (constant defaults: no rewrite),
   ``transactions.amount`` nullable, the ``holds`` table, and every new check and foreign key
   NOT VALID (enforced on rows written from then on);
2. ``transactions.amount`` filled from each transaction's DEBIT entry in batches of pages,
   each committed alone (ledger.migrations.online ``backfill``);
3. each NOT VALID constraint validated (a scan under SHARE UPDATE EXCLUSIVE: postings and
   reads go on);
4. ix_transactions_reversal_of and ix_entries_balance_time built CONCURRENTLY, the old
   ix_entries_balance_id dropped CONCURRENTLY;
5. ``amount`` made NOT NULL: under SHARE on ``transactions`` (writes wait, reads go on) the
   transactions posted since step 2 are filled and ``CHECK (amount IS NOT NULL) NOT VALID``
   added; it is validated; ``SET NOT NULL`` then needs no scan.

Writers of the previous release cannot post once step 5 has begun: they insert transactions
without an amount. Deploy this release's code as soon as the migration ends (``make run`` and
the compose file migrate before they start the service). A failure after step 1 leaves the
version at 0003 with step 1 done; a re-run resumes (every later step checks what is done).
The backfill updates every transaction once: ``transactions`` has a dead version of each
until autovacuum passes. The downgrade is unchanged: one transaction, under ACCESS EXCLUSIVE
on the tables it changes, index builds included.

Locks:
Measured on a ledger of 10 million entries (5 million requests and transactions,
bench/migration_locks.py, Postgres 15, 2 shared cores): 217 s in all, during which postings
and reads went on; the longest a posting's lock or a read waited on ledger_entries, requests
or account_balances was 0.03 s, on transactions 0.43 s (step 5). By step:

- 1: ACCESS EXCLUSIVE on accounts, account_balances, requests, transactions and
  ledger_entries for catalog changes only, held to its commit (milliseconds);
- 2: ROW EXCLUSIVE on transactions, and the row locks of one batch of 200 pages (thousands of
  transactions) for that batch's transaction, at most 1.9 s each (the amount is read
  from the entries by index). Only a reversal updates an old transaction, and the code that
  reverses is deployed after this revision: no posting waits for them (a probe locking
  random rows waited at most 0.75 s);
- 3: SHARE UPDATE EXCLUSIVE (ROW SHARE on the referenced table of a key) for each VALIDATE:
  type_known on requests 1.8 s, the others under 1.6 s; nothing a posting waits for;
- 4: SHARE UPDATE EXCLUSIVE on ledger_entries for the CONCURRENTLY build of
  ix_entries_balance_time (10.4 s) and the drop of ix_entries_balance_id, on transactions
  for ix_transactions_reversal_of;
- 5: SHARE on transactions (writes wait, reads go on) for one scan that fills the
  transactions posted since step 2: the longest a write waited was 0.43 s; then ACCESS
  EXCLUSIVE for catalog changes only (the validated check spares SET NOT NULL its scan).

The released version held ACCESS EXCLUSIVE on accounts, account_balances, requests and
transactions for all of it, and on ledger_entries from its index build on: see
docs/development.md (Migrations and their locks) for it measured.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from ledger.migrations.online import (
    add_constraint,
    backfill,
    build_index,
    column_exists,
    drop_index,
    validate,
)

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = "type IN ('topup', 'bonus', 'spend')"
NEW_TYPES = "type IN ('topup', 'bonus', 'spend', 'transfer', 'hold', 'capture', 'void', 'reversal')"
# Added NOT VALID by step 1, validated by step 3: table -> {name: definition}.
CHECKED = {
    "accounts": {"account_status_known": "CHECK (status IN ('active', 'frozen'))"},
    "account_balances": {
        "held_not_negative": "CHECK (held >= 0)",
        "available_not_negative": "CHECK (allow_negative OR balance - held >= 0)",
    },
    "requests": {"type_known": f"CHECK ({NEW_TYPES})"},
    "transactions": {
        "reversed_within_amount": "CHECK (reversed_amount >= 0 AND reversed_amount <= amount)",
        "transactions_reversal_of_fkey": "FOREIGN KEY (reversal_of) REFERENCES transactions (id)",
        "transactions_hold_id_fkey": "FOREIGN KEY (hold_id) REFERENCES holds (id)",
    },
}
# A transaction's amount: its (one) DEBIT entry's.
AMOUNT = (
    "amount = (SELECT e.amount FROM ledger_entries e"
    " WHERE e.transaction_id = t.id AND e.direction = 'DEBIT' LIMIT 1)"
)


def upgrade() -> None:
    if not column_exists("transactions", "amount"):
        _catalog()
    backfill("transactions t", AMOUNT, where="t.amount IS NULL")
    for table, constraints in CHECKED.items():
        validate(table, *constraints)
    build_index(
        "ix_transactions_reversal_of",
        "transactions",
        "reversal_of",
        where="reversal_of IS NOT NULL",
    )
    build_index("ix_entries_balance_time", "ledger_entries", "balance_id, created_at, id")
    drop_index("ix_entries_balance_id")
    _amount_not_null()


def _amount_not_null() -> None:
    """Step 5: the transactions posted since the backfill filled, then NOT NULL without a
    scan under ACCESS EXCLUSIVE."""
    op.execute("LOCK TABLE transactions IN SHARE MODE")
    op.execute(f"UPDATE transactions t SET {AMOUNT} WHERE t.amount IS NULL")  # noqa: S608 - constants
    add_constraint("transactions", "amount_not_null", "CHECK (amount IS NOT NULL) NOT VALID")
    validate("transactions", "amount_not_null")
    op.alter_column("transactions", "amount", nullable=False)
    op.drop_constraint("amount_not_null", "transactions", type_="check")


def _catalog() -> None:
    """Step 1: catalog changes only, in the revision's first transaction."""
    op.add_column(
        "accounts",
        sa.Column("status", sa.String(length=16), server_default="active", nullable=False),
    )
    op.add_column(
        "account_balances",
        sa.Column("held", sa.Numeric(precision=38, scale=18), server_default="0", nullable=False),
    )
    op.drop_constraint("type_known", "requests", type_="check")
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
    for table, constraints in CHECKED.items():
        for name, definition in constraints.items():
            add_constraint(table, name, f"{definition} NOT VALID")
    # Entries take the time of their insert (under the balance row's lock), not now(); a
    # balance row's entries are indexed in time order (point-in-time balances).
    op.alter_column("ledger_entries", "created_at", server_default=sa.text("clock_timestamp()"))


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
