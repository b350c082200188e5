"""The ledger's refusals as pure functions of the running state a batch holds in memory:
postings against locked balances, holds placed and settled, reversals, and the checks a
submission passes before it is recorded. No database: the rows are built here, as the lock
statements would return them, and the journal only gathers what it would write."""

import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Select

from infra.sealing import PLAIN
from ledger.errors import (
    AccountFrozen,
    AccountNotFound,
    AmountPrecision,
    AssetNotFound,
    BusinessRejection,
    CaptureExceedsHold,
    HoldNotActive,
    HoldNotFound,
    InsufficientFunds,
    InvalidAccount,
    InvalidExpiry,
    InvalidReversal,
    ReversalExceedsOriginal,
    TransactionNotFound,
)
from ledger.inbox.checks import KINDS, SCALES, KnownFacts, check_movement
from ledger.inbox.submission import Submission
from ledger.operations import REVENUE, OperationType
from ledger.posting.balances import BalanceKey, LockedBalance
from ledger.posting.holds import LockedHold, PlaceHold, SettleHold, place_hold, settle_hold
from ledger.posting.journal import Journal
from ledger.posting.posting import Posting, post_one
from ledger.posting.reversals import LockedOriginal, Reverse, reverse
from ledger.statuses import HoldStatus

GOLD = "GOLD_COINS"
USER, OTHER = "USR-1", "USR-2"


def balance(
    id_: int, number: str, amount: str, *, kind: str = "user", held: str = "0"
) -> LockedBalance:
    negative = kind == "system"
    amounts = Decimal(amount), kind, 2, Decimal(held)
    return LockedBalance(id_, id_, 1, negative, *amounts, False, number, GOLD)


def ledger(user: str = "100", *, held: str = "0") -> dict[BalanceKey, LockedBalance]:
    rows = [
        balance(1, USER, user, held=held),
        balance(2, OTHER, "0"),
        balance(3, REVENUE, "0", kind="system"),
        balance(4, "SYS-TREASURY-001", "0", kind="system"),
    ]
    return {row.key: row for row in rows}


def posted(written: Journal, column: str) -> list[Any]:
    """One column of the transactions the journal would write."""
    return [getattr(transaction, column) for transaction in written.posted]


def settled(written: Journal) -> dict[str, tuple[str, Decimal]]:
    return {id_: (hold.status, hold.captured) for id_, hold in written.extras.settled.items()}


def spend(amount: str, **changes: Any) -> Posting:
    fields: dict[str, Any] = {"users": (USER,), "refuse_frozen": True} | changes
    return Posting("r", "spend", USER, REVENUE, GOLD, Decimal(amount), **fields)


def journal() -> Journal:
    return Journal(sealer=PLAIN)


def test_a_spend_moves_the_running_balances_and_the_next_sees_them() -> None:
    balances, written = ledger("10"), journal()
    assert post_one(written, spend("4"), balances, {}) is None
    assert (balances[USER, GOLD].balance, balances[REVENUE, GOLD].balance) == (
        Decimal(6),
        Decimal(4),
    )
    refusal = post_one(written, spend("7"), balances, {})
    assert isinstance(refusal, InsufficientFunds)
    assert refusal.message == "USR-1 holds 6.00 GOLD_COINS, needs 7.00"
    assert posted(written, "amount") == [Decimal(4)]  # the refused one wrote nothing


def test_held_funds_are_not_available() -> None:
    refusal = post_one(journal(), spend("80"), ledger("100", held="30"), {})
    assert isinstance(refusal, InsufficientFunds)
    assert "(30.00 held)" in refusal.message


def test_a_system_account_may_go_negative() -> None:
    topup = Posting("r", "topup", "SYS-TREASURY-001", USER, GOLD, Decimal(5), users=(USER,))
    balances = ledger("0")
    assert post_one(journal(), topup, balances, {}) is None
    assert balances["SYS-TREASURY-001", GOLD].balance == -5


def test_a_frozen_payer_refuses_a_spend_but_still_receives() -> None:
    balances = ledger("10")
    balances[USER, GOLD].frozen = True
    assert isinstance(post_one(journal(), spend("1"), balances, {}), AccountFrozen)
    topup = Posting("r", "topup", "SYS-TREASURY-001", USER, GOLD, Decimal(5), users=(USER,))
    assert post_one(journal(), topup, balances, {}) is None


