"""Which way imports point inside the project beyond what ruff's banned-api rules see: the
schema does not depend on the claim-and-post protocol, and infra/ loads no ledger module
(its migrations import the ledger's models) (issue 6); celeryconfig.py, between infra/ and
the processes, loads neither Celery nor a package above infra/ (issue 22)."""

import subprocess
import sys


def modules_loaded_by(module: str) -> set[str]:
    code = f"import sys, {module}; print(' '.join(sorted(sys.modules)))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(run.stdout.split())


def test_the_schema_and_the_read_models_do_not_import_the_protocol() -> None:
    for module in ("ledger.models", "ledger.reads.views", "ledger.statuses"):
        loaded = modules_loaded_by(module)
        assert not {m for m in loaded if m.startswith("ledger.posting")}, module


def test_the_statuses_are_a_leaf() -> None:
    assert {m for m in modules_loaded_by("ledger.statuses") if m.startswith("ledger.")} == {
        "ledger.statuses"
    }


def test_database_administration_loads_no_ledger_module() -> None:
    loaded = modules_loaded_by("infra.database_admin")
    assert not {m for m in loaded if m == "ledger" or m.startswith("ledger.")}
    assert "alembic" not in loaded


def test_celeryconfig_imports_neither_celery_nor_a_package_above_infra() -> None:
    loaded = modules_loaded_by("celeryconfig")
    above = {"ledger", "producer_api", "worker", "launcher", "harness", "bench", "celery"}
    assert not {m for m in loaded if m.split(".")[0] in above}
