"""Scenarios at scale: sweeps, robust siting, checkpoint and resume, any executor.

Declare a scenario set (:func:`grid`, :func:`read_scenarios`, or a list of
:class:`ScenarioSpec`), solve it with :func:`sweep` — on a local process pool by default,
on a Dask cluster with ``executor=client.get_executor()`` — into a store that survives
kills, then decide across scenarios (:func:`pareto_frontier`, :func:`opening_frequency`,
:func:`robust_siting`) and chart it (:mod:`o2opt.sweeps.plot`). See ``docs/sweep.md``.

Examples
--------
>>> import o2opt
>>> from concurrent.futures import ThreadPoolExecutor
>>> from o2opt.sweeps import grid, sweep
>>> net = o2opt.read_network(o2opt.datasets.demo_folder())
>>> specs = grid({"demand_multiplier": [1, 2], "outage:p-baghdad-asu": ["", "all"]})
>>> with ThreadPoolExecutor(2) as ex:
...     df = sweep(net, specs, executor=ex)
>>> df[["label", "status", "unmet_m3"]].round(1)
                                           label   status  unmet_m3
0                            demand_multiplier=1  optimal      39.9
1  demand_multiplier=1, outage:p-baghdad-asu=all  optimal    2835.8
2                            demand_multiplier=2  optimal    6451.6
3  demand_multiplier=2, outage:p-baghdad-asu=all  optimal    9811.6
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from o2opt.sweeps.decisions import (
        RobustSiting,
        candidate_plans,
        opening_frequency,
        pareto_frontier,
        robust_siting,
    )
    from o2opt.sweeps.run import (
        SweepProgress,
        local_executor,
        parameter_columns,
        read_results,
        sweep,
    )
    from o2opt.sweeps.scenarios import (
        CapacityChange,
        DemandSurge,
        Outage,
        ScenarioSpec,
        apply_scenario,
        check_scenarios,
        grid,
        read_scenarios,
        scenarios_from_frame,
    )
    from o2opt.sweeps.store import Store

__all__ = [
    "CapacityChange",
    "DemandSurge",
    "Outage",
    "RobustSiting",
    "ScenarioSpec",
    "Store",
    "SweepProgress",
    "apply_scenario",
    "candidate_plans",
    "check_scenarios",
    "grid",
    "local_executor",
    "opening_frequency",
    "parameter_columns",
    "pareto_frontier",
    "read_results",
    "read_scenarios",
    "robust_siting",
    "scenarios_from_frame",
    "sweep",
]

#: Where each public name lives: the submodules are imported on first use, so that
#: ``o2opt`` (whose command line declares ``o2opt sweep``) starts without them.
_HOME = {
    **dict.fromkeys(("RobustSiting", "candidate_plans", "opening_frequency",
                     "pareto_frontier", "robust_siting"), "decisions"),
    **dict.fromkeys(("SweepProgress", "local_executor", "parameter_columns", "read_results",
                     "sweep"), "run"),
    **dict.fromkeys(("CapacityChange", "DemandSurge", "Outage", "ScenarioSpec",
                     "apply_scenario", "check_scenarios", "grid", "read_scenarios",
                     "scenarios_from_frame"), "scenarios"),
    "Store": "store",
}


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"o2opt.sweeps.{_HOME[name]}"), name)
    raise AttributeError(f"module 'o2opt.sweeps' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
