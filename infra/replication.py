"""How far a streaming replica is behind its primary: the metrics' and /readyz's lag.

Bytes: the primary's flushed WAL position (``pg_current_wal_flush_lsn()``, read first: what
it can stream) less the replica's replay position, 0 if the replica has replayed all of it.
Seconds: 0 when it has, else the age of the last transaction it replayed
(``pg_last_xact_replay_timestamp()``, the primary's commit time; both servers' clocks are
assumed in sync). That age overstates the lag after the primary was idle (the first commit
after an idle hour shows an hour until it is replayed), so an alert on it waits a few minutes
(deploy/prometheus-alerts.yml). On a quiet primary a record flushed only in part (no commit
after it) shows as a few bytes behind until the primary flushes the rest, at the latest with
its next standby snapshot (15 s). A server that is not in recovery (a URL naming the primary
itself, or a promoted replica) is 0 behind.
"""

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session

PRIMARY_POSITION = text("SELECT CAST(pg_current_wal_flush_lsn() AS text)")
REPLICA_BEHIND = text(
    """SELECT pg_is_in_recovery() AS standby,
    greatest(pg_wal_lsn_diff(CAST(:primary AS pg_lsn), pg_last_wal_replay_lsn()), 0) AS behind,
    extract(epoch FROM now() - pg_last_xact_replay_timestamp()) AS since_replay"""
)


@dataclass(frozen=True)
class Lag:
    bytes: int
    seconds: float


def wal_position(primary: Session) -> str:
    """The primary's flushed WAL position, to measure a replica against (``lag_behind``)."""
    return str(primary.execute(PRIMARY_POSITION).scalar_one())


def lag_behind(replica: Session, position: str) -> Lag:
    """How far ``replica`` is behind the primary's WAL ``position`` (read just before)."""
    row = replica.execute(REPLICA_BEHIND, {"primary": position}).one()
    if not row.standby or not row.behind:
        return Lag(0, 0.0)
    return Lag(int(row.behind), max(float(row.since_replay or 0), 0.0))
