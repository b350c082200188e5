"""/api/wallet/balance and /history: an account's balances and entries, read from Postgres."""

from flask import Blueprint, Response

from ledger.queries import get_balances, get_history
from ledger.views import AccountBalances, HistoryPage
from producer_api.auth import requires
from producer_api.openapi import Operation
from producer_api.responses import json_response, path_account, query
from producer_api.schemas import AccountPath, HistoryQuery
from producer_api.services import services

bp = Blueprint("accounts", __name__, url_prefix="/api/wallet")


@bp.get("/balance/<account_number>")
@Operation(
    "getBalance",
    "An account's balances",
    answers={"200": ("Balances", AccountBalances)},
    path=AccountPath,
)
@requires("wallet:read")
def balance(account_number: str) -> Response:
    with services().sessions() as session:
        balances = get_balances(session, account_number=path_account(account_number))
    return json_response(balances)


@bp.get("/history/<account_number>")
@Operation(
    "getHistory",
    "An account's entries, newest first",
    answers={"200": ("One page", HistoryPage)},
    path=AccountPath,
    query=HistoryQuery,
)
@requires("wallet:read")
def history(account_number: str) -> Response:
    account, params = path_account(account_number), query(HistoryQuery)
    with services().sessions() as session:
        page = get_history(
            session,
            account_number=account,
            limit=params.limit,
            cursor=params.cursor,
            sealer=services().sealer,
        )
    return json_response(page)
