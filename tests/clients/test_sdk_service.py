"""The SDK against the real service: the session's API server (granian), Celery worker,
Postgres and Redis (tests/conftest.py)."""

import asyncio
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from wallet_client import AsyncWalletClient, Operation, RequestFailed, WalletClient, WalletError

pytestmark = pytest.mark.usefixtures("verified")
GOLD = "GOLD_COINS"


def test_submit_and_wait_returns_the_completed_request_with_decimal_amounts(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="100")
    result = wallet.topup(user, GOLD, Decimal("25.5"), metadata={"order": 1}, wait=10)
    assert (result.status, result.type, result.replayed) == ("completed", "topup", False)
    assert uuid.UUID(result.idempotency_key).version == 4
    tx = result.transaction
    assert tx is not None and result.error is None
    assert (tx.amount, tx.balance_after) == (Decimal("25.50"), Decimal("125.50"))
    assert all(isinstance(value, Decimal) for value in (tx.amount, tx.balance_after))
    assert [(e.account_number, e.direction, e.amount) for e in tx.entries] == [
        ("SYS-TREASURY-001", "DEBIT", Decimal("25.50")),
        (user, "CREDIT", Decimal("25.50")),
    ]
    assert tx.metadata == {"order": 1}
    assert wallet.balance(user)[GOLD].balance == Decimal("125.50")


def test_a_replay_with_the_same_key_returns_the_same_result_and_posts_once(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user()
    key = f"sdk-replay-{uuid.uuid4()}"
    first = wallet.bonus(user, GOLD, 7, reason="Daily login bonus", idempotency_key=key, wait=10)
    again = wallet.bonus(user, GOLD, "7.00", reason="Daily login bonus", idempotency_key=key)
    assert first.completed and not first.replayed
    assert again.replayed and again.status == "completed"
    assert again.model_dump(exclude={"replayed"}) == first.model_dump(exclude={"replayed"})
    assert wallet.request(key).transaction == first.transaction
    assert wallet.balance(user)[GOLD].balance == Decimal("7.00")
    assert [item.transaction_id for item in wallet.history(user)] == [
        first.transaction.transaction_id if first.transaction else None
    ]
    with pytest.raises(WalletError) as reused:  # the same key for another payload
        wallet.bonus(user, GOLD, 8, reason="Daily login bonus", idempotency_key=key)
    assert (reused.value.status, reused.value.code) == (422, "IDEMPOTENCY_KEY_REUSED")


def test_a_failed_spend_is_returned_or_raised_on_request(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="10")
    result = wallet.spend(user, GOLD, 50, description="Dragon", wait=10)
    assert result.failed and result.transaction is None
    assert result.error is not None and result.error.code == "INSUFFICIENT_FUNDS"
    with pytest.raises(RequestFailed) as raised:
        wallet.spend(user, GOLD, 50, description="Dragon", wait=10, raise_on_failure=True)
    assert raised.value.code == "INSUFFICIENT_FUNDS" and raised.value.result.failed
    assert wallet.balance(user)[GOLD].balance == Decimal("10.00")


def test_the_service_problems_raise_wallet_error_with_status_code_and_problem(
    wallet: WalletClient, wallet_url: str, make_user: Callable[..., str]
) -> None:
    user = make_user()
    stranger = WalletClient(wallet_url, api_key="wrong")
    cases: list[tuple[Callable[[], object], int, str]] = [
        (lambda: wallet.balance("USR-NOBODY-HERE"), 404, "ACCOUNT_NOT_FOUND"),
        (lambda: wallet.request(f"unknown-{uuid.uuid4()}"), 404, "REQUEST_NOT_FOUND"),
        (lambda: wallet.topup(user, GOLD, "1.001"), 422, "AMOUNT_PRECISION"),
        (lambda: wallet.topup(user, GOLD, -5), 422, "VALIDATION_ERROR"),
        (lambda: wallet.topup("SYS-TREASURY-001", GOLD, 1), 422, "INVALID_ACCOUNT"),
        (lambda: wallet.topup(user, "NO_SUCH_ASSET", 1), 422, "ASSET_NOT_FOUND"),
        (lambda: stranger.balance(user), 401, "INVALID_API_KEY"),
    ]
    for call, status, code in cases:
        with pytest.raises(WalletError) as raised:
            call()
        error = raised.value
        assert (error.status, error.code) == (status, code), error.problem
        assert error.problem["status"] == status and error.detail
    with pytest.raises(WalletError) as raised:
        wallet.topup(user, GOLD, "1.001")
    assert [e["field"] for e in raised.value.errors] == ["amount"]
    assert list(wallet.history(user)) == []  # nothing was recorded
    stranger.close()


def test_a_submit_without_wait_is_accepted_then_request_waits_for_it(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user()
    accepted = wallet.topup(user, GOLD, 3)
    assert accepted.status in ("queued", "processing", "completed")
    done = wallet.request(accepted.idempotency_key, wait=10)
    assert done.completed and done.transaction is not None
    assert done.transaction.amount == Decimal("3.00")


def test_the_history_iterator_follows_the_cursors(
    wallet: WalletClient, make_user: Callable[..., str]
) -> None:
    user = make_user()
    operations = [Operation.topup(user, GOLD, Decimal(n)) for n in range(1, 8)]
    batch = wallet.batch(operations, wait=10)
    assert batch.finished and all(r.completed for r in batch.requests)
    assert [r.idempotency_key for r in batch.requests] == [o.idempotency_key for o in operations]
    paged = list(wallet.history(user, page_size=2))  # four pages
    whole = list(wallet.history(user))
    assert paged == whole and len(paged) == 7
    assert sorted(item.amount for item in paged) == [Decimal(f"{n}.00") for n in range(1, 8)]
    assert {item.transaction_id for item in paged} == {
        r.transaction.transaction_id for r in batch.requests if r.transaction
    }
    assert list(wallet.history(user, limit=3, page_size=2)) == whole[:3]
    assert paged[0].balance_after == Decimal("28.00")  # newest first


def test_the_async_client_against_the_service(
    wallet_url: str, dev_key: str, make_user: Callable[..., str]
) -> None:
    user = make_user(GOLD_COINS="40")

    async def run() -> tuple[list[str], Decimal]:
        async with AsyncWalletClient(wallet_url, api_key=dev_key) as wallet:
            spent = await asyncio.gather(
                *(wallet.spend(user, GOLD, 15, description=f"item {n}", wait=10) for n in range(3))
            )
            history = [item.type async for item in wallet.history(user)]
            balance = (await wallet.balance(user))[GOLD].balance
            return sorted(r.status for r in spent) + history, balance

    statuses, balance = asyncio.run(run())
    assert statuses[:3] == ["completed", "completed", "failed"]
    assert statuses[3:].count("spend") == 2
    assert balance == Decimal("10.00")
