"""The ASGI front's own rules, driven as granian drives it (ASGI messages), around a small WSGI
app that parks its call: what a parked call is answered when its requests cannot be read
again, and the body bounds by path. The waiting itself runs on real processes:
tests/e2e/test_waiting.py."""

import asyncio
import uuid
from typing import Any

from pydantic import BaseModel

from infra.settings import Settings
from producer_api.front import PARKED, REFUSED, Front
from producer_api.parking import Parked

PENDING = str(uuid.uuid4())


class View(BaseModel):
    status: str


def parking_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    """Answers 202 and parks the call on one request, or says why the front refused it."""
    if environ[REFUSED]:
        start_response(f"{environ[REFUSED]} Refused", [("Content-Type", "text/plain")])
        return [b"refused"]
    environ[PARKED] = Parked((PENDING,), (PENDING,), 5, lambda views: (200, views[0]))
    start_response("202 Accepted", [("Location", "/there"), ("Content-Length", "7")])
    return [b"pending"]


def unreadable(request_ids: list[Any]) -> list[Any]:
    raise RuntimeError("the database went away")


def front(read: Any = unreadable) -> Front:
    settings = Settings(
        redis_url="redis://127.0.0.1:1/0",  # nobody announces: the re-check finds it done
        wait_recheck_seconds=0.05,
        body_read_seconds=1,
    )
    return Front(
        parking_app,
        settings,
        max_body=10,
        large_bodies={"/big": 100},
        finished=lambda ids: set(ids),
        read=read,
    )


def call(app: Front, path: str, body: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "query_string": b"",
        "headers": [],
        "http_version": "1.1",
    }
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)  # the client stays: no http.disconnect
        return {}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def run() -> None:
        await app(scope, receive, send)
        await app.waiter.stop()

    asyncio.run(run())
    start, answer = sent
    return start["status"], dict(start["headers"]), answer["body"]


def test_a_parked_call_whose_requests_cannot_be_read_again_gets_its_first_answer() -> None:
    status, headers, body = call(front(), "/submit")
    assert (status, headers[b"location"], body) == (202, b"/there", b"pending")
    assert b"preference-applied" not in headers


def test_a_parked_call_is_answered_with_its_requests_read_again() -> None:
    status, _, body = call(front(lambda ids: [View(status="completed") for _ in ids]), "/submit")
    assert (status, body) == (200, b'{"status":"completed"}')


def test_a_body_past_its_paths_limit_is_refused_and_a_larger_path_takes_more() -> None:
    assert call(front(), "/submit", b"x" * 11)[0] == 413
    assert call(front(lambda ids: [View(status="done") for _ in ids]), "/big", b"x" * 11)[0] == 200
    assert call(front(), "/big", b"x" * 101)[0] == 413
