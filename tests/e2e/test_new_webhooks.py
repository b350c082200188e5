"""A new webhook hears of every posting committed after its registration answered, through
the real API and workers as make run starts them, on a private stack (issue 22, item 11):
workers that have just remembered "no subscriber" still announce the very next top-ups."""

import uuid

import pytest

from harness.processes import start_worker
from tests.fixtures.clients import Api
from tests.receiver import receiving
from tests.stack import Stack

pytestmark = pytest.mark.slow
TOP_UPS = 5


def test_a_webhook_registered_then_five_top_ups_hears_of_all_five(stack: Stack) -> None:
    # One posting process, so that the top-up below surely left it remembering "nobody".
    start_worker(stack.worker("postings", concurrency=1, role="postings"))
    start_worker(stack.worker("webhooks", concurrency=2, role="webhooks"))
    api, user = Api(stack.api("new-webhooks")), stack.user()

    def top_up() -> str:
        body = {"accountNumber": user, "assetCode": "GOLD_COINS", "amount": "1"}
        key = str(uuid.uuid4())
        assert api.submit("topup", {**body, "idempotencyKey": key}).json()["status"] == "completed"
        return key

    top_up()  # with no webhook: the worker reads, and remembers, that nobody subscribes
    with receiving() as receiver:
        registered = api.post(
            "/api/webhooks", {"url": receiver.url, "events": ["request.completed"]}
        )
        assert registered.status_code == 201, registered.text
        keys = {top_up() for _ in range(TOP_UPS)}
        received = receiver.wait_for(lambda e: e["data"]["idempotencyKey"] in keys, TOP_UPS, 20)
    assert {r.event["data"]["idempotencyKey"] for r in received} == keys
