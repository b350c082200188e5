"""Create or drop the database named in a URL, through the server's maintenance database.

``python -m ledger.database_admin create`` creates DATABASE_URL's database if it is missing.
"""

import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, make_url, text

from ledger.db import make_engine, make_session_factory
from ledger.seed import seed

ALEMBIC_INI = Path(__file__).resolve().parent.parent / "alembic.ini"


def alembic_config(database_url: str) -> Config:
    """Alembic's configuration for ``database_url``, leaving the caller's logging alone."""
    config = Config(str(ALEMBIC_INI))
    config.set_main_option("sqlalchemy.url", database_url)
    config.attributes["configure_logger"] = False
    return config


def create_database_if_missing(database_url: str) -> bool:
    """Return True if the database had to be created."""
    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": url.database}
            )
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{_identifier(url.database)}"'))
            return not exists
    finally:
        engine.dispose()


def prepare_wallet_database(database_url: str) -> bool:
    """Create the database if missing, migrate it to head and seed it (idempotent); return
    True if it had to be created."""
    created = create_database_if_missing(database_url)
    command.upgrade(alembic_config(database_url), "head")
    engine = make_engine(database_url, pool_size=1)
    with make_session_factory(engine).begin() as session:
        seed(session)
    engine.dispose()
    return created


def drop_database(database_url: str) -> None:
    url = make_url(database_url)
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            name = _identifier(url.database)
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        engine.dispose()


def _identifier(name: str | None) -> str:
    if not name or not name.replace("_", "").replace("-", "").isalnum():
        raise ValueError(f"refusing database name {name!r}")
    return name


if __name__ == "__main__":
    from ledger.settings import get_settings

    if sys.argv[1:] != ["create"]:
        sys.exit("usage: python -m ledger.database_admin create")
    created = create_database_if_missing(get_settings().database_url)
    print("database created" if created else "database exists")
