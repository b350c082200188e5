"""Refusals of a whole batch: repeated keys before anything is recorded, and the ledger's
refusals pointed at the operation that caused them."""

from sqlalchemy.orm import Session

from ledger.errors import AmountPrecision, BusinessRejection, LedgerError
from ledger.inbox import Submission
from ledger.submission_checks import check_submissions
from producer_api.problems import Problem, ledger_problem
from producer_api.schemas import BatchBody
from producer_api.services import services


def refuse_repeated_keys(body: BatchBody) -> None:
    """Two operations under one key would be one request with two payloads: refused whole."""
    repeated = body.repeated_keys()
    if repeated:
        raise Problem(
            422,
            "DUPLICATE_IDEMPOTENCY_KEY",
            "Each operation of a batch needs its own idempotency key.",
            errors=[
                {"field": f"operations.{i}.idempotencyKey", "message": "Already used above."}
                for i in repeated
            ],
        )


def located(error: LedgerError, submissions: list[Submission]) -> Problem:
    """The ledger's refusal, pointed at the operation that caused it. The ledger names no
    index, so on this (error) path the operations are checked again one by one."""
    index = None
    if isinstance(error, BusinessRejection | AmountPrecision):
        with services().sessions() as session:
            refused = (i for i, s in enumerate(submissions) if _refuses(session, s))
            index = next(refused, None)
    problem = ledger_problem(error, field_prefix=f"operations.{index}.")
    if index is None and problem.errors:
        problem.errors = [{"field": "operations", "message": error.message}]
    return problem


def _refuses(session: Session, submission: Submission) -> bool:
    try:
        check_submissions(session, submissions=[submission])
    except LedgerError:
        return True
    return False
