"""hold.expired on real Postgres: the expiry sweep and a capture or void that finds a hold
past its time each write one event per hold, carrying the hold resource, in their own
transaction, and only while a webhook subscribes."""

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.models import WebhookDelivery, WebhookEvent
from ledger.posting.expiry import expire_holds
from ledger.posting.lifecycle import process_requests
from ledger.reads.holds import get_hold
from ledger.webhooks.outbox import Subscriptions, record_holds_expired
from tests.integration.ops import record, user
from tests.integration.test_holds import place
from tests.integration.test_outbox import webhook


def expired_events(session: Session, hold_id: str) -> list[dict[str, Any]]:
    found = select(WebhookEvent.data).where(
        WebhookEvent.type == "hold.expired", WebhookEvent.data["holdId"].astext == hold_id
    )
    return [dict(data) for data in session.scalars(found)]


def sweep(session: Session, *, after_seconds: int) -> list[int]:
    """What the beat's expiry does in one transaction: release, then record the events."""
    now = session.scalar(select(func.now()))
    assert now is not None
    expired = expire_holds(session, now=now + timedelta(seconds=after_seconds))
    return record_holds_expired(session, hold_ids=expired, subscriptions=Subscriptions())


def test_the_sweep_writes_one_hold_expired_per_hold_with_the_hold_resource(
    session: Session,
) -> None:
    hook = webhook(session, "hold.expired")
    alice = user(session, "100")
    soon, later = place(session, alice, "10", seconds=60), place(session, alice, "20")
    deliveries = sweep(session, after_seconds=61)
    view = get_hold(session, hold_id=soon)
    assert view.status == "expired"
    assert expired_events(session, soon) == [view.model_dump(mode="json", by_alias=True)]
    assert expired_events(session, later) == []
    (delivery,) = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(deliveries)))
    assert (delivery.webhook_id, delivery.status) == (hook, "pending")


def test_without_a_subscriber_the_sweep_writes_no_event(session: Session) -> None:
    webhook(session, "request.completed")
    soon = place(session, user(session, "100"), "10", seconds=60)
    assert sweep(session, after_seconds=61) == []
    assert get_hold(session, hold_id=soon).status == "expired"
    assert expired_events(session, soon) == []


def test_a_capture_and_a_void_finding_a_hold_past_its_time_raise_one_event(
    session: Session,
) -> None:
    webhook(session, "hold.expired")
    hold_id = place(session, user(session, "100"), "30")
    session.execute(
        text("UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = :id"),
        {"id": hold_id},
    )
    requests = [record(session, op, hold_id=hold_id) for op in ("capture", "void")]
    posted = process_requests(session, request_ids=requests, max_attempts=3, sealer=PLAIN)
    assert [o.error_code for o in posted.outcomes] == ["HOLD_NOT_ACTIVE"] * 2
    assert posted.expired_holds == [hold_id]
    expired = posted.expired_holds
    deliveries = record_holds_expired(session, hold_ids=expired, subscriptions=Subscriptions())
    assert len(deliveries) == 1
    view = get_hold(session, hold_id=hold_id).model_dump(mode="json", by_alias=True)
    assert expired_events(session, hold_id) == [view]
    void = record(session, "void", hold_id=hold_id)
    again = process_requests(session, request_ids=[void], max_attempts=3, sealer=PLAIN)
    assert [o.error_code for o in again.outcomes] == ["HOLD_NOT_ACTIVE"]
    assert again.expired_holds == []  # already expired: not again
