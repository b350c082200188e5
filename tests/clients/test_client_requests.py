"""What each SDK method sends and how it reads the answer (httpx.MockTransport): the
client's own logic (holds, reversals and transfers: test_client_part_two.py)."""

import json
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from wallet_client import Operation

from tests.clients.fakes import FakeService, echo, resource


def test_a_topup_posts_the_contract_body_with_a_fresh_uuid4_key_returned_on_the_result() -> None:
    service = FakeService(echo(202, "queued"))
    result = service.client().topup("USR-001", "GOLD_COINS", Decimal("100.50"))
    (request,) = service.requests
    assert (request.method, request.url.path) == ("POST", "/api/wallet/topup")
    assert request.headers["Authorization"] == "Bearer k-test"
    assert request.headers["Content-Type"] == "application/json"
    assert "Prefer" not in request.headers
    body = json.loads(request.content)
    key = body.pop("idempotencyKey")
    assert body == {"accountNumber": "USR-001", "assetCode": "GOLD_COINS", "amount": "100.50"}
    assert uuid.UUID(key).version == 4
    assert (result.idempotency_key, result.status, result.finished) == (key, "queued", False)


def test_each_call_gets_its_own_key_unless_one_is_given() -> None:
    service = FakeService()
    client = service.client()
    first = client.topup("USR-001", "GOLD_COINS", 1).idempotency_key
    second = client.topup("USR-001", "GOLD_COINS", 1).idempotency_key
    given = client.topup("USR-001", "GOLD_COINS", 1, idempotency_key="order-7").idempotency_key
    assert first != second
    assert given == "order-7"
    assert [b["idempotencyKey"] for b in service.bodies()] == [first, second, "order-7"]


def test_bonus_and_spend_carry_their_reason_and_description_and_metadata() -> None:
    service = FakeService()
    client = service.client()
    client.bonus("USR-1", "LOYALTY_POINTS", 50, reason="Daily login bonus", idempotency_key="b")
    client.spend("USR-1", "GOLD_COINS", "30", description="Sword", metadata={"item": 7})
    bonus, spend = service.bodies()
    assert bonus == {
        "accountNumber": "USR-1",
        "assetCode": "LOYALTY_POINTS",
        "amount": "50",
        "reason": "Daily login bonus",
        "idempotencyKey": "b",
    }
    assert (spend["description"], spend["metadata"], spend["amount"]) == (
        "Sword",
        {"item": 7},
        "30",
    )
    assert [r.url.path for r in service.requests] == ["/api/wallet/bonus", "/api/wallet/spend"]


def test_texts_are_optional_as_in_the_seed_and_a_topup_may_carry_a_description() -> None:
    service = FakeService()
    client = service.client()
    client.bonus("USR-1", "LOYALTY_POINTS", 50)
    client.spend("USR-1", "GOLD_COINS", 30)
    client.topup("USR-1", "GOLD_COINS", 5, description="Card purchase")
    bonus, spend, topup = service.bodies()
    assert "reason" not in bonus and "description" not in spend
    assert topup["description"] == "Card purchase"
    batch = [Operation.bonus("USR-1", "GOLD_COINS", 1), Operation.spend("USR-1", "GOLD_COINS", 1)]
    assert all(set(op.body()) & {"reason", "description"} == set() for op in batch)


@pytest.mark.parametrize(
    ("amount", "sent"),
    [(Decimal("100"), "100"), (Decimal("1E+2"), "100"), (Decimal("0.10"), "0.10"), (5, "5"),
     ("7.25", "7.25"), (Decimal("-1"), "-1")],
)  # fmt: skip
def test_amounts_are_sent_as_plain_decimal_strings(amount: Any, sent: str) -> None:
    service = FakeService()
    service.client().topup("USR-001", "GOLD_COINS", amount)
    assert service.bodies()[0]["amount"] == sent


@pytest.mark.parametrize(
    ("amount", "error"),
    [(1.5, TypeError), (True, TypeError), (None, TypeError), ("abc", ValueError),
     (Decimal("NaN"), ValueError), ("Infinity", ValueError), ("1e400000000000", ValueError),
     (Decimal("1E-41"), ValueError), ("0E-1000000", ValueError)],
)  # fmt: skip
def test_floats_and_non_numbers_are_refused_before_any_call(amount: Any, error: type) -> None:
    service = FakeService()
    with pytest.raises(error):
        service.client().topup("USR-001", "GOLD_COINS", amount)
    assert service.requests == []


def test_answers_are_read_with_decimal_money_and_the_replay_header() -> None:
    service = FakeService(echo(200, "completed", **{"Idempotent-Replayed": "true"}))
    result = service.client().topup("USR-001", "GOLD_COINS", Decimal("100.50"), wait=5)
    assert result.completed and result.replayed and result.attempts == 1
    tx = result.transaction
    assert tx is not None
    assert (tx.amount, tx.balance_after) == (Decimal("100.50"), Decimal("200.50"))
    assert [e.amount for e in tx.entries] == [Decimal("100.50")] * 2
    assert isinstance(tx.amount, Decimal) and isinstance(tx.created_at, datetime)


