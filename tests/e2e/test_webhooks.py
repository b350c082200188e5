"""Webhooks end to end: the real API, a real worker with beat, and a receiver on 127.0.0.1.
Events arrive signed (checked against a reference HMAC), failed deliveries are retried with
backoff until a 2xx, balance.below fires once per crossing, and an event written but never
announced (record_event) is delivered by the beat's sweep."""

import hashlib
import hmac
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from harness.processes import wait_until
from ledger.models import WebhookEvent
from ledger.webhooks.outbox import record_event
from tests.fixtures.clients import Api, UserFactory
from tests.receiver import Received, Receiver, receiving

Register = Callable[[Receiver, list[str]], dict[str, Any]]


@pytest.fixture
def register(http: Api) -> Iterator[Register]:
    """Registers webhooks through the API; deletes them after the test."""
    made: list[str] = []

    def make(receiver: Receiver, events: list[str]) -> dict[str, Any]:
        answer = http.post("/api/webhooks", {"url": receiver.url, "events": events})
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["webhookId"])
        return dict(answer.json())

    yield make
    for webhook_id in made:
        assert http.session.delete(f"{http.base_url}/api/webhooks/{webhook_id}").status_code == 204


def assert_signed(received: Received, secret: str) -> None:
    stamp, signature = received.headers["Wallet-Signature"].split(",")
    timestamp = int(stamp.removeprefix("t="))
    message = f"{timestamp}.".encode() + received.body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    assert signature == f"v1={expected}"
    assert abs(time.time() - timestamp) < 30


def about(key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda event: event["data"].get("idempotencyKey") == key


def test_a_completed_request_arrives_signed_with_the_request_resource(
    http: Api, register: Register, make_user: UserFactory
) -> None:
    user, key = make_user(GOLD_COINS="0"), f"hook-{uuid.uuid4()}"
    with receiving() as receiver:
        hook = register(receiver, ["request.completed", "request.failed"])
        body = {
            "accountNumber": user,
            "assetCode": "GOLD_COINS",
            "amount": "5",
            "idempotencyKey": key,
        }
        assert http.submit("topup", body).json()["status"] == "completed"
        (received,) = receiver.wait_for(about(key))
    assert_signed(received, hook["secret"])
    event = received.event
    assert event["type"] == "request.completed" and uuid.UUID(event["id"])
    assert event["data"] == http.get(f"/api/wallet/requests/{key}").json()
    delivery = wait_for_delivery(http, hook["webhookId"], "delivered", event_id=event["id"])
    assert (delivery["attempts"], delivery["lastStatusCode"]) == (1, 200)


def test_a_failing_receiver_gets_the_event_again_with_backoff_until_it_answers_2xx(
    http: Api, register: Register, make_user: UserFactory
) -> None:
    user, key = make_user(GOLD_COINS="1"), f"hook-{uuid.uuid4()}"
    with receiving([500, 503]) as receiver:
        hook = register(receiver, ["request.failed"])
        body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "9", "description": "x"}
        assert http.submit("spend", {**body, "idempotencyKey": key}).json()["status"] == "failed"
        posts = receiver.wait_for(about(key), count=3)
    assert len({p.body for p in posts}) == 1  # the same event, the same bytes
    assert posts[0].event["data"]["error"]["code"] == "INSUFFICIENT_FUNDS"
    first_gap, second_gap = posts[1].at - posts[0].at, posts[2].at - posts[1].at
    assert first_gap >= 0.09 and second_gap >= 0.19, (first_gap, second_gap)  # 0.2 s, doubling
    for received in posts:
        assert_signed(received, hook["secret"])
    # The receiver has the third post before the worker records its answer.
    delivery = wait_for_delivery(http, hook["webhookId"], "delivered")
    assert delivery["attempts"] == 3
    assert [a["statusCode"] for a in delivery["attemptLog"]] == [500, 503, 200]
    assert delivery["attemptLog"][0]["nextAttemptAt"] and delivery["nextAttemptAt"] is None


