"""POST /api/wallet/batch: many operations, one message, each with its own key and outcome."""

import uuid

import pytest

from tests.fixtures.clients import Api, UserFactory

pytestmark = pytest.mark.usefixtures("verified")


def op(kind: str, user: str, amount: str, **extra: str) -> dict[str, str]:
    return {
        "type": kind,
        "accountNumber": user,
        "assetCode": "GOLD_COINS",
        "amount": amount,
        "idempotencyKey": f"b-{uuid.uuid4()}",
        **extra,
    }


def test_a_batch_posts_in_order_and_each_operation_has_its_own_outcome(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="5")
    operations = [
        op("topup", user, "10"),
        op("spend", user, "12", description="a"),
        op("spend", user, "4", description="b"),
        op("bonus", user, "1", reason="c"),
    ]
    answer = http.post(
        "/api/wallet/batch", {"operations": operations}, headers={"Prefer": "wait=20"}
    )
    assert answer.status_code == 200, answer.text
    results = answer.json()["requests"]
    assert [r["idempotencyKey"] for r in results] == [o["idempotencyKey"] for o in operations]
    assert [r["status"] for r in results] == ["completed", "completed", "failed", "completed"]
    assert results[2]["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert http.balance(user) == "4.00"
    again = http.post("/api/wallet/batch", {"operations": operations}).json()["requests"]
    assert [r["requestId"] for r in again] == [r["requestId"] for r in results]
    assert http.balance(user) == "4.00"


def test_a_large_batch_of_a_thousand_completes(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    operations = [op("topup", user, "0.01") for _ in range(1000)]
    answer = http.post(
        "/api/wallet/batch", {"operations": operations}, headers={"Prefer": "wait=30"}
    )
    assert answer.status_code == 200, answer.text[:500]
    assert {r["status"] for r in answer.json()["requests"]} == {"completed"}
    assert http.balance(user) == "10.00"


@pytest.mark.parametrize(
    ("operations", "code"),
    [
        ([], "VALIDATION_ERROR"),
        ([{"type": "refund", "amount": "1"}], "VALIDATION_ERROR"),
        ([op("topup", "USR-001", "1", idempotencyKey="")], "VALIDATION_ERROR"),
        ([op("topup", "USR-404", "1")], "ACCOUNT_NOT_FOUND"),
    ],
)
def test_a_bad_batch_is_refused_whole(
    http: Api, operations: list[dict[str, str]], code: str
) -> None:
    answer = http.post("/api/wallet/batch", {"operations": operations})
    assert answer.status_code == 422
    assert answer.json()["code"] == code


def test_more_than_a_thousand_operations_are_refused(http: Api) -> None:
    answer = http.post("/api/wallet/batch", {"operations": [op("topup", "USR-001", "1")] * 1001})
    assert answer.status_code == 422
    assert answer.json()["errors"][0]["field"] == "operations"
