"""Waiting for outcomes through the real server (producer_api.front), on a private stack with
no worker until the test starts one: parked calls cost no thread, are woken by the workers'
announcement, by the Postgres re-check when the announcement is lost, and are answered at
once past the bound."""

import threading
import time
import uuid
from collections.abc import Callable

import pytest
import redis
import requests
from sqlalchemy import func, select

from harness.processes import start_worker, wait_until
from ledger.models import Request
from tests.e2e.test_backpressure import start_private_api, topup
from tests.fixtures.clients import Api
from tests.fixtures.processes import DEV_KEY
from tests.stack import Stack


class Waiters:
    """``count`` calls each sending a top-up with Prefer: wait, from threads of their own."""

    def __init__(self, url: str, user: str, count: int, *, wait: int = 25) -> None:
        self.answers: list[requests.Response] = []
        self.seconds: list[float] = []
        self._lock = threading.Lock()
        send = self._sender(url, user, wait)
        self.threads = [threading.Thread(target=send, daemon=True) for _ in range(count)]
        for thread in self.threads:
            thread.start()

    def _sender(self, url: str, user: str, wait: int) -> Callable[[], None]:
        def send() -> None:
            started = time.monotonic()
            try:
                answer = Api(url).post(
                    "/api/wallet/topup",
                    topup(user, str(uuid.uuid4())),
                    headers={"Prefer": f"wait={wait}"},
                )
            except requests.RequestException:
                return  # the API stopped under the waiter at the end
            with self._lock:
                self.answers.append(answer)
                self.seconds.append(time.monotonic() - started)

        return send

    def answered(self, count: int, *, timeout: float, what: str) -> list[requests.Response]:
        wait_until(lambda: len(self.answers) >= count, timeout=timeout, what=what)
        with self._lock:
            return list(self.answers)


def queued(stack: Stack) -> int:
    with stack.sessions() as session:
        query = select(func.count()).where(Request.status == "queued")
        return session.scalar(query) or 0


def timed(call: Callable[[], requests.Response]) -> tuple[requests.Response, float]:
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


@pytest.mark.slow
def test_parked_calls_hold_no_thread_and_are_woken_by_the_announcement(stack: Stack) -> None:
    # The product's threads (4 a process); the re-check too slow to be what wakes them.
    url, _ = start_private_api(stack, WEB_CONCURRENCY="2", WAIT_RECHECK_SECONDS="60")
    user = stack.user()
    waiters = Waiters(url, user, 300)
    wait_until(lambda: queued(stack) >= 300, timeout=60, what="300 waiting top-ups recorded")
    client = Api(url)
    balance, read_seconds = timed(lambda: client.get(f"/api/wallet/balance/{user}"))
    submit, submit_seconds = timed(
        lambda: client.post("/api/wallet/topup", topup(user, str(uuid.uuid4())))
    )
    assert balance.status_code == 200 and read_seconds < 0.5
    assert submit.status_code == 202 and submit_seconds < 0.5
    assert waiters.answers == []  # every one of them still waiting
    start_worker(stack.worker("wake", concurrency=2))
    answers = waiters.answered(300, timeout=30, what="the 300 waiting calls answered")
    assert [a.status_code for a in answers] == [200] * 300
    assert {a.json()["status"] for a in answers} == {"completed"}
    assert {a.headers["Preference-Applied"] for a in answers} == {"wait=25"}
    assert max(waiters.seconds) < 25  # woken, not timed out


@pytest.mark.slow
def test_a_lost_announcement_only_delays_a_parked_call(stack: Stack) -> None:
    url, _ = start_private_api(stack, WAIT_RECHECK_SECONDS="1")
    # The worker announces on a channel nobody hears: only the re-check can answer.
    start_worker(stack.worker("deaf", concurrency=1, OUTCOME_CHANNEL="nobody-listens"))
    answer, seconds = timed(
        lambda: Api(url).post(
            "/api/wallet/topup",
            topup(stack.user(), str(uuid.uuid4())),
            headers={"Prefer": "wait=20"},
        )
    )
    assert answer.status_code == 200 and answer.json()["status"] == "completed"
    assert seconds < 10


@pytest.mark.slow
def test_a_cut_subscriber_reconnects_and_wakes_the_next_calls(stack: Stack) -> None:
    channel = f"outcomes-{uuid.uuid4().hex}"  # heard by this test's API alone
    url, _ = start_private_api(
        stack, WEB_CONCURRENCY="1", WAIT_RECHECK_SECONDS="60", OUTCOME_CHANNEL=channel
    )
    start_worker(stack.worker("after-cut", concurrency=1, OUTCOME_CHANNEL=channel))
    api, user = Api(url), stack.user()
    first = api.post("/api/wallet/topup", topup(user, str(uuid.uuid4())), headers=WAIT)
    assert first.status_code == 200
    server = redis.Redis.from_url(stack.env["REDIS_URL"])
    assert server.client_kill_filter(_type="pubsub") >= 1
    wait_until(
        lambda: server.pubsub_numsub(channel)[0][1] >= 1,
        timeout=10,
        what="the subscriber to reconnect",
    )
    answer, seconds = timed(
        lambda: api.post("/api/wallet/topup", topup(user, str(uuid.uuid4())), headers=WAIT)
    )
    assert answer.status_code == 200 and seconds < 5


WAIT = {"Prefer": "wait=30"}


@pytest.mark.slow
def test_past_the_bound_a_call_is_answered_at_once_as_if_it_had_not_asked(stack: Stack) -> None:
    url, _ = start_private_api(stack, WEB_CONCURRENCY="1", MAX_WAITERS_PER_PROCESS="5")
    waiters = Waiters(url, stack.user(), 20)
    declined = waiters.answered(15, timeout=30, what="the 15 calls past the bound")
    assert [a.status_code for a in declined] == [202] * 15
    assert all("Preference-Applied" not in a.headers for a in declined)
    start_worker(stack.worker("bound", concurrency=1))
    parked = waiters.answered(20, timeout=30, what="the 5 parked calls")[15:]
    assert [a.status_code for a in parked] == [200] * 5


def parked_calls(url: str) -> float:
    metrics = requests.get(f"{url}/metrics", timeout=10).text
    line = next(row for row in metrics.splitlines() if row.startswith("wallet_api_parked_calls"))
    return float(line.split()[-1])


@pytest.mark.slow
def test_a_waiting_client_that_leaves_frees_its_place_long_before_its_wait_ends(
    stack: Stack,
) -> None:
    url, _ = start_private_api(stack, WEB_CONCURRENCY="1", MAX_WAITERS_PER_PROCESS="3")
    user = stack.user()
    for _ in range(3):  # each gives up long before its 30 s wait, closing its connection
        with pytest.raises(requests.Timeout):
            requests.post(
                f"{url}/api/wallet/topup",
                json=topup(user, str(uuid.uuid4())),
                headers={**WAIT, "Authorization": f"Bearer {DEV_KEY}"},
                timeout=1,
            )
    wait_until(lambda: parked_calls(url) == 0, timeout=10, what="the places freed")
    Waiters(url, user, 3)
    wait_until(lambda: parked_calls(url) == 3, timeout=10, what="three new calls parked")
