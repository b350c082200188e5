"""Development mode off loopback (issue 22): the development key is accepted from loopback
and WALLET_DEV_TRUSTED_NETWORKS only, and neither a 401 nor /openapi.json names it to any
other caller, so a development server that is reachable from elsewhere is not an open
admin API to whoever reads one of its answers."""

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings
from producer_api.app import create_app
from tests.api.conftest import close_app
from tests.api.helpers import assert_refused
from tests.fixtures.processes import DEV_KEY

BALANCE = "/api/wallet/balance/USR-001"
REMOTE = ["203.0.113.7", "10.1.2.3", "::ffff:10.1.2.3", "2001:db8::1", "fd00::2"]
LOOPBACK = ["127.0.0.1", "127.9.9.9", "::1", "::ffff:127.0.0.1"]


def caller(app: Flask, address: str, authorization: str | None = None) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if authorization is not None:
        client.environ_base["HTTP_AUTHORIZATION"] = authorization
    return client


@pytest.fixture
def trusting_ten(
    app_settings: Settings, tx_sessions: sessionmaker[Session], connection: Connection
) -> Iterator[Flask]:
    """A development app that trusts 10.0.0.0/8 besides loopback (as compose trusts its
    gateway)."""
    settings = app_settings.model_copy(update={"wallet_dev_trusted_networks": "10.0.0.0/8"})
    app = create_app(settings, sessions=tx_sessions)
    yield app
    close_app(app)


@pytest.mark.parametrize("address", REMOTE)
def test_the_development_key_is_refused_off_loopback(app: Flask, address: str) -> None:
    answer = caller(app, address, f"Bearer {DEV_KEY}").get(BALANCE)
    assert_refused(answer, 401, "INVALID_API_KEY")
    assert DEV_KEY not in answer.get_data(as_text=True)
    assert_refused(caller(app, address).get(BALANCE), 401, "UNAUTHENTICATED")


@pytest.mark.parametrize("address", LOOPBACK)
def test_the_development_key_serves_loopback(app: Flask, address: str) -> None:
    assert caller(app, address, f"Bearer {DEV_KEY}").get(BALANCE).status_code == 200


@pytest.mark.parametrize(("address", "named"), [("127.0.0.1", True), ("203.0.113.7", False)])
def test_a_401_and_the_openapi_document_name_the_key_on_loopback_only(
    app: Flask, address: str, named: bool
) -> None:
    refused = caller(app, address, "Basic bm8=").get(BALANCE)  # credentials, not a bearer key
    assert_refused(refused, 401, "UNAUTHENTICATED")
    assert (DEV_KEY in refused.get_json()["detail"]) is named
    document = caller(app, address).get("/openapi.json")
    assert document.status_code == 200
    assert (DEV_KEY in document.get_data(as_text=True)) is named


def test_a_trusted_network_is_served_as_loopback_is(trusting_ten: Flask) -> None:
    assert caller(trusting_ten, "10.1.2.3").get(BALANCE).status_code == 200
    assert caller(trusting_ten, "10.1.2.3", f"Bearer {DEV_KEY}").get(BALANCE).status_code == 200
    outside = caller(trusting_ten, "192.168.1.1", f"Bearer {DEV_KEY}").get(BALANCE)
    assert_refused(outside, 401, "INVALID_API_KEY")
