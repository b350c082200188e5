"""What a posting batch writes besides balances, transactions and entries: holds placed,
holds settled (captured, voided, found expired), transactions' reversed amounts. One
statement, sent only when the batch has any of them, before the journal's own statement
(whose transactions may name a settled hold or a reversed original).

Holds a capture or void found past their expiry (settled ``expired``) are also noted on the
session (``lazily_expired``), so the posting transaction can raise their ``hold.expired``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.prepared import Prepared

LAZILY_EXPIRED = "wallet.lazily_expired_holds"

WRITE_EXTRAS = Prepared(
    "wallet_write_extras",
    """
WITH placed AS (
    INSERT INTO holds (id, request_id, balance_id, account_id, asset_id, amount, status,
                       description, expires_at)
    SELECT id, request_id, balance_id, account_id, asset_id, amount, 'active', description,
           now() + make_interval(secs => seconds)
    FROM unnest(:hold_ids, :hold_requests, :hold_balances, :hold_accounts, :hold_assets,
                :hold_amounts, :hold_descriptions, :hold_seconds)
         AS h(id, request_id, balance_id, account_id, asset_id, amount, description, seconds)
), settled AS (
    UPDATE holds h SET status = s.status, captured_amount = s.captured, updated_at = now(),
                       finished_at = now()
    FROM unnest(:settled_ids, :settled_statuses, :settled_captured) AS s(id, status, captured)
    WHERE h.id = s.id
)
UPDATE transactions t SET reversed_amount = r.reversed
FROM unnest(:reversed_ids, :reversed_amounts) AS r(id, reversed)
WHERE t.id = r.id
""",
    {
        "hold_ids": "uuid[]",
        "hold_requests": "uuid[]",
        "hold_balances": "bigint[]",
        "hold_accounts": "bigint[]",
        "hold_assets": "int[]",
        "hold_amounts": "numeric[]",
        "hold_descriptions": "text[]",
        "hold_seconds": "int[]",
        "settled_ids": "uuid[]",
        "settled_statuses": "text[]",
        "settled_captured": "numeric[]",
        "reversed_ids": "uuid[]",
        "reversed_amounts": "numeric[]",
    },
)


@dataclass(frozen=True)
class PlacedHold:
    id: str
    request_id: str
    balance_id: int
    account_id: int
    asset_id: int
    amount: Decimal
    description: str | None
    seconds: int


@dataclass
class JournalExtras:
    placed: list[PlacedHold] = field(default_factory=list)
    settled: dict[str, tuple[str, Decimal]] = field(default_factory=dict)  # id: status, captured
    reversed: dict[str, Decimal] = field(default_factory=dict)  # original id: reversed in all

    def write(self, session: Session) -> None:
        if not (self.placed or self.settled or self.reversed):
            return
        placed = self.placed
        expired = [id for id, (status, _) in self.settled.items() if status == "expired"]
        session.info.setdefault(LAZILY_EXPIRED, []).extend(expired)
        WRITE_EXTRAS.execute(
            session,
            {
                "hold_ids": [h.id for h in placed],
                "hold_requests": [h.request_id for h in placed],
                "hold_balances": [h.balance_id for h in placed],
                "hold_accounts": [h.account_id for h in placed],
                "hold_assets": [h.asset_id for h in placed],
                "hold_amounts": [h.amount for h in placed],
                "hold_descriptions": [h.description for h in placed],
                "hold_seconds": [h.seconds for h in placed],
                "settled_ids": list(self.settled),
                "settled_statuses": [status for status, _ in self.settled.values()],
                "settled_captured": [captured for _, captured in self.settled.values()],
                "reversed_ids": list(self.reversed),
                "reversed_amounts": list(self.reversed.values()),
            },
        )


def lazily_expired(session: Session) -> list[str]:
    """The ids of holds this session's postings found past their expiry (and expired), once:
    the list is emptied."""
    found: list[str] = session.info.pop(LAZILY_EXPIRED, [])
    return found