def test_wait_asks_the_server_to_hold_the_call_then_long_polls_for_the_rest() -> None:
    service = FakeService(echo(202, "queued"), echo(200, "processing"), echo(200, "completed"))
    result = service.client().topup("USR-001", "GOLD_COINS", 1, wait=45)
    submit, *polls = service.requests
    assert submit.headers["Prefer"] == "wait=30"  # the service's maximum
    key = json.loads(submit.content)["idempotencyKey"]
    assert [p.url.path for p in polls] == [f"/api/wallet/requests/{key}"] * 2
    assert all(0 < float(p.url.params["wait"]) <= 30 for p in polls)
    assert result.completed and result.attempts == 3
    assert result.idempotency_key == key


def test_polls_answered_at_once_unfinished_are_spaced_by_doubling_pauses() -> None:
    # The service answers a poll at once when all its waiters are taken (MAX_WAITERS_PER_
    # PROCESS): the client must not turn that into a tight loop of GETs.
    unfinished = [echo(200, "processing") for _ in range(4)]
    service = FakeService(echo(202, "queued"), *unfinished, echo(200, "completed"))
    result = service.client().topup("USR-001", "GOLD_COINS", 1, wait=10)
    assert result.completed and result.attempts == 6
    assert service.sleeps == [0.05, 0.1, 0.2, 0.4]


def test_a_short_wait_rounds_up_to_whole_seconds_for_the_prefer_header() -> None:
    service = FakeService()
    service.client().topup("USR-001", "GOLD_COINS", 1, wait=0.2)
    assert service.requests[0].headers["Prefer"] == "wait=1"
    with pytest.raises(ValueError):
        service.client().topup("USR-001", "GOLD_COINS", 1, wait=-1)


def test_request_percent_encodes_the_key_as_one_path_segment() -> None:
    service = FakeService(httpx.Response(200, json=resource("a/../b?#%")))
    result = service.client().request("a/../b?#%", wait=5)
    (request,) = service.requests
    assert request.url.raw_path == b"/api/wallet/requests/a%2F..%2Fb%3F%23%25?wait=5.000"
    assert result.idempotency_key == "a/../b?#%"


def test_balance_reads_decimals_and_sends_as_of_in_rfc_3339() -> None:
    body = {
        "accountNumber": "USR-001",
        "balances": [{"code": "GOLD_COINS", "name": "Gold Coins", "balance": "170.00"}],
    }
    service = FakeService(httpx.Response(200, json=body))
    client = service.client()
    balances = client.balance("USR-001", as_of=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert balances["GOLD_COINS"].balance == Decimal("170.00")
    assert balances["GOLD_COINS"].held is None
    with pytest.raises(KeyError):
        balances["DIAMONDS"]
    assert service.requests[0].url.params["asOf"] == "2026-01-02T03:04:05+00:00"
    with pytest.raises(ValueError, match="time zone"):
        client.balance("USR-001", as_of=datetime(2026, 1, 2))


def history_page(start: int, count: int, cursor: str | None) -> httpx.Response:
    items: list[dict[str, Any]] = [
        {
            "transactionId": f"t{n}",
            "type": "topup",
            "assetCode": "GOLD_COINS",
            "amount": f"{n}.00",
            "direction": "CREDIT",
            "balanceAfter": "1.00",
            "description": None,
            "metadata": {},
            "createdAt": "2026-01-02T03:04:05Z",
        }
        for n in range(start, start + count)
    ]
    body = {"accountNumber": "USR-1", "transactions": items, "nextCursor": cursor}
    return httpx.Response(200, json=body)


def test_history_follows_the_cursor_until_the_last_page() -> None:
    service = FakeService(
        history_page(0, 2, "c1"), history_page(2, 2, "c2"), history_page(4, 1, None)
    )
    items = list(service.client().history("USR-1", page_size=2))
    assert [i.transaction_id for i in items] == ["t0", "t1", "t2", "t3", "t4"]
    assert items[4].amount == Decimal("4.00")
    params = [dict(r.url.params) for r in service.requests]
    assert params == [
        {"limit": "2"},
        {"limit": "2", "cursor": "c1"},
        {"limit": "2", "cursor": "c2"},
    ]


def test_history_stops_at_the_limit_asking_only_for_what_is_left() -> None:
    service = FakeService(history_page(0, 2, "c1"), history_page(2, 1, "c2"))
    items = list(service.client().history("USR-1", limit=3, page_size=2))
    assert len(items) == 3
    assert [r.url.params["limit"] for r in service.requests] == ["2", "1"]
    assert list(FakeService().client().history("USR-1", limit=0)) == []


def test_batch_sends_each_operation_with_its_own_key() -> None:
    answer = {"requests": [resource("a"), resource("b", "failed")]}
    service = FakeService(httpx.Response(200, json=answer))
    result = service.client().batch(
        [
            Operation.topup("USR-1", "GOLD_COINS", Decimal("5"), idempotency_key="a"),
            {"type": "spend", "account": "USR-1", "asset": "GOLD_COINS", "amount": "9",
             "description": "x"},
        ],
        wait=5,
    )  # fmt: skip
    body = service.bodies()[0]
    assert service.requests[0].url.path == "/api/wallet/batch"
    first, second = body["operations"]
    assert first == {
        "type": "topup",
        "accountNumber": "USR-1",
        "assetCode": "GOLD_COINS",
        "amount": "5",
        "idempotencyKey": "a",
    }
    assert second["description"] == "x" and uuid.UUID(second["idempotencyKey"]).version == 4
    assert [r.status for r in result.requests] == ["completed", "failed"]
    assert result.finished
    with pytest.raises(ValueError):
        service.client().batch([])
