"""Who is calling: a bearer token resolved to a principal, for one app (its settings' secret,
development key and trusted networks). Resolved keys are cached for 30 s (a revocation takes
effect within that time); the cache is keyed by the token's HMAC, never by the token itself,
and belongs to the app, not to the process."""

import hmac
import ipaddress
import threading

from cachetools import TTLCache
from sqlalchemy.orm import Session, sessionmaker

from infra.settings import Settings
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
        spelled = settings.wallet_dev_trusted_networks.split(",")
        self._trusted: list[Network] = [
            ipaddress.ip_network(n.strip()) for n in spelled if n.strip()
        ]

    def principal(
        self, token: str | None, *, sent_credentials: bool, address: str | None
    ) -> Principal:
        """The caller's principal, or a 401 problem."""
        settings = self._settings
        if token is None:
            if not sent_credentials and self._trusted_in_development(address):
                return DEV_PRINCIPAL
            raise _unauthenticated("UNAUTHENTICATED", self._send_a_key())
        dev_key = settings.dev_api_key
        if dev_key and hmac.compare_digest(token.encode(), dev_key.encode()):
            return DEV_PRINCIPAL
        found = self._resolve(token)
        if found is None:
            raise _unauthenticated("INVALID_API_KEY", "The API key is unknown or revoked.")
        return found

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

    def _trusted_in_development(self, address: str | None) -> bool:
        """Development serves a call that sends no credentials at all (a malformed or unknown
        one is still refused) from a trusted network (loopback by default) as the development
        client; production never does."""
        if self._settings.wallet_env != "development" or not address:
            return False
        try:
            caller = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(caller in network for network in self._trusted)

    def _send_a_key(self) -> str:
        detail = "Send Authorization: Bearer <API key>."
        if self._settings.dev_api_key:
            detail += f" In development the key {self._settings.dev_api_key} has every scope."
        return detail


def _unauthenticated(code: str, detail: str) -> Problem:
    return Problem(401, code, detail, headers={"WWW-Authenticate": 'Bearer realm="wallet"'})
