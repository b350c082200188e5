"""/api/wallet: submit movements, one or a batch; the requests they create are followed at
/api/wallet/requests/{key} (producer_api.routes.requests)."""

from flask import Blueprint, Response, request, url_for

from ledger.errors import LedgerError
from ledger.inbox import Submission
from ledger.operations import OperationType
from ledger.views import RequestView
from producer_api.auth import current_client, requires
from producer_api.batch_refusals import located, refuse_repeated_keys
from producer_api.body import json_object, preferred_wait
from producer_api.limits import account_in_body, charge
from producer_api.openapi import Operation
from producer_api.openapi_examples import SEED_BODIES, batch_example
from producer_api.problems import Problem
from producer_api.responses import idempotency_key, json_response
from producer_api.routes.requests import wait_for_outcomes
from producer_api.schemas import (
    BatchBody,
    BatchOut,
    BonusBody,
    SpendBody,
    SubmitBody,
    SubmitHeaders,
    TopupBody,
    WaitHeaders,
)
from producer_api.services import services

BATCH_MAX_BYTES = 1024 * 1024
SUBMITS: list[tuple[OperationType, type[SubmitBody], str]] = [
    ("topup", TopupBody, "Top up a user from the treasury"),
    ("bonus", BonusBody, "Grant a bonus from the bonus pool"),
    ("spend", SpendBody, "Spend from a user to revenue"),
]
# Where an answer names the request's key, and the request its account (OpenAPI links).
SUBMIT_LINKS = "$response.body#/idempotencyKey", "$request.body#/accountNumber"
BATCH_LINKS = (
    "$response.body#/requests/0/idempotencyKey",
    "$request.body#/operations/0/accountNumber",
)

bp = Blueprint("wallet", __name__, url_prefix="/api/wallet")


def _submit_route(operation: OperationType, body: type[SubmitBody], summary: str) -> None:
    """``POST /api/wallet/<operation>``: one movement, ``body`` in, the request resource out."""

    def submit() -> Response:
        return _submit_one(operation, body)

    submit.__name__, submit.__doc__ = operation, summary  # its operation id and summary
    view = requires("wallet:write")(submit)
    documented = Operation(
        answers={
            "200": ("Finished (after Prefer: wait, or a replay)", RequestView),
            "202": ("Accepted; poll the Location", RequestView),
        },
        body=body,
        example=SEED_BODIES[operation],
        headers=SubmitHeaders,
        links=SUBMIT_LINKS,
    )
    bp.add_url_rule(f"/{operation}", operation, documented(account_in_body(view)), methods=["POST"])


for _operation, _body, _summary in SUBMITS:
    _submit_route(_operation, _body, _summary)


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
    submissions = [_submission(op.type, op, op.idempotency_key) for op in body.operations]
    try:
        submitted = services().submitter.submit(submissions)
    except LedgerError as error:
        raise located(error) from None
    views, _ = wait_for_outcomes(submitted.views, preferred_wait(_max_wait()) or 0)
    status = 200 if all(v.is_terminal for v in views) else 202
    return json_response(BatchOut(requests=views), status=status)


def _submit_one(operation: OperationType, model: type[SubmitBody]) -> Response:
    body = model.model_validate(json_object())
    charge(services().limiter, body.account_number)
    key = _key(body)
    services().admission.admit()
    submitted = services().submitter.submit([_submission(operation, body, key)])
    wait = preferred_wait(_max_wait())
    (view,), waited = wait_for_outcomes(submitted.views, wait or 0)
    response = json_response(view, status=200 if view.is_terminal else 202)
    response.headers["Location"] = url_for("requests.get_request", key=view.idempotency_key)
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


def _max_wait() -> int:
    return services().settings.max_wait_seconds
