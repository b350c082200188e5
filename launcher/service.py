"""The service's processes under make run: the API (api_server.py), a posting worker, a
webhook worker (worker.serve: deliveries on a queue and threads of their own), beat, Flower,
their run-time files (metrics, beat schedule) under the data directory's run/ folder."""

import os
import shutil
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

from celery import Celery

from infra.settings import Settings
from launcher.children import Child, StartError, Supervisor

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORKER_NAME = "wallet"
WEBHOOK_WORKER_NAME = "webhooks"
FLOWER_INSPECT_TIMEOUT_MS = 3000  # Flower's default, 1 s, is short on a busy 2-core machine


def require_free_ports(settings: Settings) -> None:
    ports = {"PORT": settings.port, "FLOWER_PORT": settings.flower_port}
    ports["WORKER_METRICS_PORT"] = settings.worker_metrics_port
    for variable, port in ports.items():
        if port and not _free(settings.bind_address, port):
            raise StartError(
                f"Port {port} ({variable}) is already in use on {settings.bind_address}: stop "
                f"what listens there, or choose another, e.g. {variable}={port + 1} make run."
            )


def start_service(
    supervisor: Supervisor, settings: Settings, run_dir: Path, log_dir: Path | None = None
) -> None:
    """API, worker, beat and Flower; their output to the terminal, or to ``log_dir`` (the
    bench runs the same processes)."""
    shutil.rmtree(run_dir, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def start(name: str, args: list[str], env: dict[str, str]) -> None:
        log = log_dir / f"{name.lower().replace(' ', '-')}.log" if log_dir else None
        supervisor.start(Child(name, args, env, log_path=log))

    start("The API", [str(BIN / "python"), "api_server.py"], _with_metrics(env, run_dir / "api"))
    serve = [str(BIN / "python"), "-m", "worker.serve"]
    worker = [*serve, "postings", "--loglevel=INFO", f"--hostname={WORKER_NAME}@%h"]
    worker.append(f"--concurrency={settings.worker_concurrency}")
    worker_env = _with_metrics(env, run_dir / "worker")
    start("The worker", worker, worker_env)
    # Its metrics go to the same directory, served by the posting worker's port.
    webhooks = [*serve, "webhooks", "--loglevel=INFO", f"--hostname={WEBHOOK_WORKER_NAME}@%h"]
    start("The webhook worker", webhooks, {**worker_env, "WORKER_METRICS_PORT": "0"})
    celery = [str(BIN / "celery"), "-A", "worker.celery_app"]
    beat = [*celery, "beat", "--loglevel=INFO", f"--schedule={run_dir / 'beat-schedule'}"]
    start("Beat", beat, env)
    _wait_for_the_worker(supervisor, settings)
    # Flower reads its login from the environment (FLOWER_BASIC_AUTH), which only its user
    # can read; in its argv, every user of the machine could (ps).
    start("Flower", _flower(settings), {**env, "FLOWER_BASIC_AUTH": settings.flower_login or ""})
    ready = f"http://127.0.0.1:{settings.port}/readyz"
    supervisor.wait_for(lambda: _status(ready) == 200, seconds=120, what="The API's /readyz")
    flower = f"http://127.0.0.1:{settings.flower_port}/healthcheck"
    supervisor.wait_for(lambda: _status(flower) == 200, seconds=60, what="Flower answering")


def _with_metrics(env: dict[str, str], metrics_dir: Path) -> dict[str, str]:
    metrics_dir.mkdir(parents=True)
    return {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}


def _wait_for_the_worker(supervisor: Supervisor, settings: Settings) -> None:
    """Flower asks the workers about themselves as it starts: it starts once one answers."""
    client = Celery("launcher", broker=settings.broker_url, set_as_current=False)
    destination = [f"{WORKER_NAME}@{socket.gethostname()}"]

    def answers() -> bool:
        return bool(client.control.ping(destination=destination, timeout=0.5))

    try:
        supervisor.wait_for(answers, seconds=120, what="The worker answering")
    finally:
        client.close()


def _flower(settings: Settings) -> list[str]:
    return [
        str(BIN / "python"),
        "-m",
        "worker.flower",
        f"--port={settings.flower_port}",
        f"--address={settings.bind_address}",
        f"--inspect_timeout={FLOWER_INSPECT_TIMEOUT_MS}",
        f"--max_tasks={settings.flower_max_tasks}",
    ]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as answer:  # noqa: S310 - our own http URL
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return 0


def _free(address: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((address, port))
        except OSError:
            return False
    return True
