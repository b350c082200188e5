"""The in-process tier (flaskr style): the real app, Flask's test client, and every database
write inside a transaction rolled back after the test. No gunicorn, no worker: requests are
recorded (in the test's transaction) and enqueued to the private Redis on a queue nobody reads.

One app serves the whole run; its sessionmaker is bound to each test's connection in turn.
"""

import uuid
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings
from producer_api.app import create_app
from producer_api.app_services import Services
from tests.api.helpers import keyed_client
from tests.fixtures.processes import DEV_KEY, METADATA_KEY


@pytest.fixture(scope="session")
def tx_sessions() -> sessionmaker[Session]:
    """Sessions whose commits are savepoints of the running test's transaction."""
    return sessionmaker(join_transaction_mode="create_savepoint", expire_on_commit=False)


@pytest.fixture
def connection(rollback_engine: Engine, tx_sessions: sessionmaker[Session]) -> Iterator[Connection]:
    """On the rolled-back tier's database, which no worker reads and no test commits to."""
    with rollback_engine.connect() as connection:
        transaction = connection.begin()
        tx_sessions.configure(bind=connection)
        yield connection
        tx_sessions.configure(bind=None)
        transaction.rollback()


@pytest.fixture
def db(tx_sessions: sessionmaker[Session], connection: Connection) -> Iterator[Session]:
    with tx_sessions() as session:
        yield session


@pytest.fixture(scope="session")
def app_settings(rollback_engine: Engine, redis_url: str) -> Settings:
    return Settings(
        _env_file=None,
        database_url=rollback_engine.url.render_as_string(hide_password=False),
        redis_url=redis_url,
        celery_queue=f"wallet-in-process-{uuid.uuid4().hex[:8]}",
        wallet_env="development",
        wallet_dev_api_key=DEV_KEY,
        metadata_encryption_keys=METADATA_KEY,
        rate_limit_per_key="100000/second",
        rate_limit_per_account="100000/second",
        rate_limit_failed_auth_per_address="100000/second",
        max_wait_seconds=1,  # no worker posts here: a Prefer: wait would only wait
    )


def close_app(app: Flask) -> None:
    """Tear down what the factory built: threads, the Celery app, Redis clients, engines."""
    services: Services = app.extensions["wallet"]
    services.close()


@pytest.fixture(scope="session")
def shared_app(app_settings: Settings, tx_sessions: sessionmaker[Session]) -> Iterator[Flask]:
    app = create_app(app_settings, sessions=tx_sessions)
    app.config["TESTING"] = True
    yield app
    close_app(app)


@pytest.fixture
def app(shared_app: Flask, connection: Connection) -> Flask:
    return shared_app


@pytest.fixture
def fresh_app(
    app_settings: Settings, tx_sessions: sessionmaker[Session], connection: Connection
) -> Iterator[Flask]:
    """An app of this test's own, for a test that adds routes to it."""
    app = create_app(app_settings, sessions=tx_sessions)
    yield app
    close_app(app)


@pytest.fixture
def client_id() -> str:
    return f"in-process-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(app: Flask, db: Session, client_id: str) -> FlaskClient:
    """A test client holding an API key of its own client, so 'nothing was recorded' is
    a count of this client's requests only."""
    return keyed_client(app, db, ["wallet:read", "wallet:write"], client_id)
