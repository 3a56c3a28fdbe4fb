"""Optimisation models: the canonical model of MODEL.md as a solver-neutral sparse LP/MILP.

:func:`build` gives a :class:`LinearModel` (costs, bounds, sparse rows); backends turn it
into a solver's own model: :func:`to_pulp` for PuLP (CBC, HiGHS and every solver PuLP
drives) and :mod:`o2opt.solve` passes it to highspy directly.
"""

from o2opt.model.build import LinearModel, build
from o2opt.model.pulp import to_pulp

__all__ = ["LinearModel", "build", "to_pulp"]
