"""The seed README's flow, through HTTP -> Redis -> Celery worker -> Postgres."""

import uuid

import pytest

from tests.fixtures.clients import Api, UserFactory

pytestmark = pytest.mark.usefixtures("verified")


def key() -> str:
    return f"k-{uuid.uuid4()}"


def fresh(
    user: str, amount: object, asset: str = "GOLD_COINS", **extra: object
) -> dict[str, object]:
    """A submit body under a fresh idempotency key."""
    return {
        "accountNumber": user,
        "assetCode": asset,
        "amount": amount,
        "idempotencyKey": key(),
        **extra,
    }


def unheld(balance: str) -> dict[str, str]:
    """The part-2 fields of a balance with no active hold, after the seed's three."""
    return {"held": "0.00", "available": balance}


def test_seed_readme_flow_ends_at_170_50_550(http: Api, make_user: UserFactory) -> None:
    """The README's flow on a user of its own, funded like USR-001 in the seed
    (``tests/integration/test_seed.py`` checks the seed itself), so no other test's
    traffic can move its starting point."""
    user = make_user(GOLD_COINS="100", DIAMONDS="50", LOYALTY_POINTS="500")
    before = http.get(f"/api/wallet/balance/{user}").json()
    assert before == {
        "accountNumber": user,
        "balances": [
            {"code": "GOLD_COINS", "name": "Gold Coins", "balance": "100.00", **unheld("100.00")},
            {"code": "DIAMONDS", "name": "Diamonds", "balance": "50.00", **unheld("50.00")},
            {
                "code": "LOYALTY_POINTS",
                "name": "Loyalty Points",
                "balance": "500.00",
                **unheld("500.00"),
            },
        ],
    }
    flow = [
        ("topup", fresh(user, 100)),
        ("bonus", fresh(user, 50, "LOYALTY_POINTS", reason="Daily login bonus")),
        ("spend", fresh(user, 30, description="Purchased sword")),
    ]
    for operation, body in flow:
        answer = http.submit(operation, body)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == "completed"

    balances = http.get(f"/api/wallet/balance/{user}").json()["balances"]
    assert [b["balance"] for b in balances] == ["170.00", "50.00", "550.00"]


def test_submit_answers_202_with_location_then_the_poll_completes(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="10")
    k = key()
    answer = http.post(
        "/api/wallet/topup",
        {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "5.5", "idempotencyKey": k},
    )
    assert answer.status_code == 202
    assert answer.headers["Location"] == f"/api/wallet/requests/{k}"
    assert answer.json()["status"] in ("queued", "processing", "completed")

    done = http.get(answer.headers["Location"], params={"wait": 10}).json()
    assert done["status"] == "completed"
    tx = done["transaction"]
    assert (tx["amount"], tx["balanceAfter"]) == ("5.50", "15.50")
    assert tx["entries"] == [
        {"accountNumber": "SYS-TREASURY-001", "direction": "DEBIT", "amount": "5.50"},
        {"accountNumber": user, "direction": "CREDIT", "amount": "5.50"},
    ]


def test_replaying_a_key_returns_the_same_request_and_posts_once(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="0")
    body = fresh(user, "7")
    first = http.submit("topup", body)
    again = http.submit("topup", {**body, "amount": "7.00"})  # the same amount, written otherwise
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert http.balance(user) == "7.00"


def test_reusing_a_key_for_another_payload_is_refused(http: Api, make_user: UserFactory) -> None:
    user = make_user(GOLD_COINS="0")
    body = fresh(user, "7")
    http.submit("topup", body)
    reused = http.submit("topup", {**body, "amount": "8"})
    assert reused.status_code == 422
    assert reused.headers["Content-Type"] == "application/problem+json"
    assert reused.json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert http.balance(user) == "7.00"


