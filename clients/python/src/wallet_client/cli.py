"""``wallet``: the SDK from a shell. ``wallet --help`` lists the commands.

The service is ``--url`` or ``$WALLET_URL`` (default http://127.0.0.1:3000), the key
``--api-key`` or ``$WALLET_API_KEY``. Tables by default; ``--json`` prints the resource
(or the problem) as JSON on stdout. Exit codes: 0 done, 1 the request failed (a business
outcome such as INSUFFICIENT_FUNDS), 2 usage (bad arguments, an amount that is not a
number), 3 the service refused the call (a 4xx problem: its code is printed), 4 the
service is unreachable, or answered 5xx or 429 until the retries ran out, 5 accepted but
not finished within ``--wait``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

from wallet_client import formatting
from wallet_client._cli_commands import COMMANDS, add_commands
from wallet_client.client import WalletClient
from wallet_client.errors import RequestFailed, WalletError, WalletUnavailable
from wallet_client.models import Balances, Hold, RequestResult

DEFAULT_URL = "http://127.0.0.1:3000"
OK, FAILED, USAGE, PROBLEM, UNAVAILABLE, PENDING = 0, 1, 2, 3, 4, 5


def common_options(parser: argparse.ArgumentParser) -> None:
    """Options taken before or after the command (``wallet --json balance X`` or
    ``wallet balance X --json``): SUPPRESS keeps the one given from being overwritten."""
    add = parser.add_argument
    hidden = argparse.SUPPRESS
    add("--url", default=hidden, help=f"the service (default $WALLET_URL or {DEFAULT_URL})")
    add("--api-key", default=hidden, help="the API key (default $WALLET_API_KEY)")
    add("--json", action="store_true", default=hidden, help="print JSON, not a table")
    add("--timeout", type=float, default=hidden, help="seconds per HTTP call (default 10)")
    add("--max-attempts", type=int, default=hidden, help="calls before giving up (default 8)")
    add("--max-retry-time", type=float, default=hidden, help="seconds of retrying (default 30)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wallet",
        description="Move and read money in the wallet service.",
        epilog=(
            "exit codes: 0 done, 1 request failed (business), 2 usage, 3 API problem (4xx), "
            "4 unreachable or 5xx after retries, 5 not finished within --wait"
        ),
    )
    common_options(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    add_commands(commands, common_options)
    return parser


def client_for(args: argparse.Namespace) -> WalletClient:
    options = vars(args)
    return WalletClient(
        options.get("url") or os.environ.get("WALLET_URL") or DEFAULT_URL,
        api_key=options.get("api_key") or os.environ.get("WALLET_API_KEY") or None,
        timeout=options.get("timeout", 10.0),
        max_attempts=options.get("max_attempts", 8),
        max_retry_time=options.get("max_retry_time", 30.0),
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    as_json = bool(getattr(args, "json", False))
    try:
        with client_for(args) as client:
            answer = COMMANDS[args.command](client, args)
    except (ValueError, TypeError) as error:  # what the SDK refuses before any call
        print(f"wallet: error: {error}", file=sys.stderr)
        return USAGE
    except RequestFailed as error:  # not raised here (failures are returned), but if it were
        print(f"wallet: request failed: {error}", file=sys.stderr)
        return FAILED
    except WalletError as error:
        return report_problem(error, as_json)
    show(answer, as_json)
    return exit_code(answer, args)


def show(answer: Any, as_json: bool) -> None:
    if isinstance(answer, tuple):  # history: (account, items)
        account, items = answer
        if as_json:
            dumped = [as_json_value(item) for item in items]
            print(json.dumps({"accountNumber": account, "transactions": dumped}, indent=2))
        else:
            print(formatting.history_table(items))
        return
    if as_json:
        assert isinstance(answer, BaseModel)
        print(json.dumps(as_json_value(answer), indent=2))
    elif isinstance(answer, RequestResult):
        print(formatting.request_table(answer))
    elif isinstance(answer, Balances):
        print(formatting.balances_table(answer))
    elif isinstance(answer, Hold):
        print(formatting.hold_table(answer))


def as_json_value(model: BaseModel) -> Any:
    """The resource as the service sent it (fields it left out stay out; money as strings),
    plus what the client adds to a request (``replayed``, ``attempts``)."""
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def exit_code(answer: Any, args: argparse.Namespace) -> int:
    if not isinstance(answer, RequestResult):
        return OK
    if answer.failed:
        error = answer.error
        code = error.code if error else "REQUEST_FAILED"
        message = error.message if error else ""
        print(f"wallet: request failed: {code}: {message}", file=sys.stderr)
        return FAILED
    if not answer.finished and getattr(args, "wait", None):
        print(
            f"wallet: request {answer.idempotency_key} is still {answer.status}; "
            f"poll it with: wallet request {answer.idempotency_key!r} --wait 10",
            file=sys.stderr,
        )
        return PENDING
    return OK


def report_problem(error: WalletError, as_json: bool) -> int:
    print(f"wallet: error: {error}", file=sys.stderr)
    for item in error.errors:
        print(f"  {item.get('field')}: {item.get('message')}", file=sys.stderr)
    if as_json:
        print(json.dumps(error.problem or {"code": error.code, "detail": error.detail}))
    unreachable = error.status is None or error.status >= 500
    return UNAVAILABLE if isinstance(error, WalletUnavailable) or unreachable else PROBLEM


if __name__ == "__main__":
    sys.exit(main())
