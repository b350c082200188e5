"""What a posting batch writes besides balances, transactions and entries: holds placed,
holds settled (captured, voided, found expired), transactions' reversed amounts. One
statement, sent only when the batch has any of them, before the journal's own statement
(whose transactions may name a settled hold or a reversed original).

Holds a capture or void found past their expiry (settled ``expired``) are returned by
``write``, so the posting transaction can raise their ``hold.expired``.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from ledger.prepared import Prepared
from ledger.rows import array_types, arrays, sent_as, unnest
from ledger.statuses import HoldStatus


@dataclass(frozen=True)
class PlacedHold:
    id: str = sent_as("uuid")
    request_id: str = sent_as("uuid")
    balance_id: int = sent_as("bigint")
    account_id: int = sent_as("bigint")
    asset_id: int = sent_as("int")
    amount: Decimal = sent_as("numeric")
    description: str | None = sent_as("text", free_text=True)
    seconds: int = sent_as("int")  # until it expires


@dataclass(frozen=True)
class SettledHold:
    id: str = sent_as("uuid")
    status: HoldStatus = sent_as("text")  # captured | voided | expired
    captured: Decimal = sent_as("numeric")


@dataclass(frozen=True)
class ReversedAmount:
    id: str = sent_as("uuid")  # the original transaction's
    reversed: Decimal = sent_as("numeric")  # in all, this batch's reversals included


WRITE_EXTRAS = Prepared(
    "wallet_write_extras",
    f"""
WITH placed AS (
    INSERT INTO holds (id, request_id, balance_id, account_id, asset_id, amount, status,
                       description, expires_at)
    SELECT id, request_id, balance_id, account_id, asset_id, amount, 'active', description,
           now() + make_interval(secs => seconds)
    FROM {unnest(PlacedHold, "h")}
), settled AS (
    UPDATE holds h SET status = s.status, captured_amount = s.captured, updated_at = now(),
                       finished_at = now()
    FROM {unnest(SettledHold, "s")}
    WHERE h.id = s.id
)
UPDATE transactions t SET reversed_amount = r.reversed
FROM {unnest(ReversedAmount, "r")}
WHERE t.id = r.id
""",  # noqa: S608 - the shapes' own columns, no input
    {
        **array_types(PlacedHold, "h"),
        **array_types(SettledHold, "s"),
        **array_types(ReversedAmount, "r"),
    },
)


@dataclass
class JournalExtras:
    placed: list[PlacedHold] = field(default_factory=list)
    settled: dict[str, SettledHold] = field(default_factory=dict)  # by hold id: the last word
    reversed: dict[str, ReversedAmount] = field(default_factory=dict)  # by original id

    def write(self, session: Session) -> list[str]:
        """Write them (if any); the ids of the holds settled ``expired``."""
        if not (self.placed or self.settled or self.reversed):
            return []
        WRITE_EXTRAS.execute(
            session,
            {
                **arrays(PlacedHold, "h", self.placed),
                **arrays(SettledHold, "s", self.settled.values()),
                **arrays(ReversedAmount, "r", self.reversed.values()),
            },
        )
        return [hold.id for hold in self.settled.values() if hold.status is HoldStatus.EXPIRED]
