"""The OpenAPI 3.1 description, generated from the app's routes and the pydantic models that
validate their input and shape their answers.

A route says what it takes and answers with ``@Operation(...)`` (its answers, its body and
the body's example, its path, query and header models). The rest comes from the route
itself: the method and path from its URL rule, the operation id from its endpoint's name
(``get_balance`` -> ``getBalance``), the summary and description from its docstring, the
scope from ``requires``, the problem answers from whether it takes a body. Nothing runs per
request: the decorator marks the view once, and the app factory builds the document once,
after its blueprints (``init_openapi``): a route that cannot be described stops the start.
"""

import inspect
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel
from pydantic.alias_generators import to_camel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from werkzeug.routing import Rule

from ledger.reads import views
from ledger.webhooks import views as webhook_views
from producer_api.http.openapi_examples import INFO, PROBLEMS, READ_PROBLEMS, SUBMIT_PROBLEMS
from producer_api.http.problems import ProblemOut

REF = "#/components/schemas/{model}"
MARK = "openapi_operation"
RULE_ARGUMENT = re.compile(r"<(?:[^<>:]+:)?([^<>]+)>")  # <name> or <converter:name>
View = TypeVar("View", bound=Callable[..., Any])
# Answered by the HTTP server itself, before the application sees the request.
URI_TOO_LONG = {
    "description": "Request line too long (from the HTTP server)",
    "content": {"text/html": {}},
}
READ_MODELS = {
    name
    for module in (views, webhook_views)
    for name, value in vars(module).items()
    if isinstance(value, type) and issubclass(value, views.ReadModel) and name != "ReadModel"
}


@dataclass(frozen=True)
class Operation:
    """What a route tells the document about itself; used as its decorator."""

    # status -> (description, model); no model: an answer without a body (204)
    answers: dict[str, tuple[str, type[BaseModel] | None]]
    body: type[BaseModel] | None = None
    example: dict[str, Any] | None = None  # the body's
    path: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    headers: type[BaseModel] | None = None
    # Where a successful answer names the request's key and the request the account: each
    # 2xx answer then links to the request, and to the account's balance and history.
    links: tuple[str, str] | None = None
    # The problem answers it lists; by default a submit's (with a body) or a read's.
    problems: tuple[str, ...] | None = None

    def __call__(self, view: View) -> View:
        setattr(view, MARK, self)
        return view


def init_openapi(app: Flask) -> None:
    """Build the app's description once its blueprints are registered, so that a route that
    cannot be described (a path parameter it does not document, a link to an operation no
    route has) stops the app at start rather than answering /openapi.json with a 500."""
    spec = _describe(app)
    operation_ids = {
        o["operationId"] for methods in spec["paths"].values() for o in methods.values()
    }
    linked = {
        link["operationId"]
        for methods in spec["paths"].values()
        for operation in methods.values()
        for answer in operation["responses"].values()
        for link in answer.get("links", {}).values()
    }
    if linked - operation_ids:
        raise ValueError(f"links to operations no route has: {sorted(linked - operation_ids)}")
    app.extensions["openapi"] = spec


def openapi_spec(app: Flask) -> dict[str, Any]:
    """The app's description, built by ``init_openapi`` in the app factory."""
    spec: dict[str, Any] = app.extensions["openapi"]
    return spec


# Published before the read models moved to the ledger; any other page keeps "Page", so that
# AccountPage and AccountView never meet under one name.
LEGACY_NAMES = {"HistoryPage": "HistoryOut"}


def published_name(name: str) -> str:
    """The component name of a model: the ledger's read models keep the names the API has
    always published for its resources (RequestView -> RequestOut, HistoryPage -> HistoryOut)."""
    if name in READ_MODELS:
        return LEGACY_NAMES.get(name) or re.sub(r"View$", "", name) + "Out"
    return name


class _Published(GenerateJsonSchema):
    def normalize_name(self, name: str) -> str:
        return super().normalize_name(published_name(name))


def _describe(app: Flask) -> dict[str, Any]:
    routes = list(_routes(app))
    paths: dict[str, dict[str, Any]] = {}
    for path, method, view, operation in routes:
        paths.setdefault(path, {})[method] = _operation(operation, view)
    schemes = {"apiKey": {"type": "http", "scheme": "bearer"}}
    components = {"schemas": _schemas([r[3] for r in routes]), "securitySchemes": schemes}
    return {"openapi": "3.1.0", "info": INFO, "components": components, "paths": paths}


