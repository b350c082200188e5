"""Alembic environment: migrates the database named by sqlalchemy.url or DATABASE_URL.

Each revision runs in a transaction of its own, committed with its own alembic_version bump
(transaction_per_migration): a failed revision rolls back alone and leaves the version at the
last one that committed, so a re-run resumes there, and an upgrade across several revisions
does not hold the locks of the first until the last commits.

Every statement waits at most MIGRATION_LOCK_TIMEOUT_SECONDS (5 s) for a lock: a DDL statement
queued for a table makes every later request for that table (a posting's insert, a balance
read) queue behind it, so without the bound one long transaction holding a table stops all
posting for as long as it runs. A revision that times out fails ("canceling statement due to
lock timeout") and is re-run. Each revision's docstring says what it locks and for how long
(its "Locks:" section, measured on a ledger of 10 million entries: bench/migration_locks.py).
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
    settings = get_settings()
    url = config.get_main_option("sqlalchemy.url") or settings.database_url
    lock_timeout_ms = round(settings.migration_lock_timeout_seconds * 1000)
    engine = create_engine(
        url, poolclass=pool.NullPool, connect_args={"options": f"-c lock_timeout={lock_timeout_ms}"}
    )
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
