"""What a database error means for the client, from its SQLSTATE and the connection's fate.

- unavailable: the connection broke or could not be made (class 08, shutdown 57P0x,
  too many connections 53300, no SQLSTATE at all on an OperationalError or InterfaceError,
  or SQLAlchemy saw a disconnect): 503, retry with the same key.
- busy: the statement lost a race or ran out of time (serialization failure, deadlock,
  lock not available, statement timeout) or the pool had no connection to give: 503 too.
- refused: the database refused a value the client sent (data exception, class 22; a check
  constraint, 23514): 422.
- anything else (a syntax error, an unknown column, a foreign key the API should have
  checked): a bug, 500 with its traceback logged.
"""

from enum import Enum

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

_UNAVAILABLE = ("08", "57P01", "57P02", "57P03", "53300")
_BUSY = ("40001", "40P01", "55P03", "57014")
_REFUSED = ("22", "23514")


class Failure(Enum):
    UNAVAILABLE = "unavailable"
    BUSY = "busy"
    REFUSED = "refused"
    BUG = "bug"


def classify(error: DBAPIError) -> Failure:
    state = sqlstate(error)
    if error.connection_invalidated or state.startswith(_UNAVAILABLE):
        return Failure.UNAVAILABLE
    if not state and isinstance(error, OperationalError | InterfaceError):
        return Failure.UNAVAILABLE
    if state.startswith(_BUSY):
        return Failure.BUSY
    if state.startswith(_REFUSED):
        return Failure.REFUSED
    return Failure.BUG


def sqlstate(error: DBAPIError) -> str:
    return getattr(error.orig, "pgcode", None) or ""
