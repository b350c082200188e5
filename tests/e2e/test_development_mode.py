"""Development mode (the default) listens on 127.0.0.1 only and serves calls without
credentials from loopback as the development client, so the seed's curl commands work
verbatim; production listens on every interface and wants a key on every call."""

import ipaddress
import socket
import uuid
from pathlib import Path

import psutil
import pytest
import requests

from harness.processes import Process, api_process, free_port, start_api
from tests.fixtures.clients import Api, UserFactory
from tests.fixtures.processes import DEV_KEY


def listening_addresses(port: int) -> set[str]:
    listening = [c.laddr for c in psutil.net_connections("tcp") if c.status == psutil.CONN_LISTEN]
    return {address.ip for address in listening if address and address.port == port}


def start(env: dict[str, str], log_dir: Path, name: str) -> tuple[Process, str, int]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    return start_api(api_process(env, log_dir, port, name=name), url), url, port


def test_development_listens_on_loopback_only(development_api: tuple[str, int]) -> None:
    assert listening_addresses(development_api[1]) == {"127.0.0.1"}


def test_development_serves_a_call_without_credentials_as_the_development_client(
    development_api: tuple[str, int], worker: Process, make_user: UserFactory
) -> None:
    url, _ = development_api
    user = make_user(GOLD_COINS="100")
    body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 100}
    body["idempotencyKey"] = f"topup-{uuid.uuid4()}"
    answer = requests.post(
        f"{url}/api/wallet/topup", json=body, headers={"Prefer": "wait=10"}, timeout=20
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["transaction"]["balanceAfter"] == "200.00"
    # The same client as the development key: with the key, the call is a replay.
    replay = Api(url, DEV_KEY).post("/api/wallet/topup", body)
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json()["requestId"] == answer.json()["requestId"]
    balance = requests.get(f"{url}/api/wallet/balance/{user}", timeout=10)
    assert balance.json()["balances"][0]["balance"] == "200.00"


def test_a_missing_key_in_development_names_the_development_key(api_url: str) -> None:
    """The shared test API trusts no network, as a development server behind a proxy would."""
    answer = requests.get(f"{api_url}/api/wallet/balance/USR-001", timeout=10)
    assert answer.status_code == 401
    assert DEV_KEY in answer.json()["detail"]


def own_outside_address() -> str | None:
    """An IPv4 address of this machine that is not loopback: a call to it from here comes
    from it, a real non-loopback peer."""
    for addresses in psutil.net_if_addrs().values():
        for found in addresses:
            if (
                found.family == socket.AF_INET
                and not ipaddress.ip_address(found.address).is_loopback
            ):
                return str(found.address)
    return None


def test_development_listening_everywhere_serves_the_key_to_loopback_only(
    service_env: dict[str, str], log_dir: Path
) -> None:
    """A development container listens on 0.0.0.0: the key is neither accepted from nor
    named to a caller off loopback (issue 22)."""
    outside = own_outside_address()
    if outside is None:
        pytest.skip("this machine has no address but loopback")
    env = {k: v for k, v in service_env.items() if k != "WALLET_DEV_TRUSTED_NETWORKS"}
    process, url, port = start({**env, "LISTEN_ADDRESS": "0.0.0.0"}, log_dir, "api-everywhere")
    try:
        key, basic = {"Authorization": f"Bearer {DEV_KEY}"}, {"Authorization": "Basic bm8="}
        for base, served in ((url, True), (f"http://{outside}:{port}", False)):
            balance = requests.get(f"{base}/api/wallet/balance/USR-001", headers=key, timeout=10)
            assert (balance.status_code == 200) is served, balance.text
            refused = requests.get(f"{base}/api/wallet/balance/USR-001", headers=basic, timeout=10)
            assert refused.status_code == 401
            document = requests.get(f"{base}/openapi.json", timeout=10)
            assert (DEV_KEY in refused.text) is served and (DEV_KEY in document.text) is served
    finally:
        process.stop()


def test_production_listens_everywhere_and_wants_a_key_on_every_call(
    service_env: dict[str, str], log_dir: Path
) -> None:
    env = {k: v for k, v in service_env.items() if k != "WALLET_DEV_TRUSTED_NETWORKS"}
    env.update(WALLET_ENV="production", WALLET_SECRET_KEY="s" * 32, WALLET_DEV_API_KEY="")
    process, url, port = start(env, log_dir, "api-production")
    try:
        assert listening_addresses(port) == {"0.0.0.0"}
        for headers in ({}, {"Authorization": f"Bearer {DEV_KEY}"}):
            answer = requests.get(f"{url}/api/wallet/balance/USR-001", headers=headers, timeout=10)
            assert answer.status_code == 401
            assert "development" not in answer.json()["detail"]
        # /metrics and /readyz: open to loopback (healthchecks), a key from elsewhere.
        outside = own_outside_address()
        for path in ("/metrics", "/readyz"):
            assert requests.get(f"{url}{path}", timeout=10).status_code == 200
            if outside is not None:
                off = requests.get(f"http://{outside}:{port}{path}", timeout=10)
                assert off.status_code == 401, (path, off.text)
    finally:
        process.stop()
