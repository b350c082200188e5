"""Session fixtures: a throwaway database, real Redis, a real Celery worker and the real API."""

import os
import shutil
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from harness.postgres import PrivatePostgres
from harness.processes import (
    ROOT,
    Process,
    api_process,
    free_port,
    redis_process,
    start_api,
    start_redis,
    start_worker,
    worker_process,
)
from infra.database_admin import drop_database
from infra.db import make_engine, make_session_factory
from ledger.seed import create_accounts, fund, prepare_wallet_database
from ledger.verify import find_violations
from tests.launch import copy_checkout
from tests.stack import Stack

PG_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432")
DEV_KEY = "test-dev-key"
METADATA_KEY = "uL9TNPkgcp8bX0fYl2cQo1OE5pQHzzS6PkMFIZ6s3rE="  # a Fernet key for tests only


@pytest.fixture(scope="session")
def log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("logs")


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = f"{PG_SERVER}/wallet_test_{uuid.uuid4().hex[:10]}"
    prepare_wallet_database(url)
    yield url
    drop_database(url)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pool_size=5)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture(scope="session")
def rollback_engine() -> Iterator[Engine]:
    """The rolled-back tier's own database: no worker consumes it and no test commits to it,
    so a test sees the seed and what it wrote itself, never another test's rows."""
    url = f"{PG_SERVER}/wallet_rollback_{uuid.uuid4().hex[:10]}"
    prepare_wallet_database(url)
    engine = make_engine(url, pool_size=2)
    yield engine
    engine.dispose()
    drop_database(url)


