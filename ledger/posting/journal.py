"""What one posting transaction writes, gathered column by column and written in one statement:
the changed balances (posted and held), a transaction and its two entries per posted
transfer, and every request's outcome. Fixed SQL text, one array per column: no per-row
statements, nothing hydrated, the same plan for 1 request or 1,000. A batch that places or
settles holds or reverses transactions writes those first, in one more statement
(ledger.posting.journal_extras); a batch of top-ups, bonuses, spends and transfers does not.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from infra.sealing import Sealer
from ledger.posting.balances import LockedBalance
from ledger.posting.journal_extras import JournalExtras
from ledger.prepared import Prepared, array_literal
from ledger.rows import array_types, arrays, sent_as, unnest
from ledger.statuses import Outcome


@dataclass(slots=True)
class PostedTransaction:
    """One posted transaction and its two entries (DEBIT from ``debit_id``, CREDIT to
    ``credit_id``, each with the balance after it): a row of the journal's ``posted``."""

    request_id: str = sent_as("uuid")
    type: str = sent_as("text")
    description: str | None = sent_as("text", free_text=True)
    metadata: str = sent_as("jsonb", free_text=True)  # JSON text, sealed
    asset_id: int = sent_as("int")
    amount: Decimal = sent_as("numeric")
    debit_id: int = sent_as("bigint")
    debit_account: int = sent_as("bigint")
    debit_after: Decimal = sent_as("numeric")
    credit_id: int = sent_as("bigint")
    credit_account: int = sent_as("bigint")
    credit_after: Decimal = sent_as("numeric")
    hold_id: str | None = sent_as("uuid")  # the hold a capture settles
    reversal_of: str | None = sent_as("uuid")  # the transaction a reversal reverses


POSTED = unnest(PostedTransaction, "p", ordinality="n")

# Entries are inserted in posting order (DEBIT, then CREDIT), so entry ids follow the
# running balances. Foreign keys and the balanced-transaction trigger see the whole statement.
WRITE = Prepared(
    "wallet_write_journal",
    f"""
WITH balance AS (
    UPDATE account_balances b SET balance = v.balance, held = v.held, updated_at = now()
    FROM unnest(:balance_ids, :balances, :helds) AS v(id, balance, held)
    WHERE b.id = v.id
), posted AS (
    SELECT * FROM {POSTED}
), tx AS (
    INSERT INTO transactions (id, request_id, type, amount, description, metadata, hold_id,
                              reversal_of)
    SELECT gen_random_uuid(), request_id, type, amount, description, metadata, hold_id,
           reversal_of
    FROM posted
    RETURNING id, request_id
), entries AS (
    INSERT INTO ledger_entries
        (transaction_id, balance_id, account_id, asset_id, direction, amount, balance_after)
    SELECT tx.id, e.balance_id, e.account_id, p.asset_id, e.direction, p.amount, e.after
    FROM posted p JOIN tx USING (request_id)
    CROSS JOIN LATERAL (VALUES
        (1, 'DEBIT', p.debit_id, p.debit_account, p.debit_after),
        (2, 'CREDIT', p.credit_id, p.credit_account, p.credit_after)
    ) AS e(k, direction, balance_id, account_id, after)
    ORDER BY p.n, e.k
)
UPDATE requests r
SET status = o.status, error_code = o.code, error_message = o.message, attempts = o.attempts,
    updated_at = now(),
    -- the statement's own time, not the transaction's start: a batch may have waited for its
    -- balance rows' locks, and a request completes when its posting is written, not before
    completed_at = CASE WHEN o.status = 'processing' THEN NULL ELSE clock_timestamp() END
FROM unnest(:outcome_ids, :statuses, :codes, :messages, :attempts)
     AS o(id, status, code, message, attempts)
WHERE r.id = o.id
""",  # noqa: S608 - the shapes' own columns, no input
    {
        "balance_ids": "bigint[]",
        "balances": "numeric[]",
        "helds": "numeric[]",
        **array_types(PostedTransaction, "p"),
        "outcome_ids": "uuid[]",
        "statuses": "text[]",
        "codes": "text[]",
        "messages": "text[]",
        "attempts": "int[]",
    },
)


@dataclass
class Journal:
    sealer: Sealer = field(kw_only=True)  # seals each transaction's metadata
    changed: dict[int, LockedBalance] = field(default_factory=dict)
    posted: list[PostedTransaction] = field(default_factory=list)
    # Holds placed, settled and transactions reversed: written only when there are some.
    extras: JournalExtras = field(default_factory=JournalExtras)

    def write(self, session: Session, *, outcomes: list[Outcome]) -> list[str]:
        """One statement: balances, transactions, entries, and the requests' outcomes; the
        ids of the holds found past their expiry and expired (ledger.posting.journal_extras)."""
        if not outcomes:
            return []
        expired = self.extras.write(session)
        WRITE.execute(
            session,
            {
                **arrays(PostedTransaction, "p", self.posted),
                "balance_ids": array_literal(self.changed),
                "balances": array_literal([b.balance for b in self.changed.values()]),
                "helds": array_literal([b.held for b in self.changed.values()]),
                "outcome_ids": array_literal([o.request_id for o in outcomes]),
                "statuses": array_literal([o.status for o in outcomes]),
                "codes": array_literal([o.error_code for o in outcomes]),
                "messages": [o.error_message for o in outcomes],
                "attempts": array_literal([o.attempts for o in outcomes]),
            },
        )
        return expired
