"""The scalar fields of request bodies and parameters, each with its rule."""

from decimal import Decimal
from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from ledger.money import MAX_AMOUNT
from producer_api.text import BAD_CHARACTERS_MESSAGE, has_bad_characters

DOT_SEGMENTS = (".", "..")


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
]
AccountNumber = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
]
AssetCode = Annotated[str, StringConstraints(min_length=1, max_length=32, pattern=r"^[A-Z0-9_]+$")]
Amount = Annotated[Decimal, Field(gt=0, lt=MAX_AMOUNT, allow_inf_nan=False)]
Text = Annotated[
    str,
    StringConstraints(min_length=1, max_length=500, strip_whitespace=True),
    AfterValidator(_no_bad_characters),
]
