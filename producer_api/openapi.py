"""OpenAPI 3.1 description, generated from the same pydantic models that validate requests."""

import re
from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema

from ledger import views
from ledger.views import AccountBalances, HistoryPage, RequestView
from producer_api.openapi_examples import PROBLEMS, READ_PROBLEMS, SEED_BODIES, SUBMIT_PROBLEMS
from producer_api.openapi_parameters import ACCOUNT, HISTORY, KEY, KEY_HEADER, PREFER, WAIT
from producer_api.schemas import BatchBody, BatchOut, BonusBody, ProblemOut, SpendBody, TopupBody

REF = "#/components/schemas/{model}"
READ_MODELS = {
    name
    for name, value in vars(views).items()
    if isinstance(value, type)
    and issubclass(value, views.ReadModel)
    and value is not views.ReadModel
}
# Answered by gunicorn itself, before the application sees the request.
URI_TOO_LONG = {
    "description": "Request line too long (from the HTTP server)",
    "content": {"text/html": {}},
}


def published_name(name: str) -> str:
    """The component name of a model: the ledger's read models keep the names the API has
    always published for its resources (RequestView -> RequestOut, HistoryPage -> HistoryOut)."""
    if name in READ_MODELS:
        return re.sub(r"(View|Page)$", "", name) + "Out"
    return name


class _Published(GenerateJsonSchema):
    def normalize_name(self, name: str) -> str:
        return super().normalize_name(published_name(name))


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=published_name(model.__name__))}


def _answer(
    description: str, model: type[BaseModel], media: str = "application/json"
) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(model)}}}


PROBLEM = _answer("A problem (4xx/5xx)", ProblemOut, "application/problem+json")


def _problems(codes: tuple[str, ...]) -> dict[str, Any]:
    return {code: {**PROBLEM, "description": PROBLEMS[code]} for code in codes}


def _operation(
    operation_id: str,
    summary: str,
    scope: str,
    ok: dict[str, Any],
    *,
    params: list[dict[str, Any]],
    body: type[BaseModel] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "security": [{"apiKey": [scope]}],
        "parameters": params,
        "responses": {
            **ok,
            **_problems(READ_PROBLEMS if body is None else SUBMIT_PROBLEMS),
            "414": URI_TOO_LONG,
            "default": PROBLEM,
        },
    }
    if body is not None:
        example = _body_example(operation_id, body)
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body), "example": example}},
        }
    return operation


def _body_example(operation_id: str, body: type[BaseModel]) -> dict[str, Any]:
    if body is not BatchBody:
        return SEED_BODIES[operation_id]
    first = {**_example(TopupBody), "idempotencyKey": "example-batch"}
    return {"operations": [{"type": "topup", **first}]}


def _example(model: type[BaseModel]) -> dict[str, Any]:
    """A body of each field's first example: a call that can succeed on seeded data."""
    fields = model.model_fields.items()
    return {field.alias or name: field.examples[0] for name, field in fields if field.examples}


def _linked(answer: dict[str, Any], key: str, account: str) -> dict[str, Any]:
    """``answer`` with links to the request it created and the account it named."""
    return {
        **answer,
        "links": {
            "GetRequest": {"operationId": "getRequest", "parameters": {"key": key}},
            "GetBalance": {"operationId": "getBalance", "parameters": {"accountNumber": account}},
            "GetHistory": {"operationId": "getHistory", "parameters": {"accountNumber": account}},
        },
    }


def _submit(operation_id: str, summary: str, body: type[BaseModel]) -> dict[str, Any]:
    key, account = "$response.body#/idempotencyKey", "$request.body#/accountNumber"
    ok = {
        "200": _linked(
            _answer("Finished (after Prefer: wait, or a replay)", RequestView), key, account
        ),
        "202": _linked(_answer("Accepted; poll the Location", RequestView), key, account),
    }
    params = [PREFER, KEY_HEADER]
    return {"post": _operation(operation_id, summary, "wallet:write", ok, params=params, body=body)}


@cache
def openapi_spec() -> dict[str, Any]:
    bodies: list[type[BaseModel]] = [TopupBody, BonusBody, SpendBody, BatchBody]
    answers: list[type[BaseModel]] = [
        RequestView,
        BatchOut,
        AccountBalances,
        HistoryPage,
        ProblemOut,
    ]
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in bodies]
    modes += [(m, "serialization") for m in answers]
    _, schemas = models_json_schema(
        modes,
        by_alias=True,
        ref_template=REF,
        schema_generator=_Published,
    )
    first = "$response.body#/requests/0/idempotencyKey", "$request.body#/operations/0/accountNumber"
    batch_ok = {
        "200": _linked(_answer("All finished", BatchOut), *first),
        "202": _linked(_answer("Accepted", BatchOut), *first),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wallet service",
            "version": "1.0.0",
            "description": "Asynchronous double-entry wallet for virtual currencies. A submit "
            "records the request under its idempotency key and answers 202 with the request to "
            "poll (or 200 with its outcome after `Prefer: wait=N`); reads come from the ledger. "
            "Send `Authorization: Bearer <API key>`; errors are `application/problem+json`.",
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/wallet/topup": _submit("topup", "Top up a user from the treasury", TopupBody),
            "/api/wallet/bonus": _submit("bonus", "Grant a bonus from the bonus pool", BonusBody),
            "/api/wallet/spend": _submit("spend", "Spend from a user to revenue", SpendBody),
            "/api/wallet/batch": {
                "post": _operation(
                    "batch",
                    "Submit up to 1,000 operations",
                    "wallet:write",
                    batch_ok,
                    params=[PREFER],
                    body=BatchBody,
                )
            },
            "/api/wallet/requests/{key}": {
                "get": _operation(
                    "getRequest",
                    "A request and its outcome (long-polls with wait)",
                    "wallet:read",
                    {"200": _answer("The request", RequestView)},
                    params=[KEY, WAIT],
                )
            },
            "/api/wallet/balance/{accountNumber}": {
                "get": _operation(
                    "getBalance",
                    "An account's balances",
                    "wallet:read",
                    {"200": _answer("Balances", AccountBalances)},
                    params=[ACCOUNT],
                )
            },
            "/api/wallet/history/{accountNumber}": {
                "get": _operation(
                    "getHistory",
                    "An account's entries, newest first",
                    "wallet:read",
                    {"200": _answer("One page", HistoryPage)},
                    params=HISTORY,
                )
            },
        },
    }
