"""Engine and session factory. Nothing connects at import time; callers build their own.

No pre-ping per checkout (it cost a round trip per request): a connection that died while
idle in the pool fails on first use instead. SQLAlchemy then invalidates it and every
connection opened before it, so one call per process sees the failure; callers whose unit
of work is idempotent retry it once (``retrying_disconnect``), the others answer 503.
"""

import math
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import URL, Engine, create_engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings

T = TypeVar("T")


DEAD_PEER_SECONDS: float = Settings.model_fields["dead_peer_seconds"].default
# A replica that does not answer is given up on quickly: its reads go to the primary. A
# silent one (a partition) within READ_DEAD_PEER_SECONDS of a query sent; a pool used up
# (reads polling with ?after= during a lag spike) after READ_POOL_TIMEOUT_SECONDS.
READ_CONNECT_TIMEOUT_SECONDS = 2
READ_DEAD_PEER_SECONDS = 3.0
READ_POOL_TIMEOUT_SECONDS = 0.5


def make_engine(
    database_url: str | URL,
    *,
    pool_size: int = 10,
    autocommit: bool = False,
    dead_peer_seconds: float = DEAD_PEER_SECONDS,
) -> Engine:
    """``autocommit``: every statement commits on its own (one round trip for a one-statement
    unit of work). A pool of its own: switching a pooled connection in and out of autocommit
    costs statements of its own at every checkout. ``dead_peer_seconds``: see
    ``dead_peer_options`` (DEAD_PEER_SECONDS)."""
    isolation = "AUTOCOMMIT" if autocommit else "READ COMMITTED"
    return _engine(database_url, isolation, pool_size, dead_peer_options(dead_peer_seconds))


def make_read_engine(
    database_url: str | URL,
    *,
    pool_size: int = 10,
    dead_peer_seconds: float = DEAD_PEER_SECONDS,
) -> Engine:
    """The engine of the read replica (DATABASE_READ_URL): every transaction read-only, even
    where the URL names a server that could write (a pooler, the primary itself), and a
    connection attempt given up after a couple of seconds, so that a replica that is down
    costs a read little before it goes to the primary."""
    options = dead_peer_options(min(dead_peer_seconds, READ_DEAD_PEER_SECONDS))
    connect_args = {
        **options,
        "options": f"{options['options']} -c default_transaction_read_only=on",
        "connect_timeout": READ_CONNECT_TIMEOUT_SECONDS,
    }
    return _engine(
        database_url,
        "READ COMMITTED",
        pool_size,
        connect_args,
        pool_timeout=READ_POOL_TIMEOUT_SECONDS,
    )


def _engine(
    database_url: str | URL,
    isolation_level: str,
    pool_size: int,
    connect_args: dict[str, Any],
    **options: Any,
) -> Engine:
    return create_engine(
        database_url,
        isolation_level=isolation_level,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args=connect_args,
        **options,
    )


def dead_peer_options(seconds: float) -> dict[str, Any]:
    """libpq's connection parameters, and the server's settings for the session, that make
    both ends drop a TCP connection whose peer went silent within about ``seconds``: keepalive
    probes after a third of it idle, three unanswered a sixth apart, and unacknowledged data
    given up after all of it (TCP_USER_TIMEOUT). A partition drops packets without a reset,
    and the kernel's defaults wait 2 h before probing and retransmit for ~15 min: a worker cut
    off from the database mid-transaction kept its row locks (the hot system rows among them)
    that long, and every other worker's posting waited behind them (tests/cluster/).

    A live peer acknowledges within milliseconds however long a statement runs, so these
    never cut a slow query. ``client_connection_check_interval``: a backend whose client died
    (a SIGKILLed worker, a reset) notices within a second even while it waits on a lock."""
    idle, interval = max(1, round(seconds / 3)), max(1, round(seconds / 6))
    user_timeout = round(seconds * 1000)
    server = {
        "client_connection_check_interval": 1000,
        "tcp_keepalives_idle": idle,
        "tcp_keepalives_interval": interval,
        "tcp_keepalives_count": 3,
        "tcp_user_timeout": user_timeout,
    }
    return {
        "options": " ".join(f"-c {name}={value}" for name, value in server.items()),
        "keepalives": 1,
        "keepalives_idle": idle,
        "keepalives_interval": interval,
        "keepalives_count": 3,
        "tcp_user_timeout": user_timeout,
        "connect_timeout": max(2, math.ceil(seconds)),  # a SYN unanswered: ~2 min by default
    }


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
