"""Webhooks: register (the URL checked by infra.egress, a signing secret made and sealed at
rest), list, delete. Which events they hear of is ledger.webhooks.outbox's; how they are sent,
ledger.webhooks.deliveries' and the worker's."""

import secrets
import uuid
from collections import defaultdict

from sqlalchemy import delete, select, text, update
from sqlalchemy.orm import Session

from infra.egress import UnsafeDestination, resolve
from infra.sealing import Sealer
from ledger.errors import WebhookNotFound, WebhookUrlRefused
from ledger.models import (
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookGeneration,
)
from ledger.statuses import DeliveryStatus
from ledger.webhooks.views import (
    AttemptView,
    DeliveryPage,
    DeliveryView,
    WebhookCreated,
    WebhookList,
    WebhookView,
)

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
CHANGE_LOCK_TIMEOUT = "2s"


def register_webhook(
    session: Session,
    *,
    url: str,
    events: list[str],
    description: str | None,
    created_by: str,
    allow_private: bool,
    allow_loopback: bool,
    sealer: Sealer,
) -> WebhookCreated:
    """A new webhook and its secret (shown this once); ``WebhookUrlRefused`` for a URL the
    service will not call."""
    check_destination(url, allow_private=allow_private, allow_loopback=allow_loopback)
    subscribers_changed(session)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    webhook = Webhook(
        id=uuid.uuid4(),
        url=url,
        events=list(dict.fromkeys(events)),
        description=description,
        secret=sealer.seal(secret),
        created_by=created_by,
    )
    session.add(webhook)
    session.flush()
    session.refresh(webhook, ["created_at"])
    return WebhookCreated(**_view(webhook).model_dump(), secret=secret)


def check_destination(url: str, *, allow_private: bool, allow_loopback: bool) -> None:
    try:
        resolve(url, allow_private=allow_private, allow_loopback=allow_loopback)
    except UnsafeDestination as refusal:
        raise WebhookUrlRefused(str(refusal)) from None


def list_webhooks(session: Session) -> WebhookList:
    found = session.scalars(select(Webhook).order_by(Webhook.created_at, Webhook.id))
    return WebhookList(webhooks=[_view(webhook) for webhook in found])


def find_webhook(session: Session, *, webhook_id: uuid.UUID) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise WebhookNotFound(f"no webhook with id {webhook_id}")
    return webhook


def delete_webhook(session: Session, *, webhook_id: uuid.UUID) -> None:
    """Delete it with its deliveries (pending ones are never sent); its events stay."""
    subscribers_changed(session)  # first: see subscribers_changed
    deleted = session.execute(delete(Webhook).where(Webhook.id == webhook_id))
    if not deleted.rowcount:  # type: ignore[attr-defined]
        raise WebhookNotFound(f"no webhook with id {webhook_id}")


def subscribers_changed(session: Session) -> None:
    """Move the subscribers' generation, in the caller's transaction: every worker reads the
    subscribers again in its next posting transaction (ledger.webhooks.outbox.Subscriptions).
    The lock waits for the posting transactions that read the old generation, and holds back
    those that would read it, until this transaction ends: the change applies to every
    posting committed after it (a few milliseconds of waiting postings, once per change).

    Called before the webhook row is written: a posting that already read the generation
    then takes KEY SHARE on the webhook rows it fans out to, and a deletion holding such a
    row while it waited for this lock deadlocked with it. Behind a posting transaction that
    hangs (a worker cut off mid-transaction), every posting would queue behind this lock: it
    gives up after CHANGE_LOCK_TIMEOUT instead (55P03, the API's 503; the client retries)."""
    session.execute(text(f"SET LOCAL lock_timeout = '{CHANGE_LOCK_TIMEOUT}'"))
    session.execute(text("LOCK TABLE webhook_generation IN ACCESS EXCLUSIVE MODE"))
    session.execute(update(WebhookGeneration).values(generation=WebhookGeneration.generation + 1))


def _view(webhook: Webhook) -> WebhookView:
    return WebhookView(
        webhook_id=webhook.id,
        url=webhook.url,
        events=webhook.events,
        description=webhook.description,
        created_at=webhook.created_at,
    )


def list_deliveries(session: Session, *, webhook_id: uuid.UUID, limit: int) -> DeliveryPage:
    """A webhook's latest deliveries, newest first, each with its attempts."""
    find_webhook(session, webhook_id=webhook_id)
    rows = session.execute(
        select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.webhook_id == webhook_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()
    attempts: dict[int, list[AttemptView]] = defaultdict(list)
    for attempt in session.scalars(
        select(WebhookAttempt)
        .where(WebhookAttempt.delivery_id.in_([d.id for d, _ in rows]))
        .order_by(WebhookAttempt.id)
    ):
        attempts[attempt.delivery_id].append(
            AttemptView.model_validate(attempt, from_attributes=True)
        )
    return DeliveryPage(deliveries=[_delivery(d, type_, attempts[d.id]) for d, type_ in rows])


def _delivery(delivery: WebhookDelivery, event_type: str, log: list[AttemptView]) -> DeliveryView:
    return DeliveryView(
        delivery_id=delivery.id,
        event_id=delivery.event_id,
        event_type=event_type,
        status=delivery.status,
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
        next_attempt_at=delivery.next_attempt_at
        if delivery.status == DeliveryStatus.PENDING
        else None,
        delivered_at=delivery.delivered_at,
        created_at=delivery.created_at,
        attempt_log=log,
    )
