"""Helpers for the in-process tests of the part-2 routes: a client with the admin scope, a
user of the test's own, and the worker's posting run in the test's transaction."""

import json
import uuid
from decimal import Decimal
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from ledger.posting.lifecycle import process_requests
from ledger.seed import create_accounts, fund
from tests.api.helpers import post


def new_user(db: Session, gold: str = "100") -> str:
    number = f"USR-P{uuid.uuid4().hex[:8].upper()}"
    create_accounts(db, accounts=[(number, "Part two", "user")])
    if Decimal(gold):
        fund(db, amounts=[(number, "GOLD_COINS", Decimal(gold))])
    db.commit()
    return number


def submit(client: FlaskClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """Submit, then post the request as a worker would (in the test's transaction); the
    request resource afterwards."""
    body = {"idempotencyKey": str(uuid.uuid4()), **body}
    key = body["idempotencyKey"]
    answer = post(client, path, body)
    assert answer.status_code == 202, answer.get_data(as_text=True)
    app: Flask = client.application
    services = app.extensions["wallet"]
    with services.sessions.begin() as session:
        request_id = json.loads(answer.get_data())["requestId"]
        process_requests(session, request_ids=[request_id], max_attempts=3, sealer=services.sealer)
    found = client.get(f"/api/wallet/requests/{key}")
    assert found.status_code == 200
    resource: dict[str, Any] = json.loads(found.get_data())
    return resource


def balance(client: FlaskClient, account: str, code: str = "GOLD_COINS") -> dict[str, Any]:
    answer = client.get(f"/api/wallet/balance/{account}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    found: dict[str, Any] = next(b for b in answer.get_json()["balances"] if b["code"] == code)
    return found
