"""Every ledger module imports on its own, in a fresh interpreter, and no ledger module imports
one that imports it back, directly or through others, not even under ``TYPE_CHECKING`` or in
a function (issue 26). A cycle works or breaks by which module a process happens to import
first; the layout (ledger/__init__.py) says which way imports point.

The graph is read from the source (``ast``): an edge for each ledger module an import
statement names (``from ledger.models.base import Base`` names ledger.models.base, not the
package around it, whose ``__init__`` holds a docstring, or, for models/, the imports that
gather the tables)."""

import ast
import subprocess
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

LEDGER = Path(__file__).resolve().parents[2] / "ledger"
# Alembic's: env.py runs the migrations when imported, and the versions are loaded by Alembic.
MIGRATIONS = "migrations"


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def ledger_sources(root: Path = LEDGER) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(root.rglob("*.py"))}


def imported_by(name: str, path: Path, modules: Iterable[str]) -> set[str]:
    """The ledger modules that ``path`` (module ``name``) names in its import statements."""
    known = set(modules)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # ``from ledger.reads import views`` names the module ledger.reads.views
            named |= {
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            }
    return named & known - {name}


def import_graph(root: Path = LEDGER) -> dict[str, set[str]]:
    sources = ledger_sources(root)
    return {name: imported_by(name, path, sources) for name, path in sources.items()}


def find_cycle(graph: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One cycle of ``graph`` (its modules in import order, the first repeated last), or None."""
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        if module in path:
            return [*path[path.index(module) :], module]
        if module in done:
            return None
        path.append(module)
        for imported in sorted(graph.get(module, ())):
            if (cycle := visit(imported)) is not None:
                return cycle
        path.pop()
        done.add(module)
        return None

    for module in sorted(graph):
        if (cycle := visit(module)) is not None:
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_through_other_modules() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "ledger.models.base" in graph["ledger.models.wallet"]
    assert "ledger.models.base" in graph["ledger.models"]  # the package gathering its tables
    assert "ledger.models" in graph["ledger.migrations.env"]
    assert (
        "ledger.migrations.online" in graph["ledger.migrations.versions.0002_request_arrival_order"]
    )
    assert "infra.sealing" not in graph["ledger.posting.lifecycle"]  # ledger modules only


def test_no_ledger_module_imports_itself_back() -> None:
    assert find_cycle(import_graph()) is None


# The packages in the order ledger/__init__.py lists them: each may import those before it.
PACKAGES = ("models", "inbox", "posting", "reads", "webhooks")
# Built on the packages (or on models alone); none of the packages imports these.
AROUND = ("accounts", "api_keys", "seed", "verify")


def against_the_map(module: str, imported: str) -> bool:
    """A package module importing a later package, or a module built on the packages."""
    here, there = (name.split(".")[1] if "." in name else "" for name in (module, imported))
    if here not in PACKAGES:
        return False
    return there in AROUND or (there in PACKAGES and PACKAGES.index(there) > PACKAGES.index(here))


def test_imports_point_the_way_the_map_says() -> None:
    graph = import_graph()
    against = [
        f"{m} -> {i}" for m, imports in graph.items() for i in imports if against_the_map(m, i)
    ]
    assert against == []
    assert against_the_map("ledger.models.wallet", "ledger.posting.journal")
    assert against_the_map("ledger.inbox.requests", "ledger.seed")
    assert not against_the_map("ledger.webhooks.outbox", "ledger.reads.holds")


def test_no_ledger_module_hides_an_import_from_the_interpreter() -> None:
    hiding = [
        name for name, path in ledger_sources().items() if "TYPE_CHECKING" in path.read_text()
    ]
    assert hiding == []


def test_every_ledger_module_imports_alone_in_a_fresh_interpreter() -> None:
    modules = [name for name in ledger_sources() if MIGRATIONS not in name.split(".")]
    # One interpreter, the ledger's modules forgotten before each: the third-party libraries
    # stay loaded (the ledger's own modules are what could need an order).
    code = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "ledger" or m.startswith("ledger.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        print(f"{name}: {type(error).__name__}: {error}")
"""
    run = subprocess.run(
        [sys.executable, "-c", code, *modules], capture_output=True, text=True, check=True
    )
    assert run.stdout == ""
    assert len(modules) > 30
