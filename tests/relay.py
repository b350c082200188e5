"""A TCP relay that can forget its connections, as a NAT, a load balancer or a firewall does
when it drops its state for a flow: from ``forget()`` on, what a client sends on a connection
it already had is taken (acknowledged by the relay's kernel) and thrown away, and nothing
ever comes back; the server's side is closed. New connections are relayed as before."""

import contextlib
import socket
import threading
from collections.abc import Callable


class ForgetfulRelay:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._flows: list[tuple[socket.socket, socket.socket, threading.Event]] = []
        threading.Thread(
            target=accept_forever, args=(self.listener, self._serve), daemon=True
        ).start()

    def forget(self) -> int:
        """Black-hole every connection relayed so far; how many there were."""
        with self._lock:
            flows = [flow for flow in self._flows if not flow[2].is_set()]
        for _, upstream, forgotten in flows:
            forgotten.set()
            shut(upstream)
        return len(flows)

    def close(self) -> None:
        shut(self.listener)
        for client, upstream, _ in self._flows:
            shut(client, upstream)

    def _serve(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        forgotten = threading.Event()
        with self._lock:
            self._flows.append((client, upstream, forgotten))
        threading.Thread(target=_pump, args=(upstream, client, forgotten), daemon=True).start()
        _pump(client, upstream, forgotten)


def accept_forever(listener: socket.socket, serve: Callable[[socket.socket], None]) -> None:
    """Serve each connection ``listener`` accepts in a thread of its own, until it is closed."""
    while True:
        try:
            client, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=serve, args=(client,), daemon=True).start()


def _pump(source: socket.socket, target: socket.socket, forgotten: threading.Event) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            if not forgotten.is_set():
                target.sendall(data)


def shut(*sockets: socket.socket) -> None:
    """Shut down, which wakes a thread blocked reading it (close alone would not)."""
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
