"""Double-entry posting: lock the touched balance rows in ascending id order, check, write."""

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import literal, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from ledger.errors import InsufficientFunds, InvalidAccount
from ledger.lookups import find_account, find_asset
from ledger.models import Account, AccountBalance, LedgerEntry, Transaction


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


def post_transfer(session: Session, *, transfer: Transfer) -> Transaction:
    """Move ``amount`` from the debit to the credit account as one DEBIT and one CREDIT entry."""
    asset = find_asset(session, code=transfer.asset_code)
    debit = find_account(session, account_number=transfer.debit_account)
    credit = find_account(session, account_number=transfer.credit_account)
    user = debit if debit.account_number == transfer.user_account else credit
    if user.kind != "user" or debit.id == credit.id:
        raise InvalidAccount(f"{transfer.user_account} is not a user account")
    balances = lock_balances(session, asset_id=asset.id, account_ids=[debit.id, credit.id])
    source, destination = balances[debit.id], balances[credit.id]
    if not source.allow_negative and source.balance < transfer.amount:
        raise InsufficientFunds(
            f"{debit.account_number} holds {source.balance:f} {asset.code}, "
            f"needs {transfer.amount:f}"
        )
    source.balance -= transfer.amount
    destination.balance += transfer.amount
    transaction = Transaction(
        id=uuid.uuid4(),
        request_id=transfer.request_id,
        type=transfer.type,
        description=transfer.description,
        metadata_=transfer.metadata,
    )
    session.add(transaction)
    session.flush()
    session.add_all(
        [
            _entry(transaction, source, "DEBIT", transfer.amount),
            _entry(transaction, destination, "CREDIT", transfer.amount),
        ]
    )
    session.flush()
    return transaction


def lock_balances(
    session: Session, *, asset_id: int, account_ids: list[int]
) -> dict[int, AccountBalance]:
    """Lock one asset's balance rows of the given accounts, in ascending row id (no deadlocks)."""
    rows = _select_for_update(session, asset_id, account_ids)
    if len(rows) < len(set(account_ids)):
        _create_missing_balances(session, asset_id, account_ids)
        rows = _select_for_update(session, asset_id, account_ids)
    return {row.account_id: row for row in rows}


def _select_for_update(
    session: Session, asset_id: int, account_ids: list[int]
) -> list[AccountBalance]:
    return list(
        session.scalars(
            select(AccountBalance)
            .where(
                AccountBalance.asset_id == asset_id,
                AccountBalance.account_id.in_(account_ids),
            )
            .order_by(AccountBalance.id)
            .with_for_update()
        )
    )


def _create_missing_balances(session: Session, asset_id: int, account_ids: list[int]) -> None:
    session.execute(
        insert(AccountBalance)
        .from_select(
            ["account_id", "asset_id", "allow_negative", "balance"],
            select(Account.id, literal(asset_id), Account.allow_negative, literal(0)).where(
                Account.id.in_(account_ids)
            ),
        )
        .on_conflict_do_nothing(constraint="uq_balance_account_asset")
    )


def _entry(
    transaction: Transaction, balance: AccountBalance, direction: str, amount: Decimal
) -> LedgerEntry:
    return LedgerEntry(
        transaction_id=transaction.id,
        balance_id=balance.id,
        account_id=balance.account_id,
        asset_id=balance.asset_id,
        direction=direction,
        amount=amount,
        balance_after=balance.balance,
    )
