"""The API's ASGI front: the Flask app behind an asyncio layer that parks waiting calls.

granian serves this app (api_server.py). For each call the front

1. reads the whole body on the event loop, within BODY_READ_SECONDS in all and at most its
   route's limit (64 KiB, a batch 1 MiB), whatever its framing: a slow sender holds a
   coroutine, never a thread, and a body past the bound is refused (408, 413) by the Flask
   app like any other refusal (/healthz is answered by the front itself);
2. runs the Flask app (every route, as WSGI) on one of API_THREADS threads (a read: of
   API_READ_THREADS others), with the body whole and its length known (a2wsgi builds the
   WSGI environ);
3. if the route parked the call (``park`` below: ``Prefer: wait`` on a submit, ``?wait`` on a
   poll) and the process has room, awaits the outcome in ``OutcomeWaiter`` and sends what
   the route renders then; otherwise sends the route's answer as it is.

The answer is buffered whole before it is sent (every route answers a bounded JSON
document or a small static file).
"""

import asyncio
import io
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any, cast

from a2wsgi.wsgi import build_environ

from infra.settings import Settings
from producer_api.parking import Parked, ReadRequests, Renders
from producer_api.waiting import OutcomeWaiter

log = logging.getLogger(__name__)
PARKED = "wallet.parked"  # environ: where a route leaves its Parked (the front set it to None)
READS = ("GET", "HEAD")
HEALTHY = b'{"status":"ok"}\n'  # /healthz, as the app's own route answers it
RENDER_SECONDS = 10.0  # reading a parked call's requests again: past this, its first answer
WATCH_AFTER_SECONDS = 2.0  # a parked call is watched for its client's departure after this
REFUSED = "wallet.refused"  # environ: why the front refused the body (408 or 413)
Scope = dict[str, Any]
Receive = Callable[[], Any]
Send = Callable[[dict[str, Any]], Any]
Headers = list[tuple[bytes, bytes]]
WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Any]


@dataclass
class Answer:
    status: int
    headers: Headers
    body: bytes


