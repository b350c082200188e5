"""The operation table (ledger.operations.SPECS) and what reads it, as pure functions: each
operation's payload, required fields, legs, frozen rule and whether it posts; dispatch's
choice of what a request asks for. No database."""

import uuid
from decimal import Decimal
from typing import Any

import pytest

from ledger.errors import HoldNotFound, TransactionNotFound
from ledger.models import Request
from ledger.operations import (
    BONUS_POOL,
    REVENUE,
    SPECS,
    TREASURY,
    Movement,
    OperationType,
    legs_for,
    named_hold,
    named_user,
    users_for,
)
from ledger.posting.dispatch import operation_for
from ledger.posting.holds import PlaceHold, SettleHold
from ledger.posting.posting import Posting
from ledger.posting.reversals import Reverse
from ledger.verify import WITHOUT_TRANSACTION

HOLD, TX = str(uuid.uuid4()), str(uuid.uuid4())
MOVEMENTS = {
    OperationType.TOPUP: Movement(
        type=OperationType.TOPUP, account_number="U", asset_code="G", amount=Decimal(5)
    ),
    OperationType.BONUS: Movement(
        type=OperationType.BONUS, account_number="U", asset_code="G", amount=Decimal(5)
    ),
    OperationType.SPEND: Movement(
        type=OperationType.SPEND, account_number="U", asset_code="G", amount=Decimal(5)
    ),
    OperationType.TRANSFER: Movement(
        type=OperationType.TRANSFER,
        account_number="U",
        to_account="V",
        asset_code="G",
        amount=Decimal(5),
    ),
    OperationType.HOLD: Movement(
        type=OperationType.HOLD,
        account_number="U",
        asset_code="G",
        amount=Decimal(5),
        expires_in_seconds=60,
    ),
    OperationType.CAPTURE: Movement(type=OperationType.CAPTURE, hold_id=HOLD, amount=Decimal(2)),
    OperationType.VOID: Movement(type=OperationType.VOID, hold_id=HOLD),
    OperationType.REVERSAL: Movement(
        type=OperationType.REVERSAL, transaction_id=TX, description="Refund"
    ),
}


def test_every_operation_has_one_spec() -> None:
    assert set(SPECS) == set(OperationType) == set(MOVEMENTS)


@pytest.mark.parametrize("operation", list(OperationType))
def test_a_payload_reads_back_as_the_movement_it_was(operation: OperationType) -> None:
    movement = MOVEMENTS[operation]
    assert Movement.from_payload(str(operation), movement.payload()) == movement


@pytest.mark.parametrize(
    ("operation", "required"),
    [
        (OperationType.TOPUP, ("accountNumber", "assetCode", "amount")),
        (OperationType.BONUS, ("accountNumber", "assetCode", "amount")),
        (OperationType.SPEND, ("accountNumber", "assetCode", "amount")),
        (OperationType.HOLD, ("accountNumber", "assetCode", "amount")),
        (OperationType.TRANSFER, ("fromAccount", "toAccount", "assetCode", "amount")),
        (OperationType.CAPTURE, ("holdId",)),
        (OperationType.VOID, ("holdId",)),
        (OperationType.REVERSAL, ("transactionId",)),
    ],
)
def test_a_payload_without_a_required_field_is_refused(
    operation: OperationType, required: tuple[str, ...]
) -> None:
    assert operation.spec.required == required
    payload = MOVEMENTS[operation].payload()
    assert set(required) <= set(payload)
    for name in required:
        with pytest.raises(KeyError, match=name):
            Movement.from_payload(operation, {**payload, name: None})


def test_an_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError, match="unknown operation"):
        Movement.from_payload("mint", {"accountNumber": "U"})


def test_the_movement_keeps_its_type_as_the_enum() -> None:
    movement = Movement(type="spend", account_number="U")  # type: ignore[arg-type]  # the text
    assert movement.type is OperationType.SPEND
    assert movement.description == "In-app purchase"  # the seed's default


def test_only_a_spend_and_a_bonus_have_a_default_description() -> None:
    defaults = {t: t.spec.default_description for t in OperationType if t.spec.default_description}
    assert defaults == {OperationType.SPEND: "In-app purchase", OperationType.BONUS: "Bonus credit"}


