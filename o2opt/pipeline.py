"""The pipeline in one call: network → arcs → model → solver → :class:`Solution`."""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from typing import NotRequired, TypedDict

import numpy as np

from o2opt.fairness import log_warnings, not_logged
from o2opt.geo import build_arcs
from o2opt.marginal import Duals
from o2opt.model.builder import LinearModel, build
from o2opt.network import Network
from o2opt.progress import ProgressLine, progress_line
from o2opt.solution import Solution
from o2opt.solve import SolveResult, solve
from o2opt.validate import SOLVER_OPTIONS, check_solver_options

__all__ = ["optimize"]

log = logging.getLogger(__name__)


def optimize(network: Network, *, solver: str | None = None, backend: str | None = None,
             time_limit_s: float | None = None, mip_gap: float | None = None,
             threads: int | None = None, verbose: bool = False,
             decompose: bool | None = None, progress: bool | None = None) -> Solution:
    """Solve the canonical model of ``network`` and return the :class:`Solution`.

    Solver options default to the scenario's ``[model]`` values (see
    :func:`o2opt.solve.solve`). When unmet demand is forbidden and the model is
    infeasible, the solution's ``message`` names the hospitals whose demand cannot be met.

    ``progress`` shows one updating line on standard error while the model is solved: the
    stage and the day blocks solved (:mod:`o2opt.progress`). ``None`` (default): only when
    someone is watching (a terminal, or a Jupyter notebook); ``False``: never.

    Raises
    ------
    TypeError
        ``network`` is not a :class:`Network` (a path, say: read it first with
        :func:`o2opt.read_network`).
    InputError
        A solver option is invalid (:func:`o2opt.validate.check_solver_options`).

    Examples
    --------
    >>> import pandas as pd, o2opt
    >>> net = o2opt.from_frames(
    ...     hospitals=pd.DataFrame({"id": ["H1"], "lat": [33.30], "lon": [44.40],
    ...                             "demand_m3_day": [68.0]}),
    ...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.31], "lon": [44.40],
    ...                            "fill_capacity_cyl_day": [100.0]}),
    ...     producers=pd.DataFrame({"id": ["P1"], "lat": [33.40], "lon": [44.40],
    ...                             "capacity_m3_day": [40.0]}))
    >>> sol = optimize(net)
    >>> sol.status, sol.summary()["delivered_m3"], sol.summary()["unmet_m3"]
    ('optimal', 40.0, 28.0)
    """
    if not isinstance(network, Network):
        raise TypeError(_not_a_network(network))
    sc = network.scenario
    checked = check_solver_options({"solver": solver or sc.solver, "backend": backend,
                                    "time_limit_s": time_limit_s, "mip_gap": mip_gap,
                                    "threads": threads})
    solver, backend, time_limit_s, mip_gap, threads = (checked[k] for k in SOLVER_OPTIONS)
    start = time.perf_counter()
    arcs = build_arcs(network)
    lm = build(network, arcs)
    build_s = time.perf_counter() - start
    log.info("built model: %d variables, %d constraints, %d non-zeros (%.2f s)",
             lm.num_col, lm.num_row, len(lm.a_val), build_s)
    options: _SolveOptions = {"solver": solver, "backend": backend,
                              "time_limit_s": time_limit_s, "mip_gap": mip_gap,
                              "threads": threads, "verbose": verbose, "decompose": decompose}
    line = progress_line(progress)
    try:
        solution = _optimize(network, lm, build_s, options, line)
    finally:
        if line is not None:
            line.close()
    if solution.has_solution:
        log_warnings(solution.warnings)  # hospitals or regions left with nothing
    return solution


