"""The installed ``wallet`` console script, run as a subprocess against the real API."""

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.processes import free_port

WALLET = Path(sys.executable).parent / "wallet"
pytestmark = pytest.mark.usefixtures("verified")


class Cli:
    def __init__(self, url: str, key: str) -> None:
        self.env = {**os.environ, "WALLET_URL": url, "WALLET_API_KEY": key}

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(WALLET), *args],
            env={**self.env, **env},
            capture_output=True,
            text=True,
            timeout=60,
        )


def fields(table: str) -> dict[str, str]:
    """The ``label  value`` lines of a request's table (one-word labels)."""
    return dict(line.split(None, 1) for line in table.splitlines() if " " in line)


@pytest.fixture
def wallet_cli(wallet_url: str, dev_key: str) -> Cli:
    return Cli(wallet_url, dev_key)


def test_the_console_script_is_installed_with_the_package() -> None:
    assert WALLET.is_file()
    done = subprocess.run([str(WALLET), "--help"], capture_output=True, text=True, check=True)
    assert "exit codes: 0 done, 1 request failed" in " ".join(done.stdout.split())


def test_balance_and_history_print_readable_tables(
    wallet_cli: Cli, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="100", DIAMONDS="5")
    done = wallet_cli("balance", user)
    assert (done.returncode, done.stderr) == (0, "")
    account, header, *rows = done.stdout.splitlines()
    assert account == f"account {user}"
    assert header.split() == ["ASSET", "NAME", "BALANCE", "HELD", "AVAILABLE"]
    assert [row.split() for row in rows] == [
        ["GOLD_COINS", "Gold", "Coins", "100.00", "0.00", "100.00"],
        ["DIAMONDS", "Diamonds", "5.00", "0.00", "5.00"],
        ["LOYALTY_POINTS", "Loyalty", "Points", "0.00", "0.00", "0.00"],
    ]
    topped = wallet_cli("topup", user, "GOLD_COINS", "100", "--wait", "10", "--key", f"c-{user}")
    assert topped.returncode == 0, topped.stderr
    lines = fields(topped.stdout)
    assert (lines["key"], lines["status"], lines["amount"]) == (f"c-{user}", "completed", "100.00")
    assert "balance after  200.00" in topped.stdout
    history = wallet_cli("history", user, "--limit", "10").stdout.splitlines()
    assert history[0].split()[:3] == ["CREATED", "TYPE", "ASSET"]
    assert history[1].split()[1:5] == ["topup", "GOLD_COINS", "CREDIT", "100.00"]
    assert len(history) == 1 + 3  # the top-up and the two fundings


def test_json_output_is_the_resource_for_scripts(
    wallet_cli: Cli, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="10")
    key = f"cli-json-{uuid.uuid4()}"
    spent = wallet_cli(
        "--json", "spend", user, "GOLD_COINS", "2.50", "--description", "Potion",
        "--key", key, "--wait", "10",
    )  # fmt: skip
    assert spent.returncode == 0, spent.stderr
    request = json.loads(spent.stdout)
    assert (request["idempotencyKey"], request["status"]) == (key, "completed")
    assert request["transaction"]["amount"] == "2.50"
    assert request["transaction"]["balanceAfter"] == "7.50"
    polled = json.loads(wallet_cli("request", key, "--wait", "5", "--json").stdout)
    assert polled["transaction"] == request["transaction"]
    balance = json.loads(wallet_cli("balance", user, "--json").stdout)
    assert balance["balances"][0] == {
        "code": "GOLD_COINS",
        "name": "Gold Coins",
        "balance": "7.50",
        "held": "0.00",
        "available": "7.50",
    }
    history = json.loads(wallet_cli("history", user, "--json", "--limit", "1").stdout)
    assert [t["description"] for t in history["transactions"]] == ["Potion"]


def test_an_unknown_account_exits_3_with_the_problem_code(wallet_cli: Cli) -> None:
    done = wallet_cli("balance", "USR-NOBODY-HERE")
    assert done.returncode == 3
    assert "ACCOUNT_NOT_FOUND (404)" in done.stderr and done.stdout == ""
    as_json = wallet_cli("balance", "USR-NOBODY-HERE", "--json")
    assert as_json.returncode == 3
    assert json.loads(as_json.stdout)["code"] == "ACCOUNT_NOT_FOUND"


def test_an_invalid_amount_exits_2_before_any_call_or_3_when_the_service_refuses_it(
    wallet_cli: Cli, make_user: Callable[..., str]
) -> None:
    user = make_user()
    not_a_number = wallet_cli("topup", user, "GOLD_COINS", "ten")
    assert not_a_number.returncode == 2
    assert "not a decimal amount: 'ten'" in not_a_number.stderr
    too_precise = wallet_cli("topup", user, "GOLD_COINS", "1.001")
    assert too_precise.returncode == 3
    assert "AMOUNT_PRECISION (422)" in too_precise.stderr and "amount:" in too_precise.stderr
    negative = wallet_cli("topup", user, "GOLD_COINS", "-5")
    assert negative.returncode == 3 and "VALIDATION_ERROR (422)" in negative.stderr
    assert wallet_cli("history", user).stdout.strip() == "no transactions"


def test_a_failed_request_exits_1_with_its_code(
    wallet_cli: Cli, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="1")
    done = wallet_cli("spend", user, "GOLD_COINS", "5", "--description", "Dragon", "--wait", "10")
    assert done.returncode == 1
    assert "request failed: INSUFFICIENT_FUNDS" in done.stderr
    assert fields(done.stdout)["status"] == "failed"
    assert fields(done.stdout)["error"].startswith("INSUFFICIENT_FUNDS: ")


def test_an_unreachable_service_exits_4_after_the_retries(wallet_cli: Cli) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    done = wallet_cli("balance", "USR-001", "--url", dead, "--max-attempts", "2")
    assert done.returncode == 4
    assert "CONNECTION_FAILED" in done.stderr and "after 2 attempts" in done.stderr


def test_url_and_key_come_from_the_environment_or_the_flags(
    wallet_cli: Cli, wallet_url: str, dev_key: str, make_user: Callable[..., str]
) -> None:
    user = make_user()
    no_key = wallet_cli("balance", user, WALLET_API_KEY="")
    assert no_key.returncode == 3 and "UNAUTHENTICATED (401)" in no_key.stderr
    flags = wallet_cli("balance", user, "--api-key", dev_key, WALLET_API_KEY="")
    assert flags.returncode == 0, flags.stderr
    dead = f"http://127.0.0.1:{free_port()}"
    url_flag = wallet_cli("--url", wallet_url, "balance", user, WALLET_URL=dead)
    assert url_flag.returncode == 0, url_flag.stderr
