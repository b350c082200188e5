"""webhook_generation: a counter that every webhook registration and deletion moves

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-03 10:00:00.000000

Workers remember which event types have subscribers (ledger.webhooks.outbox.Subscriptions)
and read the subscribers again only when this one-row counter has moved: a registration
applies to every posting committed after it answered (issue 22), at the cost of one
single-row read a posting transaction. Locks: a new table of one row, created and filled in this revision's
transaction; nothing an existing table's readers or writers wait for (no other table is
touched), on a ledger of any size. The downgrade drops the table (ACCESS EXCLUSIVE on it
alone; workers of this version then fail their postings until they are downgraded too).
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
