"""Fixtures of the SDK's tests against the real service: the session's API server and
worker (tests/conftest.py), reached through the SDK with the development key."""

from collections.abc import Iterator

import pytest
from wallet_client import WalletClient

from harness.processes import Process


@pytest.fixture(scope="session")
def dev_key(service_env: dict[str, str]) -> str:
    return service_env["WALLET_DEV_API_KEY"]


@pytest.fixture
def wallet_url(api_url: str, worker: Process) -> str:
    """The real API's base URL, with a worker posting behind it."""
    return api_url


@pytest.fixture
def wallet(wallet_url: str, dev_key: str) -> Iterator[WalletClient]:
    with WalletClient(wallet_url, api_key=dev_key) as client:
        yield client
