"""Ledger invariants, checked in SQL.

``python -m ledger.verify`` prints a report and exits 1 on any violation.
"""

import sys
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

from ledger.operations import OperationType
from ledger.statuses import Status, sql_list

WITHOUT_TRANSACTION = sql_list(t for t in OperationType if not t.spec.posts_transaction)

SIGNED_ENTRIES = """
    CREATE OR REPLACE TEMPORARY VIEW signed_entries AS
    SELECT e.*, CASE e.direction WHEN 'CREDIT' THEN e.amount ELSE -e.amount END AS delta
    FROM ledger_entries e"""

# name -> query returning one row per violation
CHECKS: dict[str, str] = {
    "debits equal credits per transaction and asset": """
        SELECT transaction_id, asset_id, sum(delta) FROM signed_entries
        GROUP BY transaction_id, asset_id HAVING sum(delta) <> 0""",
    "one DEBIT and one CREDIT entry per transaction": """
        SELECT t.id, count(e.id) FROM transactions t
        LEFT JOIN ledger_entries e ON e.transaction_id = t.id GROUP BY t.id
        HAVING count(*) FILTER (WHERE e.direction = 'DEBIT') <> 1
            OR count(*) FILTER (WHERE e.direction = 'CREDIT') <> 1""",
    "sum of balances is zero per asset": """
        SELECT asset_id, sum(balance) FROM account_balances
        GROUP BY asset_id HAVING sum(balance) <> 0""",
    "every balance equals the sum of its entries": """
        SELECT b.id, b.balance, coalesce(sum(e.delta), 0) FROM account_balances b
        LEFT JOIN signed_entries e ON e.balance_id = b.id
        GROUP BY b.id HAVING b.balance <> coalesce(sum(e.delta), 0)""",
    "every balance equals its latest entry's balance_after": """
        SELECT b.id, b.balance, last.balance_after FROM account_balances b
        JOIN LATERAL (SELECT balance_after FROM ledger_entries e WHERE e.balance_id = b.id
                      ORDER BY e.id DESC LIMIT 1) last ON true
        WHERE last.balance_after <> b.balance""",
    "no user balance below zero": """
        SELECT b.id, b.balance FROM account_balances b JOIN accounts a ON a.id = b.account_id
        WHERE a.kind = 'user' AND b.balance < 0""",
    "at most one transaction per idempotency key": """
        SELECT r.client_id, r.idempotency_key, count(t.id) FROM requests r
        JOIN transactions t ON t.request_id = r.id
        GROUP BY r.client_id, r.idempotency_key HAVING count(t.id) > 1""",
    "completed requests have a transaction (holds and voids: none), others none": f"""
        SELECT r.id, r.status FROM requests r LEFT JOIN transactions t ON t.request_id = r.id
        WHERE (r.status = '{Status.COMPLETED}' AND r.type NOT IN {WITHOUT_TRANSACTION})
              <> (t.id IS NOT NULL)
           OR t.type <> r.type""",  # noqa: S608
    "completed hold requests have a hold, other requests none": f"""
        SELECT r.id, r.type, r.status FROM requests r LEFT JOIN holds h ON h.request_id = r.id
        WHERE (r.status = '{Status.COMPLETED}' AND r.type = 'hold') <> (h.id IS NOT NULL)""",  # noqa: S608
    "no user available balance (posted minus held) below zero": """
        SELECT b.id, b.balance, b.held FROM account_balances b
        JOIN accounts a ON a.id = b.account_id
        WHERE a.kind = 'user' AND (b.balance - b.held < 0 OR b.held < 0)""",
    "held equals the sum of the row's active holds": """
        SELECT b.id, b.held, coalesce(sum(h.amount) FILTER (WHERE h.status = 'active'), 0)
        FROM account_balances b LEFT JOIN holds h ON h.balance_id = b.id
        GROUP BY b.id
        HAVING b.held <> coalesce(sum(h.amount) FILTER (WHERE h.status = 'active'), 0)""",
    "a hold's balance row is its account's and asset's": """
        SELECT h.id FROM holds h JOIN account_balances b ON b.id = h.balance_id
        WHERE b.account_id <> h.account_id OR b.asset_id <> h.asset_id""",
    "captured holds have one capture transaction of the captured amount, others none": """
        SELECT h.id, h.status, h.captured_amount, count(t.id), sum(t.amount) FROM holds h
        LEFT JOIN transactions t ON t.hold_id = h.id GROUP BY h.id
        HAVING count(t.id) <> (CASE h.status WHEN 'captured' THEN 1 ELSE 0 END)
            OR (h.status = 'captured' AND sum(t.amount) <> h.captured_amount)
            OR (h.status <> 'captured' AND h.captured_amount <> 0)
            OR (h.status = 'active') <> (h.finished_at IS NULL)""",
    "captures and only captures name a hold": """
        SELECT t.id FROM transactions t WHERE (t.type = 'capture') <> (t.hold_id IS NOT NULL)""",
    "a transaction's amount is its entries'": """
        SELECT t.id, t.amount, e.amount FROM transactions t
        JOIN ledger_entries e ON e.transaction_id = t.id WHERE e.amount <> t.amount""",
    "reversed amount equals the sum of its reversals and never exceeds the original": """
        SELECT t.id, t.amount, t.reversed_amount, coalesce(sum(r.amount), 0) FROM transactions t
        LEFT JOIN transactions r ON r.reversal_of = t.id GROUP BY t.id
        HAVING t.reversed_amount <> coalesce(sum(r.amount), 0) OR t.reversed_amount > t.amount""",
    "reversals and only reversals link to an original, never a reversal": """
        SELECT t.id, t.type, o.type FROM transactions t
        LEFT JOIN transactions o ON o.id = t.reversal_of
        WHERE (t.type = 'reversal') <> (t.reversal_of IS NOT NULL) OR o.type = 'reversal'""",
    "a reversal swaps its original's legs": """
        SELECT t.id FROM transactions t
        JOIN ledger_entries re ON re.transaction_id = t.id
        LEFT JOIN ledger_entries oe ON oe.transaction_id = t.reversal_of
             AND oe.balance_id = re.balance_id AND oe.direction <> re.direction
        WHERE t.type = 'reversal' GROUP BY t.id HAVING count(oe.id) <> 2""",
    "failed requests carry an error code": f"""
        SELECT r.id FROM requests r
        WHERE r.status = '{Status.FAILED}' AND r.error_code IS NULL""",  # noqa: S608
}


@dataclass(frozen=True)
class Violation:
    check: str
    rows: list[tuple[object, ...]]


def find_violations(session: Session) -> list[Violation]:
    """Run every check in one snapshot, so a live system can be verified while it posts."""
    if not session.in_transaction():
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    violations = []
    session.execute(text(SIGNED_ENTRIES))
    for name, query in CHECKS.items():
        rows = [tuple(row) for row in session.execute(text(query)).fetchmany(20)]
        if rows:
            violations.append(Violation(check=name, rows=rows))
    return violations


def main() -> None:
    from infra.db import make_engine, make_session_factory
    from infra.settings import get_settings

    engine = make_engine(get_settings().database_url, pool_size=1)
    with make_session_factory(engine)() as session:
        violations = find_violations(session)
    engine.dispose()
    for name in CHECKS:
        bad = next((v for v in violations if v.check == name), None)
        print(f"{'FAIL' if bad else 'ok  '}  {name}" + (f": {bad.rows[:5]}" if bad else ""))
    sys.exit(1 if violations else 0)


if __name__ == "__main__":
    main()
