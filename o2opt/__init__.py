"""o2opt: plan medical-oxygen supply chains with linear and mixed-integer programming.

Data flows one way::

    read_network / from_frames  →  Network  →  optimize  →  Solution  →  to_folder / plot_map

Examples
--------
>>> import o2opt
>>> net = o2opt.read_network(o2opt.datasets.demo_folder())
>>> sol = o2opt.optimize(net)
>>> sol.status
'optimal'
"""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any

from o2opt import _moved, costs, datasets, model
from o2opt.compare import InvestmentComparison, compare_investment
from o2opt.errors import (
    InputError,
    O2optError,
    OutputError,
    PlausibilityWarning,
    Problem,
    SolverError,
)
from o2opt.io import from_frames, read_network, write_folder
from o2opt.network import Network, Scenario
from o2opt.pipeline import optimize
from o2opt.solution import Solution

if TYPE_CHECKING:
    from o2opt import charts, demand, report, roads
    from o2opt.sweeps import sweep  # the package o2opt.sweeps has the rest

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "InvestmentComparison",
    "Network",
    "O2optError",
    "OutputError",
    "PlausibilityWarning",
    "Problem",
    "Scenario",
    "Solution",
    "SolverError",
    "__version__",
    "charts",
    "compare_investment",
    "costs",
    "datasets",
    "demand",
    "from_frames",
    "model",
    "optimize",
    "read_network",
    "report",
    "roads",
    "sweep",
    "write_folder",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())

# the module of optimize was o2opt.optimize until 0.1.0; the name is the function alone now
_moved.register("o2opt.optimize", "o2opt.pipeline")

_LAZY = {"charts", "demand", "report", "roads"}  # imported on first use: a faster start


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return importlib.import_module(f"o2opt.{name}")
    if name == "sweep":
        from o2opt.sweeps import sweep

        return sweep
    raise AttributeError(f"module 'o2opt' has no attribute {name!r}")