@contextmanager
def rolled_back(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction rolled back at the end (it may commit savepoints)."""
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session
        transaction.rollback()


@pytest.fixture
def session(rollback_engine: Engine) -> Iterator[Session]:
    with rolled_back(rollback_engine) as session:
        yield session


@pytest.fixture(scope="session")
def redis_server_url(log_dir: Path) -> Iterator[str]:
    """A private Redis for this test run (TEST_REDIS_URL overrides), so runs never collide."""
    if "TEST_REDIS_URL" in os.environ:
        yield os.environ["TEST_REDIS_URL"].rsplit("/", 1)[0]
        return
    port = free_port()
    process = start_redis(redis_process(log_dir, port), port)
    yield f"redis://127.0.0.1:{port}"
    process.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server_url: str) -> str:
    return f"{redis_server_url}/0"


@pytest.fixture(scope="session")
def redis_client(redis_url: str) -> redis.Redis:
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    return client


@pytest.fixture(scope="session")
def service_env(
    database_url: str, redis_url: str, redis_client: redis.Redis, log_dir: Path
) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": f"wallet-test-{uuid.uuid4().hex[:8]}",
        "REAPER_INTERVAL_SECONDS": "1",
        "REAPER_STALE_AFTER_SECONDS": "3",
        "MAX_ATTEMPTS": "3",
        "WORKER_METRICS_PORT": str(free_port()),
        "METADATA_ENCRYPTION_KEYS": METADATA_KEY,
        "WALLET_ENV": "development",
        "LOG_FORMAT": "json",  # tests read the processes' logs line by line as JSON
        "WALLET_DEV_API_KEY": DEV_KEY,
        # Keys are the subject of many tests: the shared API trusts no network without one
        # (tests/e2e/test_development_mode.py covers the loopback default).
        "WALLET_DEV_TRUSTED_NETWORKS": "",
        "RATE_LIMIT_PER_KEY": "100000/second",
        "RATE_LIMIT_PER_ACCOUNT": "100000/second",
        # The race tests hold 50 long-polls at once; the bound itself is tested on a private
        # API (tests/e2e/test_backpressure.py).
        "MAX_WAITERS_PER_PROCESS": "32",
        "PYTHONPATH": str(ROOT),
        "TMPDIR": str(log_dir),  # the processes' own temporary files go with their logs
    }


@pytest.fixture(scope="session")
def worker(service_env: dict[str, str], log_dir: Path) -> Iterator[Process]:
    process = start_worker(worker_process(service_env, log_dir))
    yield process
    process.stop()


@pytest.fixture(scope="session")
def api_url(service_env: dict[str, str], log_dir: Path) -> Iterator[str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_api(api_process(service_env, log_dir, port), url)
    yield url
    process.stop()


@pytest.fixture(scope="session")
def development_api(service_env: dict[str, str], log_dir: Path) -> Iterator[tuple[str, int]]:
    """An API as make run starts it: development, serving loopback without a key."""
    env = {k: v for k, v in service_env.items() if k != "WALLET_DEV_TRUSTED_NETWORKS"}
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = start_api(api_process(env, log_dir, port, name="api-development"), url)
    yield url, port
    process.stop()


@pytest.fixture
def http(api_url: str, worker: Process) -> "Api":
    return Api(api_url)


class Api:
    """A thin HTTP client for the wallet API under test."""

    def __init__(self, base_url: str, token: str | None = DEV_KEY) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    @staticmethod
    def env_for(sessions: sessionmaker[Session]) -> dict[str, str]:
        """Environment for a CLI run against the test database."""
        url = sessions.kw["bind"].url.render_as_string(hide_password=False)
        return {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)}

    def post(self, path: str, body: object = None, **kwargs: Any) -> requests.Response:
        return self.session.post(f"{self.base_url}{path}", json=body, timeout=40, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.session.get(f"{self.base_url}{path}", timeout=40, **kwargs)

    def submit(
        self, operation: str, body: Mapping[str, object], wait: int = 10
    ) -> requests.Response:
        return self.post(f"/api/wallet/{operation}", body, headers={"Prefer": f"wait={wait}"})

    def balance(self, account: str, asset: str = "GOLD_COINS") -> str:
        balances = self.get(f"/api/wallet/balance/{account}").json()["balances"]
        return str(next(b["balance"] for b in balances if b["code"] == asset))


@pytest.fixture
def make_user(sessions: sessionmaker[Session]) -> "UserFactory":
    return UserFactory(sessions)


class UserFactory:
    """Creates a fresh user account per call, funded like the seed users, so tests don't collide."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def __call__(self, **balances: str) -> str:
        number = f"USR-T{uuid.uuid4().hex[:10].upper()}"
        with self.sessions.begin() as session:
            create_accounts(session, accounts=[(number, "Test User", "user")])
            fund(
                session,
                amounts=[(number, a, Decimal(v)) for a, v in balances.items() if Decimal(v)],
            )
        return number


@pytest.fixture
def checkout() -> Iterator[Path]:
    """A fresh copy of the work tree (tests/launch.py), removed afterwards with what make run
    left in it."""
    path = copy_checkout()
    yield path
    shutil.rmtree(path.parent)


@pytest.fixture
def verified(sessions: sessionmaker[Session]) -> Iterator[None]:
    """Checks every ledger invariant after the test."""
    yield
    assert_ledger_consistent(sessions)


def assert_ledger_consistent(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        violations = find_violations(session)
    assert violations == []


@pytest.fixture
def stack(service_env: dict[str, str], log_dir: Path, redis_server_url: str) -> Iterator[Stack]:
    """A private database + Redis db for a fault test, torn down afterwards."""
    url = f"{PG_SERVER}/wallet_fault_{uuid.uuid4().hex[:8]}"
    yield from private_stack(url, f"{redis_server_url}/1", service_env, log_dir)
    drop_database(url)


@pytest.fixture
def private_postgres() -> Iterator[PrivatePostgres]:
    """A PostgreSQL server of the test's own, which the test may stop and start."""
    server = PrivatePostgres().init()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@pytest.fixture
def server_stack(
    private_postgres: PrivatePostgres,
    service_env: dict[str, str],
    log_dir: Path,
    redis_server_url: str,
) -> Iterator[Stack]:
    """A stack whose database lives on ``private_postgres``: stopping that server, or reading
    its log and statistics, concerns this test alone."""
    url = f"{private_postgres.server_url()}/wallet"
    yield from private_stack(url, f"{redis_server_url}/2", service_env, log_dir)


def private_stack(
    database_url: str, redis_url: str, service_env: dict[str, str], log_dir: Path
) -> Iterator[Stack]:
    """Set up a seeded database and an empty Redis db; close and check the ledger after."""
    prepare_wallet_database(database_url)
    redis.Redis.from_url(redis_url).flushdb()
    private = Stack(database_url, redis_url, service_env, log_dir)
    yield private
    private.close()
    assert_ledger_consistent(private.sessions)
    private.engine.dispose()
