"""Statements prepared once per database connection (PREPARE, then EXECUTE), for the inbox,
posting and the outbox, and the array literals their parameters travel as.

The worker's posting statements are parsed and analysed once per connection instead of once
per batch: for a batch of one request that was most of the statements' cost. Parameters are
typed arrays, so one prepared statement serves a batch of any size. A prepared statement
outlives a rolled-back transaction and dies with its connection; the marker that says it
exists lives in the connection's ``info``, which dies with it too.
"""

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import psycopg2.errors
from sqlalchemy import CursorResult, TextClause
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.util.typing import TupleAny, Unpack

Row = TypeVar("Row")
_PARAMETER = re.compile(r"(?<![:\w]):([a-z_]+)")
PREPARED = "prepared_statements"  # in a connection's info: the names prepared on it
# A connection whose statement was deallocated behind our back (a pooler, DISCARD ALL) or
# went stale (a migration changed what it returns: "cached plan must not change result
# type"): its callers drop it, and the pool's new one prepares afresh.
STALE = (psycopg2.errors.InvalidSqlStatementName, psycopg2.errors.FeatureNotSupported)


@dataclass(frozen=True)
class Prepared:
    """``sql`` names its parameters ``:name``; ``types`` gives each one's Postgres type."""

    name: str
    sql: str
    types: dict[str, str]
    _definition: str = field(init=False, repr=False)
    _call: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        order = list(self.types)
        numbered = _PARAMETER.sub(lambda m: f"${order.index(m.group(1)) + 1}", self.sql)
        types = ", ".join(self.types.values())
        object.__setattr__(self, "_definition", f"PREPARE {self.name}({types}) AS {numbered}")
        placeholders = ", ".join(f"CAST(%({n})s AS {t})" for n, t in self.types.items())
        object.__setattr__(self, "_call", f"EXECUTE {self.name}({placeholders})")

    def execute(
        self, session: Session, parameters: dict[str, Any]
    ) -> CursorResult[Unpack[TupleAny]]:
        connection = session.connection()
        self._prepare(connection.info, connection.exec_driver_sql)
        try:
            return connection.exec_driver_sql(self._call, parameters)
        except DBAPIError as error:
            if isinstance(error.orig, STALE):
                connection.invalidate()  # this unit of work fails; the next prepares afresh
            raise

    def execute_on(
        self, cursor: DBAPICursor, info: dict[Any, Any], parameters: dict[str, Any]
    ) -> None:
        """The same through a DBAPI cursor; ``info`` is its pooled connection's."""
        self._prepare(info, cursor.execute)
        cursor.execute(self._call, parameters)

    def _prepare(self, info: dict[Any, Any], run: Callable[[str], object]) -> None:
        prepared: set[str] = info.setdefault(PREPARED, set())
        if self.name not in prepared:
            run(self._definition)
            prepared.add(self.name)


def lock_by_id(
    session: Session, statement: TextClause, *, ids: set[str], make: Callable[..., Row]
) -> dict[str, Row]:
    """Lock the rows ``statement`` selects for ``ids`` (its first column the id as text; it
    locks in ascending id order, ``ORDER BY ... FOR UPDATE``), each made by ``make``; unknown
    ids are left out. The holds a batch settles, the transactions it reverses."""
    if not ids:
        return {}
    return {row[0]: make(*row) for row in session.execute(statement, {"ids": sorted(ids)})}


def array_literal(values: Iterable[object]) -> str:
    """A Postgres array literal of values that need no quoting: numbers, uuids, codes."""
    return "{" + ",".join("NULL" if v is None else str(v) for v in values) + "}"
