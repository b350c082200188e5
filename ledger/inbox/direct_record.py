"""One new request recorded on a pooled DBAPI connection with no session: the submit's fast
way (``ledger.inbox.requests.insert_new_request``). Which database errors send the submit the
general way (``ledger.inbox.requests.record_requests``), and which connections must never go
back to the pool, are decided here, with the driver's errors and the prepared statements'
staleness (``ledger.prepared.STALE``) they depend on."""

import logging
import uuid
from collections.abc import Callable

import psycopg2
from sqlalchemy import PoolProxiedConnection
from sqlalchemy.exc import DBAPIError

from infra.sealing import Sealer
from ledger.errors import LedgerError
from ledger.inbox.checks import KnownFacts, check_movement
from ledger.inbox.requests import Recorded, cursor_lookup, insert_new_request
from ledger.inbox.submission import Submission
from ledger.prepared import STALE

log = logging.getLogger(__name__)
Connect = Callable[[], PoolProxiedConnection]


def record_new_request(
    connect: Connect,
    *,
    submission: Submission,
    request_id: uuid.UUID,
    sealer: Sealer,
    facts: KnownFacts,
) -> Recorded | None:
    """Check ``submission`` (it names no hold or transaction) against ``facts`` and what a
    lookup on the connection finds, and insert it (autocommit: the one statement commits).

    None: take the general way, which is idempotent under the same request id and key. So
    it is for a known key, and for any database error here: a connection that died or whose
    prepared statement went stale is dropped (the pool makes a new one, which prepares
    afresh). A refusal (``LedgerError``) is raised; so is a connection the pool cannot make,
    as SQLAlchemy's ``DBAPIError``, like the general way's."""
    connection = _connect(connect)
    cursor = connection.cursor()
    try:
        checked = check_movement(submission, facts, cursor_lookup(cursor))
        return insert_new_request(
            cursor,
            connection_info=connection.info,
            submission=checked,
            request_id=request_id,
            sealer=sealer,
        )
    except LedgerError:
        raise  # a refusal: the connection is fine
    except psycopg2.Error as error:
        if getattr(connection.dbapi_connection, "closed", 1) or isinstance(error, STALE):
            connection.invalidate()
        log.warning("a submit takes the general way after %s", type(error).__name__)
        return None  # which says what went wrong, as it always has
    except BaseException:
        connection.invalidate()  # interrupted mid-statement: never hand it out again
        raise
    finally:
        cursor.close()
        connection.close()


def _connect(connect: Connect) -> PoolProxiedConnection:
    """A pooled connection. The pool raises the driver's own error when it cannot make one;
    wrapped as SQLAlchemy's, the API answers it like the general way's (503)."""
    try:
        return connect()
    except psycopg2.Error as error:
        raise DBAPIError.instance(None, None, error, psycopg2.Error) from error
