"""Client metadata: an opaque JSON object kept as sent, within bounds.

At most ``METADATA_MAX_BYTES`` (as compact JSON) and ``METADATA_MAX_DEPTH`` levels; no
control character or lone surrogate in a name or a string. Numbers are kept exact: an
integer stays an integer (the reader bounds its length); any other number must be one a
double holds exactly as written (``0.1``, ``1.5e-7``, ``0.30000000000000004``), since
that is how it is stored and read back. Others (``0.1000000000000000000001``, ``1e-400``)
are refused: send them as strings.
"""

import json
import math
from decimal import Decimal
from typing import Any

from producer_api.contract.text import BAD_CHARACTERS_MESSAGE, escaped, has_bad_characters

METADATA_MAX_BYTES = 4096
METADATA_MAX_DEPTH = 5
_MAX_INTEGER_DIGITS = 40


def checked_metadata(value: dict[str, Any]) -> dict[str, Any]:
    """``value`` with its numbers as int or float (exactly), or ValueError saying where."""
    cleaned: dict[str, Any] = _cleaned(value, "metadata", 1)
    if len(json.dumps(cleaned, separators=(",", ":"))) > METADATA_MAX_BYTES:
        raise ValueError(f"metadata is larger than {METADATA_MAX_BYTES} bytes")
    return cleaned


def _cleaned(value: Any, path: str, depth: int) -> Any:
    if isinstance(value, dict | list) and depth > METADATA_MAX_DEPTH:
        raise ValueError(f"metadata nests deeper than {METADATA_MAX_DEPTH} levels")
    if isinstance(value, dict):
        for name in value:
            _check_text(name, f"{path}.{escaped(name)}")
        return {k: _cleaned(v, f"{path}.{escaped(k)}", depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [_cleaned(v, f"{path}.{i}", depth + 1) for i, v in enumerate(value)]
    if isinstance(value, str):
        _check_text(value, path)
    if isinstance(value, Decimal):
        return _exact_number(value, path)
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{path}: {value} is not a JSON number")
    return value


def _exact_number(value: Decimal, path: str) -> int | float:
    if not value.is_finite():
        raise ValueError(f"{path}: {value} is not a JSON number")
    if value == value.to_integral_value() and value.adjusted() < _MAX_INTEGER_DIGITS:
        return int(value)
    as_float = float(value)
    if math.isfinite(as_float) and Decimal(repr(as_float)) == value:
        return as_float
    raise ValueError(f"{path}: the number {value} cannot be kept exactly; send it as a string")


def _check_text(text: str, path: str) -> None:
    if has_bad_characters(text):
        raise ValueError(f"{path} {BAD_CHARACTERS_MESSAGE}")
