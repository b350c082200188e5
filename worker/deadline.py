"""A total deadline for one HTTP exchange: every connect, TLS handshake, write and read of
the connection gets what is left of it, and none is started once it has passed.

httpx's (and httpcore's) timeouts bound each socket operation on its own: a receiver that
sends its answer a byte at a time, each byte within the read timeout, held a delivery for as
long as it liked (36 s for an answer head of 12 bytes sent a byte every 3 s). Here each
operation's timeout is the time left, so the exchange as a whole ends by the deadline.
"""

import ssl
import time
from typing import Any

import httpcore


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def left(self, error: type[httpcore.TimeoutException]) -> float:
        """The seconds left; ``error`` once there are none."""
        seconds = self.at - time.monotonic()
        if seconds <= 0:
            raise error(f"no answer within {self.seconds:g} s")
        return seconds


class DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._stream, self._deadline = stream, deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, self._deadline.left(httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, self._deadline.left(httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # The handshake as a whole is bounded by the timeout it is given (CPython's ssl).
        left = self._deadline.left(httpcore.ConnectTimeout)
        secured = self._stream.start_tls(ssl_context, server_hostname, left)
        return DeadlineStream(secured, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's synchronous sockets, under ``deadline``; TCP only (no Unix sockets)."""

    def __init__(self, deadline: Deadline) -> None:
        self._backend, self._deadline = httpcore.SyncBackend(), deadline

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Any = None,
    ) -> httpcore.NetworkStream:
        left = self._deadline.left(httpcore.ConnectTimeout)
        stream = self._backend.connect_tcp(host, port, left, local_address, socket_options)
        return DeadlineStream(stream, self._deadline)
