"""The unit tier: pure rules as pure functions (refusals, the operation table, money, error
codes, configuration), as Cosmic Python's tests/unit. No test here may use a database, Redis,
a broker or a process: one that asks for such a fixture is refused at collection, so the
tier stays fast and runs anywhere."""

from pathlib import Path

import pytest

# The session fixtures of tests/fixtures/ that reach a service or start a process.
SERVICES = {
    "database_url",
    "empty_database",
    "engine",
    "sessions",
    "rollback_engine",
    "rolled_back",
    "session",
    "verified",
    "redis_server_url",
    "redis_url",
    "redis_client",
    "worker",
    "webhook_worker",
    "api_url",
    "development_api",
    "stack",
    "private_postgres",
    "server_stack",
    "private_stack",
    "broker",
    "broker_url",
    "rabbitmq_vhost",
}


UNIT = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        used = SERVICES & set(getattr(item, "fixturenames", ()))
        if used and item.path.is_relative_to(UNIT):
            raise pytest.UsageError(f"{item.nodeid}: the unit tier uses no {sorted(used)}")
