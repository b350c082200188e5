"""Real processes for tests and benchmarks: the API, a Celery worker (with beat), Redis."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what}")


class Process:
    """A child process in its own process group, with its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log_dir: Path) -> None:
        self.name, self.args, self.env = name, args, env
        self.log_path = log_dir / f"{name}.log"
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> "Process":
        log = self.log_path.open("ab")
        self.popen = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    @staticmethod
    def kill(pid: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)

    def signal_group(self, sig: int) -> None:
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, sig)

    def stop(self, timeout: float = 30) -> None:
        if not self.popen:
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.signal_group(signal.SIGKILL)
            self.popen.wait(10)
        self.popen = None


def redis_process(log_dir: Path, port: int, name: str = "redis") -> Process:
    """A private Redis on ``port``: tests never touch the machine's own server."""
    args = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    args += ["--appendonly", "no", "--dir", str(log_dir)]
    return Process(name, args, dict(os.environ), log_dir)


def start_redis(
    process: Process, port: int, *, host: str = "127.0.0.1", timeout: float = 30
) -> Process:
    process.start()

    def answers() -> bool:
        try:
            with socket.create_connection((host, port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    wait_until(answers, timeout=timeout, what=f"Redis at {host}:{port}")
    return process


def worker_process(
    env: dict[str, str],
    log_dir: Path,
    *,
    concurrency: int = 4,
    name: str = "worker",
    beat: bool = True,
    role: str | None = None,
) -> Process:
    """A worker of ``role`` as make run starts it (worker.serve: ``postings``, or
    ``webhooks`` on threads, ``concurrency`` of them); without one, a plain Celery worker
    consuming both queues."""
    if role is None:
        args = [str(BIN / "celery"), "-A", "worker.celery_app", "worker"]
    else:
        args = [str(BIN / "python"), "-m", "worker.serve", role]
    args += ["--loglevel=INFO", f"--concurrency={concurrency}", f"--hostname={name}@%h"]
    if beat:
        args += ["--beat", f"--schedule={log_dir / (name + '-beat-schedule')}"]
    metrics_dir = log_dir / f"{name}-metrics"
    metrics_dir.mkdir(exist_ok=True)
    return Process(name, args, {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, log_dir)


def start_worker(process: Process, *, timeout: float = 60) -> Process:
    offset = len(process.log()) if process.log_path.exists() else 0
    process.start()
    wait_until(lambda: " ready." in process.log()[offset:], timeout=timeout, what="worker ready")
    return process


def api_process(env: dict[str, str], log_dir: Path, port: int, name: str = "api") -> Process:
    args = [str(BIN / "python"), "api_server.py"]
    metrics_dir = log_dir / f"{name}-metrics"  # else the server makes one in /tmp
    metrics_dir.mkdir(exist_ok=True)
    env = {**env, "PORT": str(port)}
    return Process(name, args, {**env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}, log_dir)


def start_api(process: Process, base_url: str, *, timeout: float = 60) -> Process:
    process.start()

    def answers() -> bool:
        try:
            return requests.get(f"{base_url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    wait_until(answers, timeout=timeout, what="API /healthz")
    return process
