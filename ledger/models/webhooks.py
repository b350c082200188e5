"""Tables of the webhooks (migration 0005): subscriptions, the event outbox, one delivery per
(event, webhook) with each of its attempts, and balance monitors."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from ledger.models.base import MONEY, Base, timestamp_now
from ledger.statuses import DeliveryStatus, sql_list


class Webhook(Base):
    """A subscriber: where to POST which event types, and the secret that signs them (sealed
    at rest with the metadata keys; shown once, at registration)."""

    __tablename__ = "webhooks"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    events: Mapped[list[str]] = mapped_column(ARRAY(String(64)))
    description: Mapped[str | None] = mapped_column(Text)
    secret: Mapped[Any] = mapped_column(JSONB)
    created_by: Mapped[str] = mapped_column(String(64))  # the registering client
    created_at: Mapped[datetime] = timestamp_now()


class WebhookGeneration(Base):
    """One row, its counter moved by every registration and deletion of a webhook (migration
    0008): what tells a worker's remembered subscriptions (ledger.webhooks.outbox) to be read
    again."""

    __tablename__ = "webhook_generation"
    __table_args__ = (CheckConstraint("id", name="one_row"),)

    id: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    generation: Mapped[int] = mapped_column(BigInteger, server_default="0")


class WebhookEvent(Base):
    """The outbox: written in the transaction that caused the event. A request's events are
    rendered from the request when delivered (it no longer changes); others carry ``data``."""

    __tablename__ = "webhook_events"
    __table_args__ = (UniqueConstraint("request_id", "type", name="uq_webhook_event_request"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    type: Mapped[str] = mapped_column(String(64))
    request_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("requests.id"))
    data: Mapped[Any | None] = mapped_column(JSONB)
    created_at: Mapped[datetime] = timestamp_now()


class WebhookDelivery(Base):
    """One event for one webhook: pending until answered 2xx (delivered) or given up (failed)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "webhook_id", name="uq_delivery_event_webhook"),
        CheckConstraint(f"status IN {sql_list(DeliveryStatus)}", name="status_known"),
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text(f"status = '{DeliveryStatus.PENDING}'"),
        ),
        Index("ix_deliveries_webhook", "webhook_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhook_events.id"))
    webhook_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("webhooks.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), server_default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    next_attempt_at: Mapped[datetime] = timestamp_now()
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = timestamp_now()


class WebhookAttempt(Base):
    """One POST of a delivery: its answer (or error) and when the next one is due."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    status_code: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempted_at: Mapped[datetime] = timestamp_now()


class BalanceMonitor(Base):
    """Fires ``balance.below`` when a posting takes the balance from >= ``below`` to < it."""

    __tablename__ = "balance_monitors"
    __table_args__ = (Index("ix_monitors_balance", "account_id", "asset_id"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    asset_id: Mapped[int] = mapped_column(ForeignKey("asset_types.id"))
    below: Mapped[Decimal] = mapped_column(MONEY)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = timestamp_now()
