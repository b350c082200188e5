"""The expiry sweep: active holds past ``expires_at`` are released (status ``expired``).

Holds are taken with SKIP LOCKED (a hold a posting batch is settling is left to it, or to
the next sweep), then their balance rows in ascending id order: the lock order of posting
(ledger.posting.dispatch) minus the request rows, so the sweep never deadlocks with a batch.
"""

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

PICK_EXPIRED = text("""
SELECT CAST(id AS text), balance_id FROM holds
WHERE status = 'active' AND expires_at <= coalesce(CAST(:now AS timestamptz), now())
ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED
""")
LOCK_BALANCES = text(
    "SELECT id FROM account_balances WHERE id = ANY(CAST(:ids AS bigint[])) ORDER BY id FOR UPDATE"
)
RELEASE = text("""
WITH expired AS (
    UPDATE holds SET status = 'expired', updated_at = now(), finished_at = now()
    WHERE id = ANY(CAST(:ids AS uuid[]))
    RETURNING balance_id, amount
)
UPDATE account_balances b SET held = b.held - e.total, updated_at = now()
FROM (SELECT balance_id, sum(amount) AS total FROM expired GROUP BY balance_id) AS e
WHERE b.id = e.balance_id
""")


def expire_holds(session: Session, *, now: datetime | None = None, limit: int = 1000) -> list[str]:
    """Expire up to ``limit`` active holds past their expiry (at ``now``, by default the
    transaction's time); return their ids (for their ``hold.expired``). The caller commits."""
    picked = session.execute(PICK_EXPIRED, {"now": now, "limit": limit}).all()
    if not picked:
        return []
    session.execute(LOCK_BALANCES, {"ids": sorted({balance_id for _, balance_id in picked})})
    hold_ids = [hold_id for hold_id, _ in picked]
    session.execute(RELEASE, {"ids": hold_ids})
    return hold_ids
