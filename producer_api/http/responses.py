"""Shaping answers: pydantic models to JSON; path, query and header values to validated ones.

The rule for values outside the JSON body (path segments, query parameters, headers): a bad
one is ``400 VALIDATION_ERROR`` whose ``errors[].field`` names the parameter. A JSON body
that parses but breaks the contract is ``422``.
"""

import uuid
from typing import TypeVar

from flask import Response, request
from pydantic import BaseModel, TypeAdapter, ValidationError

from producer_api.contract.fields import AccountNumber, IdempotencyKey
from producer_api.contract.text import BAD_CHARACTERS_MESSAGE, escaped, has_bad_characters
from producer_api.http.problems import Problem, validation_problem

Query = TypeVar("Query", bound=BaseModel)
T = TypeVar("T")
_account_adapter: TypeAdapter[str] = TypeAdapter(AccountNumber)
_key_adapter: TypeAdapter[str] = TypeAdapter(IdempotencyKey)
_id_adapter: TypeAdapter[uuid.UUID] = TypeAdapter(uuid.UUID)


def json_response(model: BaseModel, *, status: int = 200) -> Response:
    return Response(model.model_dump_json(by_alias=True), status, mimetype="application/json")


def path_account(value: str) -> str:
    return _parameter(_account_adapter, "accountNumber", value)


def idempotency_key(field: str, value: str) -> str:
    return _parameter(_key_adapter, field, value)


def path_id(field: str, value: str) -> uuid.UUID:
    return _parameter(_id_adapter, field, value)


def query(model: type[Query]) -> Query:
    """The query string as ``model``. A parameter given twice, or holding a control
    character, is refused rather than guessed at (``int("1\\n")`` would be 1)."""
    errors = [
        {"field": escaped(name) or '""', "message": message}
        for name, values in request.args.lists()
        for message in _query_refusals(name, values)
    ]
    if errors:
        raise Problem(400, "VALIDATION_ERROR", "The request is not valid.", errors=errors)
    try:
        return model.model_validate(request.args.to_dict())
    except ValidationError as error:
        raise validation_problem(error, status=400) from None


def _query_refusals(name: str, values: list[str]) -> list[str]:
    refusals = ["Given more than once."] if len(values) > 1 else []
    if any(has_bad_characters(text) for text in [name, *values]):
        refusals.append(f"The parameter {BAD_CHARACTERS_MESSAGE}.")
    return refusals


def _parameter(adapter: TypeAdapter[T], field: str, value: str) -> T:
    try:
        return adapter.validate_python(value)
    except ValidationError as error:
        problem = validation_problem(error, status=400)
        problem.errors = [dict(e, field=field) for e in problem.errors or []]
        raise problem from None
