"""make run as a person meets it, in a fresh copy of the work tree, on the machine's
PostgreSQL and the run's private Redis: settings from .env, one start-up block once the API
is ready, the seed's curl flow as written, Ctrl-C exits 0 with nothing left behind; a port in
use or a child that dies is said plainly and stops the run."""

import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
import requests
from sqlalchemy import select

from harness.processes import free_port, wait_until
from infra.database_admin import drop_database
from infra.db import make_engine, make_session_factory
from ledger.models import Account
from ledger.reads.queries import get_balances
from ledger.seed import create_accounts
from tests.fixtures.databases import PG_SERVER
from tests.launch import MAKE, MAKE_RUN, READY, Terminal, clean_env, readme_curl_block

pytestmark = pytest.mark.slow
LOGIN = ("ops", "s3cret-from-dotenv")


@pytest.fixture
def dotenv(checkout: Path, redis_server_url: str) -> Iterator[dict[str, str]]:
    """A .env naming a fresh database, a Redis db and free ports: the only place they are set."""
    values = {
        "DATABASE_URL": f"{PG_SERVER}/wallet_run_{uuid.uuid4().hex[:10]}",
        "REDIS_URL": f"{redis_server_url}/5",
        "PORT": str(free_port()),
        "FLOWER_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        "FLOWER_BASIC_AUTH": ":".join(LOGIN),
    }
    (checkout / ".env").write_text("".join(f"{k}={v}\n" for k, v in values.items()))
    yield values
    drop_database(values["DATABASE_URL"])


def snapshot(tree: Path) -> dict[str, tuple[int, int]]:
    """Every file (but bytecode) with its size and modification time."""
    return {
        str(path.relative_to(tree)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in tree.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and ".venv" not in path.parts
    }


@pytest.fixture
def tree_before(checkout: Path, dotenv: dict[str, str]) -> dict[str, tuple[int, int]]:
    return snapshot(checkout)


@pytest.fixture
def running(checkout: Path, tree_before: dict[str, tuple[int, int]]) -> Iterator[Terminal]:
    terminal = Terminal(MAKE_RUN, checkout, clean_env(checkout))
    try:
        terminal.wait_for(READY, timeout=180)
        yield terminal
    finally:
        terminal.close()


def test_make_run_reads_dotenv_and_prints_one_block_once_ready(
    running: Terminal, dotenv: dict[str, str]
) -> None:
    api, flower = f"http://127.0.0.1:{dotenv['PORT']}", f"http://127.0.0.1:{dotenv['FLOWER_PORT']}"
    block = running.plain().split("─" * 20, 1)[1]
    for text in (api, f"{api}/docs", flower, "login ops / s3cret-from-dotenv", "dev-wallet-key"):
        assert text in block
    assert requests.get(f"{api}/readyz", timeout=5).status_code == 200
    assert requests.get(flower, timeout=5).status_code == 401
    assert requests.get(flower, auth=LOGIN, timeout=5).status_code == 200
    assert "Inspect method" not in running.plain()
    # The login reaches Flower by its environment: in its argv, any user could read it (ps).
    family = psutil.Process(running.popen.pid).children(recursive=True)
    (flower_process,) = [p for p in family if "worker.flower" in p.cmdline()]
    assert not any(LOGIN[1] in argument for argument in flower_process.cmdline())


def test_the_seed_curl_flow_works_as_written_then_ctrl_c_exits_0_leaving_nothing(
    running: Terminal, dotenv: dict[str, str], checkout: Path, tree_before: dict[str, object]
) -> None:
    commands = readme_curl_block(int(dotenv["PORT"]))
    assert "Authorization" not in commands  # the seed's commands send no key
    flow = subprocess.run(["bash", "-c", commands], capture_output=True, text=True, timeout=60)
    assert flow.returncode == 0, flow.stderr
    assert '"balance":"170.00"' in flow.stdout and '"balance":"550.00"' in flow.stdout
    before_stop = len(running.output)
    running.interrupt()
    assert running.finish(timeout=90) == 0
    after = running.plain()[before_stop:]
    assert "Traceback" not in after and "make: ***" not in after and "Error" not in after
    assert snapshot(checkout) == tree_before  # no file added, removed or changed


def test_a_port_in_use_is_said_plainly_and_starts_nothing(checkout: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = clean_env(
            checkout, PORT=str(port), WORKER_METRICS_PORT="0", FLOWER_PORT=str(free_port())
        )
        run = subprocess.run(MAKE_RUN, cwd=checkout, env=env, capture_output=True, text=True)
    assert run.returncode != 0
    assert f"Port {port} (PORT) is already in use" in run.stderr
    assert "gunicorn" not in run.stdout + run.stderr


def test_a_child_that_dies_is_reported_and_stops_the_run(running: Terminal) -> None:
    family = psutil.Process(running.popen.pid).children(recursive=True)
    worker = next(p for p in family if "--hostname=wallet@%h" in p.cmdline())
    worker.kill()
    assert running.finish(timeout=90) != 0
    assert "The worker was killed by signal 9. Stopping everything." in running.plain()
    wait_until(lambda: not any(map(alive, family)), timeout=30, what="every child gone")


def alive(process: psutil.Process) -> bool:
    try:
        return process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


SEEDED = {"USR-001", "USR-002", "USR-003", "SYS-TREASURY-001", "SYS-BONUS-001", "SYS-REVENUE-001"}


def test_make_reset_wipes_and_reseeds_the_database(checkout: Path, dotenv: dict[str, str]) -> None:
    engine = make_engine(dotenv["DATABASE_URL"], pool_size=1)
    sessions = make_session_factory(engine)

    def reset() -> tuple[set[str], str]:
        """make reset, then the accounts there are and USR-001's gold."""
        done = subprocess.run(
            [*MAKE, "reset"], cwd=checkout, env=clean_env(checkout), capture_output=True
        )
        assert done.returncode == 0, done.stderr
        engine.dispose()  # its connections were to the database just dropped
        with sessions() as session:
            gold = get_balances(session, account_number="USR-001").balances[0].balance
            return set(session.scalars(select(Account.account_number))), str(gold)

    assert reset() == (SEEDED, "100.00")  # created
    with sessions.begin() as session:
        create_accounts(session, accounts=[("USR-BEFORE-RESET", "Gone after reset", "user")])
    assert reset() == (SEEDED, "100.00")
    engine.dispose()
