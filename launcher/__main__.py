"""``python -m launcher run`` (make run) and ``python -m launcher reset`` (make reset)."""

import os
import shutil
import signal
import sys
import time
from pathlib import Path
from types import FrameType

from dotenv import load_dotenv
from pydantic import ValidationError
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

from infra.database_admin import drop_database
from infra.logs import configure_logging
from infra.settings import Settings
from launcher.banner import banner
from launcher.children import Interrupted, StartError, Supervisor, take_terminal
from launcher.servers import use_servers
from launcher.service import ROOT, require_free_ports, start_service
from ledger.seed import prepare_wallet_database


def run(supervisor: Supervisor) -> None:
    started = time.monotonic()
    settings = _settings()
    if not settings.flower_login:
        raise StartError("Set FLOWER_BASIC_AUTH (user:password): Flower always asks for it.")
    require_free_ports(settings)
    embedded = use_servers(supervisor, settings, _data_dir())
    settings = _settings()
    _prepare(settings.database_url)
    start_service(supervisor, settings, _data_dir() / "run")
    print(banner(settings, embedded, _data_dir(), time.monotonic() - started), flush=True)
    supervisor.watch()


def reset(supervisor: Supervisor) -> None:
    use_servers(supervisor, _settings(), _data_dir(), with_redis=False)
    url = _settings().database_url
    drop_database(url)
    _prepare(url)


def _prepare(url: str) -> None:
    name = make_url(url).database
    try:
        created = prepare_wallet_database(url)
    except OperationalError as error:
        raise StartError(f"PostgreSQL refused database {name}: {error.orig}") from None
    print(f"wallet: database {name} {'created, ' if created else ''}migrated and seeded")


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        raise StartError("; ".join(e["msg"] for e in error.errors())) from None


def _data_dir() -> Path:
    return Path(os.environ.get("WALLET_DATA_DIR", ROOT / ".data")).resolve()


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def _clean_run_files() -> None:
    data = _data_dir()
    shutil.rmtree(data / "run", ignore_errors=True)
    if data.is_dir() and not any(data.iterdir()):
        data.rmdir()


def main(command: str) -> int:
    os.chdir(ROOT)
    load_dotenv(ROOT / ".env", override=False)
    supervisor = Supervisor()
    give_back = take_terminal()
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        configure_logging(_settings())
        {"run": run, "reset": reset}[command](supervisor)
    except Interrupted:
        print("\nwallet: stopping", file=sys.stderr, flush=True)
    except StartError as error:
        print(f"wallet: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        supervisor.stop()
        _clean_run_files()
        give_back()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "run"))
