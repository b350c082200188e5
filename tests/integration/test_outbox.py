"""The transactional outbox on real Postgres: events are written in the posting's own
transaction (or not at all), only for subscribed types; balance.below fires on the crossing
alone; deliveries are claimed under a lease, retried, given up and swept."""

import uuid
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from infra.sealing import PLAIN
from ledger.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from ledger.posting.lifecycle import process_requests
from ledger.seed import fund
from ledger.statuses import Outcome
from ledger.webhooks.deliveries import (
    Answer,
    Backoff,
    claim_delivery,
    event_body,
    finish_attempt,
    sweep_due,
)
from ledger.webhooks.monitors import create_monitor
from ledger.webhooks.outbox import Subscriptions, record_event, record_posting_events
from ledger.webhooks.registration import register_webhook
from tests.integration.helpers import new_user, submit

BACKOFF = Backoff(base=10, max=100, give_up_after=3600)


def webhook(session: Session, *events: str) -> uuid.UUID:
    created = register_webhook(
        session,
        url="http://127.0.0.1:9/hook",
        events=list(events),
        description=None,
        created_by="test",
        allow_private=False,
        allow_loopback=True,
        sealer=PLAIN,
    )
    return created.webhook_id


def post(session: Session, *request_ids: uuid.UUID) -> tuple[list[Outcome], list[int]]:
    """What the worker's posting transaction does: post, then record the events."""
    outcomes = process_requests(
        session, request_ids=list(request_ids), max_attempts=3, sealer=PLAIN
    ).outcomes
    deliveries = record_posting_events(session, outcomes=outcomes, subscriptions=Subscriptions())
    return outcomes, deliveries


def due(session: Session, delivery: int, when: str) -> None:
    update = f"UPDATE webhook_deliveries SET next_attempt_at = {when} WHERE id = :d"
    session.execute(text(update), {"d": delivery})


def events_of(session: Session, *request_ids: uuid.UUID) -> list[str]:
    found = select(WebhookEvent.type).where(WebhookEvent.request_id.in_(request_ids))
    return sorted(session.scalars(found))


def funded_user(session: Session, gold: str) -> str:
    user = new_user(session)
    fund(session, amounts=[(user, "GOLD_COINS", Decimal(gold))])
    return user


def test_without_a_subscriber_a_posting_records_no_event(session: Session) -> None:
    webhook(session, "hold.expired")
    request = submit(session, new_user(session))
    outcomes, deliveries = post(session, request)
    assert outcomes[0].status == "completed" and deliveries == []
    assert events_of(session, request) == []


def test_each_outcome_is_an_event_delivered_to_each_subscriber(session: Session) -> None:
    first, second = webhook(session, "request.completed"), webhook(session, "request.failed")
    third = webhook(session, "request.completed", "request.failed")
    user = new_user(session)
    ok, poor = submit(session, user, "topup"), submit(session, user, "spend", amount="1000")
    _, deliveries = post(session, ok, poor)
    assert events_of(session, ok, poor) == ["request.completed", "request.failed"]
    rows = session.scalars(select(WebhookDelivery).where(WebhookDelivery.id.in_(deliveries)))
    assert sorted((r.webhook_id, r.status) for r in rows) == sorted(
        [(first, "pending"), (second, "pending"), (third, "pending"), (third, "pending")]
    )


def test_a_posting_rolled_back_leaves_no_event(session: Session) -> None:
    webhook(session, "request.completed")
    request = submit(session, new_user(session))
    savepoint = session.begin_nested()
    _, deliveries = post(session, request)
    assert len(deliveries) == 1 and events_of(session, request) == ["request.completed"]
    savepoint.rollback()
    assert events_of(session, request) == []
    assert session.scalar(select(func.count()).where(WebhookDelivery.id.in_(deliveries))) == 0


