"""A movement's description, as the seed has it: optional everywhere, a spend's defaulting to
"In-app purchase" and a bonus's (its ``reason``) to "Bonus credit"; an unknown field is
still refused. Each request is posted as the worker would, in the test's transaction."""

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from tests.api.helpers import assert_refused, post
from tests.api.part2 import new_user, submit


@pytest.fixture
def user(db: Session) -> str:
    return new_user(db)


def moving(user: str, **fields: Any) -> dict[str, Any]:
    return {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "5.00", **fields}


def described(client: FlaskClient, user: str, done: dict[str, Any]) -> tuple[str, str]:
    """The completed request's transaction's description, and its line in ``user``'s
    history."""
    assert done["status"] == "completed", done
    transaction = done["transaction"]
    history = client.get(f"/api/wallet/history/{user}?limit=100").get_json()["transactions"]
    (item,) = [i for i in history if i["transactionId"] == transaction["transactionId"]]
    return transaction["description"], item["description"]


@pytest.mark.parametrize(
    ("path", "default"),
    [("/api/wallet/spend", "In-app purchase"), ("/api/wallet/bonus", "Bonus credit")],
)
def test_a_spend_or_bonus_without_its_text_gets_the_seeds_default(
    client: FlaskClient, user: str, path: str, default: str
) -> None:
    done = submit(client, path, moving(user))
    assert described(client, user, done) == (default, default)


@pytest.mark.parametrize(
    ("path", "fields"),
    [
        ("/api/wallet/topup", {"description": "Card purchase"}),
        ("/api/wallet/spend", {"description": "Purchased sword"}),
        ("/api/wallet/bonus", {"reason": "Daily login"}),
        ("/api/wallet/bonus", {"description": "Daily login"}),
        ("/api/wallet/bonus", {"reason": "Daily login", "description": "Daily login"}),
        ("/api/wallet/holds", {"description": "Tournament entry"}),
    ],
)
def test_a_movement_given_a_description_shows_it(
    client: FlaskClient, user: str, path: str, fields: dict[str, str]
) -> None:
    text = next(iter(fields.values()))
    done = submit(client, path, moving(user, **fields))
    if path.endswith("/holds"):
        assert done["hold"]["description"] == text
        return
    assert described(client, user, done) == (text, text)


def test_a_transfer_capture_and_reversal_take_a_description(
    client: FlaskClient, user: str, db: Session
) -> None:
    other = new_user(db, "0")
    body = {"fromAccount": user, "toAccount": other, "assetCode": "GOLD_COINS", "amount": "5"}
    sent = submit(client, "/api/wallet/transfer", {**body, "description": "Gift"})
    assert described(client, user, sent) == ("Gift", "Gift")
    reversal = {"transactionId": sent["transaction"]["transactionId"], "description": "Oops"}
    assert described(client, user, submit(client, "/api/wallet/reversals", reversal)) == (
        "Oops",
        "Oops",
    )
    hold = submit(client, "/api/wallet/holds", moving(user))["hold"]
    capture = f"/api/wallet/holds/{hold['holdId']}/capture"
    assert described(client, user, submit(client, capture, {"description": "Fee"})) == (
        "Fee",
        "Fee",
    )


@pytest.mark.parametrize("path", ["/api/wallet/topup", "/api/wallet/spend", "/api/wallet/bonus"])
def test_an_unknown_field_is_still_refused(client: FlaskClient, user: str, path: str) -> None:
    body = moving(user, idempotencyKey="unknown-field", note="not a field")
    assert_refused(post(client, path, body), 422, "VALIDATION_ERROR", "note")
