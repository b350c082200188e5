"""No ledger function falls back to plain storage when a caller forgets its ``Sealer``:
every ``sealer`` parameter in ledger/ is without a default, and a keyword in the
public functions (issue 2)."""

import importlib
import inspect
import pkgutil
from dataclasses import MISSING, fields, is_dataclass

import ledger


def test_no_ledger_function_or_class_gives_its_sealer_a_default() -> None:
    defaults = []
    for module_info in pkgutil.walk_packages(ledger.__path__, "ledger."):
        if module_info.name.startswith("ledger.migrations"):
            continue  # Alembic's: env.py runs the migrations when imported
        module = importlib.import_module(module_info.name)
        for name, member in inspect.getmembers(module):
            if getattr(member, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(member):
                parameter = inspect.signature(member).parameters.get("sealer")
                if parameter is not None and (
                    parameter.default is not inspect.Parameter.empty
                    or (parameter.kind is not inspect.Parameter.KEYWORD_ONLY and name[0] != "_")
                ):
                    defaults.append(f"{module.__name__}.{name}")
            if inspect.isclass(member) and is_dataclass(member):
                defaults += [
                    f"{module.__name__}.{name}.{field.name}"
                    for field in fields(member)
                    if field.name == "sealer"
                    and (field.default is not MISSING or not field.kw_only)
                ]
    assert defaults == []
