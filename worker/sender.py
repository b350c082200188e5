"""One webhook attempt over HTTP: the destination checked (infra.egress) and connected to by
the address checked, the body signed, the answer's status read within the timeout: a total
deadline on the whole attempt, name resolution included (worker.deadline), however slowly the
receiver answers.

``Wallet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, the
secret's UTF-8 bytes as the key. Redirects are not followed and proxies from the environment
are not used: either would send the event somewhere that was never checked.
"""

import hashlib
import hmac
import time
from urllib.parse import urlsplit

import httpcore
import httpx

from infra.egress import Destination, UnsafeDestination, resolve
from infra.settings import Settings
from ledger.webhooks.deliveries import Answer
from worker.deadline import Deadline, DeadlineBackend

SIGNATURE_HEADER = "Wallet-Signature"
USER_AGENT = "wallet-webhooks/1"
MAX_ERROR = 500
TRANSPORT_ERRORS = (
    httpcore.TimeoutException,
    httpcore.NetworkError,
    httpcore.ProtocolError,
    httpcore.UnsupportedProtocol,
)


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def send(url: str, body: bytes, *, secret: str, settings: Settings) -> Answer:
    """POST ``body`` to ``url``; a refused destination, a transport error, an answer not
    read by the deadline (WEBHOOK_TIMEOUT_SECONDS after the start) or a non-2xx status is a
    failed attempt."""
    started = time.monotonic()
    deadline = Deadline(settings.webhook_timeout_seconds)
    try:
        destination = resolve(
            url,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhook_allow_loopback,
        )
    except UnsafeDestination as refusal:
        return Answer(None, f"refused: {refusal}"[:MAX_ERROR], time.monotonic() - started)
    try:
        status = _post(destination, body, secret, deadline)
    except TRANSPORT_ERRORS as error:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR]
        return Answer(None, message, time.monotonic() - started)
    return Answer(status, None, time.monotonic() - started)


def _post(destination: Destination, body: bytes, secret: str, deadline: Deadline) -> int:
    """The status code, read from the answer's head (its body is never read)."""
    headers: list[tuple[bytes | str, bytes | str]] = [
        ("Host", urlsplit(destination.url).netloc),
        ("Content-Type", "application/json"),
        ("User-Agent", USER_AGENT),
        (SIGNATURE_HEADER, signature_header(secret, body, int(time.time()))),
    ]
    url = httpx.URL(destination.url).copy_with(host=destination.address)
    target = httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )
    extensions = {"sni_hostname": destination.host} if url.scheme == "https" else {}
    with (
        httpcore.ConnectionPool(network_backend=DeadlineBackend(deadline)) as pool,
        pool.stream("POST", target, headers=headers, content=body, extensions=extensions) as answer,
    ):
        return answer.status
