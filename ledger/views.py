"""Read models returned by ledger queries: plain dataclasses, money quantized to the asset scale."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.lifecycle import Status


@dataclass(frozen=True)
class BalanceView:
    code: str
    name: str
    balance: Decimal


@dataclass(frozen=True)
class AccountBalances:
    account_number: str
    balances: list[BalanceView]


@dataclass(frozen=True)
class EntryView:
    account_number: str
    direction: str
    amount: Decimal


@dataclass(frozen=True)
class TransactionView:
    transaction_id: uuid.UUID
    type: str
    account_number: str
    asset_code: str
    amount: Decimal
    balance_after: Decimal
    entries: list[EntryView]
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class ErrorView:
    code: str
    message: str


@dataclass(frozen=True)
class RequestView:
    idempotency_key: str
    request_id: uuid.UUID
    type: str
    status: str
    submitted_at: datetime
    completed_at: datetime | None
    transaction: TransactionView | None
    error: ErrorView | None

    @property
    def is_terminal(self) -> bool:
        return Status(self.status).is_terminal


@dataclass(frozen=True)
class HistoryItem:
    transaction_id: uuid.UUID
    type: str
    asset_code: str
    amount: Decimal
    direction: str
    balance_after: Decimal
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


@dataclass(frozen=True)
class HistoryPage:
    account_number: str
    transactions: list[HistoryItem]
    next_cursor: str | None
