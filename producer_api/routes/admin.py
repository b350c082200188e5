"""/api/accounts and /api/assets: the catalog, synchronous (no inbox). Writes need the
``admin`` scope, reads ``wallet:read``; lists are keyset-paginated."""

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from pydantic import BaseModel

from ledger import accounts
from ledger.reads.views import AccountPage, AccountView, AssetPage, AssetView
from producer_api.app_services import services
from producer_api.contract.schemas import AccountBody, AccountPath, AssetBody, HistoryQuery
from producer_api.http.body import json_object
from producer_api.http.openapi import Operation
from producer_api.http.responses import json_response, path_account, query
from producer_api.services.auth import requires

bp = Blueprint("admin", __name__, url_prefix="/api")
CREATED: dict[str, tuple[str, type[BaseModel] | None]] = {
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
    return _created(accounts.create_account, account_number=body.account_number, name=body.name)


@bp.get("/accounts")
@Operation({"200": ("One page", AccountPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_accounts() -> Response:
    """Accounts, oldest first"""
    params = query(HistoryQuery)
    return _read(accounts.list_accounts, limit=params.limit, cursor=params.cursor)


@bp.get("/accounts/<account_number>")
@Operation({"200": ("The account", AccountView)}, path=AccountPath)
@requires("wallet:read")
def get_account(account_number: str) -> Response:
    """An account"""
    return _read(accounts.get_account, account_number=path_account(account_number))


@bp.post("/accounts/<account_number>/freeze")
@Operation({"200": ("The account, frozen", AccountView)}, path=AccountPath)
@requires("admin")
def freeze_account(account_number: str) -> Response:
    """Freeze a user account

    It refuses spends, transfers out and new holds (ACCOUNT_FROZEN) and still receives."""
    return _write(accounts.freeze_account, account_number=path_account(account_number))


@bp.post("/accounts/<account_number>/unfreeze")
@Operation({"200": ("The account, active", AccountView)}, path=AccountPath)
@requires("admin")
def unfreeze_account(account_number: str) -> Response:
    """Unfreeze a user account"""
    return _write(accounts.unfreeze_account, account_number=path_account(account_number))


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
    return _created(accounts.create_asset, code=body.code, name=body.name, scale=body.scale)


@bp.get("/assets")
@Operation({"200": ("One page", AssetPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_assets() -> Response:
    """Assets, oldest first"""
    params = query(HistoryQuery)
    return _read(accounts.list_assets, limit=params.limit, cursor=params.cursor)


def _read(call: Callable[..., BaseModel], **arguments: Any) -> Response:
    with services().sessions() as session:
        return json_response(call(session, **arguments))


def _write(call: Callable[..., BaseModel], **arguments: Any) -> Response:
    with services().sessions.begin() as session:
        found = call(session, **arguments)
    return json_response(found)


def _created(call: Callable[..., tuple[BaseModel, bool]], **arguments: Any) -> Response:
    """201 with what ``call`` created, or 200 with what was there already, the same."""
    with services().sessions.begin() as session:
        found, created = call(session, **arguments)
    return json_response(found, status=201 if created else 200)
