"""Retries that cannot double, against the real service: a submit whose answer is lost on
the way back, and 503s while Postgres (a private server) is down."""

import threading
from collections.abc import Callable, Iterator
from decimal import Decimal
from urllib.parse import urlsplit

import httpx
import pytest
from wallet_client import RequestResult, RetryEvent, WalletClient

from harness.postgres import PrivatePostgres
from harness.processes import start_worker
from tests.clients.proxy import LossyProxy, Mode
from tests.stack import Stack

GOLD = "GOLD_COINS"


@pytest.fixture
def lossy(wallet_url: str, request: pytest.FixtureRequest) -> Iterator[LossyProxy]:
    mode: Mode = request.param
    proxy = LossyProxy(urlsplit(wallet_url).port or 80, mode)
    yield proxy
    proxy.close()


def posted_once(wallet_url: str, dev_key: str, user: str, result: RequestResult) -> None:
    """The user's only transaction is the result's, and the balance moved once."""
    assert result.transaction is not None
    with WalletClient(wallet_url, api_key=dev_key) as direct:
        history = list(direct.history(user))
        assert [item.transaction_id for item in history] == [result.transaction.transaction_id]
        assert direct.balance(user)[GOLD].balance == result.transaction.amount


@pytest.mark.parametrize("lossy", ["drop"], indirect=True)
def test_a_submit_retried_after_the_connection_dropped_posts_once(
    lossy: LossyProxy, wallet_url: str, dev_key: str, make_user: Callable[..., str]
) -> None:
    user = make_user()
    retries: list[RetryEvent] = []
    with WalletClient(lossy.url, api_key=dev_key, on_retry=retries.append) as client:
        result = client.topup(user, GOLD, Decimal("12.34"), wait=10)
    assert lossy.lost == 1 and lossy.answer_lost.is_set()
    assert [type(event.error) for event in retries] == [httpx.RemoteProtocolError]
    # The first attempt was recorded and posted; the retry is its replay.
    assert result.completed and result.replayed and result.attempts == 2
    posted_once(wallet_url, dev_key, user, result)


@pytest.mark.parametrize("lossy", ["hold"], indirect=True)
def test_a_submit_retried_after_its_answer_timed_out_posts_once(
    lossy: LossyProxy, wallet_url: str, dev_key: str, make_user: Callable[..., str]
) -> None:
    user = make_user()
    retries: list[RetryEvent] = []
    with WalletClient(lossy.url, api_key=dev_key, timeout=1.0, on_retry=retries.append) as client:
        accepted = client.topup(user, GOLD, Decimal("5"))
        result = client.request(accepted.idempotency_key, wait=10)
    assert lossy.lost == 1
    assert [type(event.error) for event in retries] == [httpx.ReadTimeout]
    assert accepted.replayed and accepted.attempts == 2
    assert result.completed
    posted_once(wallet_url, dev_key, user, result)


@pytest.mark.slow
def test_503s_during_a_postgres_outage_are_retried_to_success(
    server_stack: Stack, private_postgres: PrivatePostgres, dev_key: str
) -> None:
    start_worker(server_stack.worker("sdk-outage", concurrency=1))
    url = server_stack.api("api-sdk-outage")
    user = server_stack.user()
    refused = threading.Event()
    retries: list[RetryEvent] = []

    def on_retry(event: RetryEvent) -> None:
        retries.append(event)
        if sum(event.status == 503 for event in retries) == 3:  # down for a few retries
            refused.set()

    client = WalletClient(
        url, api_key=dev_key, max_attempts=1000, max_retry_time=120, on_retry=on_retry
    )
    outcome: list[RequestResult | BaseException] = []

    def submit() -> None:
        try:
            outcome.append(client.topup(user, GOLD, Decimal("7"), wait=20))
        except BaseException as error:  # handed to the test's thread
            outcome.append(error)

    private_postgres.stop()
    submitter = threading.Thread(target=submit)
    submitter.start()
    try:
        assert refused.wait(60), "not three 503s while Postgres was down"
    finally:
        private_postgres.start()
        submitter.join(180)
    (result,) = outcome
    assert isinstance(result, RequestResult), result
    assert result.completed and result.attempts >= 4
    assert {event.code for event in retries if event.status == 503} <= {
        "DATABASE_UNAVAILABLE",
        "DATABASE_BUSY",
        "OVERLOADED",
    }
    assert all(event.delay >= 1 for event in retries if event.status == 503)  # Retry-After: 1
    print(f"completed after {result.attempts} attempts, {len(retries)} retries")
    posted_once(url, dev_key, user, result)
    client.close()
