"""/api/accounts and /api/assets: the catalog, synchronous (no inbox). Writes need the
``admin`` scope, reads ``wallet:read``; lists are keyset-paginated."""

from flask import Blueprint, Response
from pydantic import BaseModel

from ledger import accounts
from ledger.views import AccountPage, AccountView, AssetPage, AssetView
from producer_api.auth import requires
from producer_api.body import json_object
from producer_api.openapi import Operation
from producer_api.responses import json_response, path_account, query
from producer_api.schemas import AccountBody, AccountPath, AssetBody, HistoryQuery
from producer_api.services import services

bp = Blueprint("admin", __name__, url_prefix="/api")
CREATED: dict[str, tuple[str, type[BaseModel]]] = {
    "201": ("Created", AccountView),
    "200": ("Already there, the same", AccountView),
}


@bp.post("/accounts")
@Operation(CREATED, body=AccountBody, example={"accountNumber": "USR-004", "name": "Dana Evans"})
@requires("admin")
def create_account() -> Response:
    """Create a user account

    With a zero balance in every asset. The same number and name again: 200, the account;
    another name: 409 ACCOUNT_EXISTS."""
    body = AccountBody.model_validate(json_object())
    with services().sessions.begin() as session:
        account, created = accounts.create_account(
            session, account_number=body.account_number, name=body.name
        )
    return json_response(account, status=201 if created else 200)


@bp.get("/accounts")
@Operation({"200": ("One page", AccountPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_accounts() -> Response:
    """Accounts, oldest first"""
    params = query(HistoryQuery)
    with services().sessions() as session:
        page = accounts.list_accounts(session, limit=params.limit, cursor=params.cursor)
    return json_response(page)


@bp.get("/accounts/<account_number>")
@Operation({"200": ("The account", AccountView)}, path=AccountPath)
@requires("wallet:read")
def get_account(account_number: str) -> Response:
    """An account"""
    with services().sessions() as session:
        found = accounts.get_account(session, account_number=path_account(account_number))
    return json_response(found)


@bp.post("/accounts/<account_number>/freeze")
@Operation({"200": ("The account, frozen", AccountView)}, path=AccountPath)
@requires("admin")
def freeze_account(account_number: str) -> Response:
    """Freeze a user account

    It refuses spends, transfers out and new holds (ACCOUNT_FROZEN) and still receives."""
    with services().sessions.begin() as session:
        found = accounts.freeze_account(session, account_number=path_account(account_number))
    return json_response(found)


@bp.post("/accounts/<account_number>/unfreeze")
@Operation({"200": ("The account, active", AccountView)}, path=AccountPath)
@requires("admin")
def unfreeze_account(account_number: str) -> Response:
    """Unfreeze a user account"""
    with services().sessions.begin() as session:
        found = accounts.unfreeze_account(session, account_number=path_account(account_number))
    return json_response(found)


@bp.post("/assets")
@Operation(
    {"201": ("Created", AssetView), "200": ("Already there, the same", AssetView)},
    body=AssetBody,
    example={"code": "RUBIES", "name": "Rubies", "scale": 2},
)
@requires("admin")
def create_asset() -> Response:
    """Create an asset

    Scale 0..8 (INVALID_SCALE otherwise), with a zero balance row for every account. The
    same code, name and scale again: 200; otherwise 409 ASSET_EXISTS."""
    body = AssetBody.model_validate(json_object())
    with services().sessions.begin() as session:
        asset, created = accounts.create_asset(
            session, code=body.code, name=body.name, scale=body.scale
        )
    return json_response(asset, status=201 if created else 200)


@bp.get("/assets")
@Operation({"200": ("One page", AssetPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_assets() -> Response:
    """Assets, oldest first"""
    params = query(HistoryQuery)
    with services().sessions() as session:
        page = accounts.list_assets(session, limit=params.limit, cursor=params.cursor)
    return json_response(page)
