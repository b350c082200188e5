"""Back-pressure on a private stack (its own database and Redis db, no worker unless started):
admission control, bounded long-poll waiters, and the reaper behind the enqueuer."""

import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import requests
from sqlalchemy import func, select, text

from harness.processes import Process, api_process, free_port, start_api, start_worker, wait_until
from ledger.models import Request
from tests.fixtures.clients import Api
from tests.stack import Stack


def start_private_api(stack: Stack, **env: str) -> tuple[str, Process]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = api_process({**stack.env, **env}, stack.log_dir, port, name=f"api-{port}")
    stack.processes.append(process)
    return url, start_api(process, url)


def topup(user: str, key: str) -> dict[str, object]:
    return {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 1, "idempotencyKey": key}


def recorded(stack: Stack, key: str) -> list[Request]:
    with stack.sessions() as session:
        return list(session.scalars(select(Request).where(Request.idempotency_key == key)))


def test_a_submit_past_the_backlog_bound_is_refused_and_records_nothing(stack: Stack) -> None:
    url, _ = start_private_api(stack, ADMISSION_MAX_PENDING="3")
    api, user = Api(url), stack.user()
    assert [api.post("/api/wallet/topup", topup(user, f"k{i}")).status_code for i in range(3)] == [
        202
    ] * 3
    wait_until(
        lambda: api.get("/readyz").json()["status"] == "shedding",
        timeout=10,
        what="the API to see its backlog",
    )
    key = f"past-{uuid.uuid4()}"
    refused = api.post("/api/wallet/topup", topup(user, key))
    assert refused.status_code == 503
    assert refused.json()["code"] == "OVERLOADED"
    assert int(refused.headers["Retry-After"]) >= 1
    assert recorded(stack, key) == []
    assert api.get("/readyz").json()["backlog"]["pending"] == 3
    assert "wallet_api_shedding 1.0" in requests.get(f"{url}/metrics", timeout=10).text
    start_worker(stack.worker("drain", concurrency=1))
    wait_until(
        lambda: api.post("/api/wallet/topup", topup(user, key)).status_code == 202,
        timeout=30,
        what="the backlog to drain and the same key to be accepted",
    )
    assert len(recorded(stack, key)) == 1


@contextmanager
def blackhole() -> Iterator[int]:
    """A port that accepts TCP connections and never answers: a send to it hangs."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        yield listener.getsockname()[1]


def test_a_request_whose_api_dies_before_sending_it_is_sent_by_the_reaper(stack: Stack) -> None:
    user = stack.user()
    key = f"orphan-{uuid.uuid4()}"
    with blackhole() as port:
        url, api = start_private_api(stack, REDIS_URL=f"redis://127.0.0.1:{port}/0")
        answer = Api(url).post("/api/wallet/topup", topup(user, key))
        assert answer.status_code == 202
        api.signal_group(9)  # SIGKILL, the send still in flight
    (request,) = recorded(stack, key)
    assert request.status == "queued" and request.attempts == 0
    start_worker(stack.worker("reaper", concurrency=1, beat=True))
    (request,) = stack.wait_terminal([request.id], timeout=60)
    assert request.status == "completed"
    assert stack.transactions_for([request.id]) == 1


def queued(stack: Stack) -> int:
    with stack.sessions() as session:
        query = select(func.count()).where(Request.status == "queued")
        return session.scalar(query) or 0


def test_submits_survive_their_pooled_connections_being_dropped(stack: Stack) -> None:
    url, _ = start_private_api(stack)
    api, user = Api(url), stack.user()
    for _ in range(4):
        assert api.post("/api/wallet/topup", topup(user, str(uuid.uuid4()))).status_code == 202
    with stack.engine.connect() as connection:
        dropped = connection.scalar(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    stack.engine.dispose()  # the test's own pooled connections were dropped too
    assert dropped
    answers = [api.post("/api/wallet/topup", topup(user, str(uuid.uuid4()))) for _ in range(6)]
    assert [a.status_code for a in answers] == [202] * 6
