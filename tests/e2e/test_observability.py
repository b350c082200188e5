"""Metrics after traffic, on the API and the worker; one request id from the API into the
worker's JSON log lines."""

import json
import re
import uuid

import requests

from harness.processes import Process, wait_until
from tests.conftest import Api, UserFactory


def sample(text: str, name: str, **labels: str) -> float:
    """The value of one sample in Prometheus text format (0 if absent)."""
    for line in text.splitlines():
        match = re.match(rf"^{name}\{{(.*)\}} ([0-9.e+]+)$", line)
        if match and all(f'{k}="{v}"' in match.group(1) for k, v in labels.items()):
            return float(match.group(2))
    return 0.0


def test_api_metrics_count_requests_by_route_and_status(http: Api, make_user: UserFactory) -> None:
    user = make_user()
    before = sample(
        http.get("/metrics").text,
        "wallet_http_requests_total",
        route="/api/wallet/balance/<account_number>",
        status="200",
    )
    for _ in range(3):
        http.get(f"/api/wallet/balance/{user}")
    text = http.get("/metrics").text
    after = sample(
        text,
        "wallet_http_requests_total",
        route="/api/wallet/balance/<account_number>",
        status="200",
    )
    assert after >= before + 3
    assert "wallet_http_request_duration_seconds_bucket" in text


def test_worker_metrics_count_postings_and_batches(
    http: Api, worker: Process, make_user: UserFactory, service_env: dict[str, str]
) -> None:
    user = make_user()
    http.submit(
        "topup",
        {
            "accountNumber": user,
            "assetCode": "GOLD_COINS",
            "amount": 1,
            "idempotencyKey": str(uuid.uuid4()),
        },
    )
    url = f"http://127.0.0.1:{service_env['WORKER_METRICS_PORT']}/metrics"
    text = requests.get(url, timeout=10).text
    assert sample(text, "wallet_requests_finished_total", status="completed") >= 1
    assert "wallet_batch_size_bucket" in text and "wallet_posting_seconds_count" in text
    wait_until(
        lambda: "wallet_pending_requests" in requests.get(url, timeout=10).text,
        timeout=10,
        what="the reaper's gauges",
    )


def test_a_request_id_travels_from_the_api_into_the_worker_logs(
    http: Api, worker: Process, make_user: UserFactory
) -> None:
    user = make_user()
    request_id = f"trace-{uuid.uuid4().hex}"
    answer = http.post(
        "/api/wallet/topup",
        {
            "accountNumber": user,
            "assetCode": "GOLD_COINS",
            "amount": 1,
            "idempotencyKey": str(uuid.uuid4()),
        },
        headers={"X-Request-ID": request_id, "Prefer": "wait=10"},
    )
    assert answer.headers["X-Request-ID"] == request_id

    def logged() -> list[dict[str, object]]:
        lines = [line for line in worker.log().splitlines() if request_id in line]
        return [json.loads(line) for line in lines]

    wait_until(
        lambda: any(entry.get("event") == "posted" for entry in logged()),
        timeout=10,
        what="the worker's log line",
    )
    assert all(entry["request_id"] == request_id for entry in logged())
