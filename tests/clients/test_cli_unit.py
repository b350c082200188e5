"""The ``wallet`` command's own logic: arguments, tables and exit codes, against the scripted
service. test_cli_service.py runs the installed script against the real API."""

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from wallet_client import WalletClient, cli, formatting
from wallet_client.models import Balances, HistoryItem

from tests.clients.fakes import FakeService, echo, problem, resource


def run(service: FakeService, monkeypatch: pytest.MonkeyPatch, *argv: str, **options: Any) -> int:
    def client_for(args: Any) -> WalletClient:
        return service.client(max_attempts=3, **options)

    monkeypatch.setattr(cli, "client_for", client_for)
    return cli.main(list(argv))


def test_amounts_are_decimals_and_a_bad_one_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    args = cli.build_parser().parse_args(["topup", "USR-001", "GOLD_COINS", "100.50"])
    assert args.amount == Decimal("100.50") and args.wait is None
    for bad in ("abc", "NaN", "1e400000000000"):
        with pytest.raises(SystemExit) as exited:
            cli.build_parser().parse_args(["topup", "USR-001", "GOLD_COINS", bad])
        assert exited.value.code == cli.USAGE
    assert "not a" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [["bonus", "U", "A"], ["spend", "U", "A", "x"], ["history"], ["frobnicate"], [],
     ["topup", "U", "A", "1", "--wait", "-1"], ["topup", "U", "A", "1", "--metadata", "[1]"],
     ["history", "U", "--limit", "0"], ["history", "U", "--limit", "ten"]],
)  # fmt: skip
def test_missing_or_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.build_parser().parse_args(argv)
    assert exited.value.code == cli.USAGE


def test_common_options_go_before_or_after_the_command() -> None:
    parser = cli.build_parser()
    before = parser.parse_args(["--json", "--url", "http://a", "balance", "USR-1"])
    after = parser.parse_args(["balance", "USR-1", "--json", "--url", "http://a"])
    for args in (before, after):
        assert (args.json, args.url, args.account) == (True, "http://a", "USR-1")
    assert not hasattr(parser.parse_args(["balance", "USR-1"]), "json")


def test_the_client_comes_from_flags_then_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WALLET_URL", "http://from-env:3000")
    monkeypatch.setenv("WALLET_API_KEY", "env-key")
    args = cli.build_parser().parse_args(["balance", "USR-1"])
    client = cli.client_for(args)
    assert str(client._engine.http.base_url) == "http://from-env:3000"
    assert client._engine.http.headers["Authorization"] == "Bearer env-key"
    args = cli.build_parser().parse_args(
        ["balance", "USR-1", "--url", "http://flag", "--api-key", "f"]
    )
    client = cli.client_for(args)
    assert str(client._engine.http.base_url) == "http://flag"
    assert client._engine.http.headers["Authorization"] == "Bearer f"
    monkeypatch.delenv("WALLET_URL")
    client = cli.client_for(cli.build_parser().parse_args(["balance", "USR-1"]))
    assert str(client._engine.http.base_url) == cli.DEFAULT_URL


def test_table_columns_align_and_numbers_align_right() -> None:
    text = formatting.table(["ASSET", "BALANCE"], [["GOLD_COINS", "170.00"], ["GEMS", "5.00"]], [1])
    assert text.splitlines() == [
        "ASSET       BALANCE",
        "GOLD_COINS   170.00",
        "GEMS           5.00",
    ]


