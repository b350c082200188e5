"""The description's links lead somewhere: each names an operation that exists, parameters
that operation takes, and a field the answer (or the request) it reads from has. The live
schemathesis run follows links only from generated bodies that happen to be valid, so this
is where they are checked for every operation."""

from typing import Any

import pytest
from flask.testing import FlaskClient


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/openapi.json").get_json()
    return found


def operations(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {op["operationId"]: op for methods in spec["paths"].values() for op in methods.values()}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    for variant in schema.get("anyOf", []):  # Optional[...]: the non-null variant
        if variant.get("type") != "null":
            return resolve(spec, variant)
    return schema


def field_exists(spec: dict[str, Any], schema: dict[str, Any], pointer: str) -> bool:
    """``pointer`` (``/a/0/b``) names a field of ``schema``: of every variant of a oneOf."""
    schema = resolve(spec, schema)
    if "oneOf" in schema:
        return all(field_exists(spec, variant, pointer) for variant in schema["oneOf"])
    part, _, rest = pointer.strip("/").partition("/")
    inner = schema.get("items") if part.isdigit() else schema.get("properties", {}).get(part)
    if inner is None:
        return False
    return field_exists(spec, inner, rest) if rest else True


def links(spec: dict[str, Any]) -> list[tuple[dict[str, Any], str, dict[str, Any]]]:
    """(source operation, answer status, link) for every link."""
    return [
        (operation, status, link)
        for operation in operations(spec).values()
        for status, answer in operation["responses"].items()
        for link in answer.get("links", {}).values()
    ]


def test_there_are_links_to_check(spec: dict[str, Any]) -> None:
    assert len(links(spec)) >= 20


def test_each_link_names_an_operation_its_parameters_and_existing_fields(
    spec: dict[str, Any],
) -> None:
    ops = operations(spec)
    for source, status, link in links(spec):
        target = ops[link["operationId"]]
        taken = {p["name"] for p in target.get("parameters", [])}
        for name, expression in link["parameters"].items():
            assert name in taken, (source["operationId"], link)
            where, _, pointer = expression.partition("#")
            if where == "$response.body":
                content = source["responses"][status]["content"]
            else:
                assert where == "$request.body", expression
                content = source["requestBody"]["content"]
            schema = content["application/json"]["schema"]
            assert field_exists(spec, schema, pointer), (source["operationId"], expression)


def test_a_submits_link_leads_to_its_request(client: FlaskClient) -> None:
    body = {"accountNumber": "USR-001", "assetCode": "GOLD_COINS", "amount": "5.00"}
    answer = client.post("/api/wallet/topup", json={**body, "idempotencyKey": "link-follow-1"})
    assert answer.status_code in (200, 202)
    key = answer.get_json()["idempotencyKey"]  # $response.body#/idempotencyKey
    followed = client.get(f"/api/wallet/requests/{key}")
    assert followed.status_code == 200
    assert followed.get_json()["idempotencyKey"] == "link-follow-1"
