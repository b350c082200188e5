"""The OpenAPI document's names are pinned: operation ids and component names are derived
(from the views' names, the models' names), so a rename would silently change what clients
generate; here it changes a literal. The document is built once, in the app factory: a route
that cannot be described, or a link to an operation no route has, stops the start."""

import json
import re
from typing import Any

import pytest
from flask import Flask

from producer_api.http.openapi import Operation, init_openapi, openapi_spec

OPERATION_IDS = {
    ("/api/wallet/topup", "post"): "topup",
    ("/api/wallet/bonus", "post"): "bonus",
    ("/api/wallet/spend", "post"): "spend",
    ("/api/wallet/transfer", "post"): "transfer",
    ("/api/wallet/holds", "post"): "placeHold",
    ("/api/wallet/holds/{holdId}/capture", "post"): "captureHold",
    ("/api/wallet/holds/{holdId}/void", "post"): "voidHold",
    ("/api/wallet/reversals", "post"): "reverseTransaction",
    ("/api/wallet/batch", "post"): "batch",
    ("/api/wallet/requests/{key}", "get"): "getRequest",
    ("/api/wallet/balance/{accountNumber}", "get"): "getBalance",
    ("/api/wallet/history/{accountNumber}", "get"): "getHistory",
    ("/api/wallet/holds/{holdId}", "get"): "getHold",
    ("/api/accounts", "post"): "createAccount",
    ("/api/accounts", "get"): "listAccounts",
    ("/api/accounts/{accountNumber}", "get"): "getAccount",
    ("/api/accounts/{accountNumber}/freeze", "post"): "freezeAccount",
    ("/api/accounts/{accountNumber}/unfreeze", "post"): "unfreezeAccount",
    ("/api/assets", "post"): "createAsset",
    ("/api/assets", "get"): "listAssets",
    ("/api/webhooks", "post"): "createWebhook",
    ("/api/webhooks", "get"): "listWebhooks",
    ("/api/webhooks/{webhookId}", "delete"): "deleteWebhook",
    ("/api/webhooks/{webhookId}/deliveries", "get"): "listDeliveries",
    ("/api/monitors", "post"): "createMonitor",
    ("/api/monitors", "get"): "listMonitors",
    ("/api/monitors/{monitorId}", "delete"): "deleteMonitor",
}
SCHEMAS = [
    "AccountBalancesOut",
    "AccountBody",
    "AccountOut",
    "AccountPageOut",
    "AssetBody",
    "AssetOut",
    "AssetPageOut",
    "AttemptOut",
    "BalanceOut",
    "BatchBody",
    "BatchBonus",
    "BatchOut",
    "BatchSpend",
    "BatchTopup",
    "BonusBody",
    "CaptureBody",
    "DeliveryOut",
    "DeliveryPageOut",
    "EntryOut",
    "ErrorOut",
    "FieldErrorOut",
    "HistoryItemOut",
    "HistoryOut",
    "HoldBody",
    "HoldOut",
    "MonitorBody",
    "MonitorListOut",
    "MonitorOut",
    "ProblemOut",
    "RequestOut",
    "ReversalBody",
    "SpendBody",
    "TopupBody",
    "TransactionOut",
    "TransferBody",
    "VoidBody",
    "WebhookBody",
    "WebhookCreatedOut",
    "WebhookListOut",
    "WebhookOut",
]


def operations(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [operation for methods in spec["paths"].values() for operation in methods.values()]


def test_operation_ids_are_pinned(shared_app: Flask) -> None:
    spec = openapi_spec(shared_app)
    found = {
        (path, method): operation["operationId"]
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    }
    assert found == OPERATION_IDS


def test_component_names_are_pinned(shared_app: Flask) -> None:
    assert sorted(openapi_spec(shared_app)["components"]["schemas"]) == SCHEMAS


def test_every_link_names_an_operation_of_the_document(shared_app: Flask) -> None:
    spec = openapi_spec(shared_app)
    ids = {operation["operationId"] for operation in operations(spec)}
    links = [
        link["operationId"]
        for operation in operations(spec)
        for answer in operation["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    assert links and set(links) <= ids


def test_a_route_that_cannot_be_described_stops_the_start() -> None:
    app = Flask(__name__)

    @app.get("/things/<thing_id>")
    @Operation(answers={"200": ("A thing", None)})  # no path model for thingId
    def get_thing(thing_id: str) -> str:
        return thing_id

    with pytest.raises(ValueError, match="path parameters"):
        init_openapi(app)


def test_a_link_to_an_operation_no_route_has_stops_the_start() -> None:
    app = Flask(__name__)

    @app.post("/things")
    @Operation(answers={"202": ("Accepted", None)}, links=("$response.body#/key", "x"))
    def make_thing() -> str:
        return ""

    with pytest.raises(ValueError, match="getBalance"):
        init_openapi(app)


def test_every_reference_names_a_published_schema(shared_app: Flask) -> None:
    spec = openapi_spec(shared_app)
    text = json.dumps(spec)
    named = set(re.findall(r'"#/components/schemas/([^"]+)"', text))
    assert named and named <= set(spec["components"]["schemas"])
