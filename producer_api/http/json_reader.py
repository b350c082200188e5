"""A bounded JSON reader: each limit is checked before the structure it guards is built.

- The body is UTF-8 (RFC 8259 section 8.1); nothing else is guessed.
- Nesting is at most ``MAX_DEPTH`` levels, counted on the text before parsing.
- A number literal is at most ``MAX_NUMBER_CHARS`` characters and, when not zero, its
  magnitude lies within 10^-MAX_EXPONENT..10^MAX_EXPONENT; only then is it converted, to an
  int or a Decimal (never a float). NaN and Infinity are not JSON numbers.
- An object names each member once: with two ``amount`` members a gateway that checks the
  first and a ledger that posts the last would see different requests.
- No string, value or member name, holds a control character or a lone surrogate.

The body's size is bounded before this, by the request's maximum content length.
Refusals are 400 problems whose ``errors`` point at each offending value.
"""

import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from itertools import accumulate, islice
from typing import Any

from producer_api.contract.text import BAD_CHARACTERS_MESSAGE, escaped, has_bad_characters
from producer_api.http.problems import Problem

MAX_DEPTH = 16
MAX_NUMBER_CHARS = 40
MAX_EXPONENT = 400
MAX_ERRORS = 20
# A string, or an unterminated one up to the end: every match attempt succeeds, so the scan
# is linear (a pattern that can fail restarts at each quote: quadratic on '"\\"\\"\\"...').
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*\\?(?:"|\Z)', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = [1 if b in b"[{" else -1 if b in b"]}" else 0 for b in range(256)]
_REPEATED = object()  # the key under which an object keeps the pairs that repeat a name
# The codes of the reader's own refusals (producer_api.http.problems.API_CODES lists them too).
REFUSAL_CODES = {
    "duplicate_member": ("DUPLICATE_MEMBER", "An object names the same member twice."),
    "invalid_number": ("INVALID_NUMBER", "A number is out of this API's bounds."),
    "invalid_string": ("INVALID_STRING", "A string holds a control character or bad Unicode."),
}


class Refused:
    """A number literal left unconverted, with the reason; reported with its path."""

    def __init__(self, reason: str) -> None:
        self.reason = reason


def read_json(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid(f"The body is not UTF-8 ({error.reason} at byte {error.start}).") from None
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise _invalid(f"The body nests {depth} levels deep; at most {MAX_DEPTH} are read.")
    try:
        value = json.loads(
            text,
            parse_int=_integer,
            parse_float=_decimal,
            parse_constant=lambda name: Refused(f"{name} is not a JSON number"),
            object_pairs_hook=_object,
        )
    except ValueError as error:
        raise _invalid(f"The body is not valid JSON: {error}") from None
    errors = list(islice(_refusals([value], ()), MAX_ERRORS))
    if errors:
        code, detail = REFUSAL_CODES[errors[0]["type"]]
        raise Problem(400, code, detail, errors=errors)
    return value


def nesting_depth(text: str) -> int:
    """The deepest bracket nesting outside strings, in C-speed passes over the text."""
    outside_strings = _STRING.sub("", text).encode("utf-8", "replace")
    brackets = outside_strings.translate(None, _NOT_BRACKETS)
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _integer(literal: str) -> int | Refused:
    if len(literal) > MAX_NUMBER_CHARS:
        return Refused(f"has {len(literal)} digits; at most {MAX_NUMBER_CHARS} characters")
    return int(literal)


def _decimal(literal: str) -> Decimal | Refused:
    if len(literal) > MAX_NUMBER_CHARS:
        return Refused(f"has {len(literal)} characters; at most {MAX_NUMBER_CHARS}")
    try:
        number = Decimal(literal)
    except InvalidOperation:
        return Refused("is out of range")
    if number and abs(number.adjusted()) > MAX_EXPONENT:
        return Refused(f"has a magnitude beyond 10^±{MAX_EXPONENT}")
    return number


def _object(pairs: list[tuple[str, Any]]) -> dict[Any, Any]:
    members: dict[Any, Any] = dict(pairs)
    if len(members) < len(pairs):
        members[_REPEATED] = pairs  # not a str: no JSON member can collide with it
    return members


def _refusals(container: Any, path: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """What is wrong below ``container`` (the body is walked as ``[body]``, its paths
    unprefixed). Numbers are skipped without a call: a 1 MiB body holds 500,000 of them."""
    is_object = isinstance(container, dict)
    if is_object and _REPEATED in container:
        counts = Counter(name for name, _ in container.pop(_REPEATED))
        for name in (name for name, count in counts.items() if count > 1):
            yield _error((*path, name), "This member is given more than once.", "duplicate_member")
    for name, member in container.items() if is_object else enumerate(container):
        if isinstance(name, str) and has_bad_characters(name):
            message = f"The member name {BAD_CHARACTERS_MESSAGE}."
            yield _error((*path, name), message, "invalid_string")
        if isinstance(member, dict | list):
            yield from _refusals(member, _below(path, name, is_object))
        elif isinstance(member, str) and has_bad_characters(member):
            message = f"The value {BAD_CHARACTERS_MESSAGE}."
            yield _error(_below(path, name, is_object), message, "invalid_string")
        elif isinstance(member, Refused):
            message = f"The number {member.reason}."
            yield _error(_below(path, name, is_object), message, "invalid_number")


def _below(path: tuple[str, ...], name: str | int, is_object: bool) -> tuple[str, ...]:
    return (*path, str(name)) if path or is_object else ()


def _error(path: tuple[str, ...], message: str, kind: str) -> dict[str, str]:
    return {"field": ".".join(map(escaped, path)) or "body", "message": message, "type": kind}


def _invalid(detail: str) -> Problem:
    return Problem(400, "INVALID_JSON", detail)
