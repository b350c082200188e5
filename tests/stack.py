"""A private stack for fault tests: its own database, Redis db and worker processes.

Fault tests kill and stop workers; doing that on a stack of their own keeps the shared
session worker and its reaper out of their way.
"""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from celery import Celery
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from celeryconfig import celery_config
from harness.processes import (
    Process,
    api_process,
    free_port,
    start_api,
    wait_until,
    worker_process,
)
from infra.db import make_engine, make_session_factory
from infra.sealing import PLAIN
from infra.settings import Settings
from ledger.inbox.requests import record_request
from ledger.inbox.submission import Submission
from ledger.models import Request, Transaction
from ledger.operations import OperationType
from ledger.seed import create_accounts, fund
from ledger.statuses import PENDING


class Stack:
    def __init__(
        self,
        database_url: str,
        redis_url: str,
        base_env: dict[str, str],
        log_dir: Path,
        broker_url: str | None = None,
    ):
        self.database_url, self.redis_url, self.log_dir = database_url, redis_url, log_dir
        self.env = {
            **base_env,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CELERY_BROKER_URL": broker_url or "",  # unset: the Redis at REDIS_URL
            "WORKER_METRICS_PORT": "0",
        }
        self.engine: Engine = make_engine(database_url, pool_size=4)
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.settings = Settings(
            _env_file=None,
            redis_url=redis_url,
            celery_broker_url=broker_url,
            celery_queue=self.env["CELERY_QUEUE"],
        )
        self.celery = Celery("fault-test", set_as_current=False)
        self.celery.conf.update(celery_config(self.settings))
        self.processes: list[Process] = []

    def worker(
        self,
        name: str,
        *,
        concurrency: int = 2,
        beat: bool = False,
        role: str | None = None,
        **env: str,
    ) -> Process:
        """A worker of ``role`` (harness.processes.worker_process); by default both queues'."""
        process = worker_process(
            {**self.env, **env},
            self.log_dir,
            concurrency=concurrency,
            name=f"{name}-{uuid.uuid4().hex[:6]}",
            beat=beat,
            role=role,
        )
        self.processes.append(process)
        return process

    def api(self, name: str, **env: str) -> str:
        """Start an API process on this stack's database and Redis; return its base URL."""
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        unique = f"{name}-{uuid.uuid4().hex[:6]}"
        process = api_process({**self.env, **env}, self.log_dir, port, name=unique)
        self.processes.append(process)
        start_api(process, url)
        return url

    def close(self) -> None:
        for process in self.processes:
            process.stop()
        self.celery.close()
        self.engine.dispose()

    def lose_queued_messages(self) -> None:
        """What a broker crash without persistence does: Redis flushed, or on RabbitMQ the
        task queue deleted (with its ready and unacknowledged messages)."""
        with self.celery.connection_for_write() as connection:
            channel = connection.default_channel
            if self.settings.broker_is_amqp:
                channel.queue_delete(self.settings.celery_queue)
            else:
                channel.client.flushdb()

    def user(self, gold: str = "0") -> str:
        number = f"USR-F{uuid.uuid4().hex[:10].upper()}"
        with self.sessions.begin() as session:
            create_accounts(session, accounts=[(number, "Fault Test", "user")])
            if Decimal(gold) > 0:
                fund(session, amounts=[(number, "GOLD_COINS", Decimal(gold))])
        return number

    def record(
        self,
        user: str,
        operation: str = "topup",
        amount: str = "1",
        asset: str = "GOLD_COINS",
    ) -> uuid.UUID:
        fields = {"account_number": user, "asset_code": asset, "amount": Decimal(amount)}
        return self.submit(operation, **fields, description="f")

    def submit(self, operation: str, **fields: Any) -> uuid.UUID:
        """Record a request of any operation (Submission's fields), committed."""
        submission = Submission(
            client_id="faults",
            idempotency_key=str(uuid.uuid4()),
            type=OperationType(operation),
            **fields,
        )
        with self.sessions.begin() as session:
            return record_request(session, submission=submission, sealer=PLAIN).request.id

    def send(self, *request_ids: uuid.UUID) -> None:
        """One wallet.post message naming these requests (the worker posts them together)."""
        triples = [[str(request_id), "k", "topup"] for request_id in request_ids]
        self.celery.send_task("wallet.post", args=(triples,))

    def requests(self, ids: list[uuid.UUID]) -> list[Request]:
        with self.sessions() as session:
            return list(session.scalars(select(Request).where(Request.id.in_(ids))))

    def transactions_for(self, ids: list[uuid.UUID]) -> int:
        with self.sessions() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(Transaction)
                    .where(Transaction.request_id.in_(ids))
                )
                or 0
            )

    def wait_terminal(self, ids: list[uuid.UUID], timeout: float = 60) -> list[Request]:
        wait_until(
            lambda: all(r.status not in PENDING for r in self.requests(ids)),
            timeout=timeout,
            what=f"{len(ids)} requests to finish",
        )
        return self.requests(ids)

    def blocked_backends(self) -> int:
        with self.engine.connect() as connection:
            return (
                connection.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                    )
                )
                or 0
            )

    @contextmanager
    def balances_locked(self, user: str) -> Iterator[None]:
        """Hold the user's balance rows: a worker posting for this user blocks mid-transaction."""
        with self.engine.connect() as connection, connection.begin():
            connection.execute(
                text(
                    "SELECT b.id FROM account_balances b JOIN accounts a ON a.id = b.account_id "
                    "WHERE a.account_number = :n FOR UPDATE"
                ),
                {"n": user},
            )
            yield


def pool_children(process: Process) -> list[int]:
    """Pids of the Celery pool processes (children of the worker's main process)."""
    assert process.popen is not None
    parent = str(process.popen.pid)
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == parent:
                children.append(int(entry))
    return children
