"""What /openapi.json tells a person, and what /docs serves: the Idempotency-Key and Prefer
headers, when each problem answer applies, the seed README's bodies as examples, readable
titles, and Swagger UI from the API's own files."""

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.launch import readme_curl_block

SUBMITS = ["/api/wallet/topup", "/api/wallet/bonus", "/api/wallet/spend"]
READS = ["/api/wallet/requests/{key}", "/api/wallet/balance/{accountNumber}"]
READS.append("/api/wallet/history/{accountNumber}")


@pytest.fixture
def spec(client: FlaskClient) -> dict[str, Any]:
    found: dict[str, Any] = client.get("/openapi.json").get_json()
    return found


@pytest.mark.parametrize("path", SUBMITS)
def test_each_submit_documents_its_headers_and_problems(spec: dict[str, Any], path: str) -> None:
    operation = spec["paths"][path]["post"]
    assert {p["name"] for p in operation["parameters"]} == {"Idempotency-Key", "Prefer"}
    for status in ("200", "202", "400", "401", "403", "413", "415", "422", "429", "503"):
        assert operation["responses"][status]["description"], status
    problem = operation["responses"]["422"]["content"]["application/problem+json"]
    assert problem["schema"]["$ref"].endswith("/ProblemOut")


@pytest.mark.parametrize("path", READS)
def test_each_read_documents_its_problems(spec: dict[str, Any], path: str) -> None:
    answers = spec["paths"][path]["get"]["responses"]
    assert {"200", "400", "401", "403", "404", "429", "503"} <= set(answers)
    assert "415" not in answers and "413" not in answers


def test_the_examples_are_the_seed_readmes_bodies(spec: dict[str, Any]) -> None:
    commands = readme_curl_block()
    for path in SUBMITS:
        body = spec["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        example = body["example"]
        assert f'"idempotencyKey":"{example["idempotencyKey"]}"' in commands
        assert all(f'"{name}":' in commands for name in example)


def test_titles_read_as_words(spec: dict[str, Any]) -> None:
    topup = spec["components"]["schemas"]["TopupBody"]
    assert topup["properties"]["accountNumber"]["title"] == "Account number"
    assert topup["properties"]["idempotencyKey"]["title"] == "Idempotency key"
    assert spec["components"]["schemas"]["AccountBalancesOut"]["title"] == "Account balances"


def test_development_says_how_to_call_without_a_key(spec: dict[str, Any]) -> None:
    assert "calls from this machine need no key" in spec["info"]["description"]


def test_docs_is_swagger_ui_from_the_apis_own_files(client: FlaskClient) -> None:
    page = client.get("/docs").get_data(as_text=True)
    assert '<script src="/docs/swagger-ui-bundle.js">' in page and "http" not in page
    bundle = client.get("/docs/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and len(bundle.get_data()) > 100_000
    assert client.get("/docs/swagger-ui.css").status_code == 200


def test_every_api_route_is_in_the_description(app: Flask, spec: dict[str, Any]) -> None:
    """The document is generated from the routes: a route under /api that says nothing of
    itself would be missing from it, so each one must."""
    documented = {
        (operation["operationId"], method.upper())
        for operations in spec["paths"].values()
        for method, operation in operations.items()
    }
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(documented) == sum(len((r.methods or set()) - {"HEAD", "OPTIONS"}) for r in routes)
    for rule in routes:
        assert getattr(app.view_functions[rule.endpoint], "openapi_operation", None), rule.rule
