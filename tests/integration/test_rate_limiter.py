"""The rate limits on a real Redis: budgets charged together in leases, refusals charge
nothing, processes and threads together never pass a limit."""

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from itertools import count
from typing import Any

import pytest
import redis

from producer_api.services import rate_limiter
from producer_api.services.rate_limiter import RateLimiter

KEY = uuid.uuid4().hex  # a key budget of this run's own: Redis keeps a day's counts


def limiter(redis_url: str, per_key: str, per_account: str, lease_parts: int = 50) -> RateLimiter:
    return RateLimiter(
        redis_url,
        per_key=per_key,
        per_account=per_account,
        failed_auth_per_address="1/minute",
        lease_parts=lease_parts,
    )


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


def charged(redis_url: str, kind: str, who: str) -> int:
    """What Redis has charged a budget, over all its windows."""
    client = redis.Redis.from_url(redis_url)
    keys = client.keys(f"wallet:rate:{kind}:{who}:*")
    total = sum(int(client.get(key) or 0) for key in keys)
    client.close()
    return total


def test_a_process_spends_a_lease_locally_and_charges_redis_per_lease(redis_url: str) -> None:
    """1,000 a day in 50 parts: a lease of 20 calls, charged in Redis when taken."""
    budgets = limiter(redis_url, per_key="1000/day", per_account="1000000/day")
    key = uuid.uuid4().hex
    assert budgets.retry_after(key=key) is None
    assert charged(redis_url, "key", key) == 20
    assert [budgets.retry_after(key=key) for _ in range(19)] == [None] * 19
    assert charged(redis_url, "key", key) == 20
    assert budgets.retry_after(key=key) is None
    assert charged(redis_url, "key", key) == 40


def test_processes_sharing_a_budget_never_pass_it_together(redis_url: str) -> None:
    processes = [limiter(redis_url, per_key="1000000/day", per_account="100/day") for _ in "ab"]
    account = uuid.uuid4().hex
    answers = [processes[i % 2].retry_after(key=KEY, account=account) for i in range(150)]
    assert answers.count(None) == 100
    assert charged(redis_url, "account", account) == 100


def test_a_refused_call_gives_back_what_it_took_from_its_other_leases(redis_url: str) -> None:
    budgets = limiter(redis_url, per_key="1000/day", per_account="1/day")
    key, spent = uuid.uuid4().hex, uuid.uuid4().hex
    assert budgets.retry_after(key=key, account=spent) is None  # a lease of 20 for the key
    assert all(budgets.retry_after(key=key, account=spent) for _ in range(5))
    others = [budgets.retry_after(key=key, account=uuid.uuid4().hex) for _ in range(19)]
    assert others == [None] * 19
    assert charged(redis_url, "key", key) == 20  # the refused calls took nothing from it


def test_leases_of_one_call_charge_exactly_as_each_call_comes(redis_url: str) -> None:
    budgets = limiter(redis_url, per_key="1000/day", per_account="1000/day", lease_parts=1000)
    key = uuid.uuid4().hex
    for calls in range(1, 4):
        assert budgets.retry_after(key=key) is None
        assert charged(redis_url, "key", key) == calls


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """time.monotonic, frozen until a test moves ``clock[0]``."""
    now = [time.monotonic()]
    monkeypatch.setattr(time, "monotonic", lambda: now[0])
    return now


def test_expired_leases_are_dropped_once_a_process_holds_many(
    redis_url: str, clock: list[float]
) -> None:
    budgets = limiter(redis_url, per_key="1000000/day", per_account="1000/second")
    for _ in range(rate_limiter.PRUNE_ABOVE):
        assert budgets.retry_after(key=KEY, account=uuid.uuid4().hex) is None
    clock[0] += 2  # every account's lease has outlived its one-second window
    assert budgets.retry_after(key=KEY, account=uuid.uuid4().hex) is None
    assert len(budgets._leases) == 2  # the key's (a day long) and the last account's


def test_a_lease_is_spent_only_within_its_window(redis_url: str, clock: list[float]) -> None:
    budgets = limiter(redis_url, per_key="1000/second", per_account="1000000/day")
    key = uuid.uuid4().hex
    assert budgets.retry_after(key=key) is None
    first = charged(redis_url, "key", key)
    clock[0] += 1.1  # past the end of the lease's one-second window
    assert budgets.retry_after(key=key) is None
    assert charged(redis_url, "key", key) == first + 20


def test_a_lease_is_cut_to_the_room_left(redis_url: str) -> None:
    """5 a day in leases of 2, from two processes: the last lease is of one call."""
    processes = [
        limiter(redis_url, per_key="1000000/day", per_account="5/day", lease_parts=2) for _ in "ab"
    ]
    key, account = uuid.uuid4().hex, uuid.uuid4().hex  # the key budget in two halves
    answers = [processes[i % 2].retry_after(key=key, account=account) for i in range(10)]
    assert answers.count(None) == 5
    assert charged(redis_url, "account", account) == 5


def test_threads_renewing_a_lease_at_once_lose_none_of_it(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Four threads find no lease at once, each leases 4 calls from real Redis, and all four
    grants are kept before any thread spends one: they add up in one lease, so every call
    charged is a call allowed (a grant that replaced the lease held lost its calls)."""
    budgets = limiter(redis_url, per_key="200/day", per_account="1000000/day")
    key, asked, kept = uuid.uuid4().hex, threading.Barrier(4), threading.Barrier(4)
    script, keep, first_four = budgets._script, budgets._keep_leased, [count(), count()]

    def ask_together(**arguments: Any) -> Any:
        if next(first_four[0]) < 4:
            asked.wait(timeout=10)
        return script(**arguments)

    def keep_together(*arguments: Any) -> None:
        keep(*arguments)
        if next(first_four[1]) < 4:
            kept.wait(timeout=10)

    monkeypatch.setattr(budgets, "_script", ask_together)
    monkeypatch.setattr(budgets, "_keep_leased", keep_together)
    with ThreadPoolExecutor(4) as pool:
        answers = [
            a for each in pool.map(lambda _: calls(budgets, key, 60), range(4)) for a in each
        ]
    assert answers.count(None) == 200
    assert charged(redis_url, "key", key) == 200


def calls(budgets: RateLimiter, key: str, n: int) -> list[int | None]:
    return [budgets.retry_after(key=key) for _ in range(n)]


def test_a_long_identity_is_kept_short(redis_url: str) -> None:
    budgets = limiter(redis_url, per_key="1000000/day", per_account="1000000/day")
    hostile = "A" * 10_000
    assert budgets.retry_after(key=KEY, account=hostile) is None
    assert charged(redis_url, "account", hostile) == 0  # not under the hostile name
    assert all(len(key) < 100 for key in budgets._leases)


def test_a_process_keeps_a_bounded_number_of_leases(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rate_limiter, "PRUNE_ABOVE", 16)
    monkeypatch.setattr(rate_limiter, "MAX_LEASES", 64)
    budgets = limiter(redis_url, per_key="1000000/day", per_account="1000/day")
    sizes = []
    for _ in range(300):  # none expires within a day's window
        assert budgets.retry_after(key=KEY, account=uuid.uuid4().hex) is None
        sizes.append(len(budgets._leases))
    assert max(sizes) <= 65 and sizes[-1] > 16
