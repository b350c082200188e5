"""OpenAPI 3.1 description, generated from the same pydantic models that validate requests."""

from functools import cache
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from producer_api.schemas import (
    AccountBalancesOut,
    BatchBody,
    BatchOut,
    BonusBody,
    HistoryOut,
    ProblemOut,
    RequestOut,
    SpendBody,
    TopupBody,
)

REF = "#/components/schemas/{model}"
KEY = {
    "name": "key",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
}
ACCOUNT = {
    "name": "accountNumber",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]*$", "maxLength": 64},
}
PREFER = {
    "name": "Prefer",
    "in": "header",
    "required": False,
    "schema": {"type": "string", "pattern": "^wait=([0-9]|[12][0-9]|30)$"},
    "description": "wait=N: hold the call up to N seconds (at most 30) for the outcome",
}
WAIT = {
    "name": "wait",
    "in": "query",
    "required": False,
    "schema": {"type": "number", "minimum": 0, "maximum": 30},
}
HISTORY = [
    ACCOUNT,
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 100},
    },
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "schema": {"type": "string", "maxLength": 64},
    },
]


# Answered by gunicorn itself, before the application sees the request.
URI_TOO_LONG = {
    "description": "Request line too long (from the HTTP server)",
    "content": {"text/html": {}},
}


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _answer(
    description: str, model: type[BaseModel], media: str = "application/json"
) -> dict[str, Any]:
    return {"description": description, "content": {media: {"schema": _ref(model)}}}


PROBLEM = _answer("A problem (4xx/5xx)", ProblemOut, "application/problem+json")


def _operation(
    summary: str,
    scope: str,
    ok: dict[str, Any],
    *,
    params: list[dict[str, Any]],
    body: type[BaseModel] | None = None,
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"apiKey": [scope]}],
        "parameters": params,
        "responses": {**ok, "414": URI_TOO_LONG, "default": PROBLEM},
    }
    if body is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(body)}},
        }
    return operation


def _submit(summary: str, body: type[BaseModel]) -> dict[str, Any]:
    ok = {
        "200": _answer("Finished (after Prefer: wait, or a replay)", RequestOut),
        "202": _answer("Accepted; poll the Location", RequestOut),
    }
    return {"post": _operation(summary, "wallet:write", ok, params=[PREFER], body=body)}


@cache
def openapi_spec() -> dict[str, Any]:
    bodies: list[type[BaseModel]] = [TopupBody, BonusBody, SpendBody, BatchBody]
    answers: list[type[BaseModel]] = [
        RequestOut,
        BatchOut,
        AccountBalancesOut,
        HistoryOut,
        ProblemOut,
    ]
    modes: list[tuple[type[BaseModel], JsonSchemaMode]] = [(m, "validation") for m in bodies]
    modes += [(m, "serialization") for m in answers]
    _, schemas = models_json_schema(
        modes,
        by_alias=True,
        ref_template=REF,
    )
    batch_ok = {"200": _answer("All finished", BatchOut), "202": _answer("Accepted", BatchOut)}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Wallet service",
            "version": "1.0.0",
            "description": "Asynchronous double-entry wallet for virtual currencies.",
        },
        "components": {
            "schemas": schemas["$defs"],
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/api/wallet/topup": _submit("Top up a user from the treasury", TopupBody),
            "/api/wallet/bonus": _submit("Grant a bonus from the bonus pool", BonusBody),
            "/api/wallet/spend": _submit("Spend from a user to revenue", SpendBody),
            "/api/wallet/batch": {
                "post": _operation(
                    "Submit up to 1,000 operations",
                    "wallet:write",
                    batch_ok,
                    params=[PREFER],
                    body=BatchBody,
                )
            },
            "/api/wallet/requests/{key}": {
                "get": _operation(
                    "A request and its outcome (long-polls with wait)",
                    "wallet:read",
                    {"200": _answer("The request", RequestOut)},
                    params=[KEY, WAIT],
                )
            },
            "/api/wallet/balance/{accountNumber}": {
                "get": _operation(
                    "An account's balances",
                    "wallet:read",
                    {"200": _answer("Balances", AccountBalancesOut)},
                    params=[ACCOUNT],
                )
            },
            "/api/wallet/history/{accountNumber}": {
                "get": _operation(
                    "An account's entries, newest first",
                    "wallet:read",
                    {"200": _answer("One page", HistoryOut)},
                    params=HISTORY,
                )
            },
        },
    }
