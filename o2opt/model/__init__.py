"""Optimisation models: the canonical model (docs/model.md) as a solver-neutral LP/MILP.

:func:`build` gives a :class:`LinearModel` (costs, bounds, sparse rows); backends turn it
into a solver's own model: :func:`to_pulp` for PuLP (CBC, HiGHS and every solver PuLP
drives) and :mod:`o2opt.solve` passes it to highspy directly.
"""

from typing import TYPE_CHECKING, Any

from o2opt import _moved
from o2opt.model.builder import LinearModel, build

if TYPE_CHECKING:
    from o2opt.model.pulp import to_pulp


def __getattr__(name: str) -> Any:
    if name == "to_pulp":  # imports PuLP only when asked for
        from o2opt.model.pulp import to_pulp

        return to_pulp
    raise AttributeError(f"module 'o2opt.model' has no attribute {name!r}")

__all__ = ["LinearModel", "build", "to_pulp"]

# the module of build was o2opt.model.build until 0.1.0; the name is the function alone now
_moved.register("o2opt.model.build", "o2opt.model.builder")
