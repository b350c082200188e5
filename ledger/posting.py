"""Double-entry posting of many transfers in one transaction.

The balance rows the batch touches are locked once, in ascending id order (so concurrent
batches never deadlock); each transfer is checked against the running balances in order, so
a rejected transfer (insufficient funds) leaves the others untouched. Each accepted transfer
becomes one transaction with one DEBIT and one CREDIT entry of equal amount, and each entry
keeps the balance after it. A hot system account's row is updated once per batch, not once
per transfer: that is what lifts the hot-row ceiling.
"""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    column,
    insert,
    literal,
    select,
    true,
    tuple_,
    update,
    values,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.orm import Session

from ledger.errors import (
    AccountNotFound,
    AssetNotFound,
    BusinessRejection,
    InsufficientFunds,
    InvalidAccount,
)
from ledger.models import MONEY, Account, AccountBalance, AssetType, LedgerEntry, Transaction

BalanceKey = tuple[int, int]  # (account_id, asset_id)


@dataclass(frozen=True)
class Transfer:
    request_id: uuid.UUID
    type: str
    user_account: str
    debit_account: str
    credit_account: str
    asset_code: str
    amount: Decimal
    description: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass
class LockedBalance:
    id: int
    account_id: int
    asset_id: int
    allow_negative: bool
    balance: Decimal


@dataclass
class _Batch:
    transactions: list[dict[str, Any]] = field(default_factory=list)
    entries: list[dict[str, Any]] = field(default_factory=list)
    changed: dict[int, LockedBalance] = field(default_factory=dict)


def post_transfers(
    session: Session, *, transfers: list[Transfer]
) -> list[BusinessRejection | None]:
    """Post each transfer or say why not; the result lines up with ``transfers``."""
    assets = _by_key(session, AssetType, AssetType.code, {t.asset_code for t in transfers})
    numbers = {n for t in transfers for n in (t.debit_account, t.credit_account)}
    accounts = _by_key(session, Account, Account.account_number, numbers)
    outcomes = [_check_parties(t, assets, accounts) for t in transfers]
    keys = {
        (accounts[number].id, assets[t.asset_code].id)
        for t, outcome in zip(transfers, outcomes, strict=True)
        if outcome is None
        for number in (t.debit_account, t.credit_account)
    }
    balances = lock_balances(session, keys=keys)
    batch = _Batch()
    for index, transfer in enumerate(transfers):
        if outcomes[index] is None:
            asset_id = assets[transfer.asset_code].id
            source = balances[accounts[transfer.debit_account].id, asset_id]
            destination = balances[accounts[transfer.credit_account].id, asset_id]
            outcomes[index] = _apply(batch, transfer, source, destination)
    _write(session, batch)
    return outcomes


def lock_balances(session: Session, *, keys: set[BalanceKey]) -> dict[BalanceKey, LockedBalance]:
    """Lock the balance rows of (account_id, asset_id) pairs in ascending row id order."""
    if not keys:
        return {}
    rows = _select_for_update(session, keys)
    if len(rows) < len(keys):
        open_balance_rows(session, where=tuple_(Account.id, AssetType.id).in_(keys))
        rows = _select_for_update(session, keys)
    return {(r.account_id, r.asset_id): LockedBalance(**r._mapping) for r in rows}


def _by_key(session: Session, model: Any, key: Any, wanted: set[str]) -> dict[str, Any]:
    return {
        getattr(row, key.key): row for row in session.scalars(select(model).where(key.in_(wanted)))
    }


def _check_parties(
    transfer: Transfer, assets: dict[str, AssetType], accounts: dict[str, Account]
) -> BusinessRejection | None:
    if transfer.asset_code not in assets:
        return AssetNotFound(f"asset {transfer.asset_code!r} does not exist")
    for number in (transfer.debit_account, transfer.credit_account):
        if number not in accounts:
            return AccountNotFound(f"account {number!r} does not exist")
    user = accounts[transfer.user_account]
    if user.kind != "user" or transfer.debit_account == transfer.credit_account:
        return InvalidAccount(f"{transfer.user_account} is not a user account")
    return None


def _apply(
    batch: _Batch, transfer: Transfer, source: LockedBalance, destination: LockedBalance
) -> BusinessRejection | None:
    if not source.allow_negative and source.balance < transfer.amount:
        return InsufficientFunds(
            f"{transfer.debit_account} holds {source.balance:f} {transfer.asset_code}, "
            f"needs {transfer.amount:f}"
        )
    source.balance -= transfer.amount
    destination.balance += transfer.amount
    transaction_id = uuid.uuid4()
    batch.transactions.append(
        {
            "id": transaction_id,
            "request_id": transfer.request_id,
            "type": transfer.type,
            "description": transfer.description,
            "metadata_": transfer.metadata,
        }
    )
    for balance, direction in ((source, "DEBIT"), (destination, "CREDIT")):
        batch.changed[balance.id] = balance
        batch.entries.append(_entry(transaction_id, balance, direction, transfer.amount))
    return None


def _entry(
    transaction_id: uuid.UUID, balance: LockedBalance, direction: str, amount: Decimal
) -> dict[str, Any]:
    return {
        "transaction_id": transaction_id,
        "balance_id": balance.id,
        "account_id": balance.account_id,
        "asset_id": balance.asset_id,
        "direction": direction,
        "amount": amount,
        "balance_after": balance.balance,
    }


def _write(session: Session, batch: _Batch) -> None:
    if not batch.transactions:
        return
    new_balances = values(column("id", BigInteger), column("balance", MONEY), name="new").data(
        [(b.id, b.balance) for b in batch.changed.values()]
    )
    session.execute(
        update(AccountBalance)
        .where(AccountBalance.id == new_balances.c.id)
        .values(balance=new_balances.c.balance),
        execution_options={"synchronize_session": False},
    )
    session.execute(insert(Transaction), batch.transactions)
    session.execute(insert(LedgerEntry), batch.entries)


def _select_for_update(session: Session, keys: set[BalanceKey]) -> list[Any]:
    return list(
        session.execute(
            select(
                AccountBalance.id,
                AccountBalance.account_id,
                AccountBalance.asset_id,
                AccountBalance.allow_negative,
                AccountBalance.balance,
            )
            .where(tuple_(AccountBalance.account_id, AccountBalance.asset_id).in_(keys))
            .order_by(AccountBalance.id)
            .with_for_update()
        )
    )


def open_balance_rows(session: Session, *, where: ColumnElement[bool] | None = None) -> None:
    """Give every (account, asset) pair matching ``where`` (all pairs if None) the zero
    balance row it lacks, in one statement."""
    pairs = select(Account.id, AssetType.id, Account.allow_negative, literal(0)).join(
        AssetType, true()
    )
    if where is not None:
        pairs = pairs.where(where)
    session.execute(
        pg_insert(AccountBalance)
        .from_select(["account_id", "asset_id", "allow_negative", "balance"], pairs)
        .on_conflict_do_nothing(constraint="uq_balance_account_asset")
    )
