"""/api/wallet: submit movements, follow requests, read balances and history."""

from flask import Blueprint, Response, request, url_for
from pydantic import BaseModel, TypeAdapter, ValidationError

from ledger.errors import RequestNotFound
from ledger.inbox import Submission
from ledger.operations import OperationType
from ledger.queries import get_balances, get_history, get_request
from ledger.views import RequestView
from producer_api.body import json_object, preferred_wait
from producer_api.problems import Problem, validation_problem
from producer_api.schemas import (
    AccountBalancesOut,
    AccountNumber,
    BonusBody,
    HistoryOut,
    HistoryQuery,
    IdempotencyKey,
    RequestOut,
    SpendBody,
    SubmitBody,
    TopupBody,
    WaitQuery,
)
from producer_api.services import services

bp = Blueprint("wallet", __name__, url_prefix="/api/wallet")
# Single-tenant until API keys arrive: every caller is one client for idempotency scoping.
CLIENT_ID = "default"
_key_adapter: TypeAdapter[str] = TypeAdapter(IdempotencyKey)
_account_adapter: TypeAdapter[str] = TypeAdapter(AccountNumber)


@bp.post("/topup")
def topup() -> Response:
    return _submit("topup", TopupBody)


@bp.post("/bonus")
def bonus() -> Response:
    return _submit("bonus", BonusBody)


@bp.post("/spend")
def spend() -> Response:
    return _submit("spend", SpendBody)


@bp.get("/requests/<path:key>")
def show_request(key: str) -> Response:
    wait = WaitQuery.model_validate(request.args.to_dict()).wait
    view = _wait_for_outcome(_read_request(key), wait)
    return _request_response(view, status=200)


@bp.get("/balance/<account_number>")
def balance(account_number: str) -> Response:
    with services().sessions() as session:
        balances = get_balances(session, account_number=_path_account(account_number))
    return _json(AccountBalancesOut.model_validate(balances))


@bp.get("/history/<account_number>")
def history(account_number: str) -> Response:
    query = HistoryQuery.model_validate(request.args.to_dict())
    with services().sessions() as session:
        page = get_history(
            session,
            account_number=_path_account(account_number),
            limit=query.limit,
            cursor=query.cursor,
        )
    return _json(HistoryOut.model_validate(page))


def _submit(operation: OperationType, model: type[SubmitBody]) -> Response:
    body = model.model_validate(json_object())
    submitted = services().submitter.submit(
        Submission(
            client_id=CLIENT_ID,
            idempotency_key=_idempotency_key(body),
            type=operation,
            account_number=body.account_number,
            asset_code=body.asset_code,
            amount=body.amount,
            description=body.memo(),
            metadata=body.metadata,
        )
    )
    wait = preferred_wait(services().settings.max_wait_seconds)
    view = _wait_for_outcome(submitted.view, wait or 0)
    response = _request_response(view, status=200 if view.is_terminal else 202)
    response.headers["Location"] = url_for("wallet.show_request", key=view.idempotency_key)
    if submitted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    if wait is not None:
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def _idempotency_key(body: SubmitBody) -> str:
    header = request.headers.get("Idempotency-Key")
    if header is not None:
        try:
            header = _key_adapter.validate_python(header)
        except ValidationError as error:
            raise _field_problem("Idempotency-Key", error) from None
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


def _path_account(value: str) -> str:
    try:
        return _account_adapter.validate_python(value)
    except ValidationError as error:
        raise _field_problem("accountNumber", error) from None


def _field_problem(field: str, error: ValidationError) -> Problem:
    problem = validation_problem(error, status=400)
    problem.errors = [dict(e, field=field) for e in problem.errors or []]
    return problem


def _read_request(key: str) -> RequestView:
    with services().sessions() as session:
        view = get_request(session, client_id=CLIENT_ID, idempotency_key=key)
    if view is None:
        raise RequestNotFound(f"no request with idempotency key {key!r}")
    return view


def _wait_for_outcome(view: RequestView, seconds: float) -> RequestView:
    if view.is_terminal or seconds <= 0:
        return view
    latest = [view]

    def is_done() -> bool:
        latest[0] = _read_request(view.idempotency_key)
        return latest[0].is_terminal

    services().waiter.wait(str(view.request_id), seconds, is_done)
    return latest[0]


def _request_response(view: RequestView, *, status: int) -> Response:
    return _json(RequestOut.model_validate(view), status=status)


def _json(model: BaseModel, *, status: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status, mimetype="application/json")
