"""Reads: balances and history, straight from Postgres."""

import base64
import binascii
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from infra.sealing import Sealer
from ledger.errors import AccountNotFound, InvalidCursor
from ledger.models import (
    Account,
    AccountBalance,
    AssetType,
    LedgerEntry,
    Request,
    Transaction,
)
from ledger.money import quantize
from ledger.reads.views import (
    AccountBalances,
    BalanceView,
    HistoryItem,
    HistoryPage,
)


def get_balances(
    session: Session, *, account_number: str, as_of: datetime | None = None
) -> AccountBalances:
    """Posted, held and available balances; or, ``as_of`` an instant, the posted balances
    then: each row's latest entry at or before it (entries are timed when inserted, under
    the row's lock, so per row their times follow their order)."""
    account = find_account(session, account_number=account_number)
    if as_of is not None:
        return _balances_as_of(session, account, as_of)
    rows = session.execute(_by_asset(account, AccountBalance.balance, AccountBalance.held))
    return AccountBalances(
        account_number=account.account_number,
        balances=[
            BalanceView(
                code=asset.code,
                name=asset.name,
                balance=quantize(balance, asset.scale),
                held=quantize(held, asset.scale),
                available=quantize(balance - held, asset.scale),
            )
            for asset, balance, held in rows
        ],
    )


def _balances_as_of(session: Session, account: Account, as_of: datetime) -> AccountBalances:
    latest = (
        select(LedgerEntry.balance_after)
        .where(LedgerEntry.balance_id == AccountBalance.id, LedgerEntry.created_at <= as_of)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    rows = session.execute(_by_asset(account, func.coalesce(latest, 0)))
    return AccountBalances(
        account_number=account.account_number,
        balances=[
            BalanceView(code=asset.code, name=asset.name, balance=quantize(balance, asset.scale))
            for asset, balance in rows
        ],
    )


def _by_asset(account: Account, *columns: Any) -> Select[Any]:
    """The account's balance rows, one per asset in asset order: the asset and ``columns``."""
    return (
        select(AssetType, *columns)
        .join(AccountBalance, AccountBalance.asset_id == AssetType.id)
        .where(AccountBalance.account_id == account.id)
        .order_by(AssetType.id)
    )


def get_history(
    session: Session,
    *,
    account_number: str,
    limit: int,
    cursor: str | None = None,
    sealer: Sealer,
    viewer: str | None,
) -> HistoryPage:
    """One account's entries, newest first, keyset-paginated by entry id; ``sealer`` opens
    their transactions' metadata. Accounts are shared by every client, the metadata of a
    transaction is its client's: ``viewer`` (a client id) sees only the metadata of the
    transactions its own requests made (the others' is empty); None sees all (admin)."""
    account = find_account(session, account_number=account_number)
    query = (
        select(LedgerEntry, Transaction, AssetType, Request.client_id)
        .join(Transaction, Transaction.id == LedgerEntry.transaction_id)
        .join(AssetType, AssetType.id == LedgerEntry.asset_id)
        .join(Request, Request.id == Transaction.request_id)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        query = query.where(LedgerEntry.id < decode_cursor(cursor))
    rows = session.execute(query).all()
    items = [
        _history_item(entry, tx, asset, sealer if viewer in (None, owner) else None)
        for entry, tx, asset, owner in rows[:limit]
    ]
    more = len(rows) > limit
    return HistoryPage(
        account_number=account.account_number,
        transactions=items,
        next_cursor=encode_cursor(rows[limit - 1][0].id) if more else None,
    )


def find_account(session: Session, *, account_number: str) -> Account:
    account = session.scalar(select(Account).where(Account.account_number == account_number))
    if account is None:
        raise AccountNotFound(f"account {account_number!r} does not exist")
    return account


def encode_cursor(entry_id: int, kind: str = "e") -> str:
    """An opaque keyset cursor: a row id, tagged with what it pages (e: entries)."""
    return base64.urlsafe_b64encode(f"{kind}{entry_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str, kind: str = "e") -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
        entry_id = int(text[1:]) if text[:1] == kind and text[1:].isdigit() else -1
    except (ValueError, binascii.Error):
        entry_id = -1
    # Only a cursor this service would have issued, byte for byte, is accepted.
    if not 0 < entry_id < 2**63 or encode_cursor(entry_id, kind) != cursor:
        raise InvalidCursor("cursor is not one this service issued")
    return entry_id


def _history_item(
    entry: LedgerEntry, tx: Transaction, asset: AssetType, sealer: Sealer | None
) -> HistoryItem:
    """``sealer`` None: the metadata is not the viewer's to see."""
    return HistoryItem(
        transaction_id=tx.id,
        type=tx.type,
        asset_code=asset.code,
        amount=quantize(entry.amount, asset.scale),
        direction=entry.direction,
        balance_after=quantize(entry.balance_after, asset.scale),
        description=tx.description,
        metadata={} if sealer is None else sealer.unseal(tx.metadata_),
        created_at=tx.created_at,
    )
