"""The API reference (docs/api.rst) lists every public class and function."""

import ast
import importlib
import inspect
import re
from pathlib import Path

import skkernel

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def documented_names():
    """The entries of the reference's autosummary tables."""
    return set(re.findall(r"^   ([\w.]+)\s*$", API.read_text(), re.MULTILINE))


def public_callables():
    """(module, name) of every class and function in a public ``__all__``."""
    modules = ["skkernel", *(f"skkernel.{name}" for name in sorted(skkernel._SUBMODULES))]
    for module_name in modules:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isclass(obj) or inspect.isfunction(obj):
                yield module_name, name, obj


def test_every_public_class_and_function_is_in_the_api_reference():
    entries = documented_names()
    missing = []
    for module_name, name, obj in public_callables():
        qualified = name if module_name == "skkernel" else f"{module_name[9:]}.{name}"
        # A name also exported at the top level may be documented there.
        at_top = getattr(skkernel, name, None) is obj and name in entries
        if qualified not in entries and not at_top:
            missing.append(f"{module_name}.{name}")
    assert not missing, f"not in docs/api.rst: {missing}"


def test_every_api_reference_entry_exists():
    for entry in documented_names():
        module_name, _, name = f"skkernel.{entry}".rpartition(".")
        # Each entry names an attribute of an importable module.
        assert hasattr(importlib.import_module(module_name), name), entry


def test_type_checkers_see_every_lazily_imported_name():
    # The names load on first use (module __getattr__), which mypy types as Any and
    # pyright as a module: the TYPE_CHECKING imports are what they read instead, so
    # they must name exactly what the lazy table exports, each from its module.
    tree = ast.parse(Path(skkernel.__file__).read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING"
    )
    exports, submodules = {}, set()
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom) and statement.level == 1
        for alias in statement.names:
            assert alias.asname == alias.name, "re-exports need the redundant alias"
            if statement.module is None:
                submodules.add(alias.name)
            else:
                exports[alias.name] = f".{statement.module}"
    assert submodules == skkernel._SUBMODULES
    assert exports == skkernel._EXPORTS
