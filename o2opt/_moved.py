"""Old module paths kept working for one release, with a :class:`DeprecationWarning`.

``o2opt.optimize`` and ``o2opt.model.build`` are functions, and they used to be the modules
that define them too (``import o2opt.optimize as m`` gave the function). The modules are
now :mod:`o2opt.pipeline` and :mod:`o2opt.model.builder`.

No file is left at an old path: importing a submodule sets it as an attribute of its
package, which would hide the function of the same name. Instead :func:`register` puts a
stand-in module into :data:`sys.modules` under the old name. The import system finds it
there and sets no attribute, so ``o2opt.optimize`` stays the function, while
``from o2opt.optimize import optimize`` or ``importlib.import_module("o2opt.optimize")``
still work: each name read from the stand-in is that of the new module, with a
:class:`DeprecationWarning` (patch helpers on the new module: a name set on the stand-in
stays there). ``import o2opt.optimize as m`` gives the function, as before.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import sys
import types
import warnings
from typing import Any

__all__ = ["register"]


class _MovedModule(types.ModuleType):
    """Stands in for module ``old``, whose names now live in module ``new``."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(old, f"Deprecated: use :mod:`{new}` (``{old}`` is a function).")
        self.__dict__["__spec__"] = importlib.machinery.ModuleSpec(old, None)
        self.__dict__["_new"] = new

    def _target(self, name: str) -> types.ModuleType:
        old, new = self.__name__, self.__dict__["_new"]
        warnings.warn(f"the module {old} is now {new}: import {name!r} from {new} "
                      f"({old} is deprecated and will be removed in the next release)",
                      DeprecationWarning, stacklevel=3)
        return importlib.import_module(new)

    def __getattr__(self, name: str) -> Any:
        # called only for names the stand-in lacks; the import system probes dunders such
        # as __path__, which must stay missing (this is not a package)
        if name.startswith("__") and name.endswith("__") and name != "__all__":
            raise AttributeError(name)
        return getattr(self._target(name), name)

    def __dir__(self) -> list[str]:
        return dir(importlib.import_module(self.__dict__["_new"]))


def register(old: str, new: str) -> None:
    """Make module path ``old`` an alias of module ``new`` that warns when used."""
    sys.modules.setdefault(old, _MovedModule(old, new))
