"""What one posting transaction writes, gathered column by column and written in one statement:
the changed balances (posted and held), a transaction and its two entries per posted
transfer, and every request's outcome. Fixed SQL text, one array per column: no per-row
statements, nothing hydrated, the same plan for 1 request or 1,000. A batch that places or
settles holds or reverses transactions writes those first, in one more statement
(ledger.posting.journal_extras); a batch of top-ups, bonuses, spends and transfers does not.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from infra.sealing import Sealer
from ledger.posting.balances import LockedBalance
from ledger.posting.journal_extras import JournalExtras
from ledger.prepared import Prepared, array_literal
from ledger.statuses import Outcome

# Columns whose values are numbers, uuids or fixed words are sent as one array literal each
# (0.3 us a value against 2-4 us for psycopg2's list adaptation); free text goes as lists.
POSTING_COLUMNS = (
    "request_ids",
    "types",
    "descriptions",
    "metadata",
    "asset_ids",
    "amounts",
    "debit_ids",
    "debit_accounts",
    "debit_after",
    "credit_ids",
    "credit_accounts",
    "credit_after",
    "hold_ids",
    "reversal_ofs",
)
FREE_TEXT = {"descriptions", "metadata"}

# Entries are inserted in posting order (DEBIT, then CREDIT), so entry ids follow the
# running balances. Foreign keys and the balanced-transaction trigger see the whole statement.
WRITE = Prepared(
    "wallet_write_journal",
    """
WITH balance AS (
    UPDATE account_balances b SET balance = v.balance, held = v.held, updated_at = now()
    FROM unnest(:balance_ids, :balances, :helds) AS v(id, balance, held)
    WHERE b.id = v.id
), posted AS (
    SELECT * FROM unnest(
        :request_ids, :types, :descriptions, :metadata, :asset_ids, :amounts,
        :debit_ids, :debit_accounts, :debit_after, :credit_ids, :credit_accounts, :credit_after,
        :hold_ids, :reversal_ofs
    ) WITH ORDINALITY AS p(request_id, type, description, metadata, asset_id, amount, debit_id,
                           debit_account, debit_after, credit_id, credit_account, credit_after,
                           hold_id, reversal_of, n)
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
""",
    {
        "balance_ids": "bigint[]",
        "balances": "numeric[]",
        "helds": "numeric[]",
        "request_ids": "uuid[]",
        "types": "text[]",
        "descriptions": "text[]",
        "metadata": "jsonb[]",
        "asset_ids": "int[]",
        "amounts": "numeric[]",
        "debit_ids": "bigint[]",
        "debit_accounts": "bigint[]",
        "debit_after": "numeric[]",
        "credit_ids": "bigint[]",
        "credit_accounts": "bigint[]",
        "credit_after": "numeric[]",
        "hold_ids": "uuid[]",
        "reversal_ofs": "uuid[]",
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
    columns: dict[str, list[Any]] = field(
        default_factory=lambda: {name: [] for name in POSTING_COLUMNS}
    )
    # Holds placed, settled and transactions reversed: written only when there are some.
    extras: JournalExtras = field(default_factory=JournalExtras)

    def add_transaction(self, row: tuple[Any, ...]) -> None:
        """One posted transaction and its two entries: values in ``POSTING_COLUMNS`` order."""
        for column, value in zip(self.columns.values(), row, strict=True):
            column.append(value)

    def write(self, session: Session, *, outcomes: list[Outcome]) -> None:
        """One statement: balances, transactions, entries, and the requests' outcomes."""
        if not outcomes:
            return
        self.extras.write(session)
        columns = {
            name: values if name in FREE_TEXT else array_literal(values)
            for name, values in self.columns.items()
        }
        WRITE.execute(
            session,
            {
                **columns,
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
