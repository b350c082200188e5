"""API keys' tokens: made, shaped and checked here; their rows are ledger.api_keys'. Tokens are
never stored, only their HMAC.

A token is ``wk_<prefix>_<secret>``: the prefix finds the row, an HMAC-SHA256 of the whole
token under the service's secret key is compared in constant time. Tokens are 32 random
bytes, so a fast keyed hash is enough (a slow password hash protects low-entropy secrets).
A token of any other shape is no key's: it is refused without a query (``well_formed``).
"""

import hashlib
import hmac
import math
import re
import secrets
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ledger.api_keys import add_key, find_active_key

SCOPES = ("wallet:read", "wallet:write", "admin")
PREFIX_BYTES, SECRET_BYTES = 6, 32
# What create_key makes: the prefix in hex, the secret in unpadded URL-safe base64.
TOKEN = re.compile(
    rf"wk_[0-9a-f]{{{2 * PREFIX_BYTES}}}_[A-Za-z0-9_-]{{{math.ceil(SECRET_BYTES * 4 / 3)}}}"
)


@dataclass(frozen=True)
class Principal:
    client_id: str
    scopes: frozenset[str]


def create_key(session: Session, *, client_id: str, scopes: list[str], secret: str) -> str:
    """Store a new key for ``client_id`` and return its token (shown once)."""
    unknown = set(scopes) - set(SCOPES)
    if unknown:
        raise ValueError(f"unknown scopes: {', '.join(sorted(unknown))}")
    prefix = secrets.token_hex(PREFIX_BYTES)
    token = f"wk_{prefix}_{secrets.token_urlsafe(SECRET_BYTES)}"
    add_key(
        session,
        client_id=client_id,
        prefix=prefix,
        key_hash=hash_token(token, secret),
        scopes=scopes,
    )
    return token


def well_formed(token: str) -> bool:
    """Whether ``token`` has the shape of a token ``create_key`` makes."""
    return TOKEN.fullmatch(token) is not None


def authenticate(session: Session, *, token: str, secret: str) -> Principal | None:
    if not well_formed(token):
        return None
    prefix = token[3 : 3 + 2 * PREFIX_BYTES]
    key = find_active_key(session, prefix=prefix)
    if key is None or not hmac.compare_digest(key.key_hash, hash_token(token, secret)):
        return None
    return Principal(client_id=key.client_id, scopes=key.scopes)


def hash_token(token: str, secret: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()
