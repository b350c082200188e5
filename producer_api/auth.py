"""Bearer API keys with scopes. Resolved keys are cached for 30 s (a revocation takes effect
within that time); the cache is keyed by the token's HMAC, never by the token itself."""

import functools
import hmac
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import g, request

from ledger.api_keys import SCOPES, Principal, authenticate, hash_token
from producer_api.limits import charge_for_view
from producer_api.problems import Problem
from producer_api.services import services

DEV_CLIENT = "default"
# RFC 6750 token68 characters only: a token with a control character never reaches a query.
_BEARER = re.compile(r"^Bearer +([A-Za-z0-9._~+/-]+=*) *$", re.IGNORECASE)
_cache: TTLCache[str, Principal | None] = TTLCache(maxsize=10_000, ttl=30)
_cache_lock = threading.Lock()
View = TypeVar("View", bound=Callable[..., Any])


def requires(scope: str) -> Callable[[View], View]:
    """Decorate a view: 401 without a valid key, 403 without ``scope`` (or ``admin``)."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            principal = _authenticate()
            if scope not in principal.scopes and "admin" not in principal.scopes:
                raise Problem(403, "FORBIDDEN", f"This API key lacks the {scope} scope.")
            g.principal = principal
            g.credential = bearer_token()  # normalized: one budget per key, however it is sent
            charge_for_view(services().limiter)
            return view(*args, **kwargs)

        return guarded  # type: ignore[return-value]

    return decorate


def current_client() -> str:
    principal: Principal = g.principal
    return principal.client_id


def bearer_token() -> str | None:
    match = _BEARER.match(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def _authenticate() -> Principal:
    token = bearer_token()
    if token is None:
        raise _unauthenticated("UNAUTHENTICATED", "Send Authorization: Bearer <API key>.")
    settings = services().settings
    dev_key = settings.dev_api_key
    if dev_key and hmac.compare_digest(token.encode(), dev_key.encode()):
        return Principal(client_id=DEV_CLIENT, scopes=frozenset(SCOPES))
    digest = hash_token(token, settings.secret_key)
    with _cache_lock:
        cached = _cache.get(digest, ...)
    if cached is ...:
        with services().sessions() as session:
            cached = authenticate(session, token=token, secret=settings.secret_key)
        with _cache_lock:
            _cache[digest] = cached
    if cached is None:
        raise _unauthenticated("INVALID_API_KEY", "The API key is unknown or revoked.")
    return cached


def _unauthenticated(code: str, detail: str) -> Problem:
    return Problem(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="wallet"'})
