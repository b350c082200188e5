"""Client metadata sealed at rest: JSON values stored as a Fernet token when keys are set.

``METADATA_ENCRYPTION_KEYS`` holds comma-separated Fernet keys, newest first: values are
sealed with the first and opened with any (MultiFernet), so keys rotate by prepending a new
one, re-sealing at leisure, then dropping the old. Without keys values are stored as plain
JSON; plain and sealed rows can be read side by side. Callers only ever see plain values.

A ``Sealer`` belongs to whoever was built from the settings (the API's app, a worker
process) and is handed to the ledger functions that write or read sealed columns: no module
holds a cipher, so two apps with different keys live side by side.
"""

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

SEALED = "sealed"
# What ``open`` raises for a sealed value none of the keys opens (or that no key can open).
Unsealable = InvalidToken


class Sealer:
    def __init__(self, keys: str | None = None) -> None:
        fernets = [Fernet(key.strip()) for key in (keys or "").split(",") if key.strip()]
        self._cipher = MultiFernet(fernets) if fernets else None

    def seal(self, value: Any) -> Any:
        if self._cipher is None or value is None:
            return value
        return {SEALED: self._cipher.encrypt(json.dumps(value).encode()).decode()}

    def unseal(self, value: Any) -> Any:
        if isinstance(value, dict) and set(value) == {SEALED} and self._cipher is not None:
            return json.loads(self._cipher.decrypt(value[SEALED].encode()))
        return value

    def open(self, value: Any) -> Any:
        """``unseal`` for a value that must be read: a sealed value this sealer cannot open
        (no keys, or none of them sealed it) raises ``Unsealable`` instead of coming back
        as it is."""
        opened = self.unseal(value)
        if isinstance(opened, dict) and set(opened) == {SEALED}:
            raise Unsealable
        return opened


PLAIN = Sealer()  # no keys: values are stored and read as they are
