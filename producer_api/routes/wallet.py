"""/api/wallet: submit movements (one or a batch) and follow the requests they create."""

from urllib.parse import quote

from flask import Blueprint, Response, request, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from ledger.errors import LedgerError, RequestNotFound
from ledger.inbox import Submission
from ledger.operations import OperationType
from ledger.request_views import count_pending, get_request, get_requests_by_id
from ledger.views import RequestView
from producer_api.auth import current_client, requires
from producer_api.batch_refusals import located, refuse_repeated_keys
from producer_api.body import json_object, preferred_wait
from producer_api.limits import account_in_body, charge
from producer_api.problems import Problem
from producer_api.responses import idempotency_key, json_response, query
from producer_api.schemas import (
    BatchBody,
    BatchOut,
    BonusBody,
    SpendBody,
    SubmitBody,
    TopupBody,
    WaitQuery,
)
from producer_api.services import services

BATCH_MAX_BYTES = 1024 * 1024


class KeyConverter(BaseConverter):
    """An idempotency key in a path: read whole, '/' included; written percent-encoded
    ('/', '?', '#', '%' and the rest), so a key like ``a/../b`` cannot name another URL."""

    regex = r"[\s\S]+"  # any character, line breaks and NUL included: refused by the rule
    part_isolating = False

    def to_url(self, value: str) -> str:
        return quote(value, safe="")


bp = Blueprint("wallet", __name__, url_prefix="/api/wallet")


@bp.record_once
def _register_key_converter(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["key"] = KeyConverter


@bp.post("/topup")
@account_in_body
@requires("wallet:write")
def topup() -> Response:
    return _submit_one("topup", TopupBody)


@bp.post("/bonus")
@account_in_body
@requires("wallet:write")
def bonus() -> Response:
    return _submit_one("bonus", BonusBody)


@bp.post("/spend")
@account_in_body
@requires("wallet:write")
def spend() -> Response:
    return _submit_one("spend", SpendBody)


@bp.post("/batch")
@requires("wallet:write")
def batch() -> Response:
    """Up to 1,000 operations, each with its own key and outcome; accepted all or none."""
    request.max_content_length = BATCH_MAX_BYTES
    body = BatchBody.model_validate(json_object())
    refuse_repeated_keys(body)
    services().admission.admit()
    submissions = [_submission(op.type, op, op.idempotency_key) for op in body.operations]
    try:
        submitted = services().submitter.submit(submissions)
    except LedgerError as error:
        raise located(error) from None
    views, _ = _wait_for_outcomes(submitted.views, preferred_wait(_max_wait()) or 0)
    status = 200 if all(v.is_terminal for v in views) else 202
    out = BatchOut(requests=views)
    return json_response(out, status=status)


@bp.get("/requests/<key:key>", merge_slashes=False)
@requires("wallet:read")
def show_request(key: str) -> Response:
    wait = query(WaitQuery).wait
    (view,), _ = _wait_for_outcomes([_read_request(idempotency_key("key", key))], wait)
    return json_response(view)


def _submit_one(operation: OperationType, model: type[SubmitBody]) -> Response:
    body = model.model_validate(json_object())
    charge(services().limiter, body.account_number)
    key = _key(body)
    services().admission.admit()
    submitted = services().submitter.submit([_submission(operation, body, key)])
    wait = preferred_wait(_max_wait())
    (view,), waited = _wait_for_outcomes(submitted.views, wait or 0)
    response = json_response(view, status=200 if view.is_terminal else 202)
    response.headers["Location"] = url_for("wallet.show_request", key=view.idempotency_key)
    if submitted.replayed[0]:
        response.headers["Idempotent-Replayed"] = "true"
    if wait is not None and waited:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def _submission(operation: OperationType, body: SubmitBody, key: str) -> Submission:
    return Submission(
        client_id=current_client(),
        idempotency_key=key,
        type=operation,
        account_number=body.account_number,
        asset_code=body.asset_code,
        amount=body.amount,
        description=body.memo(),
        metadata=body.metadata,
    )


def _key(body: SubmitBody) -> str:
    header = request.headers.get("Idempotency-Key")
    if header is not None:
        header = idempotency_key("Idempotency-Key", header)
    if header and body.idempotency_key and header != body.idempotency_key:
        raise Problem(
            400,
            "IDEMPOTENCY_KEY_MISMATCH",
            "The Idempotency-Key header and the idempotencyKey field differ.",
        )
    key = body.idempotency_key or header
    if not key:
        raise Problem(
            400,
            "IDEMPOTENCY_KEY_REQUIRED",
            "Send an idempotencyKey field or an Idempotency-Key header.",
            errors=[{"field": "idempotencyKey", "message": "Field required"}],
        )
    return key


def _read_request(key: str) -> RequestView:
    with services().sessions() as session:
        view = get_request(
            session, client_id=current_client(), idempotency_key=key, sealer=services().sealer
        )
    if view is None:
        raise RequestNotFound(f"no request with idempotency key {key!r}")
    return view


def _wait_for_outcomes(views: list[RequestView], seconds: float) -> tuple[list[RequestView], bool]:
    """Wait until every request is finished (or ``seconds`` pass), polling only their
    statuses, then read the resources once. False (and the views as they were) when the
    process already has as many waiters as it allows: the wait is not applied."""
    pending = [v.request_id for v in views if not v.is_terminal]
    if not pending or seconds <= 0:
        return views, True

    def is_done() -> bool:
        with services().sessions() as session:
            return count_pending(session, request_ids=pending) == 0

    if not services().waiter.wait([str(i) for i in pending], seconds, is_done):
        return views, False
    with services().sessions() as session:
        ids = [v.request_id for v in views]
        return get_requests_by_id(session, request_ids=ids, sealer=services().sealer), True


def _max_wait() -> int:
    return services().settings.max_wait_seconds
