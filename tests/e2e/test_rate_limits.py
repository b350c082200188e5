"""Rate limits on a private API: spent budgets refuse with Retry-After, on 429s only."""

import uuid

from tests.e2e.test_backpressure import start_private_api, topup
from tests.fixtures.clients import Api
from tests.stack import Stack


def test_only_a_refusal_carries_retry_after_and_refusals_charge_nothing(stack: Stack) -> None:
    url, _ = start_private_api(
        stack, RATE_LIMIT_PER_KEY="1000/minute", RATE_LIMIT_PER_ACCOUNT="3/minute"
    )
    api, user = Api(url), stack.user()
    answers = [
        api.post("/api/wallet/topup", topup(user, str(uuid.uuid4()))),
        api.get(f"/api/wallet/balance/{user}"),
        Api(url, token="not-a-key").get(f"/api/wallet/balance/{user}"),
    ]
    assert [a.status_code for a in answers] == [202, 200, 401]
    assert all("Retry-After" not in a.headers for a in answers)
    assert api.get(f"/api/wallet/balance/{user}").status_code == 200  # the 401 charged nothing
    refused = api.get(f"/api/wallet/balance/{user}")
    assert refused.status_code == 429
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert 1 <= int(refused.headers["Retry-After"]) <= 120
    assert api.get("/api/wallet/balance/USR-001").status_code == 200  # other account, same key


def test_an_oversized_body_is_refused_without_an_error_logged(stack: Stack) -> None:
    url, process = start_private_api(stack)
    body = {**topup(stack.user(), "big"), "metadata": {"blob": "x" * 70_000}}
    answer = Api(url).post("/api/wallet/topup", body)
    assert answer.status_code == 413
    assert "Traceback" not in process.log() and "ERROR" not in process.log()
