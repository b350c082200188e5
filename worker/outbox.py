"""The posting transaction's webhook events (ledger.webhooks.outbox), and the messages that
announce their deliveries once it commits. Which event types have subscribers is remembered
per pool process until a webhook is registered or deleted
(ledger.webhooks.outbox.Subscriptions)."""

from collections.abc import Sequence

import structlog
from kombu.exceptions import OperationalError as BrokerError
from sqlalchemy.orm import Session

from ledger.statuses import Outcome
from ledger.webhooks.outbox import record_holds_expired, record_posting_events
from worker.celery_app import app
from worker.runtime import runtime

DELIVER_TASK = "wallet.deliver_webhook"
log = structlog.get_logger(__name__)


def record_events(
    session: Session, outcomes: Sequence[Outcome], expired_holds: Sequence[str]
) -> list[int]:
    """In the posting transaction: its events (``expired_holds``: the holds it found past
    their expiry and expired); the ids of their deliveries."""
    deliveries = record_posting_events(
        session, outcomes=outcomes, subscriptions=runtime().subscriptions
    )
    return deliveries + record_expired_events(session, expired_holds)


def record_expired_events(session: Session, hold_ids: Sequence[str]) -> list[int]:
    """In the transaction that expired these holds: their ``hold.expired``."""
    return record_holds_expired(session, hold_ids=hold_ids, subscriptions=runtime().subscriptions)


def announce(delivery_ids: Sequence[int]) -> None:
    """After the commit: one message per delivery. A lost one only delays it (the sweep)."""
    try:
        for delivery_id in delivery_ids:
            app.send_task(DELIVER_TASK, args=[delivery_id])
    except BrokerError:
        log.warning("could not announce webhook deliveries", count=len(delivery_ids))
