"""Outages of Redis and Postgres around the API and the workers."""

import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import requests

from harness.processes import api_process, free_port, start_api, start_worker, wait_until
from ledger.inbox import Submission, record_request
from tests.conftest import Api, UserFactory, assert_ledger_consistent
from tests.stack import Stack

CLUSTER = [
    "pg_ctlcluster",
    "--skip-systemctl-redirect",
    next(Path("/etc/postgresql").iterdir()).name,
    "main",
]


@contextmanager
def postgres_stopped() -> Iterator[None]:
    subprocess.run([*CLUSTER, "stop", "-m", "fast"], check=True)
    try:
        yield
    finally:
        subprocess.run([*CLUSTER, "start"], check=True)


def test_redis_down_at_submit_records_the_request_and_the_reaper_sends_it(
    http: Api, service_env: dict[str, str], log_dir: Path, make_user: UserFactory, sessions
) -> None:
    user = make_user()
    port = free_port()
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    url = f"http://127.0.0.1:{port}"
    api = start_api(api_process({**service_env, "REDIS_URL": dead_redis}, log_dir, port), url)
    try:
        assert requests.get(f"{url}/readyz", timeout=10).status_code == 503
        key = str(uuid.uuid4())
        answer = Api(url).session.post(
            f"{url}/api/wallet/topup",
            timeout=30,
            json={
                "accountNumber": user,
                "assetCode": "GOLD_COINS",
                "amount": 4,
                "idempotencyKey": key,
            },
        )
        assert answer.status_code == 202, answer.text
    finally:
        api.stop()
    started = time.monotonic()
    done = http.get(f"/api/wallet/requests/{key}", params={"wait": 20}).json()
    assert done["status"] == "completed"
    print(f"sent by the reaper {time.monotonic() - started:.1f}s after the API restarted")
    assert http.balance(user) == "4.00"
    assert_ledger_consistent(sessions)


def test_a_request_whose_message_was_never_sent_shows_its_postgres_status_then_completes(
    http: Api, make_user: UserFactory, sessions
) -> None:
    user = make_user()
    key = str(uuid.uuid4())
    with sessions.begin() as session:
        record_request(
            session,
            submission=Submission(
                client_id="default",
                idempotency_key=key,
                type="topup",
                account_number=user,
                asset_code="GOLD_COINS",
                amount=Decimal("2"),
            ),
        )
    assert http.get(f"/api/wallet/requests/{key}").json()["status"] == "queued"
    assert (
        http.get(f"/api/wallet/requests/{key}", params={"wait": 20}).json()["status"] == "completed"
    )


def test_postgres_restart_while_clients_submit_gives_503s_then_recovers_exactly_once(
    http: Api, make_user: UserFactory, sessions
) -> None:
    user = make_user()
    codes: dict[str, list[int]] = {}
    stop = threading.Event()

    def client() -> None:
        api = Api(http.base_url)
        while not stop.is_set():
            key = str(uuid.uuid4())
            try:
                answer = api.post(
                    "/api/wallet/topup",
                    {
                        "accountNumber": user,
                        "assetCode": "GOLD_COINS",
                        "amount": 1,
                        "idempotencyKey": key,
                    },
                )
                codes.setdefault(key, []).append(answer.status_code)
                if answer.status_code == 503:
                    assert answer.headers["Content-Type"] == "application/problem+json"
            except requests.RequestException:
                codes.setdefault(key, []).append(0)
            time.sleep(0.02)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)
    with postgres_stopped():
        time.sleep(3)
    started = time.monotonic()
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join()

    seen = [code for answers in codes.values() for code in answers]
    assert set(seen) <= {200, 202, 503}, sorted(set(seen))
    assert 503 in seen and 202 in seen
    for key, answers in codes.items():  # a client retries what it was refused, with its key
        if answers[-1] == 503:
            wait_until(
                lambda k=key: (
                    http.submit(
                        "topup",
                        {
                            "accountNumber": user,
                            "assetCode": "GOLD_COINS",
                            "amount": 1,
                            "idempotencyKey": k,
                        },
                    ).status_code
                    in (200, 202)
                ),
                timeout=30,
                what="retry accepted",
            )
    for key in codes:
        assert (
            http.get(f"/api/wallet/requests/{key}", params={"wait": 30}).json()["status"]
            == "completed"
        )
    drained = time.monotonic() - started
    print(f"{len(codes)} requests, {seen.count(503)} answered 503; drained in {drained:.1f}s")
    assert http.balance(user) == f"{len(codes)}.00"
    assert_ledger_consistent(sessions)


def test_a_worker_started_while_postgres_is_down_retries_then_works(stack: Stack) -> None:
    request_id = stack.record(stack.user())
    stack.engine.dispose()
    with postgres_stopped():
        worker = start_worker(stack.worker("no-postgres", concurrency=1))
        stack.send(request_id)
        wait_until(
            lambda: "Retry in" in worker.log(), timeout=30, what="a retry while Postgres is down"
        )
    (request,) = stack.wait_terminal([request_id], timeout=90)
    assert request.status == "completed"
    assert stack.transactions_for([request_id]) == 1
