"""What every table shares: the one declarative base (its metadata is the schema Alembic and
the schema test compare), the money column type, and the timestamp a row is stamped with."""

from datetime import datetime

from sqlalchemy import DateTime, Numeric, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

MONEY = Numeric(38, 18)


class Base(DeclarativeBase):
    pass


def timestamp_now() -> Mapped[datetime]:
    """A ``timestamptz`` column, required, that the database sets to ``now()`` on insert."""
    return mapped_column(DateTime(timezone=True), server_default=func.now(), nullable=False)