def test_a_movement_to_a_system_account_named_as_a_user_is_invalid() -> None:
    transfer = Posting("r", "transfer", USER, REVENUE, GOLD, Decimal(1), users=(USER, REVENUE))
    assert isinstance(post_one(journal(), transfer, ledger(), {}), InvalidAccount)


def test_an_account_cannot_pay_itself() -> None:
    selfish = Posting("r", "transfer", USER, USER, GOLD, Decimal(1), users=(USER,))
    assert isinstance(post_one(journal(), selfish, ledger(), {}), InvalidAccount)


def test_a_party_without_a_balance_row_is_refused_as_the_lock_found() -> None:
    missing: dict[BalanceKey, BusinessRejection] = {(USER, GOLD): AccountNotFound("no USR-1")}
    assert post_one(journal(), spend("1"), {}, missing) is missing[USER, GOLD]


def test_placing_a_hold_needs_an_active_user_with_the_amount_available() -> None:
    balances, written = ledger("50", held="20"), journal()
    hold = PlaceHold("r", USER, GOLD, Decimal(30), 60, None)
    assert place_hold(written, hold, balances) is None
    assert balances[USER, GOLD].held == 50 and len(written.extras.placed) == 1
    assert isinstance(place_hold(written, hold, balances), InsufficientFunds)
    frozen = ledger("50")
    frozen[USER, GOLD].frozen = True
    assert isinstance(place_hold(journal(), hold, frozen), AccountFrozen)
    on_revenue = PlaceHold("r", REVENUE, GOLD, Decimal(1), 60, None)
    assert isinstance(place_hold(journal(), on_revenue, ledger()), InvalidAccount)


def locked_hold(
    status: HoldStatus = HoldStatus.ACTIVE, *, amount: str = "30", lapsed: bool = False
) -> dict[str, LockedHold]:
    return {"h": LockedHold("h", status, Decimal(amount), lapsed, USER, GOLD, "Entry")}


def settle(type_: OperationType, amount: str | None = None) -> SettleHold:
    return SettleHold("r", type_, "h", None if amount is None else Decimal(amount))


def test_a_capture_settles_part_to_revenue_and_releases_the_whole_hold() -> None:
    balances, holds, written = ledger("100", held="30"), locked_hold(), journal()
    assert settle_hold(written, settle(OperationType.CAPTURE, "20"), holds, balances) is None
    assert (balances[USER, GOLD].balance, balances[USER, GOLD].held) == (Decimal(80), Decimal(0))
    assert balances[REVENUE, GOLD].balance == 20
    assert settled(written) == {"h": (HoldStatus.CAPTURED, Decimal(20))}
    assert posted(written, "description") == ["Entry"]  # the hold's, none given
    again = settle_hold(written, settle(OperationType.VOID), holds, balances)
    assert isinstance(again, HoldNotActive)  # the batch's running state: captured already


def test_a_capture_of_more_than_the_hold_is_refused() -> None:
    refusal = settle_hold(
        journal(), settle(OperationType.CAPTURE, "31"), locked_hold(), ledger(held="30")
    )
    assert isinstance(refusal, CaptureExceedsHold)
    assert refusal.message == "hold h is for 30.00 GOLD_COINS"


def test_a_frozen_account_refuses_a_capture_but_its_hold_may_be_voided() -> None:
    balances = ledger("100", held="30")
    balances[USER, GOLD].frozen = True
    capture = settle_hold(journal(), settle(OperationType.CAPTURE), locked_hold(), balances)
    assert isinstance(capture, AccountFrozen)
    assert settle_hold(journal(), settle(OperationType.VOID), locked_hold(), balances) is None
    assert balances[USER, GOLD].held == 0


def test_a_hold_past_its_expiry_is_expired_by_the_settlement_that_finds_it() -> None:
    written, holds = journal(), locked_hold(lapsed=True)
    refusal = settle_hold(written, settle(OperationType.VOID), holds, ledger(held="30"))
    assert isinstance(refusal, HoldNotActive)
    assert settled(written) == {"h": (HoldStatus.EXPIRED, Decimal(0))}


