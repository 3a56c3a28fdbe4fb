"""Assertion helpers for tests of code built on o2opt (as :mod:`geopandas.testing` does).

They check a :class:`~o2opt.solution.Solution` against its network from the result tables
alone, independently of the model matrix that produced it.

Examples
--------
>>> import o2opt
>>> from o2opt.testing import assert_solution_feasible, assert_costs_consistent
>>> sol = o2opt.optimize(o2opt.read_network(o2opt.datasets.demo_folder()))
>>> assert_solution_feasible(sol)
>>> assert_costs_consistent(sol)
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
import pandas as pd

from o2opt.network import Network
from o2opt.solution import FLOW_COST_PARTS, Solution

__all__ = ["assert_costs_consistent", "assert_network_equal", "assert_solution_feasible"]


def _fail(message: str) -> None:
    raise AssertionError(message)


def assert_solution_feasible(solution: Solution, tol: float = 1e-6) -> None:
    """Assert the plan keeps every constraint of the canonical model (docs/model.md).

    Demand: delivered + unmet covers net demand (and unmet is zero when forbidden);
    station filling and supply; producer and candidate capacity (times the day's
    availability factor), candidates used only when opened; budget and site limits.
    ``tol`` is relative to the quantity checked.
    """
    if not solution.has_solution:
        _fail(f"no solution to check (status {solution.status!r})")
    net, sc = solution.network, solution.network.scenario
    cyl = sc.cylinder_m3

    def close_le(lhs: npt.ArrayLike, rhs: npt.ArrayLike, what: str) -> None:
        lhs, rhs = np.asarray(lhs, float), np.asarray(rhs, float)
        bad = lhs > rhs + tol * np.maximum(1.0, np.abs(rhs))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(f"{what}: {lhs[i]:.9g} > {rhs[i]:.9g} ({int(bad.sum())} violations)")

    open_share, extra = _investment(solution)
    svc = solution.service
    expected = np.maximum(0.0, net.net_demand_m3() - extra["hospitals"][:, None]).ravel()
    close_le(np.abs(svc["demand_m3"] - expected), np.zeros(len(svc)), "service.demand_m3")
    drawn = np.zeros(len(svc))
    if "stock_m3" in svc:  # storage extension: stock drawn down also serves demand
        stock = svc["stock_m3"].to_numpy().reshape(-1, sc.horizon_days)
        initial = net.hospitals["initial_stock_m3"].to_numpy(float)[:, None]
        drawn = (np.concatenate([initial, stock[:, :-1]], axis=1) - stock).ravel()
        cap = np.repeat(net.hospitals["stock_capacity_m3"].to_numpy(float), sc.horizon_days)
        close_le(stock.ravel(), cap, "hospital stock capacity")
    close_le(svc["demand_m3"], svc["delivered_m3"] + svc["unmet_m3"] + drawn,
             "demand not covered by delivered + stock drawn + unmet")
    if not sc.allow_unmet:
        close_le(svc["unmet_m3"], np.zeros(len(svc)), "unmet demand although forbidden")
    if (solution.deliveries["cylinders"] < -tol).any() or (solution.bulk["m3"] < -tol).any():
        _fail("negative flow")
    if sc.integer_cylinders:
        c = solution.deliveries["cylinders"]
        close_le(np.abs(c - np.round(c)), np.zeros(len(c)), "fractional cylinders")

    days = range(sc.horizon_days)
    filled = solution.deliveries.groupby(["source", "day"])["cylinders"].sum()
    inflow = solution.bulk.groupby(["station", "day"])["m3"].sum()
    shipped_all = pd.concat([solution.bulk[["producer", "day", "m3"]],
                             solution.tankers[["producer", "day", "m3"]]])
    produced = shipped_all.groupby(["producer", "day"])["m3"].sum()
    index = pd.MultiIndex.from_product

    st = net.stations.set_index("id")
    if len(st):
        idx = index([st.index, days], names=["id", "day"])
        fills = filled.reindex(idx, fill_value=0.0)
        own = st["fill_capacity_cyl_day"].to_numpy() * open_share["stations"] + extra["stations"]
        cap = (np.repeat(own, len(days)) * net.capacity_factor("stations").ravel())
        close_le(fills, cap, "station fill capacity")
        close_le(cyl * fills, inflow.reindex(idx, fill_value=0.0), "station supply")
    pr = net.producers.set_index("id")
    if len(pr):
        idx = index([pr.index, days], names=["id", "day"])
        shipped = produced.reindex(idx, fill_value=0.0).to_numpy().reshape(-1, len(days))
        own = pr["capacity_m3_day"].to_numpy() * open_share["producers"] + extra["producers"]
        cap = own[:, None] * net.capacity_factor("producers")
        # with a tank, what is shipped by day t is at most the initial tank plus production
        tank = pr["tank_capacity_m3"].to_numpy() > 0
        cumulative = np.where(tank[:, None], np.cumsum(shipped, axis=1), shipped)
        limit = np.where(tank[:, None], np.cumsum(cap, axis=1)
                         + pr["initial_tank_m3"].to_numpy()[:, None], cap)
        close_le(cumulative.ravel(), limit.ravel(), "producer capacity")
    ca = net.candidates.set_index("id")
    if len(ca):
        opened = solution.sites.set_index("candidate")["opened"].reindex(ca.index)
        idx = index([ca.index, days], names=["id", "day"])
        fills = filled.reindex(idx, fill_value=0.0)
        is_open = opened.reindex(idx.get_level_values(0)).to_numpy(dtype=float)
        is_open = is_open * net.capacity_factor("candidates").ravel()  # available share
        more = np.repeat(extra["candidates"], len(days))
        close_le(cyl * fills, is_open * (ca["capacity_m3_day"].reindex(
            idx.get_level_values(0)).to_numpy() + more),
            "candidate capacity (or used while closed)")
        fill_cap = (ca["fill_capacity_cyl_day"].reindex(idx.get_level_values(0)).to_numpy()
                    + more / cyl)
        with np.errstate(invalid="ignore"):  # unlimited (inf) x closed (0) is not a limit
            fill_limit = np.where(is_open > 0, fill_cap * is_open, 0.0)
        close_le(fills, fill_limit, "candidate fill capacity")
    sites = solution.sites
    chosen = sites["opened"].to_numpy(dtype=bool)
    site = (~sites["kind"].eq("option").to_numpy() if "kind" in sites
            else np.ones(len(sites), dtype=bool))
    if sc.budget is not None:
        close_le([sites.loc[chosen, "fixed_cost"].sum()], [sc.budget], "budget")
    if sc.max_new_sites is not None:
        close_le([(chosen & site).sum()], [sc.max_new_sites], "max_new_sites")
    if sc.capital_budget is not None:
        close_le([sites.loc[chosen, "capex"].fillna(0.0).sum()], [sc.capital_budget],
                 "capital_budget")


def _investment(solution: Solution) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per facility table: 1 unless a candidate left closed, and the extra capacity of its
    chosen option; checks one option per facility, of an opened facility only."""
    net = solution.network
    opened = {t: np.ones(len(getattr(net, t))) for t in ("producers", "stations")}
    extra = {t: np.zeros(len(getattr(net, t)))
             for t in ("producers", "stations", "candidates", "hospitals")}
    sites = solution.sites
    if "kind" not in sites:
        return opened, extra
    is_open = dict(zip(sites["candidate"], sites["opened"].astype(bool), strict=True))
    for table in ("producers", "stations"):
        frame = getattr(net, table)
        cand = frame["candidate"].to_numpy(dtype=bool)
        opened[table] = np.array([not c or is_open[i] for i, c in zip(frame["id"], cand,
                                                                      strict=True)], float)
    options = net.options
    label = (options["facility"] + "/" + options["option"]).to_numpy()
    picked = np.array([is_open[x] for x in label], dtype=bool)
    facility = options["facility"].to_numpy()[picked]
    if len(set(facility)) < len(facility):
        _fail("more than one option chosen for a facility")
    for f, e in zip(facility, options["extra_capacity"].to_numpy(float)[picked], strict=True):
        if not is_open.get(f, True):
            _fail(f"option of {f!r} chosen although {f!r} is not opened")
        for table in extra:
            pos = np.flatnonzero(getattr(net, table)["id"].to_numpy() == f)
            extra[table][pos] += e
    return opened, extra


