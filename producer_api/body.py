"""Reading what the client sent: a JSON object with exact decimals, and the Prefer header."""

import json
import re
from decimal import Decimal
from typing import Any, NoReturn

from flask import request

from producer_api.problems import Problem

_PREFER_WAIT = re.compile(r"(?:^|[;,\s])wait\s*=\s*(\d{1,6})(?:$|[;,\s])", re.IGNORECASE)


def json_object() -> dict[str, Any]:
    """The body as a dict; numbers with a fraction or exponent become Decimal, never float."""
    if not request.mimetype or request.mimetype != "application/json":
        raise Problem(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    try:
        body = json.loads(
            request.get_data(cache=True),
            parse_float=Decimal,
            parse_constant=_reject_constant,
        )
    except (ValueError, RecursionError) as error:
        raise Problem(400, "INVALID_JSON", f"The body is not valid JSON: {error}") from None
    if not isinstance(body, dict):
        raise Problem(400, "INVALID_JSON", "The body must be a JSON object.")
    return body


def preferred_wait(max_seconds: int) -> int | None:
    """Seconds asked for by ``Prefer: wait=N`` (RFC 7240), capped; None if not asked."""
    match = _PREFER_WAIT.search(request.headers.get("Prefer", ""))
    return None if match is None else min(int(match.group(1)), max_seconds)


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number")
