"""one composite foreign key from an entry to its balance row, account and asset

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 10:00:00.000000

ledger_entries had three foreign keys besides transaction_id's: balance_id -> account_balances,
account_id -> accounts and asset_id -> asset_types, each a per-row RI trigger (about 9 us a
row, two rows a posting). They become one: (balance_id, account_id, asset_id) ->
account_balances (id, account_id, asset_id), whose target is a new unique constraint
(uq_balance_id_account_asset: none of its columns changes when a posting updates the row, so
those updates stay HOT). The entry's account and asset are still real ones through the balance
row's own keys (fk_balance_account, account_balances_asset_id_fkey), and an entry can no
longer name an account or asset other than its balance row's.

Locks. A plain ADD FOREIGN KEY holds SHARE ROW EXCLUSIVE on ledger_entries and
account_balances while it checks every existing entry, which stops every posting (they update
balance rows and insert entries) for a scan of the whole ledger. So the key is added NOT VALID
(at once; it is enforced on new rows from then on), the old keys are dropped, that is
committed, and VALIDATE CONSTRAINT then checks the existing entries in a transaction of its
own, under SHARE UPDATE EXCLUSIVE on ledger_entries and ROW SHARE on account_balances, which
postings do not wait for. Before any of it, the existing entries are checked with a plain
SELECT (no lock a posting waits for), so a ledger that would fail the validation is refused
with nothing changed rather than after the commit (where alembic_version would still read
0005 on a changed schema). The new unique constraint builds its index under an ACCESS
EXCLUSIVE lock on account_balances: one row per account and asset, small beside the ledger.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The names Postgres gave the keys 0001 created unnamed.
OLD_KEYS = {
    "ledger_entries_balance_id_fkey": ("balance_id", "account_balances"),
    "ledger_entries_account_id_fkey": ("account_id", "accounts"),
    "ledger_entries_asset_id_fkey": ("asset_id", "asset_types"),
}

MISMATCHED_ENTRIES = """
SELECT count(*) FROM ledger_entries e JOIN account_balances b ON b.id = e.balance_id
WHERE e.account_id <> b.account_id OR e.asset_id <> b.asset_id
"""


def upgrade() -> None:
    mismatched = op.get_bind().scalar(text(MISMATCHED_ENTRIES))
    if mismatched:
        raise RuntimeError(
            f"{mismatched} ledger entries name an account or asset other than their balance "
            "row's; fk_entry_balance would refuse them (nothing was changed)"
        )
    op.create_unique_constraint(
        "uq_balance_id_account_asset", "account_balances", ["id", "account_id", "asset_id"]
    )
    op.create_foreign_key(
        "fk_entry_balance",
        "ledger_entries",
        "account_balances",
        ["balance_id", "account_id", "asset_id"],
        ["id", "account_id", "asset_id"],
        postgresql_not_valid=True,
    )
    for name in OLD_KEYS:
        op.drop_constraint(name, "ledger_entries", type_="foreignkey")
    _validate(["fk_entry_balance"])


def downgrade() -> None:
    for name, (column, table) in OLD_KEYS.items():
        op.create_foreign_key(
            name, "ledger_entries", table, [column], ["id"], postgresql_not_valid=True
        )
    op.drop_constraint("fk_entry_balance", "ledger_entries", type_="foreignkey")
    op.drop_constraint("uq_balance_id_account_asset", "account_balances", type_="unique")
    _validate(list(OLD_KEYS))


def _validate(names: list[str]) -> None:
    """Commit what came before, then check the existing entries against ``names`` in a
    transaction of their own (see the module's docstring)."""
    with op.get_context().autocommit_block():
        for name in names:
            op.execute(f"ALTER TABLE ledger_entries VALIDATE CONSTRAINT {name}")