class Front:
    def __init__(
        self,
        app: WsgiApp,
        settings: Settings,
        *,
        max_body: int,
        large_bodies: dict[str, int],
        finished: Callable[[list[str]], set[str]],
        read: ReadRequests,
    ) -> None:
        """``max_body``: the most a route accepts, ``large_bodies`` the paths that take more
        (the app's routes refuse past their own bounds too);
        ``finished``: which of these request ids are finished; ``read``: their resources
        (both run on a thread)."""
        self._app = app
        # Parked calls' reads run on a thread of their own: behind the calls queued for the
        # app's threads, a finished call would wait for every one of them (256 connections:
        # answers 340 ms after their requests completed, against 28 ms with 64).
        self._parked_thread = ThreadPoolExecutor(1, thread_name_prefix="api-parked")
        self._renders = Renders(read, self._run_parked)
        self._max_body, self._large_bodies = max_body, large_bodies
        self._body_seconds = settings.body_read_seconds
        self._threads = ThreadPoolExecutor(settings.api_threads, thread_name_prefix="api")
        # Reads (GET, HEAD: balances, history, polls of a request) have threads of their own:
        # at saturation a read would otherwise queue behind every submit in line.
        self._read_threads = ThreadPoolExecutor(
            settings.api_read_threads, thread_name_prefix="api-read"
        )
        self.waiter = OutcomeWaiter(
            settings.redis_url,
            settings.outcome_channel,
            max_waiters=settings.max_waiters_per_process,
            recheck_seconds=settings.wait_recheck_seconds,
            finished_among=lambda ids: self._run_parked(lambda: finished(ids)),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    def _run_app(self, environ: dict[str, Any]) -> "asyncio.Future[Answer]":
        """The Flask app on one of its threads: a read's, or a write's."""
        threads = self._read_threads if environ["REQUEST_METHOD"] in READS else self._threads
        call = partial(_call_wsgi, self._app, environ)
        return asyncio.get_running_loop().run_in_executor(threads, call)

    def _run_parked(self, function: Callable[[], Any]) -> "asyncio.Future[Any]":
        return asyncio.get_running_loop().run_in_executor(self._parked_thread, function)

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["path"] == "/healthz":  # the process answers: never behind a busy thread
            await _send(send, Answer(200, [(b"content-type", b"application/json")], HEALTHY))
            return
        max_body = self._large_bodies.get(scope["path"], self._max_body)
        read = await self._read_body(receive, max_body)
        if read is None:
            return
        body, refused = read
        environ = cast(dict[str, Any], build_environ(scope, io.BytesIO(body)))  # type: ignore[arg-type]
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ[PARKED], environ[REFUSED] = None, refused
        answer = await self._run_app(environ)
        parked: Parked | None = environ[PARKED]
        if parked is not None and answer.status in (200, 202) and await self._park(parked, receive):
            answer = await self._rendered(answer, parked)
        await _send(send, answer)

    async def _rendered(self, first: Answer, parked: Parked) -> Answer:
        """The answer after the wait; the route's own (202, its Location) if reading the
        requests again failed: the outcome is still there to poll, a 500 would hide it."""
        try:
            async with asyncio.timeout(RENDER_SECONDS):
                status, body = await self._renders.render(parked)
        except Exception:
            log.exception("a parked call's requests could not be read again")
            return first
        headers = [(k, v) for k, v in first.headers if k != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        if parked.applied:
            headers.append((b"preference-applied", parked.applied.encode()))
        return Answer(status, headers, body)

    async def _read_body(self, receive: Receive, max_body: int) -> tuple[bytes, int | None] | None:
        """The body, or 408 / 413 if it took too long or was larger than its route takes;
        None if the client left (http.disconnect: nobody to answer)."""
        body, more = bytearray(), True
        try:
            async with asyncio.timeout(self._body_seconds):
                while more:
                    message = await receive()
                    if message["type"] != "http.request":
                        return None
                    body += message.get("body", b"")
                    if len(body) > max_body:
                        return b"", 413
                    more = message.get("more_body", False)
        except TimeoutError:
            return b"", 408
        return bytes(body), None

    async def _park(self, parked: Parked, receive: Receive) -> bool:
        """Wait for the parked call's requests; False if the wait was not applied or the
        client left meanwhile (then its place is freed at once, not when the wait runs out).

        A departure is watched for only once a call has waited ``WATCH_AFTER_SECONDS``: a
        pending ``receive()`` delays granian's sending of the answer by up to some 300 ms
        (256 parked long-polls: answers p50 345 ms after their request completed, against
        34 ms without the watch), and most calls are answered well before."""
        waiting = asyncio.ensure_future(self.waiter.wait(parked.pending, parked.seconds))
        await asyncio.wait({waiting}, timeout=WATCH_AFTER_SECONDS)
        if waiting.done():
            return waiting.result()
        leaving = asyncio.ensure_future(receive())  # after the body: only http.disconnect
        await asyncio.wait({waiting, leaving}, return_when=asyncio.FIRST_COMPLETED)
        if not waiting.done():
            waiting.cancel()
            return False
        leaving.cancel()
        return waiting.result()

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                self.waiter.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.waiter.stop()
                self._threads.shutdown(wait=False)
                self._read_threads.shutdown(wait=False)
                self._parked_thread.shutdown(wait=False)
                await send({"type": "lifespan.shutdown.complete"})
                return


async def _send(send: Send, answer: Answer) -> None:
    await send({"type": "http.response.start", "status": answer.status, "headers": answer.headers})
    await send({"type": "http.response.body", "body": answer.body})


def _call_wsgi(app: WsgiApp, environ: dict[str, Any]) -> Answer:
    """One WSGI call, its answer collected whole."""
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [status, headers]
        return lambda data: None  # the write() callable: unused by Flask

    iterable = app(environ, start_response)
    try:
        body = b"".join(iterable)
    finally:
        getattr(iterable, "close", lambda: None)()
    status, headers = started
    encoded = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    return Answer(int(status.split(" ", 1)[0]), encoded, body)
