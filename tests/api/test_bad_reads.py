"""Bad reads, in process: every path, query and method a client can get wrong is a 4xx
problem+json with a clear code (and the parameter it is about), in well under a second of
CPU. Submits: test_bad_input.py."""

import pytest
from flask.testing import FlaskClient

from tests.api.helpers import CPU_BUDGET, assert_refused, cpu_timed

# (name, path, status, code, parameter or None)
GET_CASES: list[tuple[str, str, int, str, str | None]] = [
    ("limit=0", "/api/wallet/history/USR-001?limit=0", 400, "VALIDATION_ERROR", "limit"),
    ("limit=100000", "/api/wallet/history/USR-001?limit=100000", 400, "VALIDATION_ERROR",
     "limit"),
    ("limit not a number", "/api/wallet/history/USR-001?limit=ten", 400, "VALIDATION_ERROR",
     "limit"),
    ("limit with 10^6 digits", "/api/wallet/history/USR-001?limit=" + "9" * 10**6, 400,
     "VALIDATION_ERROR", "limit"),
    ("limit given twice", "/api/wallet/history/USR-001?limit=1&limit=100", 400,
     "VALIDATION_ERROR", "limit"),
    ("NUL in limit", "/api/wallet/history/USR-001?limit=%00", 400, "VALIDATION_ERROR", "limit"),
    ("forged cursor", "/api/wallet/history/USR-001?cursor=ZTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
     400, "INVALID_CURSOR", "cursor"),
    ("cursor junk", "/api/wallet/history/USR-001?cursor=%27%20OR%201%3D1", 400,
     "INVALID_CURSOR", "cursor"),
    ("NUL in cursor", "/api/wallet/history/USR-001?cursor=%00", 400, "VALIDATION_ERROR",
     "cursor"),
    ("unknown query parameter", "/api/wallet/history/USR-001?offset=5", 400,
     "VALIDATION_ERROR", "offset"),
    ("control character in a parameter name", "/api/wallet/history/USR-001?%01=5", 400,
     "VALIDATION_ERROR", "\\u0001"),
    ("empty parameter name", "/api/wallet/history/USR-001?=5", 400, "VALIDATION_ERROR", '""'),
    ("empty parameter name twice", "/api/wallet/requests/k?=1&=2", 400, "VALIDATION_ERROR",
     '""'),
    ("SQL in balance path", "/api/wallet/balance/USR-001'%20OR%20'1'='1", 400,
     "VALIDATION_ERROR", "accountNumber"),
    ("NUL in balance path", "/api/wallet/balance/USR%00", 400, "VALIDATION_ERROR",
     "accountNumber"),
    ("unicode in history path", "/api/wallet/history/%E2%82%AC", 400, "VALIDATION_ERROR",
     "accountNumber"),
    ("bad UTF-8 in history path", "/api/wallet/history/%FF%FE", 400, "VALIDATION_ERROR",
     "accountNumber"),
    ("unknown account balance", "/api/wallet/balance/USR-999", 404, "ACCOUNT_NOT_FOUND", None),
    ("unknown account history", "/api/wallet/history/USR-999", 404, "ACCOUNT_NOT_FOUND", None),
    ("traversal in path", "/api/wallet/balance/..%2F..%2Fetc%2Fpasswd", 404, "NOT_FOUND", None),
    ("wait too long", "/api/wallet/requests/some-key?wait=31", 400, "VALIDATION_ERROR", "wait"),
    ("wait negative", "/api/wallet/requests/some-key?wait=-1", 400, "VALIDATION_ERROR", "wait"),
    ("wait NaN", "/api/wallet/requests/some-key?wait=nan", 400, "VALIDATION_ERROR", "wait"),
    ("wait 1e1000000", "/api/wallet/requests/some-key?wait=1e1000000", 400, "VALIDATION_ERROR",
     "wait"),
    ("NULs as the key", "/api/wallet/requests/%00%00", 400, "VALIDATION_ERROR", "key"),
    ("control character in the key", "/api/wallet/requests/a%1Fb", 400, "VALIDATION_ERROR",
     "key"),
    ("non-ascii key", "/api/wallet/requests/cl%C3%A9", 400, "VALIDATION_ERROR", "key"),
    ("bad UTF-8 key", "/api/wallet/requests/%ED%A0%80", 400, "VALIDATION_ERROR", "key"),
    ("over-long key", "/api/wallet/requests/" + "k" * 256, 400, "VALIDATION_ERROR", "key"),
    ("unknown key", "/api/wallet/requests/no-such-key", 404, "REQUEST_NOT_FOUND", None),
    ("unknown route", "/api/wallet/nothing-here", 404, "NOT_FOUND", None),
]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "path", "status", "code", "field"), GET_CASES, ids=[c[0] for c in GET_CASES]
)
def test_bad_read_is_refused_fast(
    client: FlaskClient, name: str, path: str, status: int, code: str, field: str | None
) -> None:
    answer, cpu = cpu_timed(lambda: client.get(path))
    assert_refused(answer, status, code, field)
    assert cpu < CPU_BUDGET


def test_wrong_method_is_a_405_problem(client: FlaskClient) -> None:
    answer = client.delete("/api/wallet/topup")
    assert_refused(answer, 405, "METHOD_NOT_ALLOWED")
    assert "POST" in answer.headers["Allow"]
