"""A TCP relay that can forget its connections, as a NAT, a load balancer or a firewall does
when it drops its state for a flow: from ``forget()`` on, what a client sends on a connection
it already had is taken (acknowledged by the relay's kernel) and thrown away, and nothing
ever comes back; the server's side is closed. New connections are relayed as before."""

import contextlib
import socket
import threading


class ForgetfulRelay:
    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self._lock = threading.Lock()
        self._flows: list[tuple[socket.socket, socket.socket, threading.Event]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def forget(self) -> int:
        """Black-hole every connection relayed so far; how many there were."""
        with self._lock:
            flows, self._flows = self._flows, []
        for _, upstream, forgotten in flows:
            forgotten.set()
            _shut(upstream)
        return len(flows)

    def close(self) -> None:
        _shut(self.listener)
        for client, upstream, _ in self._flows:
            _shut(client, upstream)

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            forgotten = threading.Event()
            with self._lock:
                self._flows.append((client, upstream, forgotten))
            for args in ((client, upstream, forgotten), (upstream, client, forgotten)):
                threading.Thread(target=_pump, args=args, daemon=True).start()


def _pump(source: socket.socket, target: socket.socket, forgotten: threading.Event) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            if not forgotten.is_set():
                target.sendall(data)


def _shut(*sockets: socket.socket) -> None:
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
