"""Reading what the client sent: a JSON object (through the bounded reader) and the Prefer
header. The content headers are checked before a byte of the body is read."""

import re
from typing import Any

from flask import request

from producer_api.http.json_reader import read_json
from producer_api.http.problems import Problem

_PREFER_WAIT = re.compile(r"(?:^|[;,\s])wait\s*=\s*(\d{1,6})(?:$|[;,\s])", re.IGNORECASE)
_UTF_8 = ("utf-8", "utf8")


def json_object() -> dict[str, Any]:
    """The body as a dict; numbers with a fraction or exponent become Decimal, never float."""
    _check_content_headers()
    body = read_json(request.get_data(cache=True))
    if not isinstance(body, dict):
        raise Problem(400, "INVALID_JSON", "The body must be a JSON object.")
    return body


def preferred_wait(max_seconds: int) -> int | None:
    """Seconds asked for by ``Prefer: wait=N`` (RFC 7240), capped; None if not asked.
    Preferences this API does not know, and malformed ones, are ignored, as RFC 7240 says."""
    match = _PREFER_WAIT.search(request.headers.get("Prefer", ""))
    return None if match is None else min(int(match.group(1)), max_seconds)


def _check_content_headers() -> None:
    if request.mimetype != "application/json":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    charset = request.mimetype_params.get("charset")
    if charset is not None and charset.lower() not in _UTF_8:
        raise Problem(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send application/json in UTF-8 (charset=utf-8)."
        )
    coding = request.headers.get("Content-Encoding", "identity").strip().lower()
    if coding != "identity":
        raise Problem(
            415,
            "UNSUPPORTED_CONTENT_ENCODING",
            "Send the body uncompressed (Content-Encoding: identity).",
            headers={"Accept-Encoding": "identity"},
        )
