"""The webhooks' and monitors' HTTP contract, in process: admin only, the secret shown once
and sealed at rest, bad bodies and unsafe URLs refused as problems, delete and list."""

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session, sessionmaker

from infra.sealing import Sealer
from infra.settings import Settings
from ledger.models import Webhook
from producer_api.app import create_app
from tests.api.conftest import close_app
from tests.api.helpers import assert_refused, keyed_client, post
from tests.fixtures.processes import METADATA_KEY

HOOK = {"url": "http://127.0.0.1:9/hook", "events": ["request.completed"]}
MONITOR = {"accountNumber": "USR-001", "assetCode": "GOLD_COINS", "below": "10.00"}


@pytest.fixture
def admin(app: Flask, db: Session) -> FlaskClient:
    return keyed_client(app, db, ["admin"], client_id="hooks")


@pytest.fixture
def production(
    app_settings: Settings, tx_sessions: sessionmaker[Session], db: Session
) -> Iterator[dict[str, FlaskClient]]:
    """Admin clients of two production apps: one refusing private addresses, one allowing them."""
    clients, apps = {}, []
    for name, allow in (("strict", False), ("allowing", True)):
        settings = app_settings.model_copy(
            update={
                "wallet_env": "production",
                "wallet_dev_api_key": None,
                "wallet_secret_key": "a-production-secret",
                "webhook_allow_private": allow,
            }
        )
        apps.append(create_app(settings, sessions=tx_sessions))
        clients[name] = keyed_client(apps[-1], db, ["admin"], client_id="hooks")
    yield clients
    for app in apps:
        close_app(app)


