from decimal import Decimal

import pytest

from ledger.errors import InvalidCursor
from ledger.inbox.requests import payload_hash
from ledger.money import MAX_AMOUNT, decimal_places, format_amount, quantize
from ledger.operations import OperationType, legs_for
from ledger.reads.queries import decode_cursor, encode_cursor


@pytest.mark.parametrize(
    ("amount", "places"),
    [
        ("1", 0),
        ("1.5", 1),
        ("1.50", 1),
        ("0.01", 2),
        ("100", 0),
        ("1E+3", 0),
        ("1.005", 3),
        ("1E-999999999", 999999999),
    ],
)
def test_decimal_places_ignores_trailing_zeros(amount: str, places: int) -> None:
    assert decimal_places(Decimal(amount)) == places


def test_amounts_are_formatted_at_the_asset_scale() -> None:
    assert format_amount(Decimal("170"), 2) == "170.00"
    assert str(quantize(Decimal("5.5"), 2)) == "5.50"


def test_formatting_never_shows_an_exponent() -> None:
    assert format_amount(Decimal("1E+3"), 0) == "1000"
    assert format_amount(MAX_AMOUNT, 8) == "1000000000000.00000000"
    assert format_amount(Decimal("-0.5"), 2) == "-0.50"


def test_a_cursor_round_trips() -> None:
    assert decode_cursor(encode_cursor(12345)) == 12345


@pytest.mark.parametrize(
    "forged", ["", "zzz", "ZTEy!", "MTIz", "ZS0x", "ZQ", "ZTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5"]
)
def test_a_forged_cursor_is_refused(forged: str) -> None:
    with pytest.raises(InvalidCursor):
        decode_cursor(forged)


def test_payload_hash_ignores_key_order_but_not_values() -> None:
    a = payload_hash("topup", {"amount": "1.00", "assetCode": "GOLD_COINS"})
    b = payload_hash("topup", {"assetCode": "GOLD_COINS", "amount": "1.00"})
    c = payload_hash("topup", {"assetCode": "GOLD_COINS", "amount": "1.01"})
    assert a == b != c
    assert payload_hash("spend", {"amount": "1.00", "assetCode": "GOLD_COINS"}) != a


def test_each_operation_moves_between_its_system_account_and_the_user() -> None:
    assert legs_for(OperationType.TOPUP, "U").debit_account == "SYS-TREASURY-001"
    assert legs_for(OperationType.BONUS, "U").debit_account == "SYS-BONUS-001"
    spend = legs_for(OperationType.SPEND, "U")
    assert (spend.debit_account, spend.credit_account) == ("U", "SYS-REVENUE-001")
