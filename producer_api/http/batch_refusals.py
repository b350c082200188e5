"""Refusals of a whole batch: repeated keys before anything is recorded, and the ledger's
refusals pointed at the operation that caused them."""

from ledger.errors import LedgerError
from producer_api.contract.schemas import BatchBody
from producer_api.http.problems import Problem, ledger_problem


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


def located(error: LedgerError) -> Problem:
    """The ledger's refusal, pointed at the operation that caused it (``error.index``)."""
    problem = ledger_problem(error, field_prefix=f"operations.{error.index}.")
    if error.index is None and problem.errors:
        problem.errors = [{"field": "operations", "message": error.message}]
    return problem
