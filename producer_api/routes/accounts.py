"""/api/wallet/balance, /history and /holds/{holdId}: an account's balances (now, or posted
as of an instant) and entries, and a hold, read from Postgres."""

from flask import Blueprint, Response

from ledger import queries
from ledger.hold_views import get_hold as find_hold
from ledger.views import AccountBalances, HistoryPage, HoldView
from producer_api.auth import requires
from producer_api.openapi import Operation
from producer_api.responses import json_response, path_account, query
from producer_api.schemas import AccountPath, BalanceQuery, HistoryQuery, HoldPath
from producer_api.services import services

bp = Blueprint("accounts", __name__, url_prefix="/api/wallet")


@bp.get("/balance/<account_number>")
@Operation({"200": ("Balances", AccountBalances)}, path=AccountPath, query=BalanceQuery)
@requires("wallet:read")
def get_balance(account_number: str) -> Response:
    """An account's balances

    Posted, held (active holds) and available (posted - held); with asOf (RFC 3339), the
    posted balances at that instant, from the ledger entries (held and available null)."""
    account, params = path_account(account_number), query(BalanceQuery)
    with services().sessions() as session:
        balances = queries.get_balances(session, account_number=account, as_of=params.as_of)
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


@bp.get("/holds/<hold_id>")
@Operation({"200": ("The hold", HoldView)}, path=HoldPath)
@requires("wallet:read")
def get_hold(hold_id: str) -> Response:
    """A hold: active, captured, voided or expired"""
    with services().sessions() as session:
        return json_response(find_hold(session, hold_id=hold_id))
