"""/api/assets: the currencies, created and read synchronously (no inbox). Creating one needs
the ``admin`` scope, reads ``wallet:read``; the list is keyset-paginated."""

from flask import Blueprint, Response

from ledger import accounts
from ledger.reads.views import AssetPage, AssetView
from producer_api.contract.schemas import AssetBody, HistoryQuery
from producer_api.http.body import json_object
from producer_api.http.openapi import Operation
from producer_api.http.responses import query
from producer_api.routes.catalog import created, read
from producer_api.services.auth import requires

bp = Blueprint("assets", __name__, url_prefix="/api")


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
    return created(accounts.create_asset, code=body.code, name=body.name, scale=body.scale)


@bp.get("/assets")
@Operation({"200": ("One page", AssetPage)}, query=HistoryQuery)
@requires("wallet:read")
def list_assets() -> Response:
    """Assets, oldest first"""
    params = query(HistoryQuery)
    return read(accounts.list_assets, limit=params.limit, cursor=params.cursor)
