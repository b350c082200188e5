"""The SDK's retry rules as pure logic: the backoff schedule, Retry-After, the bounds."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
from wallet_client.retry import RetryPolicy, RetryState, is_retriable_error, parse_retry_after


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def state(policy: RetryPolicy, rng: float = 1.0, extra_time: float = 0.0) -> RetryState:
    return RetryState(policy, extra_time=extra_time, clock=Clock(), rng=lambda: rng)


def test_the_backoff_ceiling_doubles_from_the_base_up_to_the_cap() -> None:
    policy = RetryPolicy(backoff_base=0.25, backoff_max=2.0)
    assert [policy.ceiling(n) for n in range(1, 7)] == [0.25, 0.5, 1.0, 2.0, 2.0, 2.0]


def test_full_jitter_draws_between_zero_and_the_ceiling() -> None:
    policy = RetryPolicy(max_attempts=10, backoff_base=1.0, backoff_max=100.0)
    for draw, expected in [(0.0, [0.0, 0.0, 0.0]), (0.5, [0.5, 1.0, 2.0]), (1.0, [1, 2, 4])]:
        retries = state(policy, rng=draw)
        delays = []
        for _ in range(3):
            retries.started()
            delays.append(retries.delay())
        assert delays == expected


def test_retry_after_is_a_floor_under_the_jittered_delay() -> None:
    retries = state(RetryPolicy(backoff_base=0.25), rng=0.5)
    retries.started()
    assert retries.delay(retry_after=3) == 3
    assert retries.delay(retry_after=0) == 0.125


def test_attempts_stop_at_max_attempts() -> None:
    retries = state(RetryPolicy(max_attempts=3, backoff_base=0))
    outcomes = []
    for _ in range(4):
        retries.started()
        outcomes.append(retries.delay())
    assert outcomes == [0, 0, None, None]


def test_no_retry_would_end_past_the_total_time() -> None:
    policy = RetryPolicy(max_attempts=100, max_retry_time=10, backoff_base=4, backoff_max=4)
    retries = state(policy)
    clock = retries.clock
    assert isinstance(clock, Clock)
    retries.started()
    assert retries.delay() == 4
    clock.now += 4
    retries.started()
    assert retries.delay() == 4  # ends at 8 s
    clock.now += 4
    retries.started()
    assert retries.delay() is None  # would end at 12 s


def test_a_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    retries = state(RetryPolicy(max_retry_time=5))
    retries.started()
    assert retries.delay(retry_after=60) is None


def test_the_time_the_server_may_hold_the_call_extends_the_budget() -> None:
    retries = state(RetryPolicy(max_retry_time=5), extra_time=30)
    retries.started()
    assert retries.delay(retry_after=20) == 20


def test_the_policy_refuses_nonsense() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(max_retry_time=-1)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("1", 1.0), (" 120 ", 120.0), ("0", 0.0), (None, None), ("", None), ("soon", None),
     ("-3", None), ("1.5", None)],
)  # fmt: skip
def test_retry_after_in_seconds(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


def test_retry_after_as_an_http_date() -> None:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    later = format_datetime(now + timedelta(seconds=42), usegmt=True)
    earlier = format_datetime(now - timedelta(seconds=42), usegmt=True)
    assert later.endswith("GMT")
    assert parse_retry_after(later, now=now) == 42.0
    assert parse_retry_after(earlier, now=now) == 0.0


def test_connection_failures_are_retried_and_client_mistakes_are_not() -> None:
    request = httpx.Request("POST", "http://127.0.0.1:1/api/wallet/topup")
    retried = [
        httpx.ConnectError("refused", request=request),
        httpx.ConnectTimeout("slow", request=request),
        httpx.ReadError("reset", request=request),
        httpx.ReadTimeout("no answer", request=request),
        httpx.WriteError("broken pipe", request=request),
        httpx.RemoteProtocolError("Server disconnected", request=request),
        httpx.PoolTimeout("pool", request=request),
    ]
    assert all(is_retriable_error(error) for error in retried)
    not_retried = [
        httpx.UnsupportedProtocol("ftp://", request=request),
        httpx.LocalProtocolError("bad header", request=request),
        ValueError("not a transport error"),
    ]
    assert not any(is_retriable_error(error) for error in not_retried)
