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

This revision only changes the catalog, in one transaction (env.py commits each revision with
its own version bump): the key is added NOT VALID (enforced on rows written from then on) and
0007 checks the existing entries. A failure anywhere here rolls all of it back and leaves the
version at 0005. Locks, in the order taken (Postgres 15, read from pg_locks), all held to the
commit:

- the pre-check: ACCESS SHARE on ledger_entries and account_balances (nothing a posting or a
  read waits for) for one scan of the ledger; a ledger that 0007 would refuse is refused here,
  with nothing changed. Entries committed after this scan and before the key exists are not
  covered by it; 0007's validation is the check that counts;
- ADD CONSTRAINT uq_balance_id_account_asset: ACCESS EXCLUSIVE on account_balances while its
  index is built (one row per account and asset, small beside the ledger). Every posting and
  balance read waits from here to the commit;
- ADD CONSTRAINT fk_entry_balance ... NOT VALID: SHARE ROW EXCLUSIVE on ledger_entries and
  account_balances, no scan;
- DROP CONSTRAINT of each old key: ACCESS EXCLUSIVE on ledger_entries and on the table the key
  referenced (accounts, asset_types), no scan.

lock_timeout is 5 s for the transaction: a lock request that cannot be granted waits in the
queue, and every later request on that table queues behind it, so a long transaction holding
one of these tables would otherwise stall all traffic for as long as it runs. After 5 s the
revision fails with "canceling statement due to lock timeout" (or a deadlock error, if a
reader holds one of the tables and wants another), nothing is changed, the version is still
0005, and the operator re-runs ``alembic upgrade head`` once the long transaction is gone.

The downgrade restores the three old keys with a plain ADD (validated at once), each a scan of
the ledger under SHARE ROW EXCLUSIVE on ledger_entries and the referenced table (reads go on,
postings wait), then drops fk_entry_balance (ACCESS EXCLUSIVE on ledger_entries and
account_balances) and the unique constraint. The keys are validated in the same transaction
rather than added NOT VALID and validated later because no later revision exists on the way
down to do it: 0005's schema has valid keys, and a downgrade is a rare, planned operation.
It has the same lock_timeout.

Locks:
As listed above. Measured on a ledger of 10 million entries (5 million requests and
transactions, bench/migration_locks.py, Postgres 15, 2 shared cores): 0.88 s in all, of
which the pre-check's scan of the ledger 0.85 s (ACCESS SHARE only); the ACCESS EXCLUSIVE
locks on account_balances and ledger_entries are held for milliseconds (the unique
constraint's index is built on one row per account and asset): the longest a posting's lock
(ROW EXCLUSIVE) or a read waited on ledger_entries, transactions, requests or
account_balances was 0.01 s.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import text

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOCK_TIMEOUT = "SET LOCAL lock_timeout = '5s'"

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
    op.execute(LOCK_TIMEOUT)
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


def downgrade() -> None:
    op.execute(LOCK_TIMEOUT)
    for name, (column, table) in OLD_KEYS.items():
        op.create_foreign_key(name, "ledger_entries", table, [column], ["id"])
    op.drop_constraint("fk_entry_balance", "ledger_entries", type_="foreignkey")
    op.drop_constraint("uq_balance_id_account_asset", "account_balances", type_="unique")
