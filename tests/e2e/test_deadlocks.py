"""Concurrent postings that touch the same balance rows in opposite orders never deadlock.

The stack's database lives on a PostgreSQL server of its own, so its log and its
``pg_stat_database.deadlocks`` count this test's transactions and nobody else's.
"""

import uuid

import pytest
from sqlalchemy import text

from harness.postgres import PrivatePostgres
from harness.processes import start_worker
from tests.stack import Stack

pytestmark = pytest.mark.slow
ASSETS = ("GOLD_COINS", "DIAMONDS")


def record_messages(stack: Stack, users: list[str], messages: int) -> list[list[uuid.UUID]]:
    """Each message names one request per user: top-ups (treasury -> user) and spends
    (user -> revenue), users in one order in even messages and the reverse in odd ones."""
    planned = []
    for m in range(messages):
        order = users if m % 2 == 0 else users[::-1]
        planned.append(
            [
                stack.record(
                    user,
                    "topup" if (m + i) % 2 == 0 else "spend",
                    amount="1",
                    asset=ASSETS[(m // 2 + i) % 2],
                )
                for i, user in enumerate(order)
            ]
        )
    return planned


def deadlocks(stack: Stack) -> int:
    with stack.engine.connect() as connection:
        count = connection.scalar(
            text("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        )
    return int(count or 0)


def test_concurrent_postings_in_opposite_orders_cause_no_deadlock(
    server_stack: Stack, private_postgres: PrivatePostgres
) -> None:
    # Small batches, one message each, four pool processes: many postings run at once.
    worker = start_worker(server_stack.worker("opposite", concurrency=4, BATCH_SIZE="4"))
    # Balance rows are born with their accounts: postings only lock them, in id order.
    users = [server_stack.user() for _ in range(4)]
    planned = record_messages(server_stack, users, messages=60)
    for message in planned:
        server_stack.send(*message)
    ids = [request_id for message in planned for request_id in message]
    finished = server_stack.wait_terminal(ids, timeout=120)

    assert private_postgres.log().count("deadlock detected") == 0
    assert {(r.status, r.error_code) for r in finished} <= {
        ("completed", None),
        ("failed", "INSUFFICIENT_FUNDS"),
    }
    assert " retry: " not in worker.log()
    worker.stop()  # its backends exit and report their statistics
    server_stack.engine.dispose()
    private_postgres.stop()  # a clean shutdown writes every statistic out; a start reads it
    private_postgres.start()
    assert deadlocks(server_stack) == 0
