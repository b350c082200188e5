"""Private virtual hosts on a RabbitMQ server (the machine's, at RABBITMQ_HOST:RABBITMQ_PORT,
guest/guest by default), made and removed with ``rabbitmqctl``: a test run's queues, exchanges
and messages live in a vhost of its own and go with it."""

import os
import shutil
import socket
import subprocess
import uuid

HOST = os.environ.get("RABBITMQ_HOST", "127.0.0.1")
PORT = int(os.environ.get("RABBITMQ_PORT", "5672"))
USER = os.environ.get("RABBITMQ_USER", "guest")
PASSWORD = os.environ.get("RABBITMQ_PASSWORD", "guest")


def unavailable() -> str | None:
    """Why private vhosts cannot be made here, or None when they can."""
    if not shutil.which("rabbitmqctl"):
        return "rabbitmqctl is not on PATH"
    try:
        socket.create_connection((HOST, PORT), timeout=2).close()
    except OSError as error:
        return f"RabbitMQ does not answer at {HOST}:{PORT} ({error})"
    return None


class Vhost:
    """A vhost named ``wallet-test-<random>`` on which USER may do anything."""

    def __init__(self, prefix: str = "wallet-test") -> None:
        self.name = f"{prefix}-{uuid.uuid4().hex[:10]}"
        self.url = f"amqp://{USER}:{PASSWORD}@{HOST}:{PORT}/{self.name}"

    def create(self) -> "Vhost":
        _ctl("add_vhost", self.name)
        _ctl("set_permissions", "-p", self.name, USER, ".*", ".*", ".*")
        return self

    def delete(self) -> None:
        _ctl("delete_vhost", self.name)

    def queues(self) -> dict[str, tuple[str, int]]:
        """Each queue of the vhost: its type (classic, quorum) and the messages ready in it."""
        out = _ctl("list_queues", "-p", self.name, "name", "type", "messages_ready", "--quiet")
        rows = (line.split("\t") for line in out.splitlines()[1:] if line.count("\t") == 2)
        return {name: (kind, int(ready)) for name, kind, ready in rows}


def _ctl(*args: str) -> str:
    run = subprocess.run(["rabbitmqctl", *args], capture_output=True, text=True, timeout=60)
    if run.returncode:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {run.stderr.strip()}")
    return run.stdout
