"""Check that Postgres and Redis answer, and create the database; one clear line if not."""

import sys

import redis
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from ledger.database_admin import create_database_if_missing
from ledger.settings import get_settings

START_POSTGRES = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no"


def main() -> int:
    settings = get_settings()
    url = make_url(settings.database_url)
    try:
        if create_database_if_missing(settings.database_url):
            print(f"created database {url.database}")
    except OperationalError:
        print(
            f"PostgreSQL is not reachable at {url.host}:{url.port or 5432} (DATABASE_URL). "
            f"Start it, e.g.: {START_POSTGRES}",
            file=sys.stderr,
        )
        return 1
    try:
        redis.Redis.from_url(settings.redis_url, socket_connect_timeout=2).ping()
    except redis.RedisError:
        print(
            f"Redis is not reachable at {settings.redis_url} (REDIS_URL). "
            f"Start it, e.g.: {START_REDIS}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
