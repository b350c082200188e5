"""/api/wallet/balance and /history: an account's balances and entries, read from Postgres."""

from flask import Blueprint, Response

from ledger import queries
from ledger.views import AccountBalances, HistoryPage
from producer_api.auth import requires
from producer_api.openapi import Operation
from producer_api.responses import json_response, path_account, query
from producer_api.schemas import AccountPath, HistoryQuery
from producer_api.services import services

bp = Blueprint("accounts", __name__, url_prefix="/api/wallet")


@bp.get("/balance/<account_number>")
@Operation({"200": ("Balances", AccountBalances)}, path=AccountPath)
@requires("wallet:read")
def get_balance(account_number: str) -> Response:
    """An account's balances"""
    with services().sessions() as session:
        balances = queries.get_balances(session, account_number=path_account(account_number))
    return json_response(balances)


@bp.get("/history/<account_number>")
@Operation({"200": ("One page", HistoryPage)}, path=AccountPath, query=HistoryQuery)
@requires("wallet:read")
def get_history(account_number: str) -> Response:
    """An account's entries, newest first"""
    account, params = path_account(account_number), query(HistoryQuery)
    with services().sessions() as session:
        page = queries.get_history(
            session,
            account_number=account,
            limit=params.limit,
            cursor=params.cursor,
            sealer=services().sealer,
        )
    return json_response(page)
