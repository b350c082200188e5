"""Read models of the webhooks, their deliveries and the balance monitors (as ledger.reads.views:
camelCase JSON, money as decimal strings at the asset's scale). A webhook's secret appears
in ``WebhookCreated`` only: the answer to its registration."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from ledger.reads.views import ReadModel


class WebhookView(ReadModel):
    webhook_id: uuid.UUID
    url: str
    events: list[str]
    description: str | None
    created_at: datetime


class WebhookCreated(WebhookView):
    """A new webhook and its signing secret, shown this once."""

    secret: str


class WebhookList(ReadModel):
    webhooks: list[WebhookView]


class AttemptView(ReadModel):
    """One POST: the receiver's status code, or the error that stood for it."""

    attempt: int
    status_code: int | None
    error: str | None
    duration_ms: int
    attempted_at: datetime
    next_attempt_at: datetime | None


class DeliveryView(ReadModel):
    """One event for one webhook: ``pending`` (``nextAttemptAt`` says when), ``delivered``
    (answered 2xx) or ``failed`` (given up)."""

    delivery_id: int
    event_id: uuid.UUID
    event_type: str
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime
    attempt_log: list[AttemptView]


class DeliveryPage(ReadModel):
    deliveries: list[DeliveryView]  # newest first


class MonitorView(ReadModel):
    monitor_id: uuid.UUID
    account_number: str
    asset_code: str
    below: Decimal
    created_at: datetime


class MonitorList(ReadModel):
    monitors: list[MonitorView]


class EventBody(ReadModel):
    """What a delivery POSTs (and signs)."""

    id: uuid.UUID
    type: str
    created_at: datetime
    data: dict[str, Any]
