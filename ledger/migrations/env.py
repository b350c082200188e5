"""Alembic environment: migrates the database named by sqlalchemy.url or DATABASE_URL.

Each revision runs in a transaction of its own, committed with its own alembic_version bump
(transaction_per_migration): a failed revision rolls back alone and leaves the version at the
last one that committed, so a re-run resumes there, and an upgrade across several revisions
does not hold the locks of the first until the last commits.
"""

from logging.config import fileConfig

from alembic import context
from sqlalchemy import create_engine, pool

from infra.settings import get_settings
from ledger.models import Base

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            transaction_per_migration=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


run_migrations_online()
