"""A webhook receiver for tests: an HTTP server on 127.0.0.1 in a thread that records each
POST and answers with the statuses it is given (then 200). For fault tests it can also fail
the first ``fail_first`` attempts of every event (500), and hang: while ``gate`` is clear,
each POST is recorded and then left unanswered (``hanging`` counts them) until it is set.
``trickling`` is a slow receiver: it answers 200, a byte every ``interval`` seconds."""

import contextlib
import json
import queue
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


ANSWER = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass
class Trickler:
    interval: float
    url: str = ""
    posts: int = 0  # requests read, answered or not
    sending: int = 0  # answers being trickled now
    held: list[float] = field(default_factory=list)  # seconds each sender stayed, once gone
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def trickling(interval: float) -> Iterator[Trickler]:
    """A receiver that reads each POST, then sends its answer (200, ANSWER) one byte every
    ``interval`` seconds, until the sender hangs up: the slow receiver of issue 22."""
    trickler = Trickler(interval)

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            started = time.monotonic()
            head = b""
            while not head.endswith(b"\r\n\r\n") and (line := self.rfile.readline()):
                head += line
            length = next(
                (
                    int(h.split(b":")[1])
                    for h in head.lower().split(b"\r\n")
                    if h.startswith(b"content-length:")
                ),
                0,
            )
            self.rfile.read(length)
            with trickler.lock:
                trickler.posts += 1
                trickler.sending += 1
            try:
                for byte in ANSWER:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(trickler.interval)  # the receiver's own pace, not a test wait
                    if self.sender_left():
                        break
            except OSError:
                pass
            with trickler.lock:
                trickler.sending -= 1
                trickler.held.append(time.monotonic() - started)

        def sender_left(self) -> bool:
            """The sender closed its end (a read that does not block finds EOF)."""
            self.connection.setblocking(False)
            try:
                return not self.connection.recv(1)
            except BlockingIOError:
                return False
            finally:
                self.connection.setblocking(True)

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    trickler.url = f"http://127.0.0.1:{server.server_address[1]}/slow"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield trickler
    finally:
        server.shutdown()
        server.server_close()
