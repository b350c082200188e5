"""API keys, scopes, client scoping of idempotency keys, rate limits, production guards, Flower."""

import http.client
import json
import secrets
import subprocess
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import psutil
import pytest
import requests
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from harness.processes import BIN, ROOT, Process, api_process, free_port, start_api, wait_until
from infra.settings import DEV_SECRET_KEY
from ledger.models import ApiKey
from producer_api.services.api_keys import create_key
from tests.e2e.test_part2_flow import done, keyed
from tests.fixtures.clients import Api, UserFactory

WRITER = ["wallet:read", "wallet:write"]


def new_key(sessions: sessionmaker[Session], *scopes: str, client: str | None = None) -> str:
    with sessions.begin() as session:
        return create_key(
            session,
            client_id=client or f"game-{uuid.uuid4().hex[:6]}",
            scopes=list(scopes),
            secret=DEV_SECRET_KEY,
        )


def topup(user: str, key: str | None = None) -> dict[str, object]:
    return {
        "accountNumber": user,
        "assetCode": "GOLD_COINS",
        "amount": 1,
        "idempotencyKey": key or str(uuid.uuid4()),
    }


@pytest.mark.parametrize(
    ("header", "code"),
    [
        (None, "UNAUTHENTICATED"),
        ("Bearer", "UNAUTHENTICATED"),
        ("Basic dXNlcjpwdw==", "UNAUTHENTICATED"),
        ("Bearer wk_000000000000_forged", "INVALID_API_KEY"),
        ("Bearer nonsense", "INVALID_API_KEY"),
    ],
)
def test_a_missing_or_bad_key_is_a_401_problem(api_url: str, header: str | None, code: str) -> None:
    headers = {"Authorization": header} if header else {}
    answer = requests.get(f"{api_url}/api/wallet/balance/USR-001", headers=headers, timeout=10)
    assert answer.status_code == 401
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.headers["WWW-Authenticate"].startswith("Bearer")
    assert answer.json()["code"] == code


def test_a_read_only_key_can_read_but_not_submit(
    api_url: str, sessions: sessionmaker[Session]
) -> None:
    reader = Api(api_url, new_key(sessions, "wallet:read"))
    assert reader.get("/api/wallet/balance/USR-001").status_code == 200
    answer = reader.submit("topup", topup("USR-001"))
    assert answer.status_code == 403
    assert answer.json()["code"] == "FORBIDDEN"
    writer = Api(api_url, new_key(sessions, "wallet:write"))
    assert writer.get("/api/wallet/balance/USR-001").status_code == 403


