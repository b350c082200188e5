"""Named rows (ledger.rows, issue 26): a shape's field order is the one place its columns are
ordered; the SELECT list, the unnest and the values sent all follow it."""

from dataclasses import dataclass
from decimal import Decimal

import pytest

from ledger.rows import array_types, arrays, columns, select_as, select_list, sent_as, unnest


@dataclass(frozen=True)
class Read:
    id: int = select_as("t.id")
    frozen: bool = select_as("t.status = 'frozen'")


@dataclass(frozen=True)
class Written:
    id: str = sent_as("uuid")
    note: str | None = sent_as("text", free_text=True)
    amount: Decimal = sent_as("numeric")


def test_a_read_row_is_selected_and_made_in_its_fields_order() -> None:
    assert select_list(Read) == "t.id, t.status = 'frozen'"
    assert Read(*(7, True)) == Read(id=7, frozen=True)


def test_written_rows_go_as_one_array_per_column_in_the_unnest_order() -> None:
    assert columns(Written) == ("id", "note", "amount")
    assert unnest(Written, "w") == "unnest(:w_id, :w_note, :w_amount) AS w(id, note, amount)"
    assert unnest(Written, "w", ordinality="n").endswith(
        " WITH ORDINALITY AS w(id, note, amount, n)"
    )
    assert array_types(Written, "w") == {
        "w_id": "uuid[]",
        "w_note": "text[]",
        "w_amount": "numeric[]",
    }
    rows = [Written("a", "it's, {quoted}", Decimal("1.50")), Written("b", None, Decimal(2))]
    assert arrays(Written, "w", rows) == {
        "w_id": "{a,b}",
        "w_note": ["it's, {quoted}", None],  # free text: a list, quoted by the driver
        "w_amount": "{1.50,2}",
    }


def test_no_rows_are_empty_arrays() -> None:
    assert arrays(Written, "w", []) == {"w_id": "{}", "w_note": [], "w_amount": "{}"}


def test_a_row_of_one_column_is_refused() -> None:
    @dataclass
    class One:
        id: int = sent_as("int")

    with pytest.raises(TypeError):
        columns(One)
