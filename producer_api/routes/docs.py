"""/openapi.json, and interactive docs at /docs: Swagger UI, its files served from the
flask-swagger-ui package (no CDN), reading /openapi.json. In development the description
says how to call without a key, so "Try it out" works as it is from this machine; it names
the development key only to a caller the key is accepted from."""

import json
from importlib.resources import files
from typing import Any

from flask import Blueprint, Response, current_app, request, send_from_directory

from producer_api.app_services import services
from producer_api.http.openapi import openapi_spec

bp = Blueprint("docs", __name__)
SWAGGER_UI = str(files("flask_swagger_ui") / "dist")
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Wallet service API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css">
<link rel="icon" type="image/png" href="/docs/favicon-32x32.png"></head>
<body><div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true,
  persistAuthorization: true, displayRequestDuration: true, defaultModelsExpandDepth: 0
});
</script></body></html>
"""


@bp.get("/openapi.json")
def openapi_json() -> Response:
    # In the description's own order (the seed's flow first), which jsonify would sort away.
    dev_key = services().authenticator.dev_key_for(request.remote_addr)
    spec = json.dumps(_described_for(openapi_spec(current_app), dev_key))
    return Response(spec, mimetype="application/json")


@bp.get("/docs")
def docs() -> Response:
    return Response(PAGE, mimetype="text/html")


@bp.get("/docs/<path:name>")
def docs_file(name: str) -> Response:
    return send_from_directory(SWAGGER_UI, name, max_age=3600)


def _described_for(spec: dict[str, Any], dev_key: str | None) -> dict[str, Any]:
    """In development, to a caller the development key is accepted from, how to call."""
    if not dev_key:
        return spec
    note = (
        "\n\n**Development mode**: calls from this machine need no key, so *Try it out* works "
        f"as it is; or *Authorize* with the development key `{dev_key}`, accepted from this "
        "machine (and `WALLET_DEV_TRUSTED_NETWORKS`) only."
    )
    return {**spec, "info": {**spec["info"], "description": spec["info"]["description"] + note}}
