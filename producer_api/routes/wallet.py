"""/api/wallet: submit operations, one or a batch (the seed's movements, transfers, holds
and their captures and voids, reversals); the requests they create are followed at
/api/wallet/requests/{key} (producer_api.routes.requests). Every submit goes through the
same path: body, key, inbox, queue, and the optional wait for the outcome."""

from dataclasses import dataclass

from flask import Blueprint, Response, request, url_for

from ledger.errors import LedgerError
from ledger.inbox.submission import Submission
from ledger.operations import OperationType
from ledger.reads.views import RequestView
from producer_api.app_services import services
from producer_api.contract.schemas import (
    BatchBody,
    BatchOut,
    BonusBody,
    CaptureBody,
    HoldBody,
    HoldPath,
    KeyedBody,
    ReversalBody,
    SpendBody,
    SubmitHeaders,
    TopupBody,
    TransferBody,
    VoidBody,
    WaitHeaders,
)
from producer_api.http.batch_refusals import located, refuse_repeated_keys
from producer_api.http.body import json_object, preferred_wait
from producer_api.http.openapi import Operation
from producer_api.http.openapi_examples import SUBMIT_BODIES, batch_example
from producer_api.http.problems import Problem
from producer_api.http.responses import idempotency_key, json_response
from producer_api.routes.requests import park_until_finished
from producer_api.services.auth import current_client, is_admin, requires
from producer_api.services.limits import account_in_body, charge

BATCH_MAX_BYTES = 1024 * 1024
# Where an answer names the request's key (OpenAPI links).
KEY_LINK = "$response.body#/idempotencyKey"
BATCH_LINKS = (
    "$response.body#/requests/0/idempotencyKey",
    "$request.body#/operations/0/accountNumber",
)


@dataclass(frozen=True)
class Submit:
    """One submit route: ``POST /api/wallet<rule>``, ``body`` in, the request resource out."""

    operation: OperationType
    endpoint: str  # the view's name: its OpenAPI operation id
    rule: str
    body: type[KeyedBody]
    summary: str
    account_field: str | None = "accountNumber"  # the body's account (OpenAPI links)
    path: type[HoldPath] | None = None


SUBMITS = [
    Submit(OperationType.TOPUP, "topup", "/topup", TopupBody, "Top up a user from the treasury"),
    Submit(OperationType.BONUS, "bonus", "/bonus", BonusBody, "Grant a bonus from the bonus pool"),
    Submit(OperationType.SPEND, "spend", "/spend", SpendBody, "Spend from a user to revenue"),
    Submit(
        OperationType.TRANSFER,
        "transfer",
        "/transfer",
        TransferBody,
        "Transfer between two users",
        account_field="fromAccount",
    ),
    Submit(
        OperationType.HOLD, "place_hold", "/holds", HoldBody, "Hold funds of a user (authorize)"
    ),
    Submit(
        OperationType.CAPTURE,
        "capture_hold",
        "/holds/<hold_id>/capture",
        CaptureBody,
        "Capture a hold, all or part",
        account_field=None,
        path=HoldPath,
    ),
    Submit(
        OperationType.VOID,
        "void_hold",
        "/holds/<hold_id>/void",
        VoidBody,
        "Void a hold",
        account_field=None,
        path=HoldPath,
    ),
    Submit(
        OperationType.REVERSAL,
        "reverse_transaction",
        "/reversals",
        ReversalBody,
        "Reverse a transaction, all or part",
        account_field=None,
    ),
]

bp = Blueprint("wallet", __name__, url_prefix="/api/wallet")


def _submit_route(submit: Submit) -> None:
    def view(**path: str) -> Response:
        return _submit_one(submit.operation, submit.body, path)

    view.__name__, view.__doc__ = submit.endpoint, submit.summary  # operation id and summary
    guarded = requires("wallet:write")(view)
    account = submit.account_field and f"$request.body#/{submit.account_field}"
    documented = Operation(
        answers={
            "200": ("Finished (after Prefer: wait, or a replay)", RequestView),
            "202": ("Accepted; poll the Location", RequestView),
        },
        body=submit.body,
        example=SUBMIT_BODIES[submit.operation],
        path=submit.path,
        headers=SubmitHeaders,
        links=(KEY_LINK, account) if account else None,
    )
    endpoint = submit.endpoint
    bp.add_url_rule(submit.rule, endpoint, documented(account_in_body(guarded)), methods=["POST"])


for _submit in SUBMITS:
    _submit_route(_submit)


@bp.post("/batch")
@Operation(
    answers={"200": ("All finished", BatchOut), "202": ("Accepted", BatchOut)},
    body=BatchBody,
    example=batch_example(TopupBody),
    headers=WaitHeaders,
    links=BATCH_LINKS,
)
@requires("wallet:write")
def batch() -> Response:
    """Submit up to 1,000 operations

    Each operation has its own key and outcome; the batch is accepted all or none."""
    request.max_content_length = BATCH_MAX_BYTES
    body = BatchBody.model_validate(json_object())
    refuse_repeated_keys(body)
    services().admission.admit()
    submissions = [_submission(op.type, op, op.idempotency_key, {}) for op in body.operations]
    try:
        submitted = services().submitter.submit(submissions)
    except LedgerError as error:
        raise located(error) from None
    park_until_finished(submitted.views, preferred_wait(_max_wait()) or 0, _batch_answer)
    status, answer = _batch_answer(submitted.views)
    return json_response(answer, status=status)


def _batch_answer(views: list[RequestView]) -> tuple[int, BatchOut]:
    return 200 if all(v.is_terminal for v in views) else 202, BatchOut(requests=views)


def _submit_answer(views: list[RequestView]) -> tuple[int, RequestView]:
    return 200 if views[0].is_terminal else 202, views[0]


def _submit_one(operation: OperationType, model: type[KeyedBody], path: dict[str, str]) -> Response:
    body = model.model_validate(json_object())
    charge(services().limiter, body.charged_account())
    key = _key(body)
    services().admission.admit()
    submitted = services().submitter.submit([_submission(operation, body, key, path)])
    wait = preferred_wait(_max_wait())
    if wait is not None:
        park_until_finished(submitted.views, wait, _submit_answer, applied=f"wait={wait}")
    status, view = _submit_answer(submitted.views)
    response = json_response(view, status=status)
    response.headers["Location"] = url_for("requests.get_request", key=view.idempotency_key)
    if submitted.replayed[0]:
        response.headers["Idempotent-Replayed"] = "true"
    if wait is not None and status == 200:  # finished already: a parked call's is the front's
        response.headers["Preference-Applied"] = f"wait={wait}"
    return response


def _submission(
    operation: OperationType, body: KeyedBody, key: str, path: dict[str, str]
) -> Submission:
    fields = body.movement(**path)
    return Submission(
        client_id=current_client(),
        idempotency_key=key,
        type=operation,
        any_owner=is_admin(),
        **fields,
    )


def _key(body: KeyedBody) -> str:
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


def _max_wait() -> int:
    return services().settings.max_wait_seconds
