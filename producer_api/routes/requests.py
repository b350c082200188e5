"""/api/wallet/requests/{key}: a request and its outcome, long-polled with ``wait``; and the
wait for outcomes that the submits share."""

from urllib.parse import quote

from flask import Blueprint, Response
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from ledger import request_views
from ledger.errors import RequestNotFound
from ledger.views import RequestView
from producer_api.auth import current_client, requires
from producer_api.openapi import Operation
from producer_api.responses import idempotency_key, json_response, query
from producer_api.schemas import KeyPath, WaitQuery
from producer_api.services import services


class KeyConverter(BaseConverter):
    """An idempotency key in a path: read whole, '/' included; written percent-encoded
    ('/', '?', '#', '%' and the rest), so a key like ``a/../b`` cannot name another URL."""

    regex = r"[\s\S]+"  # any character, line breaks and NUL included: refused by the rule
    part_isolating = False

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


bp = Blueprint("requests", __name__, url_prefix="/api/wallet")


@bp.record_once
def _register_key_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["key"] = KeyConverter


@bp.get("/requests/<key:key>", merge_slashes=False)
@Operation({"200": ("The request", RequestView)}, path=KeyPath, query=WaitQuery)
@requires("wallet:read")
def get_request(key: str) -> Response:
    """A request and its outcome (long-polls with wait)"""
    wait = query(WaitQuery).wait
    (view,), _ = wait_for_outcomes([_read_request(idempotency_key("key", key))], wait)
    return json_response(view)


def wait_for_outcomes(views: list[RequestView], seconds: float) -> tuple[list[RequestView], bool]:
    """Wait until every request is finished (or ``seconds`` pass), polling only their
    statuses, then read the resources once. False (and the views as they were) when the
    process already has as many waiters as it allows: the wait is not applied."""
    pending = [v.request_id for v in views if not v.is_terminal]
    if not pending or seconds <= 0:
        return views, True

    def is_done() -> bool:
        with services().sessions() as session:
            return request_views.count_pending(session, request_ids=pending) == 0

    if not services().waiter.wait([str(i) for i in pending], seconds, is_done):
        return views, False
    with services().sessions() as session:
        ids = [v.request_id for v in views]
        return request_views.get_requests_by_id(
            session, request_ids=ids, sealer=services().sealer
        ), True


def _read_request(key: str) -> RequestView:
    with services().sessions() as session:
        view = request_views.get_request(
            session, client_id=current_client(), idempotency_key=key, sealer=services().sealer
        )
    if view is None:
        raise RequestNotFound(f"no request with idempotency key {key!r}")
    return view
