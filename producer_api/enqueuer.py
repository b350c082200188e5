"""Coalesced enqueue: one ``wallet.post`` message per burst of recorded requests.

Request threads hand their ``[request id, idempotency key, operation]`` triples to the
process's enqueuer and answer at once. One sender thread per process sends everything handed
over while its previous send was in flight as one message: one request per message when the
API is idle, hundreds under load, and no timer anywhere.

A send that fails is logged and dropped: the requests are recorded as ``queued`` and the
reaper sends them (the inbox row is the promise, not the message). The same holds when the
process dies between the commit and the send.
"""

import logging
import os
import threading
from collections.abc import Callable

from celery import Celery

from infra.celery_config import celery_config, client_timeouts
from infra.settings import Settings

log = logging.getLogger(__name__)
Triple = list[str]  # [request id, idempotency key, operation]
Send = Callable[[list[Triple], list[str]], None]
MAX_TRACE_IDS = 20
# Past this many unsent requests (a broker that hangs), new ones are left to the reaper
# instead of growing the process's memory without bound.
MAX_PENDING = 50_000
BROKER_SOCKET_TIMEOUT = 2.0


class Enqueuer:
    def __init__(self, send: Send) -> None:
        self._send = send
        self._pending: list[Triple] = []
        self._trace_ids: list[str] = []
        self._ready = threading.Condition()
        self._sender_pid: int | None = None
        self._sender: threading.Thread | None = None
        self._closed = False

    def put(self, triples: list[Triple], trace_id: str | None = None) -> None:
        """Queue ``triples`` for the next message; never blocks on the broker."""
        with self._ready:
            self._ensure_sender()
            if len(self._pending) >= MAX_PENDING:
                log.warning("enqueuer backlog full; the reaper will send %d requests", len(triples))
                return
            self._pending.extend(triples)
            if trace_id and len(self._trace_ids) < MAX_TRACE_IDS:
                self._trace_ids.append(trace_id)
            self._ready.notify()

    def _ensure_sender(self) -> None:
        # Started lazily, after the server has forked: threads do not survive a fork.
        if self._sender_pid == os.getpid():
            return
        self._sender_pid = os.getpid()
        self._pending, self._trace_ids = [], []
        self._sender = threading.Thread(target=self._send_forever, name="enqueuer", daemon=True)
        self._sender.start()

    def close(self, timeout: float = 5.0) -> None:
        """Send what is handed over already, then stop the sender thread (an app torn down)."""
        with self._ready:
            self._closed = True
            self._ready.notify()
        if self._sender is not None and self._sender_pid == os.getpid():
            self._sender.join(timeout)

    def _send_forever(self) -> None:
        while True:
            with self._ready:
                self._ready.wait_for(lambda: bool(self._pending) or self._closed)
                if not self._pending:
                    return
                burst, trace_ids = self._pending, self._trace_ids
                self._pending, self._trace_ids = [], []
            try:
                self._send(burst, trace_ids)
            except Exception as error:  # any broker failure: the reaper sends them later
                log.warning(
                    "could not enqueue %d requests (%s); the reaper will send them",
                    len(burst),
                    error.__class__.__name__,
                )


def celery_client(settings: Settings) -> Celery:
    """The app's own Celery client, configured from its settings (not the current app of
    the process): its producer (and broker connection) is reused from send to send, and no
    task-sent event is published (the workers' task events remain for Flower)."""
    client = Celery("wallet-api", set_as_current=False)
    client.conf.update(celery_config(settings))
    client.conf.update(
        task_publish_retry_policy={"max_retries": 2, "interval_step": 0.2},
        # A client that only publishes has no loop to send AMQP heartbeats: asked for, they
        # would let RabbitMQ close its idle connection. The socket timeouts bound a dead peer.
        broker_heartbeat=0,
        # A broker that accepts the connection but never answers must not hold the sender.
        broker_transport_options={
            **client.conf.broker_transport_options,
            **client_timeouts(settings, BROKER_SOCKET_TIMEOUT),
        },
    )
    return client


def celery_sender(client: Celery) -> Send:
    """Sends one ``wallet.post`` per burst through ``client``."""

    def send(triples: list[Triple], trace_ids: list[str]) -> None:
        headers = {"request_id": ",".join(trace_ids)} if trace_ids else {}
        client.send_task("wallet.post", args=(triples,), headers=headers)

    return send
