"""/api/wallet/requests/{key}: a request and its outcome, long-polled with ``wait``; and the
wait for outcomes that the submits share (parked in the front: producer_api.front)."""

import uuid
from collections.abc import Callable
from urllib.parse import quote

from flask import Blueprint, Flask, Response, request
from flask.blueprints import BlueprintSetupState
from pydantic import BaseModel
from werkzeug.routing import BaseConverter

from ledger.errors import RequestNotFound
from ledger.reads import requests as request_views
from ledger.reads.views import RequestView
from producer_api.app_services import services
from producer_api.contract.schemas import KeyPath, WaitQuery
from producer_api.front import PARKED
from producer_api.http.openapi import Operation
from producer_api.http.responses import idempotency_key, json_response, query
from producer_api.parking import Parked
from producer_api.services.auth import current_client, requires


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
    view = _read_request(idempotency_key("key", key))
    park_until_finished([view], wait, lambda views: (200, views[0]))
    return json_response(view)


def park_until_finished(
    views: list[RequestView],
    seconds: float,
    answer: Callable[[list[RequestView]], tuple[int, BaseModel]],
    *,
    applied: str | None = None,
) -> None:
    """Ask the front (producer_api.front) to hold this call until every request is finished
    or ``seconds`` pass, then to send ``answer`` of the views read again. The route's own
    answer goes out instead if nothing is pending, the process has no room for one more
    waiting call, or no front serves the app (a WSGI server or test client: the wait is not
    applied, as RFC 7240 allows)."""
    pending = tuple(str(v.request_id) for v in views if not v.is_terminal)
    if pending and seconds > 0 and PARKED in request.environ:
        request_ids = tuple(v.request_id for v in views)
        request.environ[PARKED] = Parked(request_ids, pending, seconds, answer, applied)


def finished_requests(app: Flask, request_ids: list[str]) -> set[str]:
    """Which of these requests are finished (the front's re-check of every parked call)."""
    with app.app_context(), services().sessions() as session:
        ids = [uuid.UUID(i) for i in request_ids]
        return {str(i) for i in request_views.finished_among(session, request_ids=ids)}


def read_requests(app: Flask, request_ids: list[uuid.UUID]) -> list[RequestView]:
    """The requests' resources, in the order of the ids (the front's parked calls)."""
    with app.app_context(), services().sessions() as session:
        return request_views.get_requests_by_id(
            session, request_ids=request_ids, sealer=services().sealer
        )


def _read_request(key: str) -> RequestView:
    with services().sessions() as session:
        view = request_views.get_request(
            session, client_id=current_client(), idempotency_key=key, sealer=services().sealer
        )
    if view is None:
        raise RequestNotFound(f"no request with idempotency key {key!r}")
    return view
