"""Named rows: one dataclass per shape of SQL row, its fields in the row's column order, so
that order is written once and both sides of a statement follow it.

- A row read: each field says the expression that selects it (``select_as``); the SELECT
  list is ``select_list(Shape)`` (or ``selected(Shape)`` for an ORM select) and a row is
  ``Shape(*row)``.
- Rows written as one array per column (an ``unnest``: one statement for any number of
  rows): each field says its Postgres type (``sent_as``); ``unnest(Shape, "p")`` is the
  ``unnest(:p_a, :p_b) AS p(a, b)`` that reads them, ``array_types`` the parameters' types
  (ledger.prepared) and ``arrays`` their values, column by column.

The column lists are built once per shape (at import, where a statement is built), not per
row: a row costs its ``__init__``, and writing a batch one C-level transpose.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from functools import cache
from operator import attrgetter
from typing import Any

from ledger.prepared import array_literal

SELECT = "select"  # a field's metadata: the expression a SELECT reads it with
TYPE = "type"  # the Postgres type of its column, when sent as an array
FREE_TEXT = "free_text"  # sent as a list (psycopg2 quotes it), not as an array literal


def select_as(expression: Any, **options: Any) -> Any:
    """A field a SELECT reads with ``expression``: SQL text (``b.id``), or an ORM column or
    entity."""
    return field(metadata={SELECT: expression}, **options)


def sent_as(pg_type: str, *, free_text: bool = False, **options: Any) -> Any:
    """A field written as an array of ``pg_type``. Numbers, uuids and fixed words go as one
    array literal (0.3 us a value against 2-4 us for psycopg2's list adaptation); values
    that may need quoting (``free_text``: a description, JSON) go as a list."""
    return field(metadata={TYPE: pg_type, FREE_TEXT: free_text}, **options)


@dataclass(frozen=True)
class _Layout:
    names: tuple[str, ...]
    free_text: tuple[bool, ...]
    values: Callable[[Any], tuple[Any, ...]]  # a row's values, in column order


@cache
def _layout(shape: type) -> _Layout:
    found = fields(shape)
    if len(found) < 2:
        raise TypeError(f"{shape.__name__}: a row of one column needs no shape")
    names = tuple(f.name for f in found)
    free_text = tuple(bool(f.metadata.get(FREE_TEXT)) for f in found)
    return _Layout(names, free_text, attrgetter(*names))


def columns(shape: type) -> tuple[str, ...]:
    return _layout(shape).names


def selected(shape: type) -> tuple[Any, ...]:
    """What a SELECT lists for ``shape``, in its fields' order."""
    return tuple(f.metadata[SELECT] for f in fields(shape))


def select_list(shape: type) -> str:
    """``b.id, b.balance, ...``: the SQL text of ``selected(shape)``."""
    return ", ".join(selected(shape))


def unnest(shape: type, alias: str, *, ordinality: str | None = None) -> str:
    """``unnest(:p_a, :p_b) AS p(a, b)``: the rows ``arrays(shape, alias, ...)`` sends;
    ``ordinality`` names a last column numbering them (WITH ORDINALITY)."""
    names = columns(shape)
    arrays_ = ", ".join(f":{alias}_{name}" for name in names)
    with_ordinality = " WITH ORDINALITY" if ordinality else ""
    as_columns = ", ".join([*names, ordinality] if ordinality else names)
    return f"unnest({arrays_}){with_ordinality} AS {alias}({as_columns})"


def array_types(shape: type, alias: str) -> dict[str, str]:
    """The Postgres types of the parameters ``unnest(shape, alias)`` names."""
    return {f"{alias}_{f.name}": f"{f.metadata[TYPE]}[]" for f in fields(shape)}


def arrays(shape: type, alias: str, rows: Iterable[Any]) -> dict[str, Any]:
    """The parameters of ``unnest(shape, alias)`` for ``rows`` (of ``shape``): one array per
    column."""
    layout = _layout(shape)
    by_column = list(zip(*map(layout.values, rows), strict=True)) or [()] * len(layout.names)
    return {
        f"{alias}_{name}": list(values) if free else array_literal(values)
        for name, free, values in zip(layout.names, layout.free_text, by_column, strict=True)
    }
