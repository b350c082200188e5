"""Holds and reversals raced through the real worker (four pool processes, small batches
topped up with queued requests, so types mix in one transaction), with real commits.
Requests are recorded in the inbox and sent as wallet.post messages. The stack checks every
ledger invariant when the test ends (tests/fixtures/stacks.py, private_stack).
"""

import random
import threading
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from harness.processes import start_worker
from ledger.models import Hold, Transaction
from ledger.posting.expiry import expire_holds
from tests.stack import Stack

pytestmark = pytest.mark.slow
HOLD_ROUNDS, HOLDS_PER_ROUND = 3, 40


def row(stack: Stack, account: str) -> tuple[Decimal, Decimal]:
    with stack.sessions() as session:
        balance, held = session.execute(
            text(
                "SELECT b.balance, b.held FROM account_balances b JOIN accounts a"
                " ON a.id = b.account_id WHERE a.account_number = :n AND b.asset_id ="
                " (SELECT id FROM asset_types WHERE code = 'GOLD_COINS')"
            ),
            {"n": account},
        ).one()
    return balance, held


def place_holds(stack: Stack, account: str, count: int, amount: str) -> list[str]:
    ids = [
        stack.submit(
            "hold", account_number=account, asset_code="GOLD_COINS", amount=Decimal(amount)
        )
        for _ in range(count)
    ]
    stack.send(*ids)
    assert {r.status for r in stack.wait_terminal(ids)} == {"completed"}
    with stack.sessions() as session:
        return [str(h) for h in session.scalars(select(Hold.id).where(Hold.request_id.in_(ids)))]


def sweep_until_settled(stack: Stack, done: threading.Event) -> None:
    """The test's own expiry sweeper, beside the worker's beat: expire, commit, again."""
    while not done.is_set():
        with stack.sessions.begin() as session:
            expire_holds(session, limit=10)


def test_capture_void_and_expiry_of_one_hold_exactly_one_wins(stack: Stack) -> None:
    worker = start_worker(
        stack.worker(
            "holds", concurrency=4, beat=True, BATCH_SIZE="3", HOLD_EXPIRY_INTERVAL_SECONDS="0.2"
        )
    )
    payer = stack.user(gold="10000")
    rng = random.Random(1313)
    tally: Counter[str] = Counter()
    for _ in range(HOLD_ROUNDS):
        holds = place_holds(stack, payer, HOLDS_PER_ROUND, "10")
        with stack.sessions.begin() as session:  # each hold expires within the next 0.3 s
            session.execute(
                text(
                    "UPDATE holds SET expires_at = now() + random() * interval '0.3 seconds'"
                    " WHERE id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"ids": holds},
            )
        planned = [(h, op) for h in holds for op in ("capture", "void")]
        rng.shuffle(planned)
        ids = {(h, op): stack.submit(op, hold_id=h) for h, op in planned}
        done = threading.Event()
        sweeper = threading.Thread(target=sweep_until_settled, args=(stack, done))
        sweeper.start()
        for key in planned:
            stack.send(ids[key])
        finished = {r.id: r for r in stack.wait_terminal(list(ids.values()), timeout=120)}
        done.set()
        sweeper.join()
        with stack.sessions() as session:
            status = {
                str(h.id): h.status for h in session.scalars(select(Hold).where(Hold.id.in_(holds)))
            }
        for hold in holds:
            capture, void = finished[ids[hold, "capture"]], finished[ids[hold, "void"]]
            winners = [r.type for r in (capture, void) if r.status == "completed"]
            losers = {r.error_code for r in (capture, void) if r.status == "failed"}
            assert losers <= {"HOLD_NOT_ACTIVE"}
            assert len(winners) <= 1
            assert status[hold] == {"capture": "captured", "void": "voided"}.get(
                winners[0] if winners else "", "expired"
            )
            tally[status[hold]] += 1
    print(f"capture/void/expiry: {sum(tally.values())} holds raced: {dict(tally)}")
    assert sum(tally.values()) == HOLD_ROUNDS * HOLDS_PER_ROUND
    assert row(stack, payer) == (Decimal(10000) - 10 * tally["captured"], Decimal(0))
    swept = [line for line in worker.log().splitlines() if "wallet.expire_holds" in line]
    assert any("succeeded" in line for line in swept)  # the beat's sweep ran too


def test_many_holds_and_spends_on_one_account_never_take_available_below_zero(
    stack: Stack,
) -> None:
    start_worker(stack.worker("available", concurrency=4, BATCH_SIZE="3"))
    payer = stack.user(gold="100")
    rng = random.Random(4242)
    planned = [
        (rng.choice(["hold", "spend"]), Decimal(rng.randint(1, 300)) / 100) for _ in range(300)
    ]
    ids = [
        stack.submit(op, account_number=payer, asset_code="GOLD_COINS", amount=a, description="d")
        for op, a in planned
    ]
    lowest: list[Decimal] = []
    done = threading.Event()

    def watch() -> None:
        while not done.is_set():
            balance, held = row(stack, payer)
            lowest.append(balance - held)

    watcher = threading.Thread(target=watch)
    watcher.start()
    for request_id in ids:
        stack.send(request_id)
    finished = {r.id: r for r in stack.wait_terminal(ids, timeout=120)}
    done.set()
    watcher.join()
    outcomes = Counter((finished[i].status, finished[i].error_code) for i in ids)
    assert set(outcomes) == {("completed", None), ("failed", "INSUFFICIENT_FUNDS")}
    spent = sum(
        a
        for (op, a), i in zip(planned, ids, strict=True)
        if op == "spend" and finished[i].status == "completed"
    )
    held = sum(
        a
        for (op, a), i in zip(planned, ids, strict=True)
        if op == "hold" and finished[i].status == "completed"
    )
    assert row(stack, payer) == (Decimal(100) - spent, held)
    assert min(lowest) >= 0 and Decimal(100) - spent - held >= 0
    print(f"holds+spends: 300 raced on one account, {dict(outcomes)}, {len(lowest)} readings")


def test_concurrent_reversals_of_one_transaction_never_exceed_it(stack: Stack) -> None:
    start_worker(stack.worker("reversals", concurrency=4, BATCH_SIZE="2"))
    tally: Counter[str] = Counter()
    for _ in range(3):
        payee = stack.user()
        topup = stack.submit(
            "topup", account_number=payee, asset_code="GOLD_COINS", amount=Decimal(100)
        )
        stack.send(topup)
        stack.wait_terminal([topup])
        with stack.sessions() as session:
            original = session.scalar(select(Transaction.id).where(Transaction.request_id == topup))
        amounts = [Decimal(10)] * 25 + [None] * 5  # None: the rest
        random.Random(7).shuffle(amounts)
        ids = [stack.submit("reversal", transaction_id=str(original), amount=a) for a in amounts]
        for request_id in ids:
            stack.send(request_id)
        finished = stack.wait_terminal(ids, timeout=120)
        assert {(r.status, r.error_code) for r in finished if r.status == "failed"} == {
            ("failed", "REVERSAL_EXCEEDS_ORIGINAL")
        }
        with stack.sessions() as session:
            reversed_amount = session.scalar(
                select(Transaction.reversed_amount).where(Transaction.id == original)
            )
            linked = session.scalars(
                select(Transaction.amount).where(Transaction.reversal_of == original)
            ).all()
        assert reversed_amount == sum(linked) == Decimal(100)
        assert row(stack, payee)[0] == 0
        tally.update(r.status for r in finished)
    print(f"reversals: 3 originals x 30 concurrent reversals: {dict(tally)}")
