"""Decisions across scenarios: the investment/unmet frontier, how often each candidate
opens, and robust siting.

Everything here reads the tidy table of :func:`o2opt.sweeps.sweep` (or ``sweep.csv``);
:func:`robust_siting` also runs sweeps of its own (through the same executor and store,
so its evaluations are resumable too).

Robust siting
-------------
A *plan* is a set of candidates to open. Each plan is evaluated under every scenario with
its sites fixed and the flows re-optimised (``ScenarioSpec.sites``; see
:func:`~o2opt.sweeps.scenarios.apply_scenario` for why this is exact). ``budget`` and
``max_new_sites`` are dropped for these evaluations: the plan is already chosen and paid
for. The plan kept minimises the worst-case unmet demand (``criterion="worst"``) or the
weighted expected unmet demand (``"expected"``; weights are the scenarios' ``weight``).
Ties are broken by the other unmet measure, then the expected total cost (fixed costs
included), then the investment. A plan that leaves some scenario without a solution
(``infeasible`` with unmet demand forbidden, a failed solve) ranks after every plan that
solves them all.

By default the plans compared are the optimal siting of each scenario, plus opening
nothing.
"""

from __future__ import annotations

import functools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from o2opt.network import Network
from o2opt.sweeps.run import SweepProgress, parameter_columns, sweep
from o2opt.sweeps.scenarios import ScenarioSpec

__all__ = ["RobustSiting", "candidate_plans", "opening_frequency", "pareto_frontier",
           "robust_siting"]

_SOLVED = ("optimal", "feasible")
#: Parameters that shape how much may be invested rather than the world the plan faces.
INVESTMENT_KEYS = ("budget", "max_new_sites")
_SOLVER_KEYS = ("solver", "time_limit_s", "mip_gap", "threads")


def _solved(results: pd.DataFrame) -> pd.DataFrame:
    return results[results["status"].isin(_SOLVED)]


