"""Who is calling: a bearer token resolved to a principal, for one app (its settings' secret,
development key and trusted networks). In development, a call without credentials from a
trusted network is the development client; the development key is accepted, and named in a
401, from loopback and the trusted networks only: a development server reachable from
elsewhere is not an open admin API to whoever read the key in a 401. Resolved keys are
cached for 30 s (a revocation takes effect within that time); the cache is keyed by the
token's HMAC, never by the token itself, and belongs to the app, not to the process."""

import hmac
import ipaddress
import threading

from cachetools import TTLCache
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import LOOPBACK_NETWORKS, Settings
from producer_api.api_keys import SCOPES, Principal, authenticate, hash_token
from producer_api.problems import Problem

DEV_CLIENT = "default"
DEV_PRINCIPAL = Principal(client_id=DEV_CLIENT, scopes=frozenset(SCOPES))
CACHE_SECONDS = 30
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Authenticator:
    def __init__(self, settings: Settings, sessions: sessionmaker[Session]) -> None:
        self._settings, self._sessions = settings, sessions
        self._cache: TTLCache[str, Principal | None] = TTLCache(10_000, ttl=CACHE_SECONDS)
        self._lock = threading.Lock()
        self._trusted = networks(settings.wallet_dev_trusted_networks)
        self._local = networks(LOOPBACK_NETWORKS) + self._trusted
        self._ops_open = networks(settings.ops_networks)

    def principal(
        self, token: str | None, *, sent_credentials: bool, address: str | None
    ) -> Principal:
        """The caller's principal, or a 401 problem."""
        if token is None:
            if not sent_credentials and self._within(self._trusted, address):
                return DEV_PRINCIPAL
            raise _unauthenticated("UNAUTHENTICATED", self._send_a_key(address))
        dev_key = self.dev_key_for(address)
        if dev_key and hmac.compare_digest(token.encode(), dev_key.encode()):
            return DEV_PRINCIPAL
        found = self._resolve(token)
        if found is None:
            raise _unauthenticated("INVALID_API_KEY", "The API key is unknown or revoked.")
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
            cached = self._cache.get(digest, ...)
        if cached is ...:
            with self._sessions() as session:
                cached = authenticate(session, token=token, secret=self._settings.secret_key)
            with self._lock:
                self._cache[digest] = cached
        return cached

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


def _unauthenticated(code: str, detail: str) -> Problem:
    return Problem(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="wallet"'})
