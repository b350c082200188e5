"""/openapi.json and a human page at /docs, both from the generated description."""

from html import escape
from typing import Any

from flask import Blueprint, Response, jsonify

from producer_api.openapi import openapi_spec

bp = Blueprint("docs", __name__)


@bp.get("/openapi.json")
def openapi_json() -> Response:
    return jsonify(openapi_spec())


@bp.get("/docs")
def docs() -> Response:
    spec = openapi_spec()
    rows = "".join(
        _operation_html(method, path, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
    )
    page = (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{escape(spec['info']['title'])}"
        "</title><style>body{font:15px system-ui;max-width:60em;margin:2em auto}"
        "code{background:#eee}"
        "</style></head><body>"
        f"<h1>{escape(spec['info']['title'])}</h1><p>{escape(spec['info']['description'])}</p>"
        "<p>Send <code>Authorization: Bearer &lt;API key&gt;</code>. Errors are "
        "<code>application/problem+json</code>. Machine-readable description: "
        "<a href='/openapi.json'>/openapi.json</a>.</p>"
        f"{rows}</body></html>"
    )
    return Response(page, mimetype="text/html")


def _operation_html(method: str, path: str, operation: dict[str, Any]) -> str:
    scope = operation["security"][0]["apiKey"][0]
    statuses = ", ".join(code for code in operation["responses"] if code != "default")
    body = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    model = body.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
    return (
        f"<h3><code>{method.upper()} {escape(path)}</code></h3><p>{escape(operation['summary'])}. "
        f"Scope <code>{scope}</code>; answers {statuses} or a problem"
        + (f"; body <code>{escape(model)}</code>" if model else "")
        + ".</p>"
    )
