"""webhook_generation: a counter that every webhook registration and deletion moves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000

Workers remember which event types have subscribers (ledger.webhooks.outbox.Subscriptions)
and read the subscribers again only when this one-row counter has moved: a registration
applies to every posting committed after it answered (issue 22), at the cost of one
single-row read a posting transaction. The downgrade drops the table (ACCESS EXCLUSIVE on it alone; workers
of this version then fail their postings until they are downgraded too).

Locks:
a new table of one row, created and filled in this revision's transaction; no existing table
is touched, so nothing a posting or a read waits for, on a ledger of 10 million entries as on
an empty one (its upgrade does not read the ledger: under 0.1 s whatever its size).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_generation",
        sa.Column("id", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("generation", sa.BigInteger(), server_default="0", nullable=False),
        sa.CheckConstraint("id", name="one_row"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO webhook_generation DEFAULT VALUES")


def downgrade() -> None:
    op.drop_table("webhook_generation")