def test_registering_shows_the_secret_once_and_stores_it_sealed(
    admin: FlaskClient, db: Session
) -> None:
    answer = post(admin, "/api/webhooks", {**HOOK, "description": "game 1"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    created: dict[str, Any] = answer.get_json()
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["events"] == ["request.completed"] and created["description"] == "game 1"
    listed = admin.get("/api/webhooks").get_json()["webhooks"]
    mine = [w for w in listed if w["webhookId"] == created["webhookId"]]
    assert mine and all("secret" not in w for w in listed)
    assert created["secret"] not in admin.get("/api/webhooks").get_data(as_text=True)
    row = db.get(Webhook, created["webhookId"])
    assert row is not None and created["secret"] not in str(row.secret)
    assert Sealer(METADATA_KEY).unseal(row.secret) == created["secret"]


ADMIN_ROUTES = [
    ("post", "/api/webhooks", HOOK),
    ("get", "/api/webhooks", None),
    ("delete", "/api/webhooks/00000000-0000-0000-0000-000000000000", None),
    ("get", "/api/webhooks/00000000-0000-0000-0000-000000000000/deliveries", None),
    ("post", "/api/monitors", MONITOR),
    ("get", "/api/monitors", None),
    ("delete", "/api/monitors/00000000-0000-0000-0000-000000000000", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ADMIN_ROUTES)
def test_a_wallet_key_is_forbidden(client: FlaskClient, method: str, path: str, body: Any) -> None:
    answer = getattr(client, method)(path, json=body)
    assert_refused(answer, 403, "FORBIDDEN")


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({**HOOK, "events": ["request.exploded"]}, "VALIDATION_ERROR", "events.0"),
        ({**HOOK, "events": []}, "VALIDATION_ERROR", "events"),
        ({**HOOK, "events": ["request.failed", "request.failed"]}, "VALIDATION_ERROR", "events"),
        ({"events": ["request.failed"]}, "VALIDATION_ERROR", "url"),
        ({**HOOK, "secret": "mine"}, "VALIDATION_ERROR", "secret"),
        ({**HOOK, "url": "ftp://127.0.0.1/hook"}, "WEBHOOK_URL_REFUSED", "url"),
        ({**HOOK, "url": "http:///hook"}, "WEBHOOK_URL_REFUSED", "url"),
        ({**HOOK, "url": "http://user:pw@127.0.0.1/hook"}, "WEBHOOK_URL_REFUSED", "url"),
        ({**HOOK, "url": "http://127.0.0.1:99999/"}, "WEBHOOK_URL_REFUSED", "url"),
        ({**HOOK, "url": "https://no-such-host.invalid/hook"}, "WEBHOOK_URL_REFUSED", "url"),
        ({**HOOK, "url": "http://10.1.2.3/hook"}, "WEBHOOK_URL_REFUSED", "url"),
    ],
)
def test_bad_webhooks_are_refused(admin: FlaskClient, body: Any, code: str, field: str) -> None:
    assert_refused(post(admin, "/api/webhooks", body), 422, code, field)


PRIVATE = [
    "http://127.0.0.1/h",
    "http://localhost:8080/h",
    "http://10.0.0.5/h",
    "http://192.168.1.1/h",
    "http://169.254.169.254/latest/meta-data",
    "http://[::1]/h",
    "http://[::ffff:127.0.0.1]/h",
    "http://0.0.0.0/h",
    # IPv4 through NAT64 and 6to4, which Python 3.11's is_global passed (issue 22).
    "http://[64:ff9b::7f00:1]/",
    "http://[64:ff9b::a9fe:a9fe]/latest/meta-data",
    "http://[64:ff9b:1::a00:1]/",
    "http://[2002:a9fe:a9fe::1]/",
]


@pytest.mark.parametrize("url", PRIVATE)
def test_production_refuses_non_public_addresses_unless_allowed(
    production: dict[str, FlaskClient], url: str
) -> None:
    body = {**HOOK, "url": url}
    assert_refused(post(production["strict"], "/api/webhooks", body), 422, "WEBHOOK_URL_REFUSED")
    assert post(production["allowing"], "/api/webhooks", body).status_code == 201


def test_a_refusal_says_neither_what_the_host_resolved_to_nor_whether_it_resolved(
    production: dict[str, FlaskClient],
) -> None:
    """Else an admin key maps the internal DNS: the refusal named the address (issue 22)."""
    urls = ["http://localhost:8080/h", "https://no-such-host.invalid/h", "http://[::1]/h"]
    answers = [post(production["strict"], "/api/webhooks", {**HOOK, "url": u}) for u in urls]
    bodies = {answer.get_data(as_text=True) for answer in answers}
    assert len(bodies) == 1, bodies
    assert "127.0.0.1" not in bodies.pop()


def test_development_allows_loopback_only(admin: FlaskClient) -> None:
    assert post(admin, "/api/webhooks", {**HOOK, "url": "http://[::1]:8/h"}).status_code == 201
    private = post(admin, "/api/webhooks", {**HOOK, "url": "http://172.16.0.1/h"})
    assert_refused(private, 422, "WEBHOOK_URL_REFUSED", "url")


def test_a_deleted_webhook_is_gone_with_its_deliveries(admin: FlaskClient) -> None:
    hook = post(admin, "/api/webhooks", HOOK).get_json()["webhookId"]
    deliveries = admin.get(f"/api/webhooks/{hook}/deliveries")
    assert deliveries.status_code == 200 and deliveries.get_json() == {"deliveries": []}
    assert admin.delete(f"/api/webhooks/{hook}").status_code == 204
    assert hook not in admin.get("/api/webhooks").get_data(as_text=True)
    assert_refused(admin.delete(f"/api/webhooks/{hook}"), 404, "WEBHOOK_NOT_FOUND")
    assert_refused(admin.get(f"/api/webhooks/{hook}/deliveries"), 404, "WEBHOOK_NOT_FOUND")
    assert_refused(admin.delete("/api/webhooks/not-a-uuid"), 400, "VALIDATION_ERROR", "webhookId")


def test_a_monitor_is_created_listed_and_deleted(admin: FlaskClient) -> None:
    answer = post(admin, "/api/monitors", {**MONITOR, "below": "10.5"})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    created = answer.get_json()
    assert created["below"] == "10.50" and created["accountNumber"] == "USR-001"
    assert created in admin.get("/api/monitors").get_json()["monitors"]
    assert admin.delete(f"/api/monitors/{created['monitorId']}").status_code == 204
    assert created not in admin.get("/api/monitors").get_json()["monitors"]
    gone = admin.delete(f"/api/monitors/{created['monitorId']}")
    assert_refused(gone, 404, "MONITOR_NOT_FOUND")


@pytest.mark.parametrize(
    ("change", "code", "field"),
    [
        ({"accountNumber": "USR-NOPE"}, "ACCOUNT_NOT_FOUND", "accountNumber"),
        ({"assetCode": "NOPE"}, "ASSET_NOT_FOUND", "assetCode"),
        ({"below": "1.001"}, "AMOUNT_PRECISION", "below"),
        ({"below": "-1"}, "VALIDATION_ERROR", "below"),
    ],
)
def test_bad_monitors_are_refused(
    admin: FlaskClient, change: dict[str, str], code: str, field: str
) -> None:
    assert_refused(post(admin, "/api/monitors", {**MONITOR, **change}), 422, code, field)