def pareto_frontier(results: pd.DataFrame, x: str = "cost_fixed", y: str = "unmet_m3", *,
                    by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Mark the scenarios on the frontier of ``x`` (investment) against ``y`` (unmet m³).

    A solved scenario is on the frontier when no other scenario of its group has
    ``x`` and ``y`` both at most as large and one smaller. Sweep the budget
    (``grid({"budget": [...]})``) to trace the frontier: each point is the cheapest plan
    (total cost, unmet demand priced at ``unmet_penalty_per_m3``) whose investment stays
    within that budget.

    Parameters
    ----------
    results : DataFrame
        A :func:`~o2opt.sweeps.sweep` result.
    by : str or sequence of str, optional
        Column(s) that separate worlds (one frontier each): ``by="demand_multiplier"`` or a
        list. Default: every parameter column that varies, except ``budget``,
        ``max_new_sites`` and solver controls.

    Returns
    -------
    DataFrame
        The solved rows, sorted by group and ``x``, with a boolean ``frontier`` column.

    Examples
    --------
    >>> r = pd.DataFrame({"scenario": list("abcd"), "label": list("abcd"),
    ...                   "budget": [0, 1, 2, 3], "status": "optimal",
    ...                   "cost_fixed": [0, 1, 1, 3], "unmet_m3": [9, 4, 5, 4]})
    >>> pareto_frontier(r)[["scenario", "frontier"]].values.tolist()
    [['a', True], ['b', True], ['c', False], ['d', False]]
    """
    solved = _solved(results).copy()
    if by is None:
        by = [c for c in parameter_columns(results)
              if c not in (*INVESTMENT_KEYS, *_SOLVER_KEYS)
              and results[c].nunique(dropna=False) > 1]
    by = [by] if isinstance(by, str) else list(by)
    missing = [c for c in (*by, x, y) if c not in results]
    if missing:
        raise KeyError(f"pareto_frontier: no column {', '.join(map(repr, missing))} in the "
                       f"results (columns: {', '.join(map(str, results.columns))})")
    solved = solved.sort_values([*by, x, y], kind="stable")
    frontier = np.zeros(len(solved), dtype=bool)
    groups = (solved.groupby(by, dropna=False, sort=False).indices if by
              else {(): np.arange(len(solved))})
    ys = solved[y].to_numpy(float)
    for idx in groups.values():
        best = np.inf
        for i in idx:  # sorted by x, then y: on the frontier iff y beats every cheaper point
            if ys[i] < best - 1e-9 * max(1.0, abs(ys[i])):
                frontier[i] = True
                best = ys[i]
    solved["frontier"] = frontier
    return solved.reset_index(drop=True)


def opening_frequency(results: pd.DataFrame,
                      candidates: Network | Iterable[str] | None = None) -> pd.DataFrame:
    """How often each candidate is opened across the solved scenarios.

    Scenarios with fixed sites (a non-empty ``sites`` column) are left out: they did not
    choose.

    Parameters
    ----------
    candidates : Network or iterable of str, optional
        List these candidates too when never opened.

    Returns
    -------
    DataFrame
        ``candidate``, ``opened`` (number of scenarios), ``scenarios`` (solved scenarios
        counted), ``share`` (``opened / scenarios``), most often opened first.

    Examples
    --------
    >>> r = pd.DataFrame({"status": ["optimal", "optimal", "infeasible"],
    ...                   "opened": ["C1;C2", "C2", ""]})
    >>> opening_frequency(r, ["C1", "C2", "C3"]).values.tolist()
    [['C2', 2, 2, 1.0], ['C1', 1, 2, 0.5], ['C3', 0, 2, 0.0]]
    """
    solved = _solved(results)
    if "sites" in solved.columns:
        solved = solved[solved["sites"].fillna("").astype(str) == ""]
    counts = Counter(site for opened in solved["opened"].fillna("")
                     for site in str(opened).split(";") if site)
    given: Iterable[str] = (candidates.candidates["id"].tolist()
                            if isinstance(candidates, Network) else candidates or [])
    ids = list(dict.fromkeys([*given, *sorted(counts)]))
    n = len(solved)
    out = pd.DataFrame({"candidate": ids, "opened": [counts.get(i, 0) for i in ids],
                        "scenarios": n})
    out["share"] = out["opened"] / n if n else np.nan
    return out.sort_values(["opened", "candidate"], ascending=[False, True],
                           kind="stable").reset_index(drop=True)


def candidate_plans(results: pd.DataFrame) -> list[tuple[str, ...]]:
    """Opening nothing, then the distinct sitings chosen by the solved scenarios.

    Examples
    --------
    >>> candidate_plans(pd.DataFrame({"status": ["optimal"] * 3,
    ...                               "opened": ["C2;C1", "", "C1;C2"]}))
    [(), ('C1', 'C2')]
    """
    plans: dict[tuple[str, ...], None] = {(): None}
    for opened in _solved(results)["opened"].fillna(""):
        plans[tuple(sorted(s for s in str(opened).split(";") if s))] = None
    return list(plans)


@dataclass(frozen=True)
class RobustSiting:
    """The result of :func:`robust_siting`.

    Attributes
    ----------
    plans : DataFrame
        One row per plan, best first: ``plan`` (number), ``sites`` (``;``-joined),
        ``n_sites``, ``investment``, ``worst_unmet_m3``, ``expected_unmet_m3``,
        ``worst_objective``, ``expected_objective``, ``unsolved`` (scenarios without a
        plan), ``chosen``.
    evaluations : DataFrame
        One row per plan and scenario: ``plan``, ``sites``, ``scenario`` and ``label`` (of
        the scenario), ``evaluation`` (id of the fixed-sites scenario), ``weight``,
        ``status``, ``unmet_m3``, ``objective``.
    criterion : str
        ``"worst"`` or ``"expected"``.
    """

    plans: pd.DataFrame
    evaluations: pd.DataFrame
    criterion: str

    @property
    def best(self) -> tuple[str, ...]:
        """The chosen plan's sites."""
        sites = self.plans.loc[self.plans["chosen"], "sites"].iloc[0]
        return tuple(s for s in str(sites).split(";") if s)


def robust_siting(network: Network, scenarios: Iterable[ScenarioSpec],
                  plans: Iterable[Iterable[str]] | None = None, *, criterion: str = "worst",
                  max_investment: float | None = None, results: pd.DataFrame | None = None,
                  executor: Executor | None = None,
                  store: str | os.PathLike[str] | None = None, workers: int | None = None,
                  progress: Callable[[SweepProgress], None] | None = None) -> RobustSiting:
    """Choose the siting plan that does best across ``scenarios`` (see the module).

    Parameters
    ----------
    plans : iterable of iterables of candidate ids, optional
        The plans to compare. Default: :func:`candidate_plans` of ``results``.
    criterion : {"worst", "expected"}
        Minimise the worst-case or the weighted expected unmet demand.
    max_investment : float, optional
        Leave out plans whose fixed costs add up to more.
    results : DataFrame, optional
        The :func:`~o2opt.sweeps.sweep` result of ``scenarios`` (solved first if needed).
    executor, store, workers, progress
        Passed to :func:`~o2opt.sweeps.sweep`.

    Examples
    --------
    >>> import o2opt
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> from o2opt.sweeps import Outage, ScenarioSpec
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> specs = [ScenarioSpec(), ScenarioSpec(outages=[Outage("p-basra-asu")])]
    >>> with ThreadPoolExecutor(2) as ex:
    ...     robust = robust_siting(net, specs, criterion="worst", executor=ex)
    >>> robust.plans[["sites", "worst_unmet_m3", "expected_unmet_m3", "chosen"]].round(2)
                                 sites  worst_unmet_m3  expected_unmet_m3  chosen
    0           c-qadisiyyah-diwaniyah           735.8             546.75    True
    1  c-anbar-haditha;c-maysan-amarah           975.8             507.85   False
    2                                           1455.8             930.95   False
    >>> robust.best
    ('c-qadisiyyah-diwaniyah',)
    """
    if criterion not in ("worst", "expected"):
        raise ValueError(f"criterion must be 'worst' or 'expected', got {criterion!r}")
    specs = list(scenarios)
    run = functools.partial(sweep, network, executor=executor, store=store, workers=workers,
                            progress=progress)
    if plans is None:
        if results is None:
            results = run(specs)
        plans = candidate_plans(results)
    fixed = pd.Series(network.fixed_costs("candidates")[0],  # capex: over the horizon
                      index=network.candidates["id"])
    plan_list = list(dict.fromkeys(tuple(sorted(set(p))) for p in plans))
    unknown = sorted({s for p in plan_list for s in p} - set(fixed.index))
    if unknown:
        raise ValueError(f"plans name sites that are not candidates: {', '.join(unknown)}")
    if max_investment is not None:
        plan_list = [p for p in plan_list
                     if float(fixed.loc[list(p)].sum()) <= max_investment * (1 + 1e-12)]
    if not plan_list:
        raise ValueError("no plan to compare")
    evals: dict[str, ScenarioSpec] = {}
    rows = []
    for k, plan in enumerate(plan_list):
        for spec in specs:
            model = {key: v for key, v in spec.model.items() if key not in INVESTMENT_KEYS}
            ev = spec.replace(model=model, sites=plan)
            evals.setdefault(ev.id, ev)
            rows.append({"plan": k, "sites": ";".join(plan), "scenario": spec.id,
                         "label": spec.label, "evaluation": ev.id, "weight": spec.weight})
    evaluated = run(list(evals.values())).set_index("scenario")
    table = pd.DataFrame(rows)
    for col in ("status", "unmet_m3", "objective"):
        table[col] = evaluated.loc[table["evaluation"], col].to_numpy()
    summary = []
    for k, plan in enumerate(plan_list):
        t = table[table["plan"] == k]
        ok = t["status"].isin(_SOLVED).to_numpy()
        w = t["weight"].to_numpy(float)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / max(1, len(w)))
        unmet = np.where(ok, t["unmet_m3"].to_numpy(float), np.inf)
        cost = np.where(ok, t["objective"].to_numpy(float), np.inf)
        summary.append({
            "plan": k, "sites": ";".join(plan), "n_sites": len(plan),
            "investment": float(fixed.loc[list(plan)].sum()) if plan else 0.0,
            "worst_unmet_m3": float(unmet.max()) if len(unmet) else 0.0,
            "expected_unmet_m3": float(w @ unmet) if ok.all() else np.inf,
            "worst_objective": float(cost.max()) if len(cost) else 0.0,
            "expected_objective": float(w @ cost) if ok.all() else np.inf,
            "unsolved": int((~ok).sum()),
        })
    out = pd.DataFrame(summary)
    first, second = (("worst_unmet_m3", "expected_unmet_m3") if criterion == "worst"
                     else ("expected_unmet_m3", "worst_unmet_m3"))
    key = pd.DataFrame({"unsolved": out["unsolved"] > 0, "a": out[first].round(6),
                        "b": out[second].round(6), "c": out["expected_objective"],
                        "d": out["investment"], "e": out["plan"]})
    order = key.sort_values(list(key.columns), kind="stable").index
    out = out.loc[order].reset_index(drop=True)
    out["chosen"] = np.arange(len(out)) == 0
    return RobustSiting(plans=out, evaluations=table, criterion=criterion)