def _optimize(network: Network, lm: LinearModel, build_s: float, options: _SolveOptions,
              line: ProgressLine | None) -> Solution:
    solver, backend = options["solver"], options["backend"]
    time_limit_s = options["time_limit_s"]
    sc = network.scenario
    lexicographic = sc.objective == "lexicographic"
    n_stages = 1 + lexicographic + bool(sc.integer_cylinders or sc.integer_trucks)

    def stage(k: int, what: str) -> _SolveOptions:
        if line is None:
            return options
        line.stage(f"solving ({what}, stage {k} of {n_stages})" if n_stages > 1
                   else "solving")
        return {**options, "progress": line.update}

    stages: dict[str, float | None] = {}
    stage_one: tuple[LinearModel, Duals] | None = None
    if lexicographic:
        lm, stages, stage_one = _lexicographic_stage_one(lm, stage(1, "least unmet demand"))
    result = solve(lm, **stage(1 + lexicographic, "least cost" if lexicographic else "plan"))
    message = result.message
    constrained = not sc.allow_unmet or sc.min_service_share > 0 \
        or sc.region_min_service_share > 0 or network.hospitals["min_service_share"].notna().any()
    if result.status == "infeasible" and constrained:
        message = _explain_shortfall(network, lm, solver, backend, time_limit_s)
        log.warning("infeasible: %s", message)
    solution = Solution(network, lm, result, {"build": build_s}, message)
    solution.duals = _duals(lm, result, options)
    if solution.duals is not None:
        solution.stage_one_duals = stage_one
    if sc.integer_cylinders or sc.integer_trucks:
        # the LP relaxation's bound, reported beside the integer answer
        relaxed = solve(dataclasses.replace(lm, integer=np.zeros(lm.num_col, dtype=bool)),
                        **stage(n_stages, "LP relaxation bound"))
        solution.lp_relaxation_objective = relaxed.objective
    if stages:
        stages["cost"] = solution.objective  # None when stage 2 found no plan
        solution.stages = stages
    return solution


def _duals(lm: LinearModel, result: SolveResult, options: _SolveOptions) -> Duals | None:
    """The duals the marginal values come from: those of the LP itself (solved again by
    HiGHS when the solve gave none, e.g. through PuLP), or, for a model with integer
    variables and ``[model] marginal_values = true``, of the LP with them fixed at their
    values; ``None`` when not requested or not available."""
    if result.x is None or (lm.is_mip and not lm.network.scenario.marginal_values):
        return None
    if lm.num_col == 0:
        return Duals(np.zeros(0), np.zeros(lm.num_row), np.zeros(0))
    if not lm.is_mip and result.row_dual is not None and result.col_dual is not None:
        return Duals(result.x, result.row_dual, result.col_dual)
    if not lm.is_mip and result.status != "optimal":  # an LP stopped early: no duals
        return None
    fixed = lm
    if lm.is_mip:
        value = np.clip(np.round(result.x), lm.lower, lm.upper)
        fixed = dataclasses.replace(
            lm, lower=np.where(lm.integer, value, lm.lower),
            upper=np.where(lm.integer, value, lm.upper), integer=np.zeros(lm.num_col, bool))
    highs: _SolveOptions = {**options, "solver": "highs", "backend": "highspy"}
    lp = solve(fixed, **highs)
    if lp.x is None or lp.row_dual is None or lp.col_dual is None:
        log.warning("no marginal values: the LP with integers fixed gave no duals (%s)",
                    lp.status)
        return None
    log.info("marginal values from the LP with integer variables fixed: objective %s",
             lp.objective)
    return Duals(lp.x, lp.row_dual, lp.col_dual)


def _not_a_network(value: object) -> str:
    """What to say when :func:`optimize` gets something else than a :class:`Network`."""
    import os

    got = f"{type(value).__name__} {value!r}"[:200]
    if isinstance(value, str | os.PathLike):
        return (f"optimize() takes a Network, got {got}: read the scenario first, "
                f"o2opt.optimize(o2opt.read_network({os.fspath(value)!r}))")
    return f"optimize() takes a Network (from o2opt.read_network or o2opt.from_frames), got {got}"


class _SolveOptions(TypedDict):
    """The keyword arguments of :func:`o2opt.solve.solve` that :func:`optimize` passes on."""

    solver: str | None
    backend: str | None
    time_limit_s: float | None
    mip_gap: float | None
    threads: int | None
    verbose: bool
    decompose: bool | None
    progress: NotRequired[Callable[..., None]]  # the progress line's update, when shown


