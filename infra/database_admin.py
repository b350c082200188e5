"""Create or drop the database named in a URL (through the server's maintenance database).
Migrating and seeding are the ledger's (ledger.seed: its migrations import its models).

``python -m infra.database_admin create`` creates DATABASE_URL's database if it is missing.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, create_engine, make_url, text


def create_database_if_missing(database_url: str) -> bool:
    """Return True if the database had to be created."""
    name = make_url(database_url).database
    with _maintenance(database_url) as connection:
        exists = connection.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}
        )
        if not exists:
            connection.execute(text(f'CREATE DATABASE "{_identifier(name)}"'))
        return not exists


def drop_database(database_url: str) -> None:
    name = _identifier(make_url(database_url).database)
    with _maintenance(database_url) as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@contextmanager
def _maintenance(database_url: str) -> Iterator[Connection]:
    """An autocommit connection to the server's ``postgres`` database."""
    url = make_url(database_url).set(database="postgres")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _identifier(name: str | None) -> str:
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"refusing database name {name!r}")
    return name


if __name__ == "__main__":
    from infra.settings import get_settings

    if sys.argv[1:] != ["create"]:
        sys.exit("usage: python -m infra.database_admin create")
    created = create_database_if_missing(get_settings().database_url)
    print("database created" if created else "database exists")