def assert_costs_consistent(solution: Solution, rtol: float = 1e-9) -> None:
    """Assert the cost parts add up to the objective and the flow tables price the plan.

    The ``cost`` columns of deliveries, bulk and tankers, truck-trip costs, the penalty
    and the fixed costs must add up to the objective; each table's ``*_cost`` columns to
    its ``cost``, and summed over the tables (truck trips in ``transport``) to the
    ``transport``, ``production`` and ``filling`` parts of :attr:`Solution.cost`.
    """
    if not solution.has_solution:
        _fail(f"no solution to check (status {solution.status!r})")
    obj = solution.objective
    assert obj is not None
    total = sum(solution.cost.values())
    if not math.isclose(total, obj, rel_tol=rtol, abs_tol=rtol):
        _fail(f"cost parts add up to {total!r}, objective is {obj!r}")
    flows = (solution.deliveries["cost"].sum() + solution.bulk["cost"].sum()
             + solution.tankers["cost"].sum())
    trips = solution.model.blocks.get("k")
    trip_cost = 0.0
    if trips is not None and trips.stop > trips.start:  # truck-km cost of truck trips
        trip_cost = float(solution.model.cost[trips] @ solution._block("k"))
        flows += trip_cost
    priced = flows + solution.cost["unmet_penalty"] + solution.cost["fixed"]
    if not math.isclose(priced, obj, rel_tol=1e-7, abs_tol=1e-6):
        _fail(f"flow costs + penalty + fixed = {priced!r}, objective is {obj!r}")
    parts = {"transport": trip_cost, "production": 0.0, "filling": 0.0}
    for name, kinds in FLOW_COST_PARTS.items():
        table = getattr(solution, name)
        columns = [f"{k}_cost" for k in kinds]
        summed = table[columns].sum(axis=1).to_numpy(float)
        bad = ~np.isclose(summed, table["cost"].to_numpy(float), rtol=1e-9, atol=1e-9)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _fail(f"{name}: {' + '.join(columns)} = {summed[i]!r} in row {i}, "
                  f"cost is {table['cost'].iloc[i]!r}")
        for k in kinds:
            parts[k] += float(table[f"{k}_cost"].sum())
    for k, value in parts.items():
        if not math.isclose(value, solution.cost[k], rel_tol=1e-7, abs_tol=1e-6):
            _fail(f"the flow tables' {k}_cost add up to {value!r}, cost[{k!r}] is "
                  f"{solution.cost[k]!r}")


def assert_network_equal(left: Network, right: Network) -> None:
    """Assert two networks have equal tables (dtypes included) and scenarios."""
    for name, frame in left.tables().items():
        pd.testing.assert_frame_equal(frame, right.tables()[name], obj=f"Network.{name}")
    if left.scenario != right.scenario:
        _fail(f"scenarios differ: {left.scenario} != {right.scenario}")
