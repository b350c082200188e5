"""How the catalog's routes (accounts, assets) call the ledger: synchronously, in one session
of the app's (no inbox), and answer with what it returns."""

from collections.abc import Callable
from typing import Any

from flask import Response
from pydantic import BaseModel

from producer_api.app_services import services
from producer_api.http.responses import json_response


def read(call: Callable[..., BaseModel], **arguments: Any) -> Response:
    with services().sessions() as session:
        return json_response(call(session, **arguments))


def write(call: Callable[..., BaseModel], **arguments: Any) -> Response:
    with services().sessions.begin() as session:
        found = call(session, **arguments)
    return json_response(found)


def created(call: Callable[..., tuple[BaseModel, bool]], **arguments: Any) -> Response:
    """201 with what ``call`` created, or 200 with what was there already, the same."""
    with services().sessions.begin() as session:
        found, new = call(session, **arguments)
    return json_response(found, status=201 if new else 200)