def test_balances_and_history_tables() -> None:
    balances = Balances.model_validate(
        {"accountNumber": "USR-1", "balances": [
            {"code": "GOLD_COINS", "name": "Gold Coins", "balance": "170.00"},
            {"code": "DIAMONDS", "name": "Diamonds", "balance": "50.00"}]}
    )  # fmt: skip
    assert formatting.balances_table(balances).splitlines() == [
        "account USR-1",
        "ASSET       NAME        BALANCE",
        "GOLD_COINS  Gold Coins   170.00",
        "DIAMONDS    Diamonds      50.00",
    ]
    item = HistoryItem.model_validate(
        {"transactionId": "t", "type": "spend", "assetCode": "GOLD_COINS", "amount": "30.00",
         "direction": "DEBIT", "balanceAfter": "170.00", "description": "Purchased sword",
         "createdAt": "2026-01-02T03:04:05.678Z"}
    )  # fmt: skip
    header, row = formatting.history_table([item]).splitlines()
    assert header == (
        "CREATED                    TYPE   ASSET       DIRECTION  AMOUNT  BALANCE AFTER  "
        "DESCRIPTION"
    )
    assert row == (
        "2026-01-02T03:04:05+00:00  spend  GOLD_COINS  DEBIT       30.00         170.00  "
        "Purchased sword"
    )
    assert formatting.history_table([]) == "no transactions"


def test_a_completed_submit_prints_its_table_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService(echo(200, "completed"))
    code = run(service, monkeypatch, "topup", "USR-001", "GOLD_COINS", "100.50", "--wait", "5",
               "--key", "topup-1")  # fmt: skip
    out = capsys.readouterr().out
    assert code == cli.OK
    assert "key            topup-1" in out and "status         completed" in out
    assert "balance after  200.50" in out
    assert "entry          CREDIT  100.50  USR-001" in out
    assert service.requests[0].headers["Prefer"] == "wait=5"


def test_json_prints_the_resource_with_money_as_strings(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService(echo(200, "completed"))
    assert run(service, monkeypatch, "--json", "request", "k1") == cli.OK
    printed = json.loads(capsys.readouterr().out)
    assert printed["transaction"]["amount"] == "100.50"
    assert (printed["idempotencyKey"], printed["status"]) == ("k1", "completed")


@pytest.mark.parametrize(
    ("answer", "argv", "code", "printed"),
    [
        (echo(200, "failed"), ["spend", "U", "G", "5", "--description", "x", "--wait", "5"],
         cli.FAILED, "INSUFFICIENT_FUNDS"),
        (problem(404, "ACCOUNT_NOT_FOUND"), ["balance", "USR-NOPE"], cli.PROBLEM,
         "ACCOUNT_NOT_FOUND (404)"),
        (problem(422, "AMOUNT_PRECISION", errors=[{"field": "amount", "message": "2 places"}]),
         ["topup", "U", "G", "1.001"], cli.PROBLEM, "amount: 2 places"),
        (problem(503, "DATABASE_UNAVAILABLE", retry_after="0"), ["balance", "U"],
         cli.UNAVAILABLE, "DATABASE_UNAVAILABLE (503)"),
        (problem(500, "INTERNAL_ERROR"), ["balance", "U"], cli.UNAVAILABLE, "INTERNAL_ERROR"),
        (httpx.ConnectError("refused"), ["balance", "U"], cli.UNAVAILABLE, "CONNECTION_FAILED"),
        (echo(202, "queued"), ["topup", "U", "G", "1", "--wait", "0.01"], cli.PENDING,
         "still queued"),
    ],
)  # fmt: skip
def test_exit_codes_and_the_code_on_stderr(
    answer: Any,
    argv: list[str],
    code: int,
    printed: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run(FakeService(answer), monkeypatch, *argv) == code
    assert printed in capsys.readouterr().err


def test_with_json_a_problem_is_printed_as_json_on_stdout(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService(problem(404, "ACCOUNT_NOT_FOUND"))
    assert run(service, monkeypatch, "balance", "USR-NOPE", "--json") == cli.PROBLEM
    assert json.loads(capsys.readouterr().out)["code"] == "ACCOUNT_NOT_FOUND"


def test_a_submit_without_wait_is_accepted_and_exits_0(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = FakeService(httpx.Response(202, json=resource("k9", "queued")))
    assert run(service, monkeypatch, "topup", "U", "G", "1", "--key", "k9") == cli.OK
    assert "status     queued" in capsys.readouterr().out