def test_balance_below_fires_on_the_crossing_only(session: Session) -> None:
    webhook(session, "balance.below")
    user = funded_user(session, "100")
    create_monitor(
        session, account_number=user, asset_code="GOLD_COINS", below=Decimal(50), created_by="t"
    )
    spends = [submit(session, user, "spend", amount=a) for a in ("30", "20", "10", "5")]
    _, first = post(session, spends[0])  # 100 -> 70
    _, crossing = post(session, spends[1])  # 70 -> 50: at, not below
    _, below = post(session, spends[2], spends[3])  # 50 -> 40 -> 35: one crossing
    assert (first, crossing, len(below)) == ([], [], 1)
    events = session.scalars(select(WebhookEvent.data).where(WebhookEvent.type == "balance.below"))
    (data,) = [data for data in events if data["accountNumber"] == user]
    assert (data["below"], data["previousBalance"], data["balance"]) == ("50.00", "50.00", "40.00")


def test_record_event_writes_only_for_subscribers(session: Session) -> None:
    assert record_event(session, type="hold.expired", data={"holdId": "h1"}) == []
    webhook(session, "hold.expired")
    (delivery,) = record_event(session, type="hold.expired", data={"holdId": "h2"})
    claim = claim_delivery(session, delivery_id=delivery, lease_seconds=30)
    assert claim is not None and claim.data == {"holdId": "h2"}
    assert b'"type":"hold.expired"' in event_body(session, claim=claim, sealer=PLAIN)
    with pytest.raises(ValueError, match="unknown event type"):
        record_event(session, type="hold.exploded", data={})


def test_a_claim_is_leased_and_a_failed_attempt_retried_later(session: Session) -> None:
    webhook(session, "request.completed")
    request = submit(session, new_user(session))
    _, (delivery,) = post(session, request)
    claim = claim_delivery(session, delivery_id=delivery, lease_seconds=30)
    assert claim is not None and claim.attempt == 1 and claim.request_id == request
    assert claim_delivery(session, delivery_id=delivery, lease_seconds=30) is None  # leased
    status, retry_in = finish_attempt(
        session, claim=claim, answer=Answer(500, None, 0.1), backoff=BACKOFF
    )
    assert status == "pending" and retry_in is not None and 5 <= retry_in <= 10
    assert claim_delivery(session, delivery_id=delivery, lease_seconds=30) is None  # not due
    due(session, delivery, "now()")
    again = claim_delivery(session, delivery_id=delivery, lease_seconds=30)
    assert again is not None and again.attempt == 2
    assert finish_attempt(session, claim=again, answer=Answer(204, None, 0.1), backoff=BACKOFF) == (
        "delivered",
        None,
    )
    attempts = session.scalars(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery))
    assert [(a.attempt, a.status_code) for a in attempts] == [(1, 500), (2, 204)]


def test_a_delivery_too_old_to_retry_fails(session: Session) -> None:
    webhook(session, "request.completed")
    _, (delivery,) = post(session, submit(session, new_user(session)))
    claim = claim_delivery(session, delivery_id=delivery, lease_seconds=30)
    assert claim is not None
    short = Backoff(base=10, max=100, give_up_after=5)
    answer = Answer(None, "ConnectError", 0.1)
    assert finish_attempt(session, claim=claim, answer=answer, backoff=short) == ("failed", None)
    assert session.get(WebhookDelivery, delivery, populate_existing=True).status == "failed"  # type: ignore[union-attr]


def test_the_sweep_resends_deliveries_due_for_a_while(session: Session) -> None:
    webhook(session, "request.completed")
    _, (fresh,) = post(session, submit(session, new_user(session)))
    _, (lost,) = post(session, submit(session, new_user(session)))
    due(session, lost, "now() - interval '1 minute'")
    swept = sweep_due(session, grace_seconds=10)
    assert lost in swept and fresh not in swept
    assert lost not in sweep_due(session, grace_seconds=10)  # touched: left to its message
