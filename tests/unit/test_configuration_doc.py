"""docs/configuration.md's tables are checked against ``Settings`` (issue 26): every field is
documented under its environment variable, nothing documented is not a field (but for the
variables other tools read, listed below), and every literal default is the field's."""

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from infra.settings import Settings

ROOT = Path(__file__).parents[2]
DOC = ROOT / "docs" / "configuration.md"
ROW = re.compile(r"^\| `([A-Z][A-Z0-9_]*)` \| ([^|]+) \|", re.MULTILINE)
FIRST_LITERAL = re.compile(r"`([^`]+)`")

# Documented, but read by make run, the servers, docker-compose, the tests or the bench
# themselves, not through Settings; each with a file that reads it.
NOT_SETTINGS = {
    "WALLET_EMBEDDED": "launcher/servers.py",
    "WALLET_DATA_DIR": "launcher/embedded.py",
    "PROMETHEUS_MULTIPROC_DIR": "api_server.py",
    "WALLET_DEV_SUBNET": "docker-compose.override.yml",
    "WALLET_DEV_GATEWAY": "docker-compose.override.yml",
    "POSTGRES_PASSWORD": "docker-compose.prod.yml",
    "RABBITMQ_PASSWORD": "docker-compose.yml",
    "RABBITMQ_HOST": "harness/rabbitmq.py",
    "RABBITMQ_PORT": "harness/rabbitmq.py",
    "WALLET_REQUIRE_RABBITMQ": "tests/fixtures/brokers.py",
    "WALLET_REQUIRE_NETNS": "tests/cluster/conftest.py",
    "BENCH_ARGS": "Makefile",
}

# Fields whose default is None and whose effective value development derives (a property of
# Settings): the table gives that value.
DERIVED: dict[str, Callable[[Settings], str | None]] = {
    "listen_address": lambda s: s.bind_address,
    "wallet_dev_api_key": lambda s: s.dev_api_key,
    "flower_basic_auth": lambda s: s.flower_login,
    "log_format": lambda s: "json" if s.logs_as_json else "console",
}


def documented() -> dict[str, str]:
    """Each documented variable and its default cell, from every table of the page."""
    rows: list[tuple[str, str]] = ROW.findall(DOC.read_text())
    names = [name for name, _ in rows]
    assert len(names) == len(set(names)), "a variable documented twice"
    return {name: cell.strip() for name, cell in rows}


def test_every_settings_field_is_documented() -> None:
    missing = {name.upper() for name in Settings.model_fields} - set(documented())
    assert not missing, f"Settings fields missing from docs/configuration.md: {sorted(missing)}"


def test_nothing_documented_is_not_a_field_but_the_listed_variables() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    assert set(documented()) - fields == set(NOT_SETTINGS)


@pytest.mark.parametrize("name", sorted(NOT_SETTINGS))
def test_each_listed_variable_is_read_where_it_says(name: str) -> None:
    assert name.upper() not in {field.upper() for field in Settings.model_fields}
    assert name in (ROOT / NOT_SETTINGS[name]).read_text()


def default(field: str) -> Any:
    """The field's default, or what development derives from its None."""
    if field in DERIVED:
        return DERIVED[field](Settings.model_construct())  # defaults, not this environment
    return Settings.model_fields[field].default


def parse(field: str, literal: str) -> Any:
    """The documented literal as the field's type (``10`` is 10.0 for a float)."""
    annotation = Settings.model_fields[field].annotation
    if field in DERIVED or annotation is None:
        return literal
    adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    return adapter.validate_python(literal)


@pytest.mark.parametrize("field", sorted(Settings.model_fields))
def test_the_documented_default_is_the_fields(field: str) -> None:
    rows = documented()
    assert field.upper() in rows, f"{field.upper()} is not documented"
    cell = rows[field.upper()]
    if cell.startswith("unset"):
        assert default(field) is None, f"{field} defaults to {default(field)!r}, not unset"
        return
    literal = FIRST_LITERAL.match(cell)
    assert literal, f"{field}: its default cell starts with neither a literal nor 'unset'"
    assert default(field) is not None, f"{field} defaults to None: the table should say unset"
    assert parse(field, literal.group(1)) == default(field)
