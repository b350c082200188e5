"""The characters no string of this API may hold: control characters (C0, DEL, C1) and
lone UTF-16 surrogates. Postgres refuses NUL in text and JSONB and a lone surrogate in JSONB,
and none of them is meaningful in an account number, a key, a description or metadata."""

import re

BAD_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
BAD_CHARACTERS_MESSAGE = "contains a control character or invalid Unicode (a lone surrogate)"


def has_bad_characters(value: str) -> bool:
    return BAD_CHARACTERS.search(value) is not None


def escaped(value: str) -> str:
    r"""``value`` safe to echo in an answer or a log line: bad characters as ``\uXXXX``."""
    return BAD_CHARACTERS.sub(lambda m: f"\\u{ord(m.group()):04x}", value)
