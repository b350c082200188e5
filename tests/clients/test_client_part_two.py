"""Transfers, holds, captures, voids and reversals, built from the documented contract
(DESIGN.md, "API contract, part 2"): the service does not serve them yet, so only what the
client sends and how it reads the answers is tested (httpx.MockTransport)."""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from wallet_client import WalletClient

from tests.clients.fakes import FakeService, resource


def call(client: WalletClient, name: str) -> object:
    calls = {
        "transfer": lambda: client.transfer(
            "USR-1", "USR-2", "GOLD_COINS", Decimal("3"), description="gift", idempotency_key="t"
        ),
        "hold": lambda: client.hold(
            "USR-1", "GOLD_COINS", 30, description="bid", expires_in=600, idempotency_key="h"
        ),
        "capture": lambda: client.capture("H/1", Decimal("20"), idempotency_key="c"),
        "capture-all": lambda: client.capture("H1", idempotency_key="c"),
        "void": lambda: client.void("H1", idempotency_key="v"),
        "reverse": lambda: client.reverse("T1", reason="refund", idempotency_key="r"),
    }
    return calls[name]()


@pytest.mark.parametrize(
    ("name", "path", "body"),
    [
        ("transfer", "/api/wallet/transfer", {"fromAccount": "USR-1", "toAccount": "USR-2",
         "assetCode": "GOLD_COINS", "amount": "3", "description": "gift", "idempotencyKey": "t"}),
        ("hold", "/api/wallet/holds", {"accountNumber": "USR-1", "assetCode": "GOLD_COINS",
         "amount": "30", "description": "bid", "expiresInSeconds": 600, "idempotencyKey": "h"}),
        ("capture", "/api/wallet/holds/H%2F1/capture", {"amount": "20", "idempotencyKey": "c"}),
        ("capture-all", "/api/wallet/holds/H1/capture", {"idempotencyKey": "c"}),
        ("void", "/api/wallet/holds/H1/void", {"idempotencyKey": "v"}),
        ("reverse", "/api/wallet/reversals", {"transactionId": "T1", "reason": "refund",
         "idempotencyKey": "r"}),
    ],
)  # fmt: skip
def test_part_two_movements_follow_the_documented_contract(
    name: str, path: str, body: dict[str, Any]
) -> None:
    service = FakeService()
    call(service.client(), name)
    (request,) = service.requests
    assert (request.method, request.url.raw_path.decode()) == ("POST", path)
    assert json.loads(request.content) == body


def test_a_hold_result_and_get_hold_read_the_hold() -> None:
    hold = {
        "holdId": "H1",
        "accountNumber": "USR-1",
        "assetCode": "GOLD_COINS",
        "amount": "30.00",
        "status": "captured",
        "expiresAt": "2026-01-02T04:04:05Z",
        "capturedAmount": "20.00",
    }
    service = FakeService(httpx.Response(200, json=resource("h", hold=hold)))
    result = service.client().hold("USR-1", "GOLD_COINS", 30, wait=5)
    assert result.hold is not None and result.hold.amount == Decimal("30.00")
    service = FakeService(httpx.Response(200, json=hold))
    got = service.client().get_hold("H1")
    assert (got.status, got.captured_amount) == ("captured", Decimal("20.00"))
    assert service.requests[0].url.path == "/api/wallet/holds/H1"
