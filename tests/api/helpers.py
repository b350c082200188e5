"""Helpers for the in-process tier: posting raw bytes, timing a call's CPU, checking problems."""

import json
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from ledger.models import Request
from producer_api.services.api_keys import create_key

T = TypeVar("T")
JSON = {"Content-Type": "application/json"}
GOOD = {"accountNumber": "USR-002", "assetCode": "GOLD_COINS", "amount": 1}
CPU_BUDGET = 0.25  # seconds of this thread's CPU for one refused request


def keyed_client(
    app: Flask, db: Session, scopes: list[str], client_id: str | None = None
) -> FlaskClient:
    """A test client of ``app`` holding a new API key with ``scopes``, of ``client_id`` (by
    default a client of its own)."""
    client_id = client_id or f"in-process-{uuid.uuid4().hex[:10]}"
    secret = app.extensions["wallet"].settings.secret_key
    token = create_key(db, client_id=client_id, scopes=scopes, secret=secret)
    db.commit()
    test_client = app.test_client()
    test_client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return test_client


def post(
    client: FlaskClient, path: str, body: Any, headers: dict[str, str] | None = None
) -> TestResponse:
    """POST ``body`` as sent: bytes and str verbatim, anything else as JSON."""
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(path, data=raw, headers={**JSON, **(headers or {})})


def cpu_timed(call: Callable[[], T]) -> tuple[T, float]:
    """The call's result and the CPU seconds this thread spent on it (the test client runs
    the app in this thread, so this is the server's cost, not the wall clock)."""
    started = time.thread_time()
    result = call()
    return result, time.thread_time() - started


def assert_problem(answer: TestResponse, status: int, code: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.get_data(as_text=True)
    assert answer.headers["Content-Type"] == "application/problem+json"
    problem: dict[str, Any] = json.loads(answer.get_data())
    assert problem["status"] == status
    if code is not None:
        assert problem["code"] == code, problem
    assert problem["title"] and problem["detail"] and problem["type"] and problem["instance"]
    assert "Traceback" not in answer.get_data(as_text=True)
    for error in problem.get("errors") or []:
        assert error["field"] and error["message"]
    return problem


def assert_refused(answer: TestResponse, status: int, code: str, field: str | None = None) -> None:
    problem = assert_problem(answer, status, code)
    if field is not None:
        assert field in [e["field"] for e in problem.get("errors") or []], problem


def recorded(db: Session, client_id: str) -> int:
    """Requests recorded for this client (in the test's transaction)."""
    return db.scalar(select(func.count()).where(Request.client_id == client_id)) or 0
