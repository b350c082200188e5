"""validate fk_entry_balance against the existing entries

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 10:00:01.000000

0006 added fk_entry_balance NOT VALID (rows written since are checked); this revision checks
the entries written before, in a transaction of its own: ALTER TABLE ... VALIDATE CONSTRAINT
scans the ledger under SHARE UPDATE EXCLUSIVE on ledger_entries and ROW SHARE on
account_balances (Postgres 15, read from pg_locks), which postings (ROW EXCLUSIVE) and reads do
not wait for; only DDL, VACUUM and index builds on ledger_entries do.

If the validation fails (an entry that does not match its balance row, a statement_timeout, a
cancel, a lost connection) this revision rolls back alone: the version stays 0006, the key stays
NOT VALID and enforced on new rows, and ``alembic upgrade head`` retries only the validation,
once the entries named in the error are dealt with. lock_timeout (5 s) bounds the wait for the
lock itself, behind a running VACUUM or DDL on ledger_entries; the operator re-runs after it.

The downgrade does nothing: a validated key stays valid, and 0006's downgrade drops it.

Locks:
SHARE UPDATE EXCLUSIVE on ledger_entries, ROW SHARE on account_balances, for the scan.
Measured on a ledger of 10 million entries (5 million requests and transactions,
bench/migration_locks.py, Postgres 15, 2 shared cores): the validation takes 1.7 s; no
posting's lock or read waited more than 0.01 s.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("SET LOCAL lock_timeout = '5s'")
    op.execute("ALTER TABLE ledger_entries VALIDATE CONSTRAINT fk_entry_balance")


def downgrade() -> None:
    pass
