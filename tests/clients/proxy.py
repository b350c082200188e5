"""A TCP proxy in front of the API that loses answers: for the first connection that
carries a POST it forwards the request, waits until the API's answer starts to arrive (so
the API has recorded the request, and with ``Prefer: wait`` posted it) and then either
closes the client's connection (``drop``: the client sees it closed without an answer) or
keeps it open, silent (``hold``: the client's read times out). Every other connection is
forwarded both ways."""

import contextlib
import socket
import threading
from typing import Literal

from tests.relay import accept_forever, shut

Mode = Literal["drop", "hold"]


class LossyProxy:
    def __init__(self, target_port: int, mode: Mode = "drop") -> None:
        self.target_port, self.mode = target_port, mode
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.lost = 0  # answers lost so far (at most one)
        self.lock = threading.Lock()
        self.answer_lost = threading.Event()
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(
            target=accept_forever, args=(self.listener, self._serve), daemon=True
        ).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        self.sockets += [client, upstream]
        first = client.recv(65536)
        with self.lock:
            lose = first.startswith(b"POST") and self.lost == 0
            self.lost += lose
        upstream.sendall(first)
        forward = threading.Thread(target=_pump, args=(client, upstream), daemon=True)
        forward.start()  # the rest of the request, and any later one
        if not lose:
            _pump(upstream, client)
            return
        upstream.recv(65536)  # the answer starts: the API has recorded the request
        if self.mode == "hold":
            self.answer_lost.set()
            forward.join()  # until the client gives up and closes
        shut(client, upstream)
        self.answer_lost.set()


def _pump(source: socket.socket, target: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            target.sendall(data)
    shut(source, target)
