"""The rate limit script on a real Redis: budgets charged together, refusals charge nothing."""

import uuid

from producer_api.rate_limiter import RateLimiter


def limiter(redis_url: str, per_key: str, per_account: str) -> RateLimiter:
    return RateLimiter(redis_url, per_key=per_key, per_account=per_account)


def test_a_budget_allows_its_amount_then_says_how_long_to_wait(redis_url: str) -> None:
    budgets = limiter(redis_url, per_key="1000/minute", per_account="3/minute")
    key, account = uuid.uuid4().hex, uuid.uuid4().hex
    answers = [budgets.retry_after(key=key, account=account) for _ in range(4)]
    assert answers[:3] == [None, None, None]
    assert answers[3] is not None and 1 <= answers[3] <= 120


def test_a_refused_call_charges_none_of_its_budgets(redis_url: str) -> None:
    budgets = limiter(redis_url, per_key="3/minute", per_account="1/minute")
    key = uuid.uuid4().hex
    assert budgets.retry_after(key=key, account="spent") is None
    for _ in range(5):
        assert budgets.retry_after(key=key, account="spent") is not None
    assert budgets.retry_after(key=key, account="other") is None
    assert budgets.retry_after(key=key) is None
    assert budgets.retry_after(key=key) is not None  # 3 charged: 1 + 1 + 1


def test_limits_fail_open_when_redis_is_unreachable() -> None:
    budgets = limiter("redis://127.0.0.1:1/0", per_key="1/minute", per_account="1/minute")
    assert [budgets.retry_after(key="k") for _ in range(3)] == [None, None, None]
