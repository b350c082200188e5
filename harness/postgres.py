"""A private PostgreSQL server for tests that stop and start it.

Outage tests must never stop the machine's own cluster: ``PrivatePostgres`` runs ``initdb``
and ``pg_ctl`` into a temporary directory, on a free port, with its Unix socket in that
directory and fsync off (the data is thrown away). Run as root, the server runs as the
``postgres`` system user, since PostgreSQL refuses to run as root.
"""

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.processes import free_port

Completed = subprocess.CompletedProcess[str]
SETTINGS = {
    "listen_addresses": "'127.0.0.1'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "max_connections": "100",
}


def postgres_bindir() -> Path:
    """The directory holding initdb and pg_ctl: pg_config's answer, else the newest install."""
    candidates: list[Path] = []
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        bindir = subprocess.run(["pg_config", "--bindir"], capture_output=True, check=True)
        candidates.append(Path(bindir.stdout.decode().strip()))
    installed = Path("/usr/lib/postgresql").glob("*/bin")
    candidates += sorted(installed, key=lambda p: int(p.parent.name), reverse=True)
    if found := shutil.which("pg_ctl"):
        candidates.append(Path(found).resolve().parent)
    for candidate in candidates:
        if (candidate / "initdb").is_file() and (candidate / "pg_ctl").is_file():
            return candidate
    raise FileNotFoundError("no PostgreSQL server binaries (initdb, pg_ctl) found")


class PrivatePostgres:
    """One throwaway server: ``init()`` once, then ``start()``/``stop()`` as the test needs."""

    def __init__(self) -> None:
        self.bindir = postgres_bindir()
        self.base = Path(tempfile.mkdtemp(prefix="wallet-pg-"))
        self.data, self.socket_dir = self.base / "data", self.base / "socket"
        self.log_path = self.base / "postgres.log"
        self.port = free_port()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        self.socket_dir.mkdir()
        if self.user:
            for path in (self.base, self.socket_dir):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def server_url(self) -> str:
        """The server's URL without a database name (append ``/name``)."""
        return f"postgresql+psycopg2://postgres@127.0.0.1:{self.port}"

    def init(self) -> "PrivatePostgres":
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust",
            "--no-sync", "--no-locale", "-E", "UTF8",
        )  # fmt: skip
        socket_dir = f"'{self.socket_dir}'"
        settings = dict(SETTINGS, port=str(self.port), unix_socket_directories=socket_dir)
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.writelines(f"{name} = {value}\n" for name, value in settings.items())
        return self

    def start(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log_path), "-w", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def remove(self) -> None:
        """Stop the server if it runs, and delete its files."""
        status = self._run("pg_ctl", "-D", str(self.data), "status", check=False)
        if status.returncode == 0:
            self.stop()
        shutil.rmtree(self.base, ignore_errors=True)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def _run(self, program: str, *args: str, check: bool = True) -> Completed:
        return subprocess.run(
            [str(self.bindir / program), *args],
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            cwd=self.base,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
            capture_output=True,
            text=True,
            check=check,
            start_new_session=True,
        )