def test_an_unknown_hold_is_not_found() -> None:
    assert isinstance(settle_hold(journal(), settle(OperationType.VOID), {}, {}), HoldNotFound)


def original(type_: str = "topup", *, amount: str = "10", reversed_: str = "0") -> LockedOriginal:
    return LockedOriginal(
        "t", type_, Decimal(amount), Decimal(reversed_), "SYS-TREASURY-001", USER, GOLD, 2
    )


def test_reversals_swap_the_legs_until_nothing_is_left() -> None:
    balances, originals, written = ledger("10"), {"t": original()}, journal()
    assert reverse(written, Reverse("r", "t", Decimal(4)), originals, balances, {}) is None
    assert balances[USER, GOLD].balance == 6 and originals["t"].reversed == 4
    refusal = reverse(written, Reverse("r", "t", Decimal(7)), originals, balances, {})
    assert isinstance(refusal, ReversalExceedsOriginal)
    assert refusal.message == "transaction t has 6.00 GOLD_COINS left to reverse"
    assert reverse(written, Reverse("r", "t"), originals, balances, {}) is None  # the rest
    assert isinstance(
        reverse(written, Reverse("r", "t"), originals, balances, {}), ReversalExceedsOriginal
    )


def test_a_reversal_is_not_reversed_and_an_unknown_one_not_found() -> None:
    reversal = {"t": original("reversal")}
    assert isinstance(
        reverse(journal(), Reverse("r", "t"), reversal, ledger(), {}), InvalidReversal
    )
    assert isinstance(reverse(journal(), Reverse("r", "x"), {}, {}, {}), TransactionNotFound)


def test_a_reversal_that_debits_a_frozen_user_is_refused() -> None:
    balances = ledger("10")
    balances[USER, GOLD].frozen = True
    refusal = reverse(journal(), Reverse("r", "t"), {"t": original()}, balances, {})
    assert isinstance(refusal, AccountFrozen)


SCALE_ROWS = {GOLD: 2}
KIND_ROWS = {USER: "user", OTHER: "user", REVENUE: "system"}


def lookup(statement: Select[str, Any], keys: list[str]) -> Iterable[tuple[str, Any]]:
    rows = SCALE_ROWS if statement is SCALES else KIND_ROWS if statement is KINDS else None
    assert rows is not None
    return [(key, rows[key]) for key in keys if key in rows]


def submission(**fields: Any) -> Submission:
    base: dict[str, Any] = {"type": OperationType.SPEND, "account_number": USER}
    base |= {"asset_code": GOLD, "amount": Decimal("1.5")}
    return Submission(client_id="c", idempotency_key=str(uuid.uuid4()), **(base | fields))


def test_a_valid_submission_is_quantized_to_its_asset_scale() -> None:
    assert check_movement(submission(), KnownFacts(), lookup).amount == Decimal("1.50")


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"asset_code": "RUBIES"}, AssetNotFound),
        ({"account_number": "USR-NOPE"}, AccountNotFound),
        ({"account_number": REVENUE}, InvalidAccount),
        ({"amount": Decimal("1.005")}, AmountPrecision),
        ({"type": OperationType.TRANSFER, "to_account": USER}, InvalidAccount),
        ({"type": OperationType.HOLD, "expires_in_seconds": 0}, InvalidExpiry),
        ({"type": OperationType.HOLD, "expires_in_seconds": 604801}, InvalidExpiry),
    ],
)
def test_a_submission_is_refused_before_it_is_recorded(
    fields: dict[str, Any], refusal: type[Exception]
) -> None:
    with pytest.raises(refusal) as raised:
        check_movement(submission(**fields), KnownFacts(), lookup)
    assert getattr(raised.value, "index", None) == 0  # a batch of one points at its operation


def test_known_facts_spare_the_lookup() -> None:
    facts, asked = KnownFacts(), []

    def counting(statement: Select[str, Any], keys: list[str]) -> Iterable[tuple[str, Any]]:
        asked.append(keys)
        return lookup(statement, keys)

    check_movement(submission(), facts, counting)
    check_movement(submission(), facts, counting)
    assert asked == [[GOLD], [USER]]  # the second submit needed no lookup
