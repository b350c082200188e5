"""Transfers raced both ways through the real worker, and point-in-time balances over real
commits. Requests are recorded in the inbox and sent as wallet.post messages (the HTTP
routes come later); four pool processes post them, small batches topped up with queued
requests, so both directions meet in one batch and in concurrent ones.
"""

import random
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text

from harness.postgres import PrivatePostgres
from harness.processes import start_worker
from ledger.reads.queries import get_balances
from tests.e2e.test_deadlocks import deadlocks
from tests.stack import Stack

TRANSFERS_EACH_WAY = 200
OPENING = Decimal(50)  # tight: some transfers meet an empty account


def gold(stack: Stack, account: str) -> Decimal:
    with stack.sessions() as session:
        return get_balances(session, account_number=account).balances[0].balance


@pytest.mark.slow
def test_transfers_both_ways_at_once_never_deadlock_and_conserve_funds(
    server_stack: Stack, private_postgres: PrivatePostgres
) -> None:
    worker = start_worker(server_stack.worker("transfers", concurrency=4, BATCH_SIZE="2"))
    alice, bob = server_stack.user(gold=str(OPENING)), server_stack.user(gold=str(OPENING))
    rng = random.Random(13)
    planned = [
        (sender, receiver, Decimal(rng.randint(1, 400)) / 100)
        for _ in range(TRANSFERS_EACH_WAY)
        for sender, receiver in ((alice, bob), (bob, alice))
    ]
    ids = [
        server_stack.submit(
            "transfer", account_number=s, to_account=r, asset_code="GOLD_COINS", amount=a
        )
        for s, r, a in planned
    ]
    for request_id in ids:  # one message each: the pool posts them concurrently
        server_stack.send(request_id)
    finished = {r.id: r for r in server_stack.wait_terminal(ids, timeout=180)}

    expected = {alice: OPENING, bob: OPENING}
    for (sender, receiver, amount), request_id in zip(planned, ids, strict=True):
        if finished[request_id].status == "completed":
            expected[sender] -= amount
            expected[receiver] += amount
    outcomes = {(r.status, r.error_code) for r in finished.values()}
    assert outcomes <= {("completed", None), ("failed", "INSUFFICIENT_FUNDS")}
    assert (gold(server_stack, alice), gold(server_stack, bob)) == (expected[alice], expected[bob])
    assert gold(server_stack, alice) + gold(server_stack, bob) == 2 * OPENING
    assert private_postgres.log().count("deadlock detected") == 0
    assert " retry: " not in worker.log()
    completed = sum(r.status == "completed" for r in finished.values())
    print(f"transfers: {len(ids)} raced, {completed} completed, 0 deadlocks")
    worker.stop()  # its backends exit and report their statistics
    server_stack.engine.dispose()
    private_postgres.stop()  # a clean shutdown writes every statistic out; a start reads it
    private_postgres.start()
    assert deadlocks(server_stack) == 0


def test_balances_as_of_past_instants_match_the_running_balances_then(stack: Stack) -> None:
    start_worker(stack.worker("as-of", concurrency=2))
    alice, bob = stack.user(gold="100"), stack.user(gold="0")
    steps: list[tuple[str, dict[str, object]]] = [
        ("spend", {"account_number": alice, "amount": Decimal("7.5"), "description": "d"}),
        ("transfer", {"account_number": alice, "to_account": bob, "amount": Decimal("20")}),
        ("topup", {"account_number": bob, "amount": Decimal("3")}),
        ("hold", {"account_number": alice, "amount": Decimal("10")}),
        ("transfer", {"account_number": bob, "to_account": alice, "amount": Decimal("1.25")}),
        ("bonus", {"account_number": alice, "amount": Decimal("2"), "description": "r"}),
    ]
    seen: list[tuple[datetime, Decimal, Decimal]] = []
    for operation, fields in steps:
        request_id = stack.submit(operation, asset_code="GOLD_COINS", **fields)
        stack.send(request_id)
        (request,) = stack.wait_terminal([request_id])
        assert request.status == "completed", request.error_code
        with stack.sessions() as session:
            instant = session.scalar(select(func.clock_timestamp()))
        assert instant is not None
        seen.append((instant, gold(stack, alice), gold(stack, bob)))
    with stack.sessions() as session:
        for instant, alice_then, bob_then in seen:
            for account, then in ((alice, alice_then), (bob, bob_then)):
                past = get_balances(session, account_number=account, as_of=instant)
                assert past.balances[0].balance == then
        # Each entry's time is its insert's, and per balance row times follow entry ids.
        disordered = session.scalar(
            text(
                "SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER"
                " (PARTITION BY balance_id ORDER BY id) AS back FROM ledger_entries) e"
                " WHERE back"
            )
        )
    assert disordered == 0
    assert [then for _, then, _ in seen] == [
        Decimal("92.50"),
        Decimal("72.50"),
        Decimal("72.50"),
        Decimal("72.50"),
        Decimal("73.75"),
        Decimal("75.75"),
    ]
