"""Request bodies through the real server (producer_api.front reads them): slow senders hold
no thread and are cut off at the deadline, and a body over the limit is refused whatever its
framing."""

import json
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.test_backpressure import start_private_api
from tests.fixtures.processes import DEV_KEY
from tests.stack import Stack


@contextmanager
def connection(url: str) -> Iterator[socket.socket]:
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port or 80), timeout=30) as sock:
        yield sock


def request_head(path: str, framing: str) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {DEV_KEY}\r\n"
        f"Content-Type: application/json\r\n{framing}\r\n\r\n"
    ).encode()


def status_of(sock: socket.socket) -> int:
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return int(answer.split(b" ", 2)[1])


def chunked(body: bytes, size: int = 8192) -> bytes:
    parts = [body[i : i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


def topup_bytes(key: str) -> bytes:
    return json.dumps(
        {"accountNumber": "USR-003", "assetCode": "GOLD_COINS", "amount": 1, "idempotencyKey": key}
    ).encode()


@pytest.mark.slow
def test_slow_senders_hold_no_thread_and_are_cut_off_at_the_deadline(stack: Stack) -> None:
    url, _ = start_private_api(stack, WEB_CONCURRENCY="1", BODY_READ_SECONDS="3")
    body = topup_bytes(f"slow-{uuid.uuid4()}")
    head = request_head("/api/wallet/topup", f"Content-Length: {len(body)}")
    with ExitStack() as senders:
        socks = [senders.enter_context(connection(url)) for _ in range(40)]
        for sock in socks:  # 40 bodies trickling in, ten times the process's threads
            sock.sendall(head + body[:1])
        probes = []
        for _ in range(10):
            started = time.monotonic()
            assert requests.get(f"{url}/healthz", timeout=5).status_code == 200
            probes.append(time.monotonic() - started)
            for sock in socks:
                sock.sendall(body[1:2])  # one byte a round, never the whole body
        assert max(probes) < 0.5
        assert {status_of(sock) for sock in socks} == {408}


def test_a_chunked_body_over_the_limit_is_refused_not_cut(api_url: str) -> None:
    key = f"chunked-{uuid.uuid4()}"
    # A JSON object that ends exactly at byte 65,536, then more of the same body.
    start = b'{"accountNumber":"USR-003","assetCode":"GOLD_COINS","amount":1,'
    start += b'"idempotencyKey":"' + key.encode() + b'","metadata":{"x":"'
    end = b'"}}'
    first = start + b"y" * (65536 - len(start) - len(end)) + end
    assert len(first) == 65536
    body = first + b',"amount":"900"}'  # accepted, cut to its first 64 KiB, before
    with connection(api_url) as sock:
        sock.sendall(request_head("/api/wallet/topup", "Transfer-Encoding: chunked"))
        sock.sendall(chunked(body))
        assert status_of(sock) == 413
    answer = requests.get(
        f"{api_url}/api/wallet/requests/{key}",
        headers={"Authorization": f"Bearer {DEV_KEY}"},
        timeout=10,
    )
    assert answer.status_code == 404  # nothing was recorded


def test_a_chunked_body_within_the_limit_is_read_whole(api_url: str) -> None:
    key = f"chunked-ok-{uuid.uuid4()}"
    with connection(api_url) as sock:
        sock.sendall(request_head("/api/wallet/topup", "Transfer-Encoding: chunked"))
        sock.sendall(chunked(topup_bytes(key), size=7))
        assert status_of(sock) == 202
