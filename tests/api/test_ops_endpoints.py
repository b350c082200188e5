"""/metrics and /readyz (issue 22): they tell the backlog, the replica and the traffic by
route, and answered every caller in production. Now they are open to OPS_OPEN_NETWORKS (by
default every address in development, loopback only in production) and want a valid key, of
any scope, from any other caller; /healthz stays open."""

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings
from producer_api.app import create_app
from tests.api.conftest import close_app
from tests.api.helpers import assert_refused, keyed_client

OPS = ["/metrics", "/readyz"]
REMOTE = "203.0.113.7"
AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(
    app_settings: Settings, tx_sessions: sessionmaker[Session], connection: Connection
) -> Iterator[AppFactory]:
    apps: list[Flask] = []

    def make(**changes: object) -> Flask:
        apps.append(create_app(app_settings.model_copy(update=changes), sessions=tx_sessions))
        return apps[-1]

    yield make
    for app in apps:
        close_app(app)


def production(make: AppFactory, **changes: object) -> Flask:
    return make(
        wallet_env="production",
        wallet_dev_api_key=None,
        wallet_secret_key="a-production-secret",
        **changes,
    )


def caller(client: FlaskClient, address: str) -> FlaskClient:
    client.environ_base["REMOTE_ADDR"] = address
    return client


@pytest.mark.parametrize("path", OPS)
def test_production_wants_a_key_from_off_loopback(
    make_app: AppFactory, db: Session, path: str
) -> None:
    app = production(make_app)
    assert_refused(caller(app.test_client(), REMOTE).get(path), 401, "UNAUTHENTICATED")
    keyed = caller(keyed_client(app, db, ["wallet:read"]), REMOTE)
    assert keyed.get(path).status_code == 200
    assert caller(app.test_client(), "127.0.0.1").get(path).status_code == 200  # healthchecks
    assert caller(app.test_client(), REMOTE).get("/healthz").status_code == 200


@pytest.mark.parametrize("path", OPS)
def test_the_setting_opens_them_or_keys_them_everywhere(make_app: AppFactory, path: str) -> None:
    opened = production(make_app, ops_open_networks="0.0.0.0/0,::/0")
    assert caller(opened.test_client(), REMOTE).get(path).status_code == 200
    private = production(make_app, ops_open_networks="10.0.0.0/8")
    assert caller(private.test_client(), "10.9.8.7").get(path).status_code == 200
    assert caller(private.test_client(), REMOTE).get(path).status_code == 401
    keyed = production(make_app, ops_open_networks="")
    assert caller(keyed.test_client(), "127.0.0.1").get(path).status_code == 401


@pytest.mark.parametrize("path", OPS)
def test_development_leaves_them_open(app: Flask, path: str) -> None:
    assert caller(app.test_client(), REMOTE).get(path).status_code == 200
