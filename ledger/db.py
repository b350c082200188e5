"""Engine and session factory. Nothing connects at import time; callers build their own."""

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


def make_engine(database_url: str, *, pool_size: int = 10) -> Engine:
    return create_engine(
        database_url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_recycle=1800,
        # A backend whose client died (a SIGKILLed worker) notices within a second even while
        # it waits on a lock, and rolls back, instead of holding row locks until it is granted.
        connect_args={"options": "-c client_connection_check_interval=1000"},
    )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)
