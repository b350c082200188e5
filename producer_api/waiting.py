"""Long-polling: one Redis subscriber thread per API process wakes the threads waiting on requests.

A waiter also re-reads Postgres every ``POLL_SECONDS``, so a lost notification (Redis
restarted, subscriber reconnecting) only delays the answer and never hangs it.

A waiter holds a server thread, so at most ``max_waiters`` calls of a process wait at once
(MAX_WAITERS_PER_PROCESS, well below the server's API_THREADS): past that a call is answered at
once, as if it had not asked to wait (RFC 7240 lets a server ignore a preference), and
reads and submits always find a free thread.
"""

import json
import logging
import os
import threading
import time
from collections.abc import Callable

import redis

log = logging.getLogger(__name__)
POLL_SECONDS = 0.5


class OutcomeWaiter:
    def __init__(self, redis_url: str, channel: str, *, max_waiters: int) -> None:
        self._redis_url, self._channel = redis_url, channel
        self._slots = threading.BoundedSemaphore(max_waiters)
        self._waiters: dict[str, set[threading.Event]] = {}
        self._lock = threading.Lock()
        self._listener_pid: int | None = None
        self._listener: threading.Thread | None = None
        self._closed = threading.Event()

    def wait(self, request_ids: list[str], seconds: float, is_done: Callable[[], bool]) -> bool:
        """Return once ``is_done()`` holds or ``seconds`` have passed: True. False at once if
        ``max_waiters`` calls already wait."""
        if not self._slots.acquire(blocking=False):
            return False
        try:
            self._wait(request_ids, seconds, is_done)
        finally:
            self._slots.release()
        return True

    def _wait(self, request_ids: list[str], seconds: float, is_done: Callable[[], bool]) -> None:
        self._ensure_listener()
        event = threading.Event()
        with self._lock:
            for request_id in request_ids:
                self._waiters.setdefault(request_id, set()).add(event)
        try:
            deadline = time.monotonic() + seconds
            while not is_done():
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return
                event.wait(min(remaining, POLL_SECONDS))
                event.clear()
        finally:
            with self._lock:
                for request_id in request_ids:
                    self._waiters[request_id].discard(event)
                    if not self._waiters[request_id]:
                        del self._waiters[request_id]

    def _ensure_listener(self) -> None:
        # Started lazily, after the server has forked: threads do not survive a fork.
        with self._lock:
            if self._listener_pid == os.getpid():
                return
            self._listener_pid = os.getpid()
            listener = threading.Thread(
                target=self._listen_forever, name="outcome-listener", daemon=True
            )
            self._listener = listener
        listener.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the listener thread and its Redis connection (an app torn down)."""
        self._closed.set()
        if self._listener is not None and self._listener_pid == os.getpid():
            self._listener.join(timeout)

    def _listen_forever(self) -> None:
        while not self._closed.is_set():
            try:
                self._listen()
            except (redis.RedisError, OSError) as error:
                log.warning("outcome listener lost Redis (%s); reconnecting", error)
                self._closed.wait(1)

    def _listen(self) -> None:
        client = redis.Redis.from_url(self._redis_url, health_check_interval=10)
        pubsub = client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
        try:
            pubsub.subscribe(self._channel)
            while not self._closed.is_set():  # polled, so that close() needs no second thread
                message = pubsub.get_message(timeout=POLL_SECONDS)
                if message is not None:
                    self._wake(_request_ids(message["data"]))
        finally:
            pubsub.close()
            client.close()

    def _wake(self, request_ids: list[str]) -> None:
        with self._lock:
            for request_id in request_ids:
                for event in self._waiters.get(request_id, ()):
                    event.set()


def _request_ids(data: bytes) -> list[str]:
    """The ids a worker announced; anything else on the channel is ignored, not fatal."""
    try:
        ids = json.loads(data).get("requestIds", [])
    except (ValueError, AttributeError):
        ids = None
    if not isinstance(ids, list):
        log.warning("ignored a malformed message on the outcome channel")
        return []
    return [str(i) for i in ids]
