"""Read models: what the ledger's queries return, defined once. The API serves them as they
are (producer_api.http.responses.json_response): JSON names in camelCase, money as decimal strings
at the asset's scale, timestamps in RFC 3339. Titles read as words in the OpenAPI document."""

import re
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from ledger.statuses import Status


def model_title(model: type[BaseModel]) -> str:
    """What the docs show for a model: "AccountBalances" -> "Account balances"; a suffix
    that only says what kind of class it is (View, Page, Out) is left out."""
    name = re.sub(r"(View|Page|Out)$", "", model.__name__)
    return " ".join(re.findall(r"[A-Z][a-z]*", name)).capitalize()


def field_title(name: str, _: object) -> str:
    """ "Account number", not "Accountnumber"."""
    return name.replace("_", " ").capitalize()


class ReadModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        frozen=True,
        field_title_generator=field_title,
        model_title_generator=model_title,
    )


class BalanceView(ReadModel):
    code: str
    name: str
    balance: Decimal  # posted: a hold does not change it
    held: Decimal | None = None  # the sum of active holds (None: a point-in-time balance)
    available: Decimal | None = None  # balance - held


class AccountBalances(ReadModel):
    account_number: str
    balances: list[BalanceView]


class EntryView(ReadModel):
    """One leg of a transaction."""

    account_number: str
    direction: str
    amount: Decimal


class TransactionView(ReadModel):
    """A posted transaction, seen from the user account its request named."""

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
    reversal_of: uuid.UUID | None = None
    hold_id: uuid.UUID | None = None


class HoldView(ReadModel):
    """Funds reserved on a user's balance until captured, voided or expired."""

    hold_id: uuid.UUID
    account_number: str
    asset_code: str
    amount: Decimal
    status: str  # active | captured | voided | expired
    expires_at: datetime
    captured_amount: Decimal
    description: str | None
    created_at: datetime


class ErrorView(ReadModel):
    code: str
    message: str


class RequestView(ReadModel):
    """The request resource: its status and, once posted, its transaction or its error."""

    idempotency_key: str
    request_id: uuid.UUID
    type: str
    status: str
    submitted_at: datetime
    completed_at: datetime | None
    transaction: TransactionView | None
    error: ErrorView | None
    hold: HoldView | None = None  # a hold request's hold; a capture's or void's, as it is now

    @property
    def is_terminal(self) -> bool:
        return Status(self.status).is_terminal


class HistoryItem(ReadModel):
    """An entry of an account's history, seen from that account."""

    transaction_id: uuid.UUID
    type: str
    asset_code: str
    amount: Decimal
    direction: str
    balance_after: Decimal
    description: str | None
    metadata: dict[str, Any]
    created_at: datetime


class HistoryPage(ReadModel):
    account_number: str
    transactions: list[HistoryItem]
    next_cursor: str | None


class AccountView(ReadModel):
    account_number: str
    name: str
    kind: str
    status: str  # active | frozen
    created_at: datetime


class AccountPage(ReadModel):
    accounts: list[AccountView]
    next_cursor: str | None


class AssetView(ReadModel):
    code: str
    name: str
    scale: int


class AssetPage(ReadModel):
    assets: list[AssetView]
    next_cursor: str | None
