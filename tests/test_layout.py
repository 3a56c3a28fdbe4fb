"""The package's layout: every public name means one thing, and the modules renamed after
0.1.0 (``o2opt.optimize`` -> ``o2opt.pipeline``, ``o2opt.model.build`` ->
``o2opt.model.builder``) stay importable under their old paths for one release, with a
DeprecationWarning."""

from __future__ import annotations

import ast
import graphlib
import importlib
import inspect
import pkgutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

import o2opt

ROOT = Path(__file__).resolve().parents[1]
MOVED = [("o2opt.optimize", "o2opt.pipeline", "optimize"),
         ("o2opt.model.build", "o2opt.model.builder", "build")]


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(o2opt.__path__, "o2opt.")
            if not m.name.endswith("__main__")]


def test_functions_and_their_modules_have_different_names():
    assert inspect.isfunction(o2opt.optimize)
    assert inspect.isfunction(o2opt.model.build)
    assert isinstance(importlib.import_module("o2opt.pipeline"), types.ModuleType)
    assert importlib.import_module("o2opt.pipeline").optimize is o2opt.optimize
    assert importlib.import_module("o2opt.model.builder").build is o2opt.model.build


def test_every_submodule_attribute_is_the_submodule():
    """A package attribute named like one of its submodules is that submodule, not a
    function that hides it (``import o2opt.optimize as m`` gave the function)."""
    for name in _modules():
        module = importlib.import_module(name)
        parent, _, child = name.rpartition(".")
        attr = getattr(importlib.import_module(parent), child, module)
        assert attr is module, f"{parent}.{child} is {attr!r}, not the module {name}"


@pytest.mark.parametrize(("old", "new", "function"), MOVED)
def test_old_module_path_works_with_a_warning(old, new, function):
    parent, _, child = old.rpartition(".")
    with pytest.warns(DeprecationWarning, match=rf"{old} is now {new}"):
        got = getattr(importlib.import_module(old), function)
    assert got is getattr(importlib.import_module(new), function)
    with pytest.warns(DeprecationWarning, match=rf"{old} is now {new}"):
        exec(f"from {old} import {function} as f", scope := {})  # the statement users wrote
    assert scope["f"] is got
    # the import system found the stand-in, and the package attribute is still the function
    assert getattr(importlib.import_module(parent), child) is got
    assert inspect.isfunction(getattr(importlib.import_module(parent), child))
    with pytest.warns(DeprecationWarning):
        listed = importlib.import_module(old).__all__
    assert set(listed) == set(importlib.import_module(new).__all__)


def test_the_library_uses_no_old_module_path():
    """Importing o2opt (and every module of it) uses no old path: no DeprecationWarning."""
    code = ("import importlib, pkgutil, o2opt\n"
            "for m in pkgutil.walk_packages(o2opt.__path__, 'o2opt.'):\n"
            "    if not m.name.endswith('__main__'):\n"
            "        importlib.import_module(m.name)\n")
    done = subprocess.run([sys.executable, "-W", "error::DeprecationWarning", "-c", code],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_old_path_has_no_package_dunders():
    """The stand-in is a plain module: the import system's probes find no ``__path__``."""
    old = importlib.import_module("o2opt.optimize")
    assert not hasattr(old, "__path__")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("o2opt.optimize.anything")


# --------------------------------------------------------------------------- import layers
def _module_level_imports(module: str) -> set[str]:
    """The o2opt modules that ``module`` imports when it is loaded (statements at module
    level, outside ``if TYPE_CHECKING:``); a function's own imports are not counted."""
    path = ROOT / (module.replace(".", "/") + ".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    found: set[str] = set()

    def walk(body: list[ast.stmt]) -> None:
        for node in body:
            if isinstance(node, ast.Import):
                found.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
            elif isinstance(node, ast.If):
                if "TYPE_CHECKING" not in ast.unparse(node.test):
                    walk(node.body)
                walk(node.orelse)
            elif isinstance(node, ast.Try):
                for part in (node.body, *(h.body for h in node.handlers), node.orelse,
                             node.finalbody):
                    walk(part)
            elif isinstance(node, ast.With):
                walk(node.body)

    walk(ast.parse(path.read_text(encoding="utf-8")).body)
    return found & set(_modules())


@pytest.mark.parametrize(("module", "forbidden"), [
    ("o2opt.io", {"o2opt.network"}),  # io reads; validate makes the Network
    ("o2opt.validate", {"o2opt.io"}),
    ("o2opt.network", {"o2opt.io", "o2opt.validate"}),
])
def test_data_flows_one_way_io_validate_network(module, forbidden):
    assert not _module_level_imports(module) & forbidden


def test_module_level_imports_have_no_cycle():
    """Among o2opt's modules, loading one never needs one that needs it back (a package
    that imports its own submodules, as every package does, is not counted)."""
    graph = {m: {d for d in _module_level_imports(m) if d != m and not m.startswith(d + ".")}
             for m in _modules() + ["o2opt"]}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError on a cycle


@pytest.mark.parametrize(("module", "loads"), [
    ("o2opt.network", {"o2opt.network"}),
    ("o2opt.validate", {"o2opt.validate", "o2opt.network", "o2opt.schema", "o2opt.errors"}),
    # io also writes folders: the atomic swap (o2opt.atomic) sits below it
    ("o2opt.io", {"o2opt.io", "o2opt.validate", "o2opt.network", "o2opt.schema",
                  "o2opt.errors", "o2opt.atomic"}),
])
def test_module_loaded_alone_loads_only_its_layers(module, loads):
    """Each module imported in a fresh interpreter, without running o2opt/__init__.py, loads
    only the modules below it."""
    code = ("import importlib, sys, types\n"
            "package = types.ModuleType('o2opt')\n"
            f"package.__path__ = [{str(ROOT / 'o2opt')!r}]\n"
            "sys.modules['o2opt'] = package\n"
            f"importlib.import_module({module!r})\n"
            "print(' '.join(m for m in sys.modules if m.startswith('o2opt.')))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert set(done.stdout.split()) == loads


def test_raw_input_kept_at_its_old_place():
    from o2opt import io, validate

    assert io.RawInput is validate.RawInput
    assert "RawInput" in io.__all__ and "RawInput" in validate.__all__
