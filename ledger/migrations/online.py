"""Schema changes made while the service posts: what a revision uses instead of a statement
that would hold a busy table's lock for a scan or a rewrite of it.

- ``build_index``: CREATE [UNIQUE] INDEX CONCURRENTLY (SHARE UPDATE EXCLUSIVE: postings and
  reads go on), outside the revision's transaction; an invalid index a failed build left is
  dropped first, so a re-run builds it again.
- ``validate``: VALIDATE CONSTRAINT of a constraint added NOT VALID (SHARE UPDATE EXCLUSIVE
  for its scan), in a transaction of its own.
- ``backfill``: an UPDATE run in batches of pages (a TID range scan), each committed alone,
  so a batch's row locks are held for milliseconds, never for the whole table.

Each runs in ``autocommit_block``: the revision's transaction so far is committed first. A
revision that fails after one of them is left half done with its version unchanged, so each
step is written to be run again (IF NOT EXISTS, IS NULL, an already valid constraint).
"""

from alembic import op
from sqlalchemy import text

BACKFILL_PAGES = 200  # 1.6 MB of the table a batch: its row locks are held for ~0.1 s


def build_index(
    name: str, table: str, columns: str, *, where: str = "", unique: bool = False
) -> None:
    """``CREATE INDEX CONCURRENTLY name ON table (columns) [WHERE where]``."""
    kind = "UNIQUE INDEX" if unique else "INDEX"
    predicate = f" WHERE {where}" if where else ""
    with op.get_context().autocommit_block():
        if _invalid_index(name):
            op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        op.execute(
            f"CREATE {kind} CONCURRENTLY IF NOT EXISTS {name} ON {table} ({columns}){predicate}"
        )


def drop_index(name: str) -> None:
    with op.get_context().autocommit_block():
        op.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


def validate(table: str, *constraints: str) -> None:
    """Check the rows written before ``constraints`` were added NOT VALID."""
    with op.get_context().autocommit_block():
        for constraint in constraints:
            op.execute(f"ALTER TABLE {table} VALIDATE CONSTRAINT {constraint}")


def backfill(table: str, assignment: str, *, where: str) -> None:
    """``UPDATE table SET assignment WHERE where`` (``where`` true only of rows still to do;
    ``table`` may be ``name alias``), ``BACKFILL_PAGES`` pages a transaction, up to the
    table's end as it grows meanwhile."""
    name, _, alias = table.partition(" ")
    rows = alias or name
    pages_between = f"{rows}.ctid >= format('(%s,0)', :first)::tid"
    pages_between += f" AND {rows}.ctid < format('(%s,0)', :last)::tid"
    update = text(f"UPDATE {table} SET {assignment} WHERE {pages_between} AND ({where})")  # noqa: S608 - the revision's own SQL
    pages = text(f"SELECT pg_relation_size('{name}') / current_setting('block_size')::int")
    with op.get_context().autocommit_block():
        bind = op.get_bind()
        first = 0
        while first < (bind.scalar(pages) or 0):
            bind.execute(update, {"first": first, "last": first + BACKFILL_PAGES})
            first += BACKFILL_PAGES


def add_constraint(table: str, name: str, definition: str) -> None:
    """``ALTER TABLE table ADD CONSTRAINT name definition``, unless a run before added it."""
    exists = text(
        "SELECT EXISTS (SELECT 1 FROM pg_constraint"
        " WHERE conname = :name AND conrelid = CAST(:table AS regclass))"
    )
    if not op.get_bind().scalar(exists, {"name": name, "table": table}):
        op.execute(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")


def column_exists(table: str, column: str) -> bool:
    query = text(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns"
        " WHERE table_schema = current_schema() AND table_name = :table AND column_name = :column)"
    )
    return bool(op.get_bind().scalar(query, {"table": table, "column": column}))


def _invalid_index(name: str) -> bool:
    query = text(
        "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
        " WHERE c.relname = :name AND NOT i.indisvalid)"
    )
    return bool(op.get_bind().scalar(query, {"name": name}))
