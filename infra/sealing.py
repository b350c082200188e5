"""Client metadata sealed at rest: JSON columns stored as a Fernet token when keys are set.

``METADATA_ENCRYPTION_KEYS`` holds comma-separated Fernet keys, newest first: values are
sealed with the first and opened with any (MultiFernet), so keys rotate by prepending a new
one, re-sealing at leisure, then dropping the old. Without keys values are stored as plain
JSON; plain and sealed rows can be read side by side. Callers only ever see plain values.
"""

import json
from typing import Any

from cryptography.fernet import Fernet, MultiFernet
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

SEALED = "sealed"
_cipher: MultiFernet | None = None


def configure_sealing(keys: str | None) -> None:
    global _cipher
    fernets = [Fernet(key.strip()) for key in (keys or "").split(",") if key.strip()]
    _cipher = MultiFernet(fernets) if fernets else None


def seal(value: Any) -> Any:
    if _cipher is None or value is None:
        return value
    return {SEALED: _cipher.encrypt(json.dumps(value).encode()).decode()}


def unseal(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {SEALED} and _cipher is not None:
        return json.loads(_cipher.decrypt(value[SEALED].encode()))
    return value


class SealedJSON(TypeDecorator[Any]):
    """JSONB whose values are sealed on the way in and opened on the way out."""

    impl = JSONB
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        return seal(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return unseal(value)
