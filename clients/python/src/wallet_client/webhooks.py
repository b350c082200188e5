"""Verifying the service's webhook deliveries.

Each delivery is a ``POST`` of ``{"id", "type", "createdAt", "data"}`` with the header
``Wallet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>``.
During a secret rotation the header carries one ``v1=`` per secret; any one that matches
will do. Verify the raw bytes as received (before any JSON parsing), then deduplicate by
``event.id``: delivery is at least once.

    event = verify(secret, request.headers["Wallet-Signature"], request.get_data())
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from wallet_client.models import RequestResult, WalletModel

HEADER = "Wallet-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE = 300


class WebhookVerificationError(Exception):
    """The delivery is not to be trusted: header malformed, timestamp outside the
    tolerance, no signature matching, or a body that is not an event."""


class WebhookEvent(WalletModel):
    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]

    def request(self) -> RequestResult:
        """``data`` as a request resource (``request.completed``, ``request.failed``)."""
        return RequestResult.model_validate(self.data)


def _bytes(value: str | bytes) -> bytes:
    return value.encode() if isinstance(value, str) else value


def signature(secret: str | bytes, timestamp: int, raw_body: str | bytes) -> str:
    """The hex ``v1`` signature of ``raw_body`` sent at ``timestamp``."""
    message = f"{timestamp}.".encode() + _bytes(raw_body)
    return hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def sign(secret: str | bytes, raw_body: str | bytes, timestamp: int | None = None) -> str:
    """A ``Wallet-Signature`` header value, as the service sends it (for receivers' tests)."""
    when = int(time.time()) if timestamp is None else timestamp
    return f"t={when},{SCHEME}={signature(secret, when, raw_body)}"


def parse_header(signature_header: str) -> tuple[int, list[str]]:
    """``(timestamp, [v1 signatures])``; other schemes are ignored."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in signature_header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise WebhookVerificationError(f"malformed {HEADER} header item: {part.strip()!r}")
        if name == "t":
            timestamps.append(value.strip())
        elif name == SCHEME:
            signatures.append(value.strip().lower())
    if len(timestamps) != 1 or not timestamps[0].isdigit() or not timestamps[0].isascii():
        raise WebhookVerificationError(f"the {HEADER} header needs one t=<unix seconds>")
    if not signatures:
        raise WebhookVerificationError(f"the {HEADER} header has no {SCHEME} signature")
    return int(timestamps[0]), signatures


def verify(
    secret: str | bytes,
    signature_header: str | None,
    raw_body: str | bytes,
    tolerance: float | None = DEFAULT_TOLERANCE,
    *,
    now: float | None = None,
) -> WebhookEvent:
    """The delivered event, once the header proves the service sent ``raw_body`` within
    ``tolerance`` seconds of ``now`` (either way; None skips the check, which lets a
    captured delivery be replayed); else ``WebhookVerificationError``."""
    if not signature_header:
        raise WebhookVerificationError(f"no {HEADER} header")
    timestamp, candidates = parse_header(signature_header)
    current = time.time() if now is None else now
    if tolerance is not None and abs(current - timestamp) > tolerance:
        raise WebhookVerificationError(
            f"timestamp {timestamp} is outside the tolerance of {tolerance} s"
        )
    expected = signature(secret, timestamp, raw_body)
    # Every candidate is compared (in constant time each): no early exit tells which matched.
    matches = [hmac.compare_digest(expected, candidate) for candidate in candidates]
    if not any(matches):
        raise WebhookVerificationError("no signature matches the body")
    try:
        return WebhookEvent.model_validate(json.loads(_bytes(raw_body)))
    except (ValueError, ValidationError) as error:
        raise WebhookVerificationError(f"the body is not an event: {error}") from None
