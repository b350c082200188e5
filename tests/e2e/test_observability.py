"""Metrics after traffic, on the API and the worker; one request id from the API into the
worker's JSON log lines.

Counters are shared by the whole session, so each test measures the change its own traffic
makes, exactly (tests run one at a time and nothing else posts meanwhile).
"""

import json
import re
import uuid

import requests

from harness.processes import Process, wait_until
from tests.fixtures.clients import Api, UserFactory

BALANCE_ROUTE = "/api/wallet/balance/<account_number>"


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        match = re.match(rf"^{name}(?:\{{(.*)\}})? ([0-9.e+]+)$", line)
        if match and all(f'{k}="{v}"' in (match.group(1) or "") for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


def balance_reads(http: Api) -> float:
    text = http.get("/metrics").text
    return sample(text, "wallet_http_requests_total", route=BALANCE_ROUTE, status="200")


def test_api_metrics_count_requests_by_route_and_status(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    before = balance_reads(http)
    for _ in range(3):
        assert http.get(f"/api/wallet/balance/{user}").status_code == 200
    assert balance_reads(http) == before + 3
    text = http.get("/metrics").text
    duration = sample(text, "wallet_http_request_duration_seconds_count", route=BALANCE_ROUTE)
    assert duration >= 3


def worker_counts(url: str) -> tuple[float, float, float]:
    text = requests.get(url, timeout=10).text
    return (
        sample(text, "wallet_requests_finished_total", status="completed"),
        sample(text, "wallet_batch_size_count"),
        sample(text, "wallet_posting_seconds_count"),
    )


def test_worker_metrics_count_postings_and_batches(
    http: Api, worker: Process, make_user: UserFactory, service_env: dict[str, str]
) -> None:
    user = make_user()
    url = f"http://127.0.0.1:{service_env['WORKER_METRICS_PORT']}/metrics"
    completed, batches, postings = worker_counts(url)
    body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 1}
    answer = http.submit("topup", {**body, "idempotencyKey": str(uuid.uuid4())})
    assert answer.json()["status"] == "completed"
    wait_until(  # the pool process records its metrics just after it commits the posting
        lambda: worker_counts(url)[0] > completed, timeout=10, what="the posting counted"
    )
    assert worker_counts(url) == (completed + 1, batches + 1, postings + 1)
    wait_until(
        lambda: "wallet_pending_requests" in requests.get(url, timeout=10).text,
        timeout=10,
        what="the reaper's gauges",
    )


def test_a_request_id_travels_from_the_api_into_the_worker_logs(
    http: Api, worker: Process, make_user: UserFactory
) -> None:
    user = make_user()
    request_id, key = f"trace-{uuid.uuid4().hex}", str(uuid.uuid4())
    body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 1, "idempotencyKey": key}
    answer = http.post(
        "/api/wallet/topup", body, headers={"X-Request-ID": request_id, "Prefer": "wait=10"}
    )
    assert answer.headers["X-Request-ID"] == request_id

    def posted() -> list[dict[str, object]]:
        """The worker's "posted" lines for this request, found by its key, not by the id."""
        entries = [json.loads(line) for line in worker.log().splitlines() if line.startswith("{")]
        return [
            e
            for e in entries
            if e.get("event") == "posted" and key in e.get("idempotency_keys", [])
        ]

    wait_until(lambda: bool(posted()), timeout=10, what="the worker's log line")
    (entry,) = posted()
    assert entry["request_id"] == request_id
    assert entry["completed"] == 1
    assert entry["logger"] == "worker.tasks"  # log queries name it


def test_worker_metrics_count_holds_and_reversals_by_operation(
    http: Api, worker: Process, make_user: UserFactory, service_env: dict[str, str]
) -> None:
    user = make_user(GOLD_COINS="10")
    url = f"http://127.0.0.1:{service_env['WORKER_METRICS_PORT']}/metrics"

    def counts() -> tuple[float, float, float]:
        text = requests.get(url, timeout=10).text
        return (
            sample(text, "wallet_holds_total", event="placed"),
            sample(text, "wallet_reversals_total"),
            sample(text, "wallet_operations_finished_total", operation="hold", status="completed"),
        )

    before = counts()
    gold = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": 1}
    assert http.submit("holds", {**gold, "idempotencyKey": str(uuid.uuid4())}).ok
    spent = http.submit("spend", {**gold, "description": "x", "idempotencyKey": str(uuid.uuid4())})
    reversal = {"transactionId": spent.json()["transaction"]["transactionId"]}
    assert http.submit("reversals", {**reversal, "idempotencyKey": str(uuid.uuid4())}).ok
    wait_until(lambda: counts()[1] > before[1], timeout=10, what="the reversal counted")
    assert counts() == (before[0] + 1, before[1] + 1, before[2] + 1)
