"""Readable tables for the ``wallet`` command (``--json`` prints the resources instead)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from wallet_client.models import Balances, HistoryItem, Hold, RequestResult


def table(headers: Sequence[str], rows: Iterable[Sequence[str]], right: Iterable[int] = ()) -> str:
    """Columns padded to their widest cell, two spaces apart; ``right`` columns (numbers)
    aligned right. No trailing spaces."""
    lines = [list(headers), *(list(row) for row in rows)]
    widths = [max(len(line[i]) for line in lines) for i in range(len(headers))]
    aligned = set(right)
    out = []
    for line in lines:
        cells = [
            cell.rjust(width) if i in aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)


def pairs(rows: Iterable[tuple[str, str]]) -> str:
    """``label  value`` lines, labels padded to the longest."""
    kept = list(rows)
    width = max((len(label) for label, _ in kept), default=0)
    return "\n".join(f"{label.ljust(width)}  {value}".rstrip() for label, value in kept)


def when(moment: datetime | None) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


def money(amount: Decimal | None) -> str:
    return "" if amount is None else str(amount)


def request_table(result: RequestResult) -> str:
    rows = [
        ("key", result.idempotency_key),
        ("status", result.status + (" (replayed)" if result.replayed else "")),
        ("type", result.type),
        ("submitted", when(result.submitted_at)),
    ]
    if result.completed_at:
        rows.append(("finished", when(result.completed_at)))
    transaction = result.transaction
    if transaction is not None:
        rows += [
            ("transaction", transaction.transaction_id),
            ("account", transaction.account_number or ""),
            ("asset", transaction.asset_code),
            ("amount", money(transaction.amount)),
            ("balance after", money(transaction.balance_after)),
        ]
        rows += [
            ("entry", f"{entry.direction:<6}  {entry.amount}  {entry.account_number}")
            for entry in transaction.entries
        ]
        if transaction.description:
            rows.append(("description", transaction.description))
    if result.hold is not None:
        rows.append(("hold", result.hold.hold_id))
    if result.error is not None:
        rows.append(("error", f"{result.error.code}: {result.error.message}"))
    return pairs(rows)


def balances_table(balances: Balances) -> str:
    holds = any(b.held is not None for b in balances.balances)
    headers = ["ASSET", "NAME", "BALANCE"] + (["HELD", "AVAILABLE"] if holds else [])
    rows = []
    for b in balances.balances:
        row = [b.code, b.name, money(b.balance)]
        if holds:
            row += [money(b.held), money(b.available)]
        rows.append(row)
    body = table(headers, rows, right=range(2, len(headers)))
    return f"account {balances.account_number}\n{body}"


def history_table(items: Iterable[HistoryItem]) -> str:
    headers = ["CREATED", "TYPE", "ASSET", "DIRECTION", "AMOUNT", "BALANCE AFTER", "DESCRIPTION"]
    rows = [
        [
            when(item.created_at),
            item.type,
            item.asset_code,
            item.direction,
            money(item.amount),
            money(item.balance_after),
            item.description or "",
        ]
        for item in items
    ]
    if not rows:
        return "no transactions"
    return table(headers, rows, right=(4, 5))


def hold_table(hold: Hold) -> str:
    return pairs(
        [
            ("hold", hold.hold_id),
            ("status", hold.status),
            ("account", hold.account_number),
            ("asset", hold.asset_code),
            ("amount", money(hold.amount)),
            ("captured", money(hold.captured_amount)),
            ("expires", when(hold.expires_at)),
        ]
    )
