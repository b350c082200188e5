"""``after``: the SDK's and the CLI's read-your-writes (``?after=<idempotencyKey>``), against
the scripted service and the real one."""

import asyncio
from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest
from wallet_client import WalletClient, WalletError, cli
from wallet_client.models import RequestResult

from tests.clients.fakes import FakeService, problem, resource
from tests.clients.test_cli_unit import run
from tests.clients.test_client_requests import history_page

BALANCES = {"accountNumber": "USR-1", "balances": [{"code": "G", "name": "G", "balance": "1.00"}]}


def test_balance_sends_after_as_a_key_or_the_result_it_names() -> None:
    service = FakeService(httpx.Response(200, json=BALANCES))
    client = service.client()
    client.balance("USR-1", after="order-7")
    done = RequestResult.model_validate(resource("order-8"))
    client.balance("USR-1", "2026-01-02T03:04:05Z", after=done)
    client.balance("USR-1")
    assert [dict(r.url.params) for r in service.requests] == [
        {"after": "order-7"},
        {"after": "order-8", "asOf": "2026-01-02T03:04:05Z"},
        {},
    ]


def test_history_sends_after_with_every_page() -> None:
    service = FakeService(history_page(0, 2, "c1"), history_page(2, 1, None))
    items = list(service.client().history("USR-1", page_size=2, after="k/1"))
    assert len(items) == 3
    assert [dict(r.url.params) for r in service.requests] == [
        {"limit": "2", "after": "k/1"},
        {"limit": "2", "after": "k/1", "cursor": "c1"},
    ]


def test_the_async_client_sends_after_too() -> None:
    service = FakeService(httpx.Response(200, json=BALANCES), history_page(0, 1, None))

    async def read() -> None:
        async with service.async_client() as client:
            await client.balance("USR-1", after="k1")
            assert len([i async for i in client.history("USR-1", after="k1")]) == 1

    asyncio.run(read())
    assert [r.url.params["after"] for r in service.requests] == ["k1", "k1"]


def test_a_request_not_finished_is_raised_at_once_not_retried() -> None:
    service = FakeService(problem(409, "REQUEST_NOT_FINISHED"))
    with pytest.raises(WalletError) as raised:
        service.client().balance("USR-1", after="k1")
    assert (raised.value.status, raised.value.code) == (409, "REQUEST_NOT_FINISHED")
    assert len(service.requests) == 1


def test_the_cli_reads_after_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    service = FakeService(httpx.Response(200, json=BALANCES), history_page(0, 1, None))
    assert run(service, monkeypatch, "balance", "USR-1", "--after", "k1") == cli.OK
    assert run(service, monkeypatch, "history", "USR-1", "--after", "k2") == cli.OK
    assert [r.url.params["after"] for r in service.requests] == ["k1", "k2"]


@pytest.mark.usefixtures("verified")
def test_reads_after_a_request_of_the_real_service_reflect_it(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="10")
    done = wallet.topup(user, "GOLD_COINS", Decimal("5"), wait=10)
    assert done.completed
    assert wallet.balance(user, after=done)["GOLD_COINS"].balance == Decimal("15.00")
    newest = next(iter(wallet.history(user, limit=1, after=done.idempotency_key)))
    assert done.transaction is not None
    assert newest.transaction_id == done.transaction.transaction_id
    with pytest.raises(WalletError) as raised:
        wallet.balance(user, after="no-such-request")
    assert (raised.value.status, raised.value.code) == (404, "REQUEST_NOT_FOUND")
