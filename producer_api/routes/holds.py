"""/api/wallet/holds/{holdId}: a hold, read from the primary. Placing, capturing and voiding
one are submits (producer_api.routes.wallet)."""

from flask import Blueprint, Response

from ledger.reads.holds import get_hold as find_hold
from ledger.reads.views import HoldView
from producer_api.app_services import services
from producer_api.contract.schemas import HoldPath
from producer_api.http.openapi import Operation
from producer_api.http.responses import json_response
from producer_api.services.auth import requires

bp = Blueprint("holds", __name__, url_prefix="/api/wallet")


@bp.get("/holds/<hold_id>")
@Operation({"200": ("The hold", HoldView)}, path=HoldPath)
@requires("wallet:read")
def get_hold(hold_id: str) -> Response:
    """A hold: active, captured, voided or expired"""
    with services().sessions() as session:
        return json_response(find_hold(session, hold_id=hold_id))