def test_keys_are_stored_hashed_and_a_revoked_key_is_refused(
    api_url: str, sessions: sessionmaker[Session]
) -> None:
    token = new_key(sessions, "wallet:read")
    prefix = token.split("_")[1]
    with sessions() as session:
        row = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).one()
        assert token not in (row.key_hash, row.prefix) and len(row.key_hash) == 64
    cli = [str(BIN / "python"), "-m", "producer_api.keys"]
    env = {**Api.env_for(sessions)}
    listing = subprocess.run(
        [*cli, "list"], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert prefix in listing.stdout and token not in listing.stdout
    subprocess.run([*cli, "revoke", "--prefix", prefix], env=env, cwd=ROOT, check=True)
    assert Api(api_url, token).get("/api/wallet/balance/USR-001").status_code == 401


def test_the_cli_creates_a_working_key(api_url: str, sessions: sessionmaker[Session]) -> None:
    created = subprocess.run(
        [
            str(BIN / "python"),
            "-m",
            "producer_api.keys",
            "create",
            "--name",
            "game-eu",
            "--scopes",
            "wallet:read",
        ],
        env=Api.env_for(sessions),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    token = created.stdout.strip()
    assert token.startswith("wk_")
    assert Api(api_url, token).get("/api/wallet/balance/USR-001").status_code == 200


def test_idempotency_keys_are_scoped_to_the_client(
    http: Api, api_url: str, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    user = make_user()
    shared_key = f"shared-{uuid.uuid4()}"
    first = Api(api_url, new_key(sessions, "wallet:read", "wallet:write"))
    second = Api(api_url, new_key(sessions, "wallet:read", "wallet:write"))
    assert first.submit("topup", topup(user, shared_key)).json()["status"] == "completed"
    assert second.get(f"/api/wallet/requests/{shared_key}").status_code == 404
    other = second.submit("topup", {**topup(user, shared_key), "amount": 2})
    assert other.status_code == 200 and other.json()["status"] == "completed"
    assert http.balance(user) == "3.00"


def test_another_clients_holds_and_transactions_need_admin(
    api_url: str, worker: Process, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    """Issue 22: any wallet:write key could capture, void or reverse another client's."""
    owner, other, admin = (
        Api(api_url, new_key(sessions, *scopes)) for scopes in (WRITER, WRITER, ["admin"])
    )
    user, gold = make_user(GOLD_COINS="100"), {"assetCode": "GOLD_COINS", "amount": 5}
    holds = [done(owner, "holds", keyed(accountNumber=user, **gold))["hold"] for _ in range(2)]
    topped = done(owner, "topup", keyed(accountNumber=user, **gold))["transaction"]
    acts = [
        (f"holds/{holds[0]['holdId']}/capture", {}),
        (f"holds/{holds[1]['holdId']}/void", {}),
        ("reversals", {"transactionId": topped["transactionId"]}),
    ]
    for path, body in acts:
        refused = other.submit(path, keyed(**body))
        assert refused.status_code == 403, refused.text
        assert refused.headers["Content-Type"] == "application/problem+json"
        assert refused.json()["code"] == "NOT_OWNER"
        assert done(admin, path, keyed(**body))["status"] == "completed"
    assert Api(api_url).balance(user) == "95.00"  # 100 + 5 topped up - 5 captured - 5 reversed


def test_history_shows_a_transactions_metadata_to_its_client_and_admin_only(
    api_url: str, worker: Process, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    owner, other, admin = (
        Api(api_url, new_key(sessions, *scopes)) for scopes in (WRITER, WRITER, ["admin"])
    )
    user, note = make_user(), {"note": f"player-ip-{uuid.uuid4().hex}"}
    assert done(owner, "topup", {**topup(user), "metadata": note})["status"] == "completed"

    def seen_by(api: Api) -> object:
        return api.get(f"/api/wallet/history/{user}").json()["transactions"][0]["metadata"]

    assert [seen_by(api) for api in (owner, other, admin)] == [note, {}, note]


@pytest.fixture(scope="module")
def limited_api(service_env: dict[str, str], log_dir: Path) -> Iterator[str]:
    """An API process with budgets per hour: no test is slow enough to see one refill, so
    what a test counts is what the limiter counts (each test uses its own keys and users)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        **service_env,
        "RATE_LIMIT_PER_KEY": "6/hour",
        "RATE_LIMIT_PER_ACCOUNT": "3/hour",
        "RATE_LIMIT_FAILED_AUTH_PER_ADDRESS": "3/hour",
    }
    process = start_api(api_process(env, log_dir, port, name="api-limited"), url)
    yield url
    process.stop()


def assert_too_many_requests(answer: requests.Response) -> None:
    assert answer.status_code == 429
    assert answer.headers["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "TOO_MANY_REQUESTS"
    retry_after = answer.headers["Retry-After"]
    assert retry_after.isdigit() and int(retry_after) > 0, retry_after


def test_going_over_the_per_account_limit_is_a_429_with_retry_after(
    limited_api: str, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    client = f"game-{uuid.uuid4().hex[:6]}"
    api, user = Api(limited_api, new_key(sessions, "wallet:read", client=client)), make_user()
    answers = [api.get(f"/api/wallet/balance/{user}") for _ in range(4)]
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    assert_too_many_requests(answers[3])
    same_client = Api(limited_api, new_key(sessions, "wallet:read", client=client))
    assert_too_many_requests(same_client.get(f"/api/wallet/balance/{user}"))  # the client's


def test_a_client_spending_an_accounts_budget_does_not_refuse_another_clients_calls(
    limited_api: str, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    """Issue 22: a read key polling a balance made the owner's top-ups of it 429."""
    reader, user = Api(limited_api, new_key(sessions, "wallet:read")), make_user()
    answers = [reader.get(f"/api/wallet/balance/{user}") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    owner = Api(limited_api, new_key(sessions, "wallet:read", "wallet:write"))
    topups = [owner.post("/api/wallet/topup", topup(user)) for _ in range(3)]
    assert [a.status_code for a in topups] == [202] * 3
    assert owner.get(f"/api/wallet/balance/{user}").status_code == 429  # its own budget, spent
    assert reader.get(f"/api/wallet/balance/{user}").status_code == 429  # still spent


def test_going_over_the_per_key_limit_is_a_429_with_retry_after(
    limited_api: str, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    api, users = Api(limited_api, new_key(sessions, "wallet:read")), [make_user() for _ in range(3)]
    answers = [api.get(f"/api/wallet/balance/{users[i % 3]}") for i in range(7)]  # 3 a user at most
    assert [a.status_code for a in answers[:6]] == [200] * 6
    assert_too_many_requests(answers[6])
    other = Api(limited_api, new_key(sessions, "wallet:read"))  # the budget is the key's
    assert other.get(f"/api/wallet/balance/{users[1]}").status_code == 200


def test_an_address_past_its_failed_authentications_is_answered_429(limited_api: str) -> None:
    """Issue 22: 401s were not limited, and each plausible token cost a key lookup."""
    port = int(limited_api.rsplit(":", 1)[1])
    source = f"127.{secrets.randbelow(250) + 1}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"

    def bad_key(address: str) -> tuple[int, Message, dict[str, Any]]:
        connection = http.client.HTTPConnection("127.0.0.1", port, 10, (address, 0))
        token = f"wk_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}"
        connection.request(
            "GET", "/api/wallet/balance/USR-001", headers={"Authorization": f"Bearer {token}"}
        )
        answer = connection.getresponse()
        body = json.loads(answer.read())
        connection.close()
        return answer.status, answer.headers, body

    assert [bad_key(source)[0] for _ in range(3)] == [401] * 3
    status, headers, problem = bad_key(source)
    assert (status, headers["Content-Type"], problem["code"]) == (
        429,
        "application/problem+json",
        "TOO_MANY_REQUESTS",
    )
    assert int(headers["Retry-After"]) > 0
    assert bad_key("127.0.0.1")[0] == 401  # another address: its own budget


@pytest.mark.parametrize(
    "env",
    [
        {"WALLET_ENV": "production", "WALLET_DEV_API_KEY": "dev", "WALLET_SECRET_KEY": "s" * 32},
        {"WALLET_ENV": "production", "WALLET_DEV_API_KEY": ""},
    ],
)
def test_production_refuses_to_start_with_the_dev_key_or_without_a_secret(
    env: dict[str, str],
) -> None:
    started = subprocess.run(
        # What api_server.py serves (server_front), not the bare factory.
        [str(BIN / "python"), "-c", "from producer_api.app import server_front; server_front()"],
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0
    assert "WALLET_" in started.stderr


def test_flower_refuses_anonymous_visitors(service_env: dict[str, str], log_dir: Path) -> None:
    """The login reaches Flower as the service gives it (FLOWER_BASIC_AUTH, its environment),
    never in its argv, which every user of the machine reads (ps) (issue 22)."""
    port = free_port()
    flower = Process(
        "flower",
        [str(BIN / "python"), "-m", "worker.flower", f"--port={port}", "--address=127.0.0.1"],
        {**service_env, "FLOWER_BASIC_AUTH": "ops:s3cret"},
        log_dir,
    ).start()
    try:
        url = f"http://127.0.0.1:{port}/"

        def up() -> bool:
            try:
                return requests.get(url, timeout=1).status_code > 0
            except requests.RequestException:
                return False

        wait_until(up, timeout=60, what="Flower")
        assert requests.get(url, timeout=5).status_code == 401
        assert requests.get(url, auth=("ops", "wrong"), timeout=5).status_code == 401
        assert requests.get(url, auth=("ops", "s3cret"), timeout=5).status_code == 200
        assert flower.popen is not None
        assert "s3cret" not in " ".join(psutil.Process(flower.popen.pid).cmdline())
    finally:
        flower.stop()


def test_metadata_is_sealed_at_rest_and_plain_for_the_caller(
    http: Api, sessions: sessionmaker[Session], make_user: UserFactory
) -> None:
    user = make_user()
    secret_note = f"player-ip-{uuid.uuid4().hex}"
    answer = http.submit("topup", {**topup(user), "metadata": {"note": secret_note}})
    assert answer.json()["transaction"]["metadata"] == {"note": secret_note}
    with sessions() as session:
        raw = session.execute(
            text(
                "SELECT r.payload::text, t.metadata::text FROM requests r "
                "JOIN transactions t ON t.request_id = r.id WHERE r.id = :id"
            ),
            {"id": answer.json()["requestId"]},
        ).one()
    assert all(secret_note not in column and '"sealed"' in column for column in raw)
    history = http.get(f"/api/wallet/history/{user}").json()["transactions"]
    assert history[0]["metadata"] == {"note": secret_note}
