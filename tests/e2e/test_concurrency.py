"""Races through the HTTP API: many client threads, a worker with 4 pool processes."""

import random
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any, TypeVar

import pytest

from harness.processes import Process
from tests.fixtures.clients import Api, UserFactory

pytestmark = pytest.mark.usefixtures("verified")
T = TypeVar("T")


def in_parallel(calls: int, fn: Callable[[int], T], threads: int = 50) -> list[T]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(fn, range(calls)))


def test_fifty_concurrent_spends_of_ten_against_a_hundred_complete_exactly_ten(
    api_url: str, worker: Process, make_user: UserFactory
) -> None:
    user = make_user(GOLD_COINS="100")

    def spend(_: int) -> dict[str, Any]:
        answer = Api(api_url).submit(
            "spend",
            {
                "accountNumber": user,
                "assetCode": "GOLD_COINS",
                "amount": 10,
                "description": "race",
                "idempotencyKey": str(uuid.uuid4()),
            },
            wait=30,
        )
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    outcomes = Counter(
        (r["status"], (r["error"] or {}).get("code")) for r in in_parallel(50, spend)
    )
    assert outcomes == {("completed", None): 10, ("failed", "INSUFFICIENT_FUNDS"): 40}
    assert Api(api_url).balance(user) == "0.00"


def test_fifty_concurrent_submits_of_one_key_make_one_transaction(
    api_url: str, worker: Process, make_user: UserFactory
) -> None:
    user = make_user()
    body = {
        "accountNumber": user,
        "assetCode": "GOLD_COINS",
        "amount": 3,
        "idempotencyKey": str(uuid.uuid4()),
    }
    answers = in_parallel(50, lambda _: Api(api_url).submit("topup", body, wait=30))
    assert {a.status_code for a in answers} == {200}
    assert len({a.json()["requestId"] for a in answers}) == 1
    assert len({a.json()["transaction"]["transactionId"] for a in answers}) == 1
    assert sum(a.headers.get("Idempotent-Replayed") == "true" for a in answers) == 49
    assert Api(api_url).balance(user) == "3.00"


@pytest.mark.slow
def test_mixed_random_load_across_accounts_and_assets_keeps_every_invariant(
    api_url: str, worker: Process, make_user: UserFactory
) -> None:
    rng = random.Random(20261125)
    users = [make_user(GOLD_COINS="50", DIAMONDS="20") for _ in range(6)]
    plan = [
        (
            rng.choice(["topup", "bonus", "spend", "spend"]),
            rng.choice(users),
            rng.choice(["GOLD_COINS", "DIAMONDS"]),
            Decimal(rng.randint(1, 1500)) / 100,
        )
        for _ in range(300)
    ]
    retries_before = worker.log().count(" retry: Retry in ")

    def run(i: int) -> dict[str, Any]:
        operation, user, asset, amount = plan[i]
        body = {
            "accountNumber": user,
            "assetCode": asset,
            "amount": str(amount),
            "idempotencyKey": f"mixed-{uuid.uuid4()}",
            "description": "d",
            "reason": "r",
        }
        if operation != "spend":
            body.pop("description")
        if operation != "bonus":
            body.pop("reason")
        answer = Api(api_url).submit(operation, body, wait=30)
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result

    results = in_parallel(len(plan), run, threads=16)
    assert {r["status"] for r in results} <= {"completed", "failed"}
    assert {(r["error"] or {}).get("code") for r in results} <= {None, "INSUFFICIENT_FUNDS"}
    expected = {
        (u, a): Decimal({"GOLD_COINS": 50, "DIAMONDS": 20}[a])
        for u in users
        for a in ("GOLD_COINS", "DIAMONDS")
    }
    for (operation, user, asset, amount), result in zip(plan, results, strict=True):
        if result["status"] == "completed":
            expected[user, asset] += -amount if operation == "spend" else amount
    api = Api(api_url)
    for (user, asset), amount in expected.items():
        assert api.balance(user, asset) == f"{amount:.2f}"
    retries = worker.log().count(" retry: Retry in ") - retries_before
    print(f"deadlock/serialization retries: {retries}")
