"""Property-based: hostile JSON, paths, query strings and headers generated for every endpoint,
sent to the in-process app. Whatever arrives, the answer is below 500, a refusal is a
problem+json that recorded nothing, and no call costs more than a fraction of a second of CPU."""

from typing import Any
from urllib.parse import quote, urlencode

from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from tests.api.helpers import CPU_BUDGET, GOOD, assert_problem, cpu_timed, recorded
from tests.api.hostile import TEXT, hostile_body

ENDPOINTS: dict[str, dict[str, Any]] = {
    "topup": {**GOOD, "idempotencyKey": "prop-topup"},
    "bonus": {**GOOD, "idempotencyKey": "prop-bonus", "reason": "r"},
    "spend": {**GOOD, "idempotencyKey": "prop-spend", "description": "d"},
    "batch": {"operations": [{**GOOD, "type": "topup", "idempotencyKey": "prop-batch"}]},
}
HEADER_TEXT = st.text(st.characters(max_codepoint=0xFF, exclude_characters="\r\n"), max_size=300)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Idempotency-Key": HEADER_TEXT,
        "Prefer": HEADER_TEXT.filter(lambda p: "wait" not in p.lower()),
        "Content-Type": st.sampled_from(
            ["application/json; charset=latin-1", "application/json;charset=UTF-16", "text/json"]
        )
        | HEADER_TEXT,
        "Content-Encoding": st.sampled_from(["gzip", "identity", "br, gzip"]) | HEADER_TEXT,
    },
)
FUZZ = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def assert_handled(
    answer: TestResponse, cpu: float, db: Session, client_id: str, before: int
) -> None:
    assert answer.status_code < 500, answer.get_data(as_text=True)
    assert cpu < CPU_BUDGET
    if answer.status_code >= 400:
        assert_problem(answer, answer.status_code)
        assert recorded(db, client_id) == before


def _segment(text: str) -> str:
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def _query(pairs: list[tuple[str, str]]) -> str:
    encoded = [
        (k.encode("utf-8", "surrogatepass"), v.encode("utf-8", "surrogatepass")) for k, v in pairs
    ]
    return urlencode(encoded)


@FUZZ
@given(
    endpoint=st.sampled_from(list(ENDPOINTS)),
    data=st.data(),
    headers=HEADERS,
)
def test_hostile_bodies_and_headers_are_refused_cleanly(
    client: FlaskClient,
    db: Session,
    client_id: str,
    endpoint: str,
    data: st.DataObject,
    headers: dict[str, str],
) -> None:
    body = data.draw(hostile_body(ENDPOINTS[endpoint]))
    before = recorded(db, client_id)
    answer, cpu = cpu_timed(
        lambda: client.post(
            f"/api/wallet/{endpoint}",
            data=body,
            headers={"Content-Type": "application/json", **headers},
        )
    )
    assert_handled(answer, cpu, db, client_id, before)


@FUZZ
@given(
    route=st.sampled_from(["requests", "balance", "history"]),
    segment=TEXT | st.text(min_size=1, max_size=300),
    params=st.lists(
        st.tuples(TEXT, TEXT | st.sampled_from(["0", "1e1000000", "nan", "-1"])), max_size=3
    ),
    raw_slashes=st.booleans(),
)
def test_hostile_paths_and_query_strings_are_refused_cleanly(
    client: FlaskClient,
    db: Session,
    client_id: str,
    route: str,
    segment: str,
    params: list[tuple[str, str]],
    raw_slashes: bool,
) -> None:
    path = _segment(segment).replace("%2F", "/") if raw_slashes else _segment(segment)
    url = f"/api/wallet/{route}/{path}?{_query(params)}"
    answer, cpu = cpu_timed(lambda: client.get(url))
    assert_handled(answer, cpu, db, client_id, 0)
    assert recorded(db, client_id) == 0
