"""SQLAlchemy models of the ledger and the request inbox (migrations: ledger/migrations)."""

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
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from ledger.lifecycle import PENDING, Status, sql_list

MONEY = Numeric(38, 18)


class Base(DeclarativeBase):
    pass


def _created_at() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)


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
        # Target of account_balances' composite key, so a balance row cannot lie about it.
        UniqueConstraint("id", "allow_negative", name="uq_accounts_id_allow_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_number: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    allow_negative: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = _created_at()


class AccountBalance(Base):
    __tablename__ = "account_balances"
    __table_args__ = (
        UniqueConstraint("account_id", "asset_id", name="uq_balance_account_asset"),
        ForeignKeyConstraint(
            ["account_id", "allow_negative"],
            ["accounts.id", "accounts.allow_negative"],
            name="fk_balance_account",
        ),
        CheckConstraint("balance >= 0 OR allow_negative", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    account_id: Mapped[int] = mapped_column(BigInteger)
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id"))
    allow_negative: Mapped[bool] = mapped_column(default=False)
    balance: Mapped[Decimal] = mapped_column(MONEY, default=Decimal(0))
    updated_at: Mapped[datetime] = _created_at()


class Request(Base):
    """The inbox: one row per (client, idempotency key); the source of truth for status."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("client_id", "idempotency_key", name="uq_request_client_key"),
        UniqueConstraint("seq", name="uq_requests_seq"),
        CheckConstraint(f"status IN {sql_list(list(Status))}", name="status_known"),
        CheckConstraint("type IN ('topup', 'bonus', 'spend')", name="type_known"),
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
    # Sealed at rest when keys are set (infra.sealing): read through ledger.inbox.
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=Status.QUEUED)  # ledger.lifecycle
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_message: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = _created_at()
    updated_at: Mapped[datetime] = _created_at()
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Transaction(Base):
    __tablename__ = "transactions"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    # Unique: at most one transaction per request, hence per idempotency key.
    request_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("requests.id"), unique=True)
    type: Mapped[str] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)
    # Sealed at rest when keys are set (infra.sealing), like a request's payload.
    metadata_: Mapped[dict[str, Any]] = mapped_column("metadata", JSONB, default=dict)
    created_at: Mapped[datetime] = _created_at()


class LedgerEntry(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("direction IN ('DEBIT', 'CREDIT')", name="direction_known"),
        Index("ix_entries_account_id", "account_id", "id"),
        Index("ix_entries_balance_id", "balance_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    transaction_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("transactions.id"), index=True)
    balance_id: Mapped[int] = mapped_column(ForeignKey("account_balances.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id"))
    direction: Mapped[str] = mapped_column(String(6))
    amount: Mapped[Decimal] = mapped_column(MONEY)
    balance_after: Mapped[Decimal] = mapped_column(MONEY)
    created_at: Mapped[datetime] = _created_at()


class ApiKey(Base):
    """A client's credential. Only an HMAC of the token is stored; the token is shown once."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[list[str]] = mapped_column(ARRAY(String(32)))
    created_at: Mapped[datetime] = _created_at()
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
