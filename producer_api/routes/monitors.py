"""/api/monitors: balance monitors, whose crossings webhooks hear of as ``balance.below``."""

from flask import Blueprint, Response

from ledger.errors import AmountPrecision
from ledger.webhooks import monitors
from ledger.webhooks.views import MonitorList, MonitorView
from producer_api.app_services import services
from producer_api.contract.webhook_schemas import MonitorBody, MonitorPath
from producer_api.http.body import json_object
from producer_api.http.openapi import Operation
from producer_api.http.problems import Problem
from producer_api.http.responses import json_response, path_id
from producer_api.services.auth import current_client, requires

bp = Blueprint("monitors", __name__, url_prefix="/api/monitors")


@bp.post("")
@Operation({"201": ("Created", MonitorView)}, MonitorBody)
@requires("admin")
def create_monitor() -> Response:
    """Watch a balance

    A posting that takes the balance from at or above `below` to under it fires balance.below."""
    body = MonitorBody.model_validate(json_object())
    try:
        with services().sessions.begin() as session:
            created = monitors.create_monitor(
                session,
                account_number=body.account_number,
                asset_code=body.asset_code,
                below=body.below,
                created_by=current_client(),
            )
    except AmountPrecision as error:
        field = [{"field": "below", "message": error.message}]
        raise Problem(422, error.code, error.message, errors=field) from None
    return json_response(created, status=201)


@bp.get("")
@Operation({"200": ("The monitors", MonitorList)})
@requires("admin")
def list_monitors() -> Response:
    """The balance monitors"""
    with services().sessions() as session:
        return json_response(monitors.list_monitors(session))


@bp.delete("/<monitor_id>")
@Operation({"204": ("Deleted", None)}, path=MonitorPath)
@requires("admin")
def delete_monitor(monitor_id: str) -> Response:
    """Stop watching a balance"""
    with services().sessions.begin() as session:
        monitors.delete_monitor(session, monitor_id=path_id("monitorId", monitor_id))
    return Response(status=204)
