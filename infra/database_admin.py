"""Create, migrate or drop the database named in a URL (creating and dropping go through the
server's maintenance database). Seeding is the ledger's (ledger.seed).

``python -m infra.database_admin create`` creates DATABASE_URL's database if it is missing.
"""

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, make_url, text

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for ``database_url``, leaving the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config


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


def migrate(database_url: str) -> None:
    """Migrate the database to the newest revision (ledger/migrations)."""
    command.upgrade(alembic_config(database_url), "head")


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
