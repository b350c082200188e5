"""The wallet's tables: assets, accounts and their balance rows, the request inbox, holds,
transactions and their entries, API keys (migrations: ledger/migrations)."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import MONEY, Base, timestamp_now
from ledger.operations import OperationType
from ledger.statuses import PENDING, AccountStatus, HoldStatus, Status, sql_list


class AssetType(Base):
    __tablename__ = "asset_types"
    __table_args__ = (CheckConstraint("scale BETWEEN 0 AND 18", name="scale_range"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    scale: Mapped[int] = mapped_column(SmallInteger, default=2)


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('user', 'system')", name="kind_known"),
        CheckConstraint("kind = 'system' OR NOT allow_negative", name="users_never_negative"),
        CheckConstraint(f"status IN {sql_list(AccountStatus)}", name="account_status_known"),
        # Target of account_balances' composite key, so a balance row cannot lie about it.
        UniqueConstraint("id", "allow_negative", name="uq_accounts_id_allow_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    allow_negative: Mapped[bool] = mapped_column(default=False)
    # frozen: refuses every movement out (spends, transfers, holds, captures, reversals); receives.
    status: Mapped[str] = mapped_column(
        String(16), default=AccountStatus.ACTIVE, server_default=AccountStatus.ACTIVE
    )
    created_at: Mapped[datetime] = timestamp_now()


class AccountBalance(Base):
    __tablename__ = "account_balances"
    __table_args__ = (
        UniqueConstraint("account_id", "asset_id", name="uq_balance_account_asset"),
        # Target of ledger_entries' composite key (fk_entry_balance). None of its columns
        # changes when a posting updates the row (balance, held, updated_at), so those
        # updates stay HOT.
        UniqueConstraint("id", "account_id", "asset_id", name="uq_balance_id_account_asset"),
        ForeignKeyConstraint(
            ["account_id", "allow_negative"],
            ["accounts.id", "accounts.allow_negative"],
            name="fk_balance_account",
        ),
        CheckConstraint("balance >= 0 OR allow_negative", name="balance_not_negative"),
        CheckConstraint("held >= 0", name="held_not_negative"),
        # A user's available balance (posted minus held) never goes below zero.
        CheckConstraint("allow_negative OR balance - held >= 0", name="available_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id"))
    allow_negative: Mapped[bool] = mapped_column(default=False)
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    # The sum of the row's active holds.
    held: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    updated_at: Mapped[datetime] = timestamp_now()


class Request(Base):
    """The inbox: one row per (client, idempotency key); the source of truth for status."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_request_client_key"),
        UniqueConstraint("seq", name="uq_requests_seq"),
        CheckConstraint(f"status IN {sql_list(Status)}", name="status_known"),
        CheckConstraint(f"type IN {sql_list(OperationType)}", name="type_known"),
        Index(
            "ix_requests_pending",
            "updated_at",
            postgresql_where=text(f"status IN {sql_list(PENDING)}"),
        ),
        Index(
            "ix_requests_fresh",
            "seq",
            postgresql_where=text(f"status = '{Status.QUEUED}' AND attempts = 0"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Arrival order, also within one batch submission: requests are posted in this order.
    seq: Mapped[int] = mapped_column(BigInteger, Identity(always=True))
    client_id: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    # Sealed at rest when keys are set (infra.sealing): read through ledger.inbox.requests.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=Status.QUEUED)  # ledger.statuses
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Hold(Base):
    """Funds reserved on a balance row (``held``) until captured, voided or expired."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint("amount > 0", name="hold_amount_positive"),
        CheckConstraint(
            "captured_amount >= 0 AND captured_amount <= amount", name="captured_within_hold"
        ),
        CheckConstraint(f"status IN {sql_list(HoldStatus)}", name="hold_status_known"),
        Index(
            "ix_holds_active_expiry",
            "expires_at",
            postgresql_where=text(f"status = '{HoldStatus.ACTIVE}'"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # The request that authorized it: at most one hold per request.
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requests.id"), unique=True)
    balance_id: Mapped[int] = mapped_column(ForeignKey("account_balances.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id"))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    captured_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    status: Mapped[str] = mapped_column(String(16), default=HoldStatus.ACTIVE)
    description: Mapped[str | None] = mapped_column(Text)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = timestamp_now()
    updated_at: Mapped[datetime] = timestamp_now()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Transaction(Base):
    __tablename__ = "transactions"
    __table_args__ = (
        CheckConstraint(
            "reversed_amount >= 0 AND reversed_amount <= amount", name="reversed_within_amount"
        ),
        # Partial: most transactions reverse nothing, and their inserts skip this index.
        Index(
            "ix_transactions_reversal_of",
            "reversal_of",
            postgresql_where=text("reversal_of IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Unique: at most one transaction per request, hence per idempotency key.
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requests.id"), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    # The sum of the reversals of this transaction (never above ``amount``).
    reversed_amount: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0), server_default="0")
    reversal_of: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("transactions.id"))
    hold_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("holds.id"))
    description: Mapped[str | None] = mapped_column(Text)
    # Sealed at rest when keys are set (infra.sealing), like a request's payload.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    created_at: Mapped[datetime] = timestamp_now()


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction_known"),
        # One key for the entry's balance row, account and asset: one RI check per entry
        # instead of three, and an entry cannot name an account or asset other than its
        # balance row's. Accounts and assets are reached through the balance row's own keys.
        ForeignKeyConstraint(
            ["balance_id", "account_id", "asset_id"],
            [
                "account_balances.id",
                "account_balances.account_id",
                "account_balances.asset_id",
            ],
            name="fk_entry_balance",
        ),
        Index("ix_entries_account_id", "account_id", "id"),
        # A balance row's entries in time order: point-in-time balances (ledger.reads.queries).
        Index("ix_entries_balance_time", "balance_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transactions.id"), index=True)
    balance_id: Mapped[int] = mapped_column(BigInteger)  # fk_entry_balance, with the next two
    account_id: Mapped[int] = mapped_column(BigInteger)
    asset_id: Mapped[int] = mapped_column(Integer)
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    balance_after: Mapped[Decimal] = mapped_column(MONEY)
    # The time of the insert, taken while the balance row is locked (not the transaction's
    # start, as now() would be): per balance row, entries' times follow their ids, so a
    # point-in-time balance is the latest entry at or before the instant.
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.clock_timestamp(), nullable=False
    )


class ApiKey(Base):
    """A client's credential. Only an HMAC of the token is stored; the token is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    created_at: Mapped[datetime] = timestamp_now()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
