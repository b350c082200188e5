"""Error codes are defined once: the ledger's as the ``code=`` of their classes (ledger.errors),
the API's own in producer_api.http.problems.API_CODES. The problem table, the OpenAPI description's
texts and the docs' error tables (README.md and docs/*.md, wherever the table lives) are
checked against them."""

import ast
import re
from pathlib import Path

from werkzeug.exceptions import default_exceptions
from werkzeug.http import HTTP_STATUS_CODES

from ledger.errors import LedgerError
from producer_api.http import openapi_examples
from producer_api.http.json_reader import REFUSAL_CODES
from producer_api.http.problems import API_CODES, FRONT_REFUSALS, LEDGER_FIELDS, LEDGER_STATUSES

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"`([A-Z][A-Z0-9_]{3,})`")
MENTIONED = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
# werkzeug's HTTP errors, answered under their names (producer_api.http.problems._http_problem).
HTTP_CODES = {HTTP_STATUS_CODES[code].upper().replace(" ", "_") for code in default_exceptions}


def ledger_errors() -> list[type[LedgerError]]:
    found, todo = [], [LedgerError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


LEDGER_CODES = {cls.code for cls in ledger_errors()} - {LedgerError.code}
KNOWN = LEDGER_CODES | API_CODES | HTTP_CODES


def documented_codes() -> set[str]:
    """The codes in the first column of every docs table whose first header is ``code``."""
    codes: set[str] = set()
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        in_table = False
        for line in page.read_text().splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not line.startswith("|"):
                in_table = False
            elif cells[0].lower() == "code":
                in_table = True
            elif in_table:
                codes |= set(CODE.findall(cells[0]))
    return codes


def test_each_ledger_error_has_its_own_code() -> None:
    errors = [cls for cls in ledger_errors() if cls is not LedgerError]
    codes = [cls.code for cls in errors if cls.code != LedgerError.code]
    assert len(codes) == len(set(codes)), "two classes share a code"
    assert {cls.__name__ for cls in errors if cls.code == LedgerError.code} == {"BusinessRejection"}


def test_every_code_is_documented_in_an_error_table() -> None:
    missing = (LEDGER_CODES | API_CODES) - documented_codes()
    assert not missing, f"add these to the docs' error table: {sorted(missing)}"


def test_every_documented_code_is_one_the_service_answers() -> None:
    unknown = documented_codes() - KNOWN
    assert not unknown, f"documented, but neither in ledger/errors.py nor API_CODES: {unknown}"


def test_the_problem_table_names_ledger_errors() -> None:
    for cls in [*LEDGER_FIELDS, *LEDGER_STATUSES]:
        assert issubclass(cls, LedgerError) and cls.code in LEDGER_CODES, cls


def test_the_openapi_texts_name_known_codes_under_their_status() -> None:
    for status, text in openapi_examples.PROBLEMS.items():
        for code in MENTIONED.findall(text):
            assert code in KNOWN, f"{status}: {code} is no code of the service"
            classes = [c for c in ledger_errors() if c.code == code]
            if classes:
                assert LEDGER_STATUSES.get(classes[0], 422) == int(status), (status, code)


def _raised_codes() -> set[str]:
    """The code argument of every ``Problem(status, "CODE", ...)``, ``_failed(caller,
    "CODE", ...)`` and ``_unavailable("CODE")`` in producer_api/, and the codes of the
    front's and the JSON reader's tables of refusals."""
    found: set[str] = set()
    for path in (ROOT / "producer_api").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            position = {"Problem": 1, "_failed": 1, "_unavailable": 0}.get(name or "")
            if position is not None and len(node.args) > position:
                argument = node.args[position]
                if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                    found.add(argument.value)
    refusals = [*FRONT_REFUSALS.values(), *REFUSAL_CODES.values()]
    return found | {code for code, _ in refusals}


def test_every_problem_the_api_raises_names_a_listed_code() -> None:
    raised = _raised_codes()
    assert {"VALIDATION_ERROR", "OVERLOADED", "UNAUTHENTICATED"} <= raised  # the scan works
    assert raised <= API_CODES, f"add to producer_api.http.problems.API_CODES: {raised - API_CODES}"
    assert not raised & LEDGER_CODES, "a ledger code is raised by hand: use its class's code"
