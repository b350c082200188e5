"""The ``wallet`` command's subcommands: their arguments and what each calls."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any, NoReturn, TypeVar

from wallet_client.client import WalletClient
from wallet_client.models import amount_text

T = TypeVar("T")
Command = Callable[[WalletClient, argparse.Namespace], Any]
COMMANDS: dict[str, Command] = {}
HELP = {
    "balance": "an account's balances",
    "history": "an account's transactions, newest first",
    "topup": "credit an account from the treasury",
    "bonus": "credit an account from the bonus pool",
    "spend": "debit an account to revenue",
    "transfer": "move money between two user accounts",
    "hold": "reserve an amount to capture or void later",
    "capture": "capture a hold (all of it unless AMOUNT)",
    "void": "release a hold",
    "get-hold": "a hold's status",
    "reverse": "reverse a transaction (what is left of it unless AMOUNT)",
    "request": "a request by its idempotency key",
}


AFTER_HELP = "reflect this finished request (its idempotency key), even on a lagging replica"


def checked(text: str, parse: Callable[[str], T], problem: str | None) -> T:
    """``parse(text)``, an argument's value; a ValueError becomes argparse's error, saying
    ``problem`` (or its own message)."""
    try:
        return parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(problem or str(error)) from None


def refuse(message: str) -> NoReturn:
    raise argparse.ArgumentTypeError(message)


def amount(text: str) -> Decimal:
    """An amount argument: a decimal number (the service checks sign and scale)."""
    checked(text, amount_text, None)
    return Decimal(text)


def metadata(text: str) -> dict[str, Any]:
    value = checked(text, json.loads, "metadata is a JSON object")
    return value if isinstance(value, dict) else refuse("metadata is a JSON object")


def seconds(text: str) -> float:
    value = checked(text, float, f"not a number of seconds: {text!r}")
    return value if value >= 0 else refuse("seconds are 0 or more")


def positive(text: str) -> int:
    value = checked(text, int, f"not a whole number: {text!r}")
    return value if value >= 1 else refuse("at least 1")


def submit_options(parser: argparse.ArgumentParser, money: bool = True) -> None:
    parser.add_argument("--key", help="the idempotency key (default: a fresh UUID4)")
    parser.add_argument("--wait", type=seconds, help="wait up to this many seconds")
    if money:
        parser.add_argument("--metadata", type=metadata, help="a JSON object kept with it")


def add_commands(
    commands: argparse._SubParsersAction,  # type: ignore[type-arg]
    common: Callable[[argparse.ArgumentParser], None],
) -> None:
    parsers = {}
    for name, text in HELP.items():
        parsers[name] = commands.add_parser(name, help=text, description=text)
        common(parsers[name])
    parsers["balance"].add_argument("account")
    parsers["balance"].add_argument("--as-of", help="posted balances at this RFC 3339 instant")
    parsers["history"].add_argument("account")
    parsers["history"].add_argument("--limit", type=positive, default=20, help="at most (20)")
    for name in ("balance", "history"):
        parsers[name].add_argument("--after", metavar="KEY", help=AFTER_HELP)
    for name in ("topup", "bonus", "spend", "hold"):
        for argument in ("account", "asset"):
            parsers[name].add_argument(argument)
        parsers[name].add_argument("amount", type=amount)
        submit_options(parsers[name])
    parsers["bonus"].add_argument("--reason")
    for name in ("topup", "spend", "hold"):
        parsers[name].add_argument("--description")
    parsers["hold"].add_argument("--expires-in", type=int, help="seconds (default 3600)")
    for argument in ("from_account", "to_account", "asset"):
        parsers["transfer"].add_argument(argument)
    parsers["transfer"].add_argument("amount", type=amount)
    parsers["transfer"].add_argument("--description")
    submit_options(parsers["transfer"])
    for name in ("capture", "void", "get-hold"):
        parsers[name].add_argument("hold_id")
    parsers["capture"].add_argument("amount", type=amount, nargs="?")
    parsers["capture"].add_argument("--description")
    submit_options(parsers["capture"], money=False)
    submit_options(parsers["void"], money=False)
    parsers["reverse"].add_argument("transaction_id")
    parsers["reverse"].add_argument("amount", type=amount, nargs="?")
    parsers["reverse"].add_argument("--reason")
    submit_options(parsers["reverse"], money=False)
    parsers["request"].add_argument("key")
    parsers["request"].add_argument("--wait", type=seconds, help="wait up to this many seconds")


def command(name: str) -> Callable[[Command], Command]:
    def register(function: Command) -> Command:
        COMMANDS[name] = function
        return function

    return register


def submit(args: argparse.Namespace) -> dict[str, Any]:
    options = {"idempotency_key": args.key, "wait": args.wait}
    if getattr(args, "metadata", None) is not None:
        options["metadata"] = args.metadata
    return options


@command("balance")
def balance(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.balance(args.account, as_of=args.as_of, after=args.after)


@command("history")
def history(client: WalletClient, args: argparse.Namespace) -> Any:
    return args.account, list(client.history(args.account, limit=args.limit, after=args.after))


@command("topup")
def topup(client: WalletClient, args: argparse.Namespace) -> Any:
    description = args.description
    return client.topup(
        args.account, args.asset, args.amount, description=description, **submit(args)
    )


@command("bonus")
def bonus(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.bonus(args.account, args.asset, args.amount, reason=args.reason, **submit(args))


@command("spend")
def spend(client: WalletClient, args: argparse.Namespace) -> Any:
    description = args.description
    return client.spend(
        args.account, args.asset, args.amount, description=description, **submit(args)
    )


@command("transfer")
def transfer(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.transfer(
        args.from_account,
        args.to_account,
        args.asset,
        args.amount,
        description=args.description,
        **submit(args),
    )


@command("hold")
def hold(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.hold(
        args.account,
        args.asset,
        args.amount,
        description=args.description,
        expires_in=args.expires_in,
        **submit(args),
    )


@command("capture")
def capture(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.capture(args.hold_id, args.amount, description=args.description, **submit(args))


@command("void")
def void(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.void(args.hold_id, **submit(args))


@command("get-hold")
def get_hold(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.get_hold(args.hold_id)


@command("reverse")
def reverse(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.reverse(args.transaction_id, args.amount, reason=args.reason, **submit(args))


@command("request")
def request(client: WalletClient, args: argparse.Namespace) -> Any:
    return client.request(args.key, wait=args.wait)
