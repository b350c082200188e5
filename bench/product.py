"""The product as make run ships it, for the bench: API, workers, beat and Flower, started by
the launcher's own code (launcher.service) with the product's defaults, on the bench's
private database and Redis. The one difference, said in the table: rate limits lifted."""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from harness.processes import free_port
from infra.settings import Settings
from launcher.children import Child, Supervisor
from launcher.service import start_service

ROLES = {
    "API": "The API",
    "worker": "The worker",
    "webhooks": "The webhook worker",
    "beat": "Beat",
    "Flower": "Flower",
}
# What the bench changes from make run's defaults; every other setting is the product's.
BENCH_SETTINGS = {
    "RATE_LIMIT_PER_KEY": "1000000/second",
    "RATE_LIMIT_PER_ACCOUNT": "1000000/second",
}


@dataclass
class Product:
    base_url: str
    children: dict[str, Child]  # by role: API, worker, beat, Flower

    def pid(self, role: str) -> int:
        popen = self.children[role].popen
        assert popen is not None
        return popen.pid


def product_env(database_url: str, redis_url: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_QUEUE": f"wallet-bench-{os.getpid()}",
        "WALLET_ENV": "development",
        "FLOWER_BASIC_AUTH": "bench:bench-password",
        "PORT": str(free_port()),
        "FLOWER_PORT": str(free_port()),
        "WORKER_METRICS_PORT": str(free_port()),
        **BENCH_SETTINGS,
    }


@contextmanager
def running_product(env: dict[str, str], log_dir: Path) -> Iterator[Product]:
    """The four processes of make run, stopped on the way out."""
    os.environ.update(env)  # the bench's own process: what the launcher passes to its children
    settings, supervisor = Settings(), Supervisor()
    try:
        start_service(supervisor, settings, log_dir / "run", log_dir)
        children = {role: _child(supervisor, name) for role, name in ROLES.items()}
        yield Product(f"http://127.0.0.1:{settings.port}", children)
    finally:
        supervisor.stop()


def _child(supervisor: Supervisor, name: str) -> Child:
    return next(c for c in supervisor.service if c.name == name)
