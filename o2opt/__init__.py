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

import logging

from o2opt import charts, datasets, demand, model, report
from o2opt import roads as roads  # issue 6: road-network distances (o2opt.roads)
from o2opt.errors import InputError, O2optError, OutputError, Problem, SolverError
from o2opt.io import from_frames, read_network, write_folder
from o2opt.network import Network, Scenario
from o2opt.optimize import optimize
from o2opt.solution import Solution
from o2opt.sweeps import sweep  # the package o2opt.sweeps has the rest

__version__ = "0.1.0"

__all__ = [
    "InputError",
    "Network",
    "O2optError",
    "OutputError",
    "Problem",
    "Scenario",
    "Solution",
    "SolverError",
    "__version__",
    "charts",
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
