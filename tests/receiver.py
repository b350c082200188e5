"""A webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that records each
POST and answers with the statuses it is given (then 200). For fault tests it can also fail
the first ``fail_first`` attempts of every event (500), and hang: while ``gate`` is clear,
each POST is recorded and then left unanswered (``hanging`` counts them) until it is set."""

import contextlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()

    @property
    def event(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found


class Receiver:
    def __init__(self, statuses: list[int], fail_first: int = 0) -> None:
        self.statuses = list(statuses)
        self.fail_first = fail_first
        self.received: queue.Queue[Received] = queue.Queue()
        self.log: list[Received] = []  # every POST, in order of arrival
        self.url = ""
        self.gate = threading.Event()
        self.gate.set()
        self.hanging = 0
        self._attempts: dict[object, int] = {}  # by event id
        self._lock = threading.Lock()

    def answer(self, received: Received) -> int:
        with self._lock:
            self.log.append(received)
            event_id = received.event.get("id")
            earlier = self._attempts[event_id] = self._attempts.get(event_id, 0) + 1
            self.hanging += not self.gate.is_set()
        self.received.put(received)
        self.gate.wait()
        if earlier <= self.fail_first:
            return 500
        return self.statuses.pop(0) if self.statuses else 200

    def wait_for(
        self, matches: Callable[[dict[str, Any]], bool], count: int = 1, timeout: float = 30
    ) -> list[Received]:
        """The first ``count`` POSTs whose event ``matches``, others skipped."""
        found: list[Received] = []
        deadline = time.monotonic() + timeout
        while len(found) < count:
            received = self.received.get(timeout=max(0.01, deadline - time.monotonic()))
            if matches(received.event):
                found.append(received)
        return found


@contextmanager
def receiving(statuses: list[int] | None = None, fail_first: int = 0) -> Iterator[Receiver]:
    receiver = Receiver(statuses or [], fail_first)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received = Received(dict(self.headers.items()), body, time.monotonic())
            status = receiver.answer(received)
            with contextlib.suppress(OSError):  # the sender gave up (timeout, killed)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.gate.set()
        server.shutdown()
        server.server_close()