def test_balance_below_fires_once_when_a_posting_crosses_it(
    http: Api, register: Register, make_user: UserFactory, sessions: sessionmaker[Session]
) -> None:
    user = make_user(GOLD_COINS="100")
    monitor = {"accountNumber": user, "assetCode": "GOLD_COINS", "below": "50"}
    created = http.post("/api/monitors", monitor)
    assert created.status_code == 201
    with receiving() as receiver:
        register(receiver, ["balance.below"])
        for amount in ("30", "30", "10"):  # 70: above; 40: crossed; 30: already below
            spend = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": amount}
            spend["idempotencyKey"] = str(uuid.uuid4())
            assert (
                http.submit("spend", {**spend, "description": "x"}).json()["status"] == "completed"
            )
        (received,) = receiver.wait_for(lambda e: e["data"]["accountNumber"] == user)
    data = received.event["data"]
    assert (data["previousBalance"], data["balance"], data["below"]) == ("70.00", "40.00", "50.00")
    with sessions() as session:  # written with the postings, so all are there by now
        fired = session.scalars(
            select(WebhookEvent.data).where(WebhookEvent.type == "balance.below")
        )
        assert [d for d in fired if d["accountNumber"] == user] == [data]
    monitor_url = f"{http.base_url}/api/monitors/{created.json()['monitorId']}"
    assert http.session.delete(monitor_url).status_code == 204


def test_an_event_never_announced_is_delivered_by_the_sweep(
    register: Register, sessions: sessionmaker[Session]
) -> None:
    hold = str(uuid.uuid4())
    with receiving() as receiver:
        register(receiver, ["hold.expired"])
        with sessions.begin() as session:  # as the holds' expiry would: no message sent
            assert len(record_event(session, type="hold.expired", data={"holdId": hold})) == 1
        (received,) = receiver.wait_for(lambda e: e["data"].get("holdId") == hold)
    assert received.event["type"] == "hold.expired"
    with sessions() as session:
        assert (
            session.scalar(select(func.count()).where(WebhookEvent.data["holdId"].astext == hold))
            == 1
        )


def test_a_hold_the_beat_expires_arrives_as_hold_expired_with_the_hold_resource(
    http: Api, register: Register, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="50")
    hold: dict[str, object] = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "20"}
    hold |= {"expiresInSeconds": 1, "idempotencyKey": str(uuid.uuid4())}
    with receiving() as receiver:
        register(receiver, ["hold.expired"])
        placed = http.submit("holds", hold).json()
        assert placed["status"] == "completed", placed
        hold_id = placed["hold"]["holdId"]
        (received,) = receiver.wait_for(lambda e: e["data"].get("holdId") == hold_id)
    assert received.event["type"] == "hold.expired"
    assert received.event["data"] == http.get(f"/api/wallet/holds/{hold_id}").json()
    assert received.event["data"]["status"] == "expired"


def test_a_capture_finding_its_hold_past_its_time_raises_hold_expired_through_the_worker(
    http: Api, register: Register, make_user: UserFactory, sessions: sessionmaker[Session]
) -> None:
    """The worker raises the hold.expired of a hold its posting expired (returned by the
    posting, ledger.posting.lifecycle.Posted), in the posting's transaction."""
    user = make_user(GOLD_COINS="50")
    hold: dict[str, object] = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "20"}
    with receiving() as receiver:
        register(receiver, ["hold.expired"])
        placed = http.submit("holds", hold | {"idempotencyKey": str(uuid.uuid4())}).json()
        hold_id = placed["hold"]["holdId"]
        with sessions.begin() as session:  # lapsed, not yet swept (the beat sweeps every 5 s)
            lapse = "UPDATE holds SET expires_at = now() - interval '1 second' WHERE id = :id"
            session.execute(text(lapse), {"id": hold_id})
        capture = {"idempotencyKey": str(uuid.uuid4())}
        captured = http.submit(f"holds/{hold_id}/capture", capture).json()
        assert captured["error"]["code"] == "HOLD_NOT_ACTIVE", captured
        (received,) = receiver.wait_for(lambda e: e["data"].get("holdId") == hold_id)
    assert received.event["type"] == "hold.expired"
    assert received.event["data"] == http.get(f"/api/wallet/holds/{hold_id}").json()


def wait_for_delivery(
    http: Api, webhook_id: str, status: str, event_id: str | None = None
) -> dict[str, Any]:
    """The webhook's one delivery (of ``event_id``, if given), once it has ``status``."""
    found: list[dict[str, Any]] = []

    def has_status() -> bool:
        deliveries = http.get(f"/api/webhooks/{webhook_id}/deliveries").json()["deliveries"]
        found[:] = [d for d in deliveries if event_id in (None, d["eventId"])]
        return len(found) == 1 and found[0]["status"] == status

    wait_until(has_status, timeout=10, what=f"the delivery {status}")
    return found[0]