@pytest.mark.parametrize(
    ("operation", "debit", "credit", "users"),
    [
        (OperationType.TOPUP, TREASURY, "U", ("U",)),
        (OperationType.BONUS, BONUS_POOL, "U", ("U",)),
        (OperationType.SPEND, "U", REVENUE, ("U",)),
        (OperationType.TRANSFER, "U", "V", ("U", "V")),
        (OperationType.CAPTURE, "U", REVENUE, ("U",)),
    ],
)
def test_the_legs_an_operation_moves_between(
    operation: OperationType, debit: str, credit: str, users: tuple[str, ...]
) -> None:
    legs = legs_for(operation, "U", "V")
    assert (legs.debit_account, legs.credit_account) == (debit, credit)
    assert users_for(operation, "U", "V") == users


@pytest.mark.parametrize(
    "operation", [OperationType.HOLD, OperationType.VOID, OperationType.REVERSAL]
)
def test_holds_voids_and_reversals_have_no_legs_of_their_own(operation: OperationType) -> None:
    with pytest.raises(ValueError, match="no legs"):
        legs_for(operation, "U")


def test_a_frozen_account_refuses_what_takes_from_it_and_still_receives() -> None:
    refusing = {t for t in OperationType if t.spec.refuses_frozen}
    assert refusing == {
        OperationType.SPEND,
        OperationType.TRANSFER,
        OperationType.HOLD,
        OperationType.CAPTURE,
        OperationType.REVERSAL,
    }


def test_holds_and_voids_post_no_transaction() -> None:
    assert {t for t in OperationType if not t.spec.posts_transaction} == {
        OperationType.HOLD,
        OperationType.VOID,
    }
    assert WITHOUT_TRANSACTION == "('hold', 'void')"


def test_the_schema_accepts_exactly_the_operations() -> None:
    (check,) = [c for c in Request.__table__.constraints if c.name == "type_known"]  # type: ignore[attr-defined]
    assert str(check.sqltext) == f"type IN ({', '.join(repr(str(t)) for t in OperationType)})"


@pytest.mark.parametrize(
    ("operation", "debit", "credit", "users", "refuse_frozen"),
    [
        (OperationType.TOPUP, TREASURY, "U", ("U",), False),
        (OperationType.BONUS, BONUS_POOL, "U", ("U",), False),
        (OperationType.SPEND, "U", REVENUE, ("U",), True),
        (OperationType.TRANSFER, "U", "V", ("U", "V"), True),
    ],
)
def test_dispatch_posts_a_movement_between_its_legs(
    operation: OperationType, debit: str, credit: str, users: tuple[str, ...], refuse_frozen: bool
) -> None:
    posting = operation_for("r", MOVEMENTS[operation])
    assert isinstance(posting, Posting)
    assert (posting.debit_account, posting.credit_account) == (debit, credit)
    assert (posting.users, posting.refuse_frozen, posting.amount) == (
        users,
        refuse_frozen,
        Decimal(5),
    )


def test_dispatch_places_settles_and_reverses() -> None:
    placed = operation_for("r", MOVEMENTS[OperationType.HOLD])
    assert placed == PlaceHold("r", "U", "G", Decimal(5), 60, None)
    captured = operation_for("r", MOVEMENTS[OperationType.CAPTURE])
    assert captured == SettleHold("r", OperationType.CAPTURE, HOLD, Decimal(2), None)
    voided = operation_for("r", MOVEMENTS[OperationType.VOID])
    assert voided == SettleHold("r", OperationType.VOID, HOLD, None, None)
    reversed_ = operation_for("r", MOVEMENTS[OperationType.REVERSAL])
    assert reversed_ == Reverse("r", TX, None, "Refund")


@pytest.mark.parametrize(
    ("movement", "refusal"),
    [
        (Movement(type=OperationType.CAPTURE, hold_id="nope"), HoldNotFound),
        (Movement(type=OperationType.VOID, hold_id="nope"), HoldNotFound),
        (Movement(type=OperationType.REVERSAL, transaction_id="nope"), TransactionNotFound),
    ],
)
def test_dispatch_refuses_an_id_that_is_no_uuid(movement: Movement, refusal: type) -> None:
    assert isinstance(operation_for("r", movement), refusal)


@pytest.mark.parametrize(
    ("payload", "user"),
    [
        ({"accountNumber": "U"}, "U"),
        ({"fromAccount": "U", "toAccount": "V"}, "U"),
        ({"holdId": HOLD}, None),
    ],
)
def test_the_user_a_stored_payload_names(payload: dict[str, Any], user: str | None) -> None:
    assert named_user(payload) == user


def test_the_hold_a_stored_payload_names() -> None:
    assert named_hold({"holdId": HOLD}) == uuid.UUID(HOLD)
    assert named_hold({"holdId": "not-an-id"}) is None
    assert named_hold({}) is None