def _routes(app: Flask) -> Iterator[tuple[str, str, Callable[..., Any], Operation]]:
    """(path, method, view, operation) of each documented route, in registration order."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        operation: Operation | None = getattr(view, MARK, None)
        if operation is not None:
            path = _path(rule, operation)
            for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
                yield path, method.lower(), view, operation


def _path(rule: Rule, operation: Operation) -> str:
    """``/history/<account_number>`` -> ``/history/{accountNumber}``, checked against the
    path model, so that the document cannot name a parameter the route does not have."""
    named = [to_camel(name) for name in RULE_ARGUMENT.findall(rule.rule)]
    documented = [p["name"] for p in _parameters(operation.path, "path")]
    if named != documented:
        raise ValueError(f"{rule.rule}: path parameters {named} documented as {documented}")
    return RULE_ARGUMENT.sub(lambda m: "{" + to_camel(m.group(1)) + "}", rule.rule)


def _operation(operation: Operation, view: Callable[..., Any]) -> dict[str, Any]:
    summary, _, description = (inspect.getdoc(view) or "").partition("\n\n")
    described: dict[str, Any] = {"operationId": to_camel(view.__name__), "summary": summary}
    if description:
        described["description"] = description.replace("\n", " ")
    scope = getattr(view, "required_scope", None)
    if scope is not None:
        described["security"] = [{"apiKey": [scope]}]
    described["parameters"] = [
        *_parameters(operation.path, "path"),
        *_parameters(operation.query, "query"),
        *_parameters(operation.headers, "header"),
    ]
    problems = operation.problems or (SUBMIT_PROBLEMS if operation.body else READ_PROBLEMS)
    described["responses"] = {
        **{
            status: _answer(operation, status, *answer)
            for status, answer in operation.answers.items()
        },
        **{code: {**PROBLEM, "description": PROBLEMS[code]} for code in problems},
        "414": URI_TOO_LONG,
        "default": PROBLEM,
    }
    if operation.body is not None:
        content: dict[str, Any] = {"schema": _ref(operation.body)}
        if operation.example is not None:
            content["example"] = operation.example
        described["requestBody"] = {"required": True, "content": {"application/json": content}}
    return described


def _parameters(model: type[BaseModel] | None, location: str) -> list[dict[str, Any]]:
    """One parameter per field of ``model``, named as the client spells it."""
    if model is None:
        return []
    schema = model.model_json_schema(by_alias=True)
    required = set(schema.get("required", ()))
    parameters = []
    for name, field in schema["properties"].items():
        parameter = {"name": name, "in": location, "required": name in required}
        parameter["schema"] = _value_schema(field)
        if "description" in field:
            parameter["description"] = field["description"]
        if field.get("examples"):
            parameter["example"] = field["examples"][0]
        parameters.append(parameter)
    return parameters


def _value_schema(field: dict[str, Any]) -> dict[str, Any]:
    """A field's schema as a parameter's: an optional value is simply left out, not null."""
    values = [s for s in field.get("anyOf", [field]) if s.get("type") != "null"]
    schema = {k: v for k, v in values[0].items() if k not in ("title", "description", "examples")}
    if field.get("default") is not None:
        schema["default"] = field["default"]
    return schema


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=published_name(model.__name__))}


def _content(model: type[BaseModel], media: str = "application/json") -> dict[str, Any]:
    return {media: {"schema": _ref(model)}}


PROBLEM = {
    "description": "A problem (4xx/5xx)",
    "content": _content(ProblemOut, "application/problem+json"),
}


def _answer(
    operation: Operation, status: str, description: str, model: type[BaseModel] | None
) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": description}
    if model is not None:
        answer["content"] = _content(model)
    if operation.links is not None and status.startswith("2"):
        key, account = operation.links
        answer["links"] = {
            "GetRequest": {"operationId": "getRequest", "parameters": {"key": key}},
            "GetBalance": {"operationId": "getBalance", "parameters": {"accountNumber": account}},
            "GetHistory": {"operationId": "getHistory", "parameters": {"accountNumber": account}},
        }
    return answer


def _schemas(operations: list[Operation]) -> dict[str, Any]:
    """Bodies as they are validated, answers as they are serialized, and the problem."""
    modes: dict[type[BaseModel], JsonSchemaMode] = {}
    for operation in operations:
        if operation.body is not None:
            modes[operation.body] = "validation"
    for operation in operations:
        for _, model in operation.answers.values():
            if model is not None:
                modes.setdefault(model, "serialization")
    modes.setdefault(ProblemOut, "serialization")
    _, schemas = models_json_schema(
        list(modes.items()), by_alias=True, ref_template=REF, schema_generator=_Published
    )
    found: dict[str, Any] = schemas["$defs"]
    return found