def _lexicographic_stage_one(lm: LinearModel, options: _SolveOptions
                             ) -> tuple[LinearModel, dict[str, float | None],
                                        tuple[LinearModel, Duals] | None]:
    """Stage 1: minimise priority-weighted unmet m³; return the model of stage 2, which
    holds that optimum (to 1e-7 relative) as a constraint, the stage-1 value, and, for an
    LP, the stage-1 model and duals (how the optimum moves with capacities and demand)."""
    weights = np.zeros(lm.num_col)
    weights[lm.blocks["u"]] = lm.network.hospitals["priority"].to_numpy(float)[lm.u_hospital]
    first_lm = dataclasses.replace(lm, cost=weights)
    first = solve(first_lm, **options)
    if not first.has_solution:
        return lm, {}, None
    stage_one = None
    if first.x is not None and first.row_dual is not None and first.col_dual is not None:
        stage_one = (first_lm, Duals(first.x, first.row_dual, first.col_dual))
    best = float(first.objective or 0.0)
    cols = np.flatnonzero(weights)
    row = lm.num_row
    stage_two = dataclasses.replace(
        lm,
        a_row=np.concatenate([lm.a_row, np.full(len(cols), row)]),
        a_col=np.concatenate([lm.a_col, cols]),
        a_val=np.concatenate([lm.a_val, weights[cols]]),
        row_lower=np.append(lm.row_lower, -np.inf),
        row_upper=np.append(lm.row_upper, best + 1e-7 * max(1.0, best)),
        row_blocks={**lm.row_blocks, "lexicographic": slice(row, row + 1)},
    )
    log.info("lexicographic stage 1: priority-weighted unmet %.6g m3", best)
    return stage_two, {"weighted_unmet_m3": best}, stage_one


def _explain_shortfall(network: Network, lm: LinearModel, solver: str | None, backend: str | None,
                       time_limit_s: float | None) -> str:
    """Say which demand cannot be met: re-solve allowing unmet demand and list the gaps."""
    d = lm.net_demand_m3
    ids = network.hospitals["id"].to_numpy()
    reachable = np.zeros(len(ids), dtype=bool)
    reachable[lm.arcs.cylinder["hospital_pos"].to_numpy()] = True
    stranded = np.flatnonzero((d.sum(axis=1) > 0) & ~reachable)
    parts = []
    if len(stranded):
        names = ", ".join(map(str, ids[stranded[:10]]))
        more = f" and {len(stranded) - 10} more" if len(stranded) > 10 else ""
        parts.append(f"{len(stranded)} hospital(s) with demand have no delivery arc "
                     f"(check max_delivery_km / routes): {names}{more}")
    free = network.replace(
        scenario=network.scenario.replace(allow_unmet=True, min_service_share=0.0,
                                          region_min_service_share=0.0, objective="cost"),
        hospitals=network.hospitals.assign(min_service_share=np.nan), source="optimize")
    with not_logged():  # this plan's shortage warnings are not the scenario's
        relaxed = optimize(free, solver=solver, backend=backend, time_limit_s=time_limit_s,
                           progress=False)
    if relaxed.has_solution:
        short = relaxed.service[relaxed.service["unmet_m3"] > 1e-6]
        if len(short):
            worst = short.sort_values("unmet_m3", ascending=False).head(10)
            listed = "; ".join(f"{r.hospital} day {r.day}: {r.unmet_m3:,.1f} m3 short"
                               for r in worst.itertuples())
            more = f" (and {len(short) - 10} more)" if len(short) > 10 else ""
            parts.append(f"with unmet demand allowed, the best plan still leaves "
                         f"{short['unmet_m3'].sum():,.1f} m3 unmet over {len(short)} "
                         f"hospital-days: {listed}{more}")
    return ("the demand that must be met (allow_unmet / min_service_share) exceeds what "
            "supply can cover: " + "; ".join(parts) if parts else "infeasible")
