"""The package's layout: every public name means one thing, and the modules renamed after
0.1.0 (``o2opt.optimize`` -> ``o2opt.pipeline``, ``o2opt.model.build`` ->
``o2opt.model.builder``) stay importable under their old paths for one release, with a
DeprecationWarning."""

from __future__ import annotations

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
