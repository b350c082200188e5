"""Every migration says what it locks and for how long (issue 22): its docstring has a
"Locks:" section, measured on a ledger of 10 million entries (bench/migration_locks.py)."""

import ast
from pathlib import Path

import pytest

VERSIONS = Path(__file__).parents[2] / "ledger" / "migrations" / "versions"
MIGRATIONS = sorted(VERSIONS.glob("*.py"))


def locks_section(path: Path) -> str:
    """The docstring's text from its "Locks:" line on ("" if it has none)."""
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    _, found, section = docstring.partition("\nLocks:\n")
    return " ".join(section.split()) if found else ""


def test_there_are_migrations() -> None:
    assert len(MIGRATIONS) >= 7


@pytest.mark.parametrize("path", MIGRATIONS, ids=lambda p: p.stem)
def test_every_migration_says_what_it_locks_measured_on_ten_million_entries(path: Path) -> None:
    section = locks_section(path)
    assert section, f"{path.name} has no 'Locks:' section in its docstring"
    assert "10 million" in section or "10M" in section, f"{path.name}: measured on what ledger?"
    assert " s" in section or "ms" in section, f"{path.name}: for how long?"
