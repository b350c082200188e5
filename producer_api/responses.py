"""Shaping answers: pydantic models to JSON, path parameters to validated values."""

from flask import Response
from pydantic import BaseModel, TypeAdapter, ValidationError

from producer_api.problems import Problem, validation_problem
from producer_api.schemas import AccountNumber

_account_adapter: TypeAdapter[str] = TypeAdapter(AccountNumber)


def json_response(model: BaseModel, *, status: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status, mimetype="application/json")


def path_account(value: str) -> str:
    try:
        return _account_adapter.validate_python(value)
    except ValidationError as error:
        raise field_problem("accountNumber", error) from None


def field_problem(field: str, error: ValidationError) -> Problem:
    """A 400 for a value outside the JSON body (a header or a path segment)."""
    problem = validation_problem(error, status=400)
    problem.errors = [dict(e, field=field) for e in problem.errors or []]
    return problem
