"""A private streaming replica (hot standby) of a ``PrivatePostgres``, for the read-replica tests
and ``python -m bench.replica_lag``.

``allow_replication`` readies a primary that is initialised but not started (WAL for a replica,
walsenders, and the loopback replication entry ``initdb -A trust`` writes anyway), and turns
``synchronous_commit`` back on: a commit is then visible once its WAL is flushed, as on a
production server, so what the replica lags is what production would (fsync stays off: the
data is thrown away). ``PrivateReplica(primary).init()`` runs ``pg_basebackup -R`` from the
running primary into a temporary directory (``-R`` writes ``standby.signal`` and the
``primary_conninfo`` to stream from), gives it a free port and a socket directory of its own,
and ``start()`` starts it as a hot standby. Run as root, both run as the ``postgres`` user.
"""

from harness.postgres import PrivatePostgres

PRIMARY_SETTINGS = {
    "wal_level": "replica",
    "max_wal_senders": "5",
    "synchronous_commit": "on",
}
REPLICATION_HBA = "host replication all 127.0.0.1/32 trust\n"


def allow_replication(primary: PrivatePostgres) -> PrivatePostgres:
    """Ready an initialised primary, before its first start, to stream to replicas."""
    with (primary.data / "postgresql.conf").open("a") as conf:
        conf.writelines(f"{name} = {value}\n" for name, value in PRIMARY_SETTINGS.items())
    with (primary.data / "pg_hba.conf").open("a") as hba:
        hba.write(REPLICATION_HBA)
    return primary


class PrivateReplica(PrivatePostgres):
    """A hot standby of ``primary``: ``init()`` (a base backup) once, then ``start()`` and
    ``stop()`` like any private server; ``remove()`` deletes it."""

    def __init__(self, primary: PrivatePostgres) -> None:
        super().__init__()
        self.primary = primary

    def init(self) -> "PrivateReplica":
        self._run(
            "pg_basebackup", "-h", "127.0.0.1", "-p", str(self.primary.port), "-U", "postgres",
            "-D", str(self.data), "-R", "-X", "stream", "-c", "fast", "--no-sync",
        )  # fmt: skip
        settings = {
            "port": str(self.port),
            "unix_socket_directories": f"'{self.socket_dir}'",
            "hot_standby": "on",
            "log_recovery_conflict_waits": "on",  # replay waiting for a standby query: logged
        }
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        return self