def test_key_may_come_as_a_header(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    k = key()
    answer = http.post(
        "/api/wallet/topup",
        {"accountNumber": user, "assetCode": "DIAMONDS", "amount": 1},
        headers={"Idempotency-Key": k, "Prefer": "wait=10"},
    )
    assert answer.status_code == 200
    assert answer.json()["idempotencyKey"] == k


def test_spending_more_than_the_balance_fails_with_insufficient_funds(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="20")
    answer = http.submit(
        "spend",
        fresh(user, "20.01", description="too dear"),
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "failed"
    assert body["transaction"] is None
    assert body["error"]["code"] == "INSUFFICIENT_FUNDS"
    assert http.balance(user) == "20.00"


def test_a_failed_request_replays_its_failure_and_never_reruns(
    http: Api, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="5")
    spend = fresh(user, "10", description="x")
    assert http.submit("spend", spend).json()["status"] == "failed"
    http.submit(
        "topup",
        fresh(user, "100"),
    )
    replay = http.submit("spend", spend)
    assert replay.json()["status"] == "failed"
    assert http.balance(user) == "105.00"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("accountNumber", "USR-404", "ACCOUNT_NOT_FOUND"),
        ("assetCode", "RUBIES", "ASSET_NOT_FOUND"),
        ("accountNumber", "SYS-REVENUE-001", "INVALID_ACCOUNT"),
    ],
)
def test_unknown_account_or_asset_is_refused_with_its_code(
    http: Api, field: str, value: str, code: str
) -> None:
    body = fresh("USR-002", 1)
    answer = http.submit("topup", {**body, field: value})
    assert answer.status_code == 422
    assert answer.json()["code"] == code
    assert http.get(f"/api/wallet/requests/{body['idempotencyKey']}").status_code == 404


def test_history_is_newest_first_with_limit_and_cursor(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    for amount in ("1", "2", "3"):
        http.submit(
            "topup",
            fresh(user, amount),
        )
    http.submit(
        "spend",
        fresh(user, "4", description="Shield"),
    )

    first = http.get(f"/api/wallet/history/{user}", params={"limit": 3}).json()
    items = first["transactions"]
    assert [(i["amount"], i["direction"], i["balanceAfter"]) for i in items] == [
        ("4.00", "DEBIT", "2.00"),
        ("3.00", "CREDIT", "6.00"),
        ("2.00", "CREDIT", "3.00"),
    ]
    assert items[0]["description"] == "Shield"
    second = http.get(
        f"/api/wallet/history/{user}", params={"limit": 3, "cursor": first["nextCursor"]}
    ).json()
    assert [i["amount"] for i in second["transactions"]] == ["1.00"]
    assert second["nextCursor"] is None


def test_prefer_wait_returns_the_finished_request(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    answer = http.submit(
        "bonus",
        fresh(user, 50, "LOYALTY_POINTS", reason="Daily login"),
        wait=15,
    )
    assert answer.status_code == 200
    assert answer.headers["Preference-Applied"] == "wait=15"
    assert answer.json()["transaction"]["description"] == "Daily login"


def test_unknown_request_key_is_a_404_problem(http: Api) -> None:
    answer = http.get("/api/wallet/requests/never-submitted")
    assert answer.status_code == 404
    assert answer.json()["code"] == "REQUEST_NOT_FOUND"


def test_the_seeds_texts_are_optional_and_a_topup_may_carry_one(
    http: Api, make_user: UserFactory
) -> None:
    """As the seed's own suites send them (issue 22): a spend and a bonus without their
    text, a top-up with one; history shows the seed's defaults and the top-up's text."""
    user = make_user()
    flow = [
        ("topup", fresh(user, 10, description="Card purchase")),
        ("bonus", fresh(user, 5)),
        ("spend", fresh(user, 3)),
    ]
    for operation, body in flow:
        answer = http.submit(operation, body)
        assert answer.status_code == 200, answer.text
    history = http.get(f"/api/wallet/history/{user}").json()["transactions"]
    assert [i["description"] for i in history] == [
        "In-app purchase",
        "Bonus credit",
        "Card purchase",
    ]
