"""/api/accounts: user accounts, created, read, frozen and unfrozen synchronously (no inbox).
Writes need the ``admin`` scope, reads ``wallet:read``; the list is keyset-paginated."""

from flask import Blueprint, Response
from pydantic import BaseModel

from ledger import accounts
from ledger.reads.views import AccountPage, AccountView
from producer_api.contract.schemas import AccountBody, AccountPath, HistoryQuery
from producer_api.http.body import json_object
from producer_api.http.openapi import Operation
from producer_api.http.responses import path_account, query
from producer_api.routes.catalog import created, read, write
from producer_api.services.auth import requires

bp = Blueprint("accounts", __name__, url_prefix="/api")
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
    return created(accounts.create_account, account_number=body.account_number, name=body.name)


@bp.get("/accounts")
@Operation({"200": ("One page", AccountPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_accounts() -> Response:
    """Accounts, oldest first"""
    params = query(HistoryQuery)
    return read(accounts.list_accounts, limit=params.limit, cursor=params.cursor)


@bp.get("/accounts/<account_number>")
@Operation({"200": ("The account", AccountView)}, path=AccountPath)
@requires("wallet:read")
def get_account(account_number: str) -> Response:
    """An account"""
    return read(accounts.get_account, account_number=path_account(account_number))


@bp.post("/accounts/<account_number>/freeze")
@Operation({"200": ("The account, frozen", AccountView)}, path=AccountPath)
@requires("admin")
def freeze_account(account_number: str) -> Response:
    """Freeze a user account

    It refuses spends, transfers out and new holds (ACCOUNT_FROZEN) and still receives."""
    return write(accounts.freeze_account, account_number=path_account(account_number))


@bp.post("/accounts/<account_number>/unfreeze")
@Operation({"200": ("The account, active", AccountView)}, path=AccountPath)
@requires("admin")
def unfreeze_account(account_number: str) -> Response:
    """Unfreeze a user account"""
    return write(accounts.unfreeze_account, account_number=path_account(account_number))
