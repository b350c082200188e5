"""Bearer API keys with scopes. Resolved keys are cached for 30 s (a revocation takes effect
within that time); the cache is keyed by the token's HMAC, never by the token itself."""

import functools
import hmac
import ipaddress
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar

from cachetools import TTLCache
from flask import g, request

from infra.settings import Settings
from producer_api.api_keys import SCOPES, Principal, authenticate, hash_token
from producer_api.limits import charge_for_view
from producer_api.problems import Problem
from producer_api.services import services

DEV_CLIENT = "default"
DEV_PRINCIPAL = Principal(client_id=DEV_CLIENT, scopes=frozenset(SCOPES))
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
    settings = services().settings
    if token is None:
        if _trusted_in_development(settings):
            return DEV_PRINCIPAL
        raise _unauthenticated("UNAUTHENTICATED", _send_a_key(settings))
    dev_key = settings.dev_api_key
    if dev_key and hmac.compare_digest(token.encode(), dev_key.encode()):
        return DEV_PRINCIPAL
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


def _trusted_in_development(settings: Settings) -> bool:
    """Development serves a call that sends no credentials at all (a malformed or unknown one
    is still refused) from a trusted network (loopback by default) as the development
    client; production never does."""
    if settings.wallet_env != "development" or "Authorization" in request.headers:
        return False
    if not request.remote_addr:
        return False
    try:
        address = ipaddress.ip_address(request.remote_addr)
    except ValueError:
        return False
    return any(address in network for network in _networks(settings.wallet_dev_trusted_networks))


@functools.cache
def _networks(spelled: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(n.strip()) for n in spelled.split(",") if n.strip()]


def _send_a_key(settings: Settings) -> str:
    detail = "Send Authorization: Bearer <API key>."
    if settings.dev_api_key:
        detail += f" In development the key {settings.dev_api_key} has every scope."
    return detail


def _unauthenticated(code: str, detail: str) -> Problem:
    return Problem(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="wallet"'})
