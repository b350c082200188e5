"""Servers and processes on the hosts of a ``harness.netns.Network``: a private PostgreSQL and
Redis on the ``db`` host, each on an address of its own (so a partition can cut one without
the other), and any harness process (API, worker) run inside a host's namespace.

Inside a namespace the ports are the usual ones (5432, 6379): nothing else listens there, and
the machine's own servers, in the root namespace, are never in reach.
"""

import subprocess
from pathlib import Path

from harness.netns import Host
from harness.postgres import PrivatePostgres
from harness.processes import Process

POSTGRES_PORT = 5432
REDIS_PORT = 6379


class HostPostgres(PrivatePostgres):
    """A ``PrivatePostgres`` whose server runs in ``host``'s namespace and listens on
    ``address``, trusting every client of ``network`` (a CIDR)."""

    def __init__(self, host: Host, address: str, network: str) -> None:
        super().__init__()
        self.host, self.address, self.network = host, address, network
        self.port = POSTGRES_PORT

    def server_url(self) -> str:
        return f"postgresql+psycopg2://postgres@{self.address}:{self.port}"

    def init(self) -> "HostPostgres":
        super().init()
        # Later lines of postgresql.conf win: listen on the host's address, not loopback.
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(f"listen_addresses = '{self.address}'\nmax_connections = 300\n")
        with (self.data / "pg_hba.conf").open("a") as hba:
            hba.write(f"host all all {self.network} trust\n")
        return self

    def _run(
        self, program: str, *args: str, check: bool = True
    ) -> subprocess.CompletedProcess[str]:
        """``program`` inside the namespace (``ip netns exec`` needs root), then as the
        postgres user when run as root."""
        command = [str(self.bindir / program), *args]
        if self.user:
            ids = [f"--reuid={self.user.pw_uid}", f"--regid={self.user.pw_gid}", "--init-groups"]
            command = ["setpriv", *ids, *command]
        return subprocess.run(
            self.host.command(command),
            cwd=self.base,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C"},
            capture_output=True,
            text=True,
            check=check,
            start_new_session=True,
        )


def on_host(host: Host, process: Process) -> Process:
    """``process`` (not started yet) made to run inside ``host``'s namespace."""
    process.args = host.command(process.args)
    return process


def host_redis(host: Host, address: str, log_dir: Path) -> Process:
    """A Redis on ``host``, listening on ``address`` alone, nothing persisted."""
    args = ["redis-server", "--port", str(REDIS_PORT), "--bind", address, "--save", ""]
    args += ["--appendonly", "no", "--dir", str(log_dir), "--protected-mode", "no"]
    return on_host(host, Process(f"redis-{host.name}", args, {"PATH": "/usr/bin:/bin"}, log_dir))
