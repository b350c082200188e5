"""Outages of Redis and Postgres around the API and the workers.

A Postgres outage stops a server of the test's own (``private_postgres``, under an
``server_stack`` with its own API and worker processes); the machine's cluster is never touched.
"""

import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from sqlalchemy.orm import Session, sessionmaker

from harness.postgres import PrivatePostgres
from harness.processes import api_process, free_port, start_api, start_worker, wait_until
from infra.sealing import PLAIN
from ledger.inbox.requests import record_request
from ledger.inbox.submission import Submission
from ledger.operations import OperationType
from tests.fixtures.clients import Api, UserFactory
from tests.fixtures.databases import assert_ledger_consistent
from tests.stack import Stack

pytestmark = pytest.mark.slow
ACCEPTED = (200, 202)


def topup(user: str, key: str) -> dict[str, object]:
    return {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 1, "idempotencyKey": key}


def test_redis_down_at_submit_records_the_request_and_the_reaper_sends_it(
    http: Api,
    service_env: dict[str, str],
    log_dir: Path,
    make_user: UserFactory,
    sessions: sessionmaker[Session],
) -> None:
    user = make_user()
    port = free_port()
    dead_redis = f"redis://127.0.0.1:{free_port()}/0"
    url = f"http://127.0.0.1:{port}"
    env = {**service_env, "REDIS_URL": dead_redis}
    api = start_api(api_process(env, log_dir, port, name="api-no-redis"), url)
    try:
        assert requests.get(f"{url}/readyz", timeout=10).status_code == 503
        key = str(uuid.uuid4())
        answer = Api(url).post("/api/wallet/topup", topup(user, key))
        assert answer.status_code == 202, answer.text
    finally:
        api.stop()
    started = time.monotonic()
    done = http.get(f"/api/wallet/requests/{key}", params={"wait": 20}).json()
    assert done["status"] == "completed"
    print(f"sent by the reaper {time.monotonic() - started:.1f}s after the API restarted")
    assert http.balance(user) == "1.00"
    assert_ledger_consistent(sessions)


def test_a_request_whose_message_was_never_sent_shows_its_postgres_status_then_completes(
    http: Api, make_user: UserFactory, sessions: sessionmaker[Session]
) -> None:
    user = make_user()
    key = str(uuid.uuid4())
    with sessions.begin() as session:
        record_request(
            session,
            submission=Submission(
                client_id="default",
                idempotency_key=key,
                type=OperationType.TOPUP,
                account_number=user,
                asset_code="GOLD_COINS",
                amount=Decimal("2"),
            ),
            sealer=PLAIN,
        )
    assert http.get(f"/api/wallet/requests/{key}").json()["status"] == "queued"
    done = http.get(f"/api/wallet/requests/{key}", params={"wait": 20}).json()
    assert done["status"] == "completed"


class Submitters:
    """Client threads that submit top-ups of 1 under fresh keys and record every answer."""

    def __init__(self, base_url: str, user: str, threads: int = 4) -> None:
        self.base_url, self.user = base_url, user
        self.answers: list[tuple[str, int, str]] = []  # (key, status or 0, content type)
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]
        for thread in self.threads:
            thread.start()

    def run(self) -> None:
        api = Api(self.base_url)
        while not self.stopping.is_set():
            key = str(uuid.uuid4())
            try:
                answer = api.post("/api/wallet/topup", topup(self.user, key))
                self.answers.append((key, answer.status_code, answer.headers["Content-Type"]))
            except requests.RequestException:
                self.answers.append((key, 0, ""))
            self.stopping.wait(0.02)  # pacing, not synchronization

    def wait_for(self, status: int, what: str) -> None:
        """Wait for an answer with ``status`` among the answers recorded from now on."""
        start = len(self.answers)
        wait_until(
            lambda: any(answer[1] == status for answer in self.answers[start:]),
            timeout=60,
            what=what,
        )

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


def test_postgres_restart_while_clients_submit_gives_503s_then_recovers_exactly_once(
    server_stack: Stack, private_postgres: PrivatePostgres
) -> None:
    start_worker(server_stack.worker("pg-restart", concurrency=2, beat=True))
    url = server_stack.api("api-pg-restart")
    user = server_stack.user()
    clients = Submitters(url, user)
    try:
        clients.wait_for(202, "a submit accepted before the outage")
        private_postgres.stop()
        clients.wait_for(503, "a submit refused while Postgres is down")
        private_postgres.start()
        clients.wait_for(202, "a submit accepted after Postgres restarted")
    finally:
        clients.stop()

    statuses = [status for _, status, _ in clients.answers]
    assert set(statuses) <= {*ACCEPTED, 503}, sorted(set(statuses))
    assert {kind for _, status, kind in clients.answers if status == 503} == {
        "application/problem+json"
    }
    api = Api(url)
    for key, status, _ in clients.answers:  # a client retries what it was refused, with its key
        if status not in ACCEPTED:
            assert api.submit("topup", topup(user, key)).status_code in ACCEPTED
    for key, _, _ in clients.answers:
        done = api.get(f"/api/wallet/requests/{key}", params={"wait": 30}).json()
        assert done["status"] == "completed", done
    print(f"{len(clients.answers)} requests, {statuses.count(503)} answered 503")
    assert api.balance(user) == f"{len(clients.answers)}.00"


def test_a_worker_started_while_postgres_is_down_retries_then_works(
    server_stack: Stack, private_postgres: PrivatePostgres
) -> None:
    request_id = server_stack.record(server_stack.user())
    server_stack.engine.dispose()
    private_postgres.stop()
    worker = start_worker(server_stack.worker("no-postgres", concurrency=1))
    server_stack.send(request_id)
    wait_until(lambda: "Retry in" in worker.log(), timeout=30, what="a retry, Postgres down")
    private_postgres.start()
    (request,) = server_stack.wait_terminal([request_id], timeout=90)
    assert request.status == "completed"
    assert server_stack.transactions_for([request_id]) == 1
