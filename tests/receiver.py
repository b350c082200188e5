"""A webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that records each
POST and answers with the statuses it is given (then 200)."""

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
    def __init__(self, statuses: list[int]) -> None:
        self.statuses = list(statuses)
        self.received: queue.Queue[Received] = queue.Queue()
        self.url = ""

    def answer(self, received: Received) -> int:
        self.received.put(received)
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
def receiving(statuses: list[int] | None = None) -> Iterator[Receiver]:
    receiver = Receiver(statuses or [])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received = Received(dict(self.headers.items()), body, time.monotonic())
            self.send_response(receiver.answer(received))
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
        server.shutdown()
        server.server_close()
