"""Who is calling: a bearer token resolved to a principal, for one app (its settings' secret,
development key and trusted networks). In development, a call without credentials from a
trusted network is the development client; the development key is accepted, and named in a
401, from loopback and the trusted networks only: a development server reachable from
elsewhere is not an open admin API to whoever read the key in a 401. Resolved keys are
cached for 30 s (a revocation takes effect within that time); the cache is keyed by the
token's HMAC, never by the token itself, and belongs to the app, not to the process.

Unknown tokens cost little and cannot crowd known keys out: a token not shaped like a key
is refused without a query; an unknown one is never cached (the cache holds known keys
only, so no stream of bogus tokens evicts one); and each failed authentication charges the
caller's address (``RATE_LIMIT_FAILED_AUTH_PER_ADDRESS``). Once a failure finds that budget
spent, the process answers the address's failures 429 until its Retry-After. A token shaped
like a key is still looked up (one indexed query), so a valid key is never refused: callers
behind one proxy or NAT share an address, and one of them sending bogus tokens must not lock
the others out."""

import hmac
import ipaddress
import math
import threading
import time

from cachetools import TTLCache
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import LOOPBACK_NETWORKS, Settings
from producer_api.http.problems import Problem
from producer_api.services.api_keys import SCOPES, Principal, authenticate, hash_token, well_formed
from producer_api.services.limits import too_many_requests
from producer_api.services.rate_limiter import RateLimiter

DEV_CLIENT = "default"
DEV_PRINCIPAL = Principal(client_id=DEV_CLIENT, scopes=frozenset(SCOPES))
CACHE_SECONDS = 30
CACHED_KEYS = 10_000
# Addresses remembered as over their failure budget (until when): more are forgotten, which
# costs one more Redis round trip for each, never a wrong answer.
REFUSED_ADDRESSES = 10_000
REFUSED_FOR_AT_MOST = 3600.0
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Authenticator:
    def __init__(
        self, settings: Settings, sessions: sessionmaker[Session], limiter: RateLimiter
    ) -> None:
        self._settings, self._sessions, self._limiter = settings, sessions, limiter
        self._cache: TTLCache[str, Principal] = TTLCache(CACHED_KEYS, ttl=CACHE_SECONDS)
        self._refused: TTLCache[str, float] = TTLCache(REFUSED_ADDRESSES, REFUSED_FOR_AT_MOST)
        self._lock = threading.Lock()
        self._trusted = networks(settings.wallet_dev_trusted_networks)
        self._local = networks(LOOPBACK_NETWORKS) + self._trusted
        self._ops_open = networks(settings.ops_networks)

    def principal(
        self, token: str | None, *, sent_credentials: bool, address: str | None
    ) -> Principal:
        """The caller's principal, or a 401 problem (429 past the address's failures)."""
        caller = address or "unknown"
        if token is None:
            if not sent_credentials and self._within(self._trusted, address):
                return DEV_PRINCIPAL
            raise self._failed(caller, "UNAUTHENTICATED", self._send_a_key(address))
        dev_key = self.dev_key_for(address)
        if dev_key and hmac.compare_digest(token.encode(), dev_key.encode()):
            return DEV_PRINCIPAL
        found = self._resolve(token) if well_formed(token) else None
        if found is None:
            raise self._failed(caller, "INVALID_API_KEY", "The API key is unknown or revoked.")
        return found

    def admit_to_ops(
        self, token: str | None, *, sent_credentials: bool, address: str | None
    ) -> None:
        """/metrics and /readyz: open to a caller on OPS_OPEN_NETWORKS, else a 401 problem
        unless the call carries a valid key (of any scope)."""
        if not within(self._ops_open, address):
            self.principal(token, sent_credentials=sent_credentials, address=address)

    def dev_key_for(self, address: str | None) -> str | None:
        """The development key, for a caller it is accepted from (loopback, a trusted
        network) in development; None for any other caller, and in production."""
        key = self._settings.dev_api_key
        return key if key and self._within(self._local, address) else None

    def _resolve(self, token: str) -> Principal | None:
        digest = hash_token(token, self._settings.secret_key)
        with self._lock:
            cached = self._cache.get(digest)
        if cached is not None:
            return cached
        with self._sessions() as session:
            found = authenticate(session, token=token, secret=self._settings.secret_key)
        if found is not None:
            with self._lock:
                self._cache[digest] = found
        return found

    def _failed(self, caller: str, code: str, detail: str) -> Problem:
        """A 401, charged to the caller's address; a 429 once that budget is spent."""
        wait = self._refused_for(caller)
        if wait is None:
            wait = self._limiter.retry_after(failed_auth=caller)
            if wait is not None:
                with self._lock:
                    self._refused[caller] = time.monotonic() + wait
        if wait is not None:
            return too_many_requests(wait)
        return Problem(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="wallet"'})

    def _refused_for(self, caller: str) -> int | None:
        """The seconds left before an address over its failure budget may try again."""
        with self._lock:
            until = self._refused.get(caller)
        left = None if until is None else until - time.monotonic()
        return math.ceil(left) if left is not None and left > 0 else None

    def _within(self, trusted: list[Network], address: str | None) -> bool:
        """Whether a development server trusts the caller; production trusts no address."""
        return self._settings.wallet_env == "development" and within(trusted, address)

    def _send_a_key(self, address: str | None) -> str:
        detail = "Send Authorization: Bearer <API key>."
        dev_key = self.dev_key_for(address)
        if dev_key:
            detail += f" In development the key {dev_key} has every scope, from here."
        return detail


def networks(spelled: str) -> list[Network]:
    """Comma-separated networks (``10.0.0.0/8,::1/128``; empty: none)."""
    return [ipaddress.ip_network(n.strip()) for n in spelled.split(",") if n.strip()]


def within(networks: list[Network], address: str | None) -> bool:
    """Whether the caller's address is on one of ``networks`` (as an IPv4 address if a
    dual-stack socket mapped it); an unknown or malformed address is on none."""
    try:
        caller = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    if isinstance(caller, ipaddress.IPv6Address) and caller.ipv4_mapped is not None:
        caller = caller.ipv4_mapped
    return any(caller in network for network in networks)
