"""wallet_client.webhooks.verify: the receiver's side of signed deliveries."""

import hashlib
import hmac
import json

import pytest
from wallet_client.webhooks import WebhookVerificationError, sign, verify

from tests.clients.fakes import resource

SECRET = "whsec_test_3f9a"
NOW = 1_767_225_600
EVENT = {
    "id": "evt_01",
    "type": "request.completed",
    "createdAt": "2026-01-01T00:00:00Z",
    "data": resource("k1"),
}
BODY = json.dumps(EVENT).encode()


def header(t: int = NOW, *signatures: str) -> str:
    return ",".join([f"t={t}", *(f"v1={s}" for s in signatures)])


def hmac_hex(secret: str, t: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()


def test_a_signed_delivery_verifies_and_returns_the_event() -> None:
    event = verify(SECRET, header(NOW, hmac_hex(SECRET, NOW, BODY)), BODY, now=NOW)
    assert (event.id, event.type, event.created_at.year) == ("evt_01", "request.completed", 2026)
    assert event.data["idempotencyKey"] == "k1"
    assert event.request().completed
    assert event.model_dump(mode="json", by_alias=True).keys() == EVENT.keys()


def test_sign_makes_the_header_the_service_sends() -> None:
    assert sign(SECRET, BODY, NOW) == header(NOW, hmac_hex(SECRET, NOW, BODY))
    assert verify(SECRET, sign(SECRET, BODY), BODY).id == "evt_01"  # now, real clock
    assert verify(SECRET.encode(), sign(SECRET, BODY.decode(), NOW), BODY.decode(), now=NOW)


def test_any_of_several_v1_signatures_may_match_during_a_secret_rotation() -> None:
    old, new = hmac_hex("old-secret", NOW, BODY), hmac_hex(SECRET, NOW, BODY)
    assert verify(SECRET, header(NOW, old, new), BODY, now=NOW).id == "evt_01"
    assert verify("old-secret", header(NOW, old, new), BODY, now=NOW).id == "evt_01"
    spaced = f"t={NOW}, v0=ignored, v1={old} , v1={new.upper()}"
    assert verify(SECRET, spaced, BODY, now=NOW).id == "evt_01"


@pytest.mark.parametrize(
    "tampered",
    [BODY.replace(b"k1", b"k2"), BODY + b" ", BODY.replace(b'"100.50"', b'"999.50"')],
)
def test_a_tampered_body_is_rejected(tampered: bytes) -> None:
    with pytest.raises(WebhookVerificationError, match="no signature matches"):
        verify(SECRET, header(NOW, hmac_hex(SECRET, NOW, BODY)), tampered, now=NOW)


def test_another_secret_or_another_timestamp_is_rejected() -> None:
    signed = hmac_hex(SECRET, NOW, BODY)
    with pytest.raises(WebhookVerificationError):
        verify("not-the-secret", header(NOW, signed), BODY, now=NOW)
    with pytest.raises(WebhookVerificationError):  # the signature covers t
        verify(SECRET, header(NOW + 1, signed), BODY, now=NOW)


@pytest.mark.parametrize(("age", "ok"), [(0, True), (300, True), (-300, True), (301, False),
                                         (-301, False), (86_400, False)])  # fmt: skip
def test_the_timestamp_must_be_within_the_tolerance_either_way(age: int, ok: bool) -> None:
    t = NOW - age
    signed = header(t, hmac_hex(SECRET, t, BODY))
    if ok:
        assert verify(SECRET, signed, BODY, now=NOW).id == "evt_01"
    else:
        with pytest.raises(WebhookVerificationError, match="tolerance"):
            verify(SECRET, signed, BODY, now=NOW)


def test_the_tolerance_is_configurable_and_can_be_turned_off() -> None:
    t = NOW - 3600
    signed = header(t, hmac_hex(SECRET, t, BODY))
    assert verify(SECRET, signed, BODY, tolerance=7200, now=NOW).id == "evt_01"
    assert verify(SECRET, signed, BODY, tolerance=None, now=NOW).id == "evt_01"
    with pytest.raises(WebhookVerificationError):
        verify(SECRET, signed, BODY, tolerance=60, now=NOW)


@pytest.mark.parametrize(
    "bad",
    [None, "", "garbage", f"v1={'0' * 64}", f"t={NOW}", f"t=abc,v1={'0' * 64}",
     f"t={NOW},t={NOW},v1={'0' * 64}", f"t=-{NOW},v1={'0' * 64}", f"t={NOW},v0=abc",
     f"t=١٢٣,v1={'0' * 64}"],
)  # fmt: skip
def test_a_malformed_header_is_rejected(bad: str | None) -> None:
    with pytest.raises(WebhookVerificationError):
        verify(SECRET, bad, BODY, now=NOW)


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"id": "x"}', b"\xff\xfe"])
def test_a_signed_body_that_is_not_an_event_is_rejected(body: bytes) -> None:
    with pytest.raises(WebhookVerificationError, match="not an event"):
        verify(SECRET, header(NOW, hmac_hex(SECRET, NOW, body)), body, now=NOW)
