"""/api/wallet/balance and /history: an account's balances (now, or posted as of an instant)
and entries, read from the read replica when one is set, after the request named by
``after`` if any (producer_api.services.reads)."""

from collections.abc import Callable

from flask import Blueprint, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from ledger.reads import queries
from ledger.reads.views import AccountBalances, HistoryPage
from producer_api.app_services import services
from producer_api.contract.schemas import AccountHistoryQuery, AccountPath, BalanceQuery
from producer_api.http.openapi import Operation
from producer_api.http.openapi_examples import AFTER_READ_PROBLEMS
from producer_api.http.responses import json_response, path_account, query
from producer_api.services.auth import current_client, is_admin, requires
from producer_api.services.reads import SOURCE_HEADER

bp = Blueprint("balances", __name__, url_prefix="/api/wallet")


@bp.get("/balance/<account_number>")
@Operation(
    {"200": ("Balances", AccountBalances)},
    path=AccountPath,
    query=BalanceQuery,
    problems=AFTER_READ_PROBLEMS,
)
@requires("wallet:read")
def get_balance(account_number: str) -> Response:
    """An account's balances

    Posted, held (active holds) and available (posted - held); with asOf (RFC 3339), the
    posted balances at that instant, from the ledger entries (held and available null). With
    after (a finished request's idempotency key), they reflect that request. The
    Wallet-Read-Source header says which server answered (replica or primary)."""
    account, params = path_account(account_number), query(BalanceQuery)
    return _read(
        lambda session: queries.get_balances(session, account_number=account, as_of=params.as_of),
        params.after,
    )


@bp.get("/history/<account_number>")
@Operation(
    {"200": ("One page", HistoryPage)},
    path=AccountPath,
    query=AccountHistoryQuery,
    problems=AFTER_READ_PROBLEMS,
)
@requires("wallet:read")
def get_history(account_number: str) -> Response:
    """An account's entries, newest first

    With after (a finished request's idempotency key), the page reflects that request. The
    Wallet-Read-Source header says which server answered (replica or primary). An entry's
    metadata is shown only to its transaction's client (or an admin key); others see {}."""
    account, params = path_account(account_number), query(AccountHistoryQuery)
    sealer, viewer = services().sealer, None if is_admin() else current_client()

    def page(session: Session) -> HistoryPage:
        return queries.get_history(
            session,
            account_number=account,
            limit=params.limit,
            cursor=params.cursor,
            sealer=sealer,
            viewer=viewer,
        )

    return _read(page, params.after)


def _read(work: Callable[[Session], BaseModel], after: str | None) -> Response:
    read = services().reads.read(work, client_id=current_client(), after=after)
    response = json_response(read.value)
    response.headers[SOURCE_HEADER] = read.source
    return response
