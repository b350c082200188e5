"""The API keys' rows: add one, find an unrevoked one by its prefix, list, revoke. Each function
takes a session and plain values and never commits: the caller's transaction does. Tokens,
their shape and their HMAC are the API's (producer_api.services.api_keys); only the HMAC is
stored."""

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from ledger.models import ApiKey


@dataclass(frozen=True)
class StoredKey:
    client_id: str
    key_hash: str
    scopes: frozenset[str]


def add_key(
    session: Session, *, client_id: str, prefix: str, key_hash: str, scopes: list[str]
) -> None:
    session.add(ApiKey(client_id=client_id, prefix=prefix, key_hash=key_hash, scopes=scopes))
    session.flush()


def find_active_key(session: Session, *, prefix: str) -> StoredKey | None:
    """The unrevoked key with this prefix, if any."""
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None)))
    return None if key is None else StoredKey(key.client_id, key.key_hash, frozenset(key.scopes))


def list_keys(session: Session) -> list[ApiKey]:
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id)))


def revoke_key(session: Session, *, prefix: str) -> bool:
    """Whether an unrevoked key had this prefix (it is revoked now)."""
    revoked = session.execute(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(revoked.rowcount)  # type: ignore[attr-defined]
