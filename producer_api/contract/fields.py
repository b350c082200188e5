"""The scalar fields of request bodies and parameters, each with its rule."""

import re
from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints

from ledger.money import MAX_AMOUNT
from producer_api.contract.text import BAD_CHARACTERS_MESSAGE, has_bad_characters

DOT_SEGMENTS = (".", "..")
# An amount sent as a string is plain ASCII decimal notation: no exponent, no "1_0", no
# non-ASCII digits (Python's Decimal accepts all three; a gateway would read them otherwise).
_PLAIN_DECIMAL = re.compile(r"[0-9]{1,13}(\.[0-9]{1,18})?")


def _plain_decimal_string(value: object) -> object:
    if isinstance(value, str) and not _PLAIN_DECIMAL.fullmatch(value):
        raise ValueError('a string amount is plain decimal notation, like "170.00"')
    return value


def _not_a_dot_segment(key: str) -> str:
    if key in DOT_SEGMENTS:
        raise ValueError("'.' and '..' are not keys: a URL path would resolve them away")
    return key


def _no_bad_characters(text: str) -> str:
    if has_bad_characters(text):
        raise ValueError(f"the text {BAD_CHARACTERS_MESSAGE}")
    return text


# 1-255 printable ASCII characters, '/' '?' '%' included (Location percent-encodes them).
IdempotencyKey = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, pattern=r"^[\x20-\x7e]+$"),
    AfterValidator(_not_a_dot_segment),
    Field(json_schema_extra={"not": {"enum": list(DOT_SEGMENTS)}}),
]
AccountNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
AssetCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Z0-9_]+$")]
Amount = Annotated[
    Decimal,
    BeforeValidator(_plain_decimal_string),
    Field(gt=0, lt=MAX_AMOUNT, allow_inf_nan=False),
]
# What the documentation promises of Prefer (producer_api.http.body reads it, and ignores what it
# does not understand, as RFC 7240 asks).
PreferWait = Annotated[str, StringConstraints(pattern=r"^wait=([0-9]|[12][0-9]|30)$")]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, strip_whitespace=True),
    AfterValidator(_no_bad_characters),
]
