"""One webhook attempt over HTTP: the destination checked (infra.egress) and connected to by
the address checked, the body signed, the answer's status read within the timeout.

``Wallet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``, the
secret's UTF-8 bytes as the key. Redirects are not followed and proxies from the environment
are not used: either would send the event somewhere that was never checked.
"""

import hashlib
import hmac
import time
from urllib.parse import urlsplit

import httpx

from infra.egress import Destination, UnsafeDestination, resolve
from infra.settings import Settings
from ledger.deliveries import Answer

SIGNATURE_HEADER = "Wallet-Signature"
USER_AGENT = "wallet-webhooks/1"
MAX_ERROR = 500


def signature_header(secret: str, body: bytes, timestamp: int) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"


def send(url: str, body: bytes, *, secret: str, settings: Settings) -> Answer:
    """POST ``body`` to ``url``; a refused destination, a transport error, a late answer or a
    non-2xx status is a failed attempt."""
    started = time.monotonic()
    try:
        destination = resolve(
            url,
            allow_private=settings.webhook_allow_private,
            allow_loopback=settings.webhook_allow_loopback,
        )
    except UnsafeDestination as refusal:
        return Answer(None, f"refused: {refusal}"[:MAX_ERROR], time.monotonic() - started)
    try:
        status = _post(destination, body, secret, settings.webhook_timeout_seconds)
    except httpx.HTTPError as error:
        message = f"{type(error).__name__}: {error}"[:MAX_ERROR]
        return Answer(None, message, time.monotonic() - started)
    seconds = time.monotonic() - started
    if seconds > settings.webhook_timeout_seconds:
        return Answer(status, f"answered after {seconds:.1f} s", seconds)
    return Answer(status, None, seconds)


def _post(destination: Destination, body: bytes, secret: str, timeout: float) -> int:
    """The status code, read from the answer's head (its body is never read)."""
    headers = {
        "Host": urlsplit(destination.url).netloc,
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: signature_header(secret, body, int(time.time())),
    }
    url = httpx.URL(destination.url).copy_with(host=destination.address)
    extensions = {"sni_hostname": destination.host} if url.scheme == "https" else {}
    with (
        httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client,
        client.stream("POST", url, content=body, headers=headers, extensions=extensions) as answer,
    ):
        return answer.status_code
