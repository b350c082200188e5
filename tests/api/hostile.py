"""Hypothesis strategies for hostile JSON text: every literal form a parser can be fed,
rendered by hand so that NaN, 1e1000000, duplicate members and lone surrogates get through."""

import json
from typing import Any

from hypothesis import strategies as st

HOSTILE_STRINGS = ["\x00", "\ud800", "\udfff", "\x1b[2J", "\u202e", "\ufeff", "%00", "../.."]
NUMBER_LITERAL = st.from_regex(
    r"-?(0|[1-9][0-9]{0,60})(\.[0-9]{1,60})?([eE][-+]?[0-9]{1,22})?", fullmatch=True
) | st.sampled_from(["NaN", "Infinity", "-Infinity", "-0", "-0.0", "1e1000000", "9" * 5000])
TEXT = (
    st.text(max_size=40)
    | st.text(st.characters(categories=["Cc", "Cs", "Cf", "Zl", "Zp"]), min_size=1, max_size=5)
    | st.sampled_from(HOSTILE_STRINGS)
)
SCALAR = (
    st.just("null") | st.sampled_from(["true", "false"]) | NUMBER_LITERAL | TEXT.map(json.dumps)
)


def _array(items: list[str]) -> str:
    return "[" + ",".join(items) + "]"


def _object(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f"{json.dumps(k)}:{v}" for k, v in pairs) + "}"


def _children(values: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    names = TEXT | st.sampled_from(["amount", "metadata", "type", "operations"])
    return st.lists(values, max_size=4).map(_array) | st.lists(
        st.tuples(names, values), max_size=4
    ).map(_object)


JSON_TEXT = st.recursive(SCALAR, _children, max_leaves=12)
NESTED = st.integers(min_value=17, max_value=3000).map(lambda n: "[" * n + "]" * n)
# Long runs of one unit: what makes a careless scanner quadratic or a parser recurse
REPEATED = st.builds(
    lambda prefix, unit, count: prefix + unit * count,
    st.sampled_from(["", '{"a":"', '{"a":', "["]),
    st.sampled_from(['\\"', '"', "\\", "[", '{"a":', "[1,", "9", "1e9", " ", "\\u0000"]),
    st.integers(min_value=1, max_value=30000),
)


@st.composite
def mutated(draw: st.DrawFn, valid: dict[str, Any]) -> str:
    """``valid`` with one member replaced (or repeated) by hostile text."""
    pairs = [(k, json.dumps(v)) for k, v in valid.items()]
    name = draw(st.sampled_from([*valid, "metadata", "extra"]))
    value = draw(JSON_TEXT | NESTED | REPEATED)
    if draw(st.booleans()):
        pairs = [(k, v) for k, v in pairs if k != name]
    return _object([*pairs, (name, value)])


def hostile_body(valid: dict[str, Any]) -> st.SearchStrategy[bytes]:
    texts = mutated(valid) | JSON_TEXT | NESTED | REPEATED
    return texts.map(lambda t: t.encode("utf-8", "surrogatepass")) | st.binary(max_size=200)
