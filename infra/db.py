"""Engine and session factory. Nothing connects at import time; callers build their own.

No pre-ping per checkout (it cost a round trip per request): a connection that died while
idle in the pool fails on first use instead. SQLAlchemy then invalidates it and every
connection opened before it, so one call per process sees the failure; callers whose unit
of work is idempotent retry it once (``retrying_disconnect``), the others answer 503.
"""

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import URL, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


# A backend whose client died (a SIGKILLed worker) notices within a second even while it
# waits on a lock, and rolls back, instead of holding row locks until it is granted.
OPTIONS = "-c client_connection_check_interval=1000"
# A replica that does not answer is given up on quickly: its reads go to the primary.
READ_CONNECT_TIMEOUT_SECONDS = 2


def make_engine(
    database_url: str | URL, *, pool_size: int = 10, autocommit: bool = False
) -> Engine:
    """``autocommit``: every statement commits on its own (one round trip for a one-statement
    unit of work). A pool of its own: switching a pooled connection in and out of autocommit
    costs statements of its own at every checkout."""
    return create_engine(
        database_url,
        isolation_level="AUTOCOMMIT" if autocommit else "READ COMMITTED",
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={"options": OPTIONS},
    )


def make_read_engine(database_url: str | URL, *, pool_size: int = 10) -> Engine:
    """The engine of the read replica (DATABASE_READ_URL): every transaction read-only, even
    where the URL names a server that could write (a pooler, the primary itself), and a
    connection attempt given up after a couple of seconds, so that a replica that is down
    costs a read little before it goes to the primary."""
    return create_engine(
        database_url,
        isolation_level="READ COMMITTED",
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={
            "options": f"{OPTIONS} -c default_transaction_read_only=on",
            "connect_timeout": READ_CONNECT_TIMEOUT_SECONDS,
        },
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


def retrying_disconnect(work: Callable[[], T]) -> T:
    """Run ``work`` (an idempotent unit of work); once more if its connection had died."""
    try:
        return work()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
    return work()
