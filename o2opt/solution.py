"""Results as DataFrames, a cost breakdown, a summary, and result folders (docs/model.md).

A :class:`Solution` keeps the network, the model and the solver's answer; its tables are
computed on first use. :meth:`Solution.to_folder` writes exactly the files docs/model.md lists,
through a temporary folder swapped into place (:mod:`o2opt.atomic`).
"""

from __future__ import annotations

import json
import logging
import os
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt.atomic import check_writable, is_temporary
from o2opt.io import atomic_folder, write_csv
from o2opt.marginal import Duals, capacity_marginals, demand_marginals
from o2opt.model.builder import SEGMENT_SHARE, SEGMENT_WEIGHTS, LinearModel
from o2opt.model.matrix import dot
from o2opt.model.storage import stock_capacity
from o2opt.network import Network
from o2opt.solve import SolveResult

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from o2opt.explain import Explanation

__all__ = ["COST_PARTS", "FLOW_COST_PARTS", "Solution", "check_result_folder"]

log = logging.getLogger(__name__)

#: The parts of the objective, in the order summary.json lists them.
COST_PARTS = ("unmet_penalty", "transport", "production", "filling", "fixed")
#: The parts of each flow table's ``cost``, written as ``{part}_cost`` columns after it
#: (they add up to ``cost``; the names are those of :data:`COST_PARTS`).
FLOW_COST_PARTS = {"deliveries": ("transport", "filling", "production"),
                   "bulk": ("transport", "production"),
                   "tankers": ("transport", "production")}
_TINY = 1e-9
#: Files :meth:`Solution.to_folder` writes when asked (``o2opt solve --compare``).
_EXTRA_FILES = ("comparison.csv", "comparison.json")
_UNMET_TOL = 1e-6  # relative: below this a shortfall is solver round-off (CBC writes 8 digits)


class Solution:
    """The answer to one scenario.

    Attributes
    ----------
    network : Network
        What was solved.
    status : str
        ``optimal``, ``feasible``, ``infeasible`` or ``no_solution``.
    objective : float or None
        Total cost; the :attr:`cost` parts add up to it.
    mip_gap : float or None
        Relative gap of a MILP answer (``None`` for an LP).
    message : str
        The solver's word, and for an infeasible scenario which demand cannot be met.
    seconds : dict
        Wall seconds by step: ``load``, ``build``, ``solve``, ``write``.

    Examples
    --------
    >>> import o2opt
    >>> sol = o2opt.optimize(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> sol.status
    'optimal'
    >>> abs(sum(sol.cost.values()) - sol.objective) <= 1e-6 * sol.objective
    True
    >>> list(sol.service.columns)
    ['hospital', 'day', 'demand_m3', 'delivered_m3', 'unmet_m3', 'need_m3', 'onsite_m3']
    """

    def __init__(self, network: Network, model: LinearModel, result: SolveResult,
                 seconds: dict[str, float] | None = None, message: str = ""):
        self.network = network
        self.model = model
        self.result = result
        self.status = result.status
        self.mip_gap = result.mip_gap
        self.message = message or result.message
        self.seconds: dict[str, float] = {"load": 0.0, "build": 0.0, "solve": result.seconds,
                                          "write": 0.0, **(seconds or {})}
        self._x = _clean(result.x, model) if result.x is not None else None
        #: Lexicographic objective: the stage values (``weighted_unmet_m3``, ``cost``).
        self.stages: dict[str, float | None] = {}
        #: With integer cylinders or trucks: the objective of the LP relaxation (a bound).
        self.lp_relaxation_objective: float | None = None
        #: The LP duals the marginal values come from (None: none computed).
        self.duals: Duals | None = None
        #: Lexicographic objective, an LP: stage 1's model and duals (how its optimum, held
        #: in stage 2, moves with capacities and demand).
        self.stage_one_duals: tuple[LinearModel, Duals] | None = None
        #: Where the scenario was read from (recorded in summary.json as ``scenario``).
        self.scenario_path: str | None = None
        self._shortfalls: pd.DataFrame | None = None

    def __repr__(self) -> str:
        obj = "none" if self.objective is None else f"{self.objective:,.2f}"
        return f"<Solution {self.status}, objective {obj}, {self.network!r}>"

    @property
    def has_solution(self) -> bool:
        """True when a plan exists (status ``optimal`` or ``feasible``)."""
        return self._x is not None

    @property
    def objective(self) -> float | None:
        return None if self._x is None else float(sum(self.cost.values()))

    def _block(self, name: str) -> np.ndarray:
        if self._x is None:
            raise ValueError(f"no solution: status is {self.status!r}")
        return self._x[self.model.blocks[name]]

    # ------------------------------------------------------------------ tables
    @cached_property
    def cost(self) -> dict[str, float]:
        """Objective split into ``unmet_penalty``, ``transport``, ``production``,
        ``filling`` and ``fixed`` (summing to :attr:`objective`); empty without a plan.

        The penalty is priced on :attr:`service`'s ``unmet_m3`` (net demand not delivered),
        so the figures a report shows and the cost they carry are the same numbers."""
        if self._x is None:
            return {}
        cost = {k: dot(self.model.parts[k], self._x) for k in COST_PARTS}
        sc = self.network.scenario
        priority = np.repeat(self.network.hospitals["priority"].to_numpy(float), sc.horizon_days)
        unmet = self.service["unmet_m3"].to_numpy()
        if sc.shortage_sharing == "even":  # segments of d, filled in order, x 1, 2, 4, 8
            seg = SEGMENT_SHARE * self.service["demand_m3"].to_numpy()[:, None]
            k = np.arange(len(SEGMENT_WEIGHTS))
            unmet = np.clip(unmet[:, None] - seg * k, 0.0, seg) @ SEGMENT_WEIGHTS
        cost["unmet_penalty"] = float(sc.unmet_penalty_per_m3 * dot(priority, unmet))
        if self._has("e"):  # storage extension: safety-stock shortfall, priced as solved
            e = self.model.blocks["e"]
            cost["unmet_penalty"] += dot(self.model.parts["unmet_penalty"][e], self._x[e])
        return cost

    @cached_property
    def deliveries(self) -> pd.DataFrame:
        """Cylinder deliveries: source, hospital, day, cylinders, m3, km, cost, and the
        parts of ``cost``: ``transport_cost``, ``filling_cost`` (at a station) and
        ``production_cost`` (the gas of a new plant), in the :attr:`cost` parts' words."""
        lm, n = self.model, self._block("n")
        used = np.flatnonzero(n > _TINY)
        arcs = lm.arcs.cylinder.iloc[lm.n_arc[used]]
        col = lm.blocks["n"].start + used
        return pd.DataFrame({
            "source": arcs["source"].to_numpy(), "hospital": arcs["hospital"].to_numpy(),
            "day": lm.n_day[used], "cylinders": n[used],
            "m3": n[used] * self.network.scenario.cylinder_m3, "km": arcs["km"].to_numpy(),
            "cost": lm.cost[col] * n[used],
            **self._cost_parts(col, n[used], FLOW_COST_PARTS["deliveries"]),
        })

    @cached_property
    def bulk(self) -> pd.DataFrame:
        """Bulk flows from producers to stations: producer, station, day, m3, km, cost, and
        the parts of ``cost``: ``transport_cost`` and ``production_cost``."""
        lm, q = self.model, self._block("q")
        used = np.flatnonzero(q > _TINY)
        arcs = lm.arcs.bulk.iloc[lm.q_arc[used]]
        col = lm.blocks["q"].start + used
        return pd.DataFrame({
            "producer": arcs["producer"].to_numpy(), "station": arcs["station"].to_numpy(),
            "day": lm.q_day[used], "m3": q[used], "km": arcs["km"].to_numpy(),
            "cost": lm.cost[col] * q[used],
            **self._cost_parts(col, q[used], FLOW_COST_PARTS["bulk"]),
        })

    def _cost_parts(self, col: np.ndarray, amount: np.ndarray,
                    kinds: tuple[str, ...]) -> dict[str, np.ndarray]:
        """``{kind}_cost`` columns: each part of the cost of columns ``col`` at ``amount``."""
        return {f"{k}_cost": self.model.parts[k][col] * amount for k in kinds}

    @cached_property
    def service(self) -> pd.DataFrame:
        """Per hospital and day: ``demand_m3`` (net of on-site supply), ``delivered_m3`` and
        ``unmet_m3``, then ``need_m3`` (the demand × ``demand_multiplier``, before on-site
        supply) and ``onsite_m3`` (the part of the need the hospital's own plant covers:
        ``need_m3 - demand_m3``)."""
        lm, n = self.model, self._block("n")
        d = self._demand_m3()
        n_h, n_days = d.shape
        flat = np.zeros(n_h * n_days)
        hosp = lm.arcs.cylinder["hospital_pos"].to_numpy()[lm.n_arc]
        np.add.at(flat, hosp * n_days + lm.n_day, n * self.network.scenario.cylinder_m3)
        if self._has("v"):  # tanker extension: gas from the hospital's own LOX tank
            np.add.at(flat, lm.index["v_hospital"] * n_days + lm.index["v_day"],
                      self._block("v"))
        delivered = flat.reshape(n_h, n_days)
        stock = self._stock_m3()  # storage extension: end-of-day stock (None without)
        drawn = 0.0
        if stock is not None:
            before = np.concatenate(
                [self.network.hospitals["initial_stock_m3"].to_numpy(float)[:, None],
                 stock[:, :-1]], axis=1)
            drawn = before - stock
        unmet = np.maximum(0.0, d - delivered - drawn)
        unmet[unmet <= _UNMET_TOL * np.maximum(1.0, d)] = 0.0  # solver tolerance, not a gap
        ids = self.network.hospitals["id"].to_numpy()
        table = pd.DataFrame({
            "hospital": np.repeat(ids, n_days), "day": np.tile(np.arange(n_days), n_h),
            "demand_m3": d.ravel(), "delivered_m3": delivered.ravel(), "unmet_m3": unmet.ravel(),
        })
        need = self._need_m3()
        table["need_m3"] = need.ravel()
        table["onsite_m3"] = np.maximum(0.0, need - d).ravel()
        if stock is not None:
            table["stock_m3"] = stock.ravel()
            safety = self.network.hospitals["safety_stock_m3"].to_numpy(float)[:, None]
            short = np.where(stock_capacity(self.network)[:, None] > 0,
                             np.maximum(0.0, safety - stock), 0.0)
            short[short <= _UNMET_TOL * np.maximum(1.0, safety)] = 0.0
            table["safety_shortfall_m3"] = short.ravel()
        if self.duals is not None:
            rate = demand_marginals(lm, self.duals)
            if self.stage_one_duals is not None:  # the stage-1 optimum moves too
                rate = rate + self._stage_one_weight() * demand_marginals(*self.stage_one_duals)
            table["marginal_cost_m3"] = rate.ravel()
        return table

    def _need_m3(self) -> np.ndarray:
        """Need (hospitals × days): ``demand_multiplier`` × demand, before on-site supply."""
        return self.network.need_m3()

    def _demand_m3(self) -> np.ndarray:
        """Net demand (hospitals × days): the need less on-site supply, including the
        on-site plant of a hospital option chosen (known only with a plan)."""
        d = self.model.net_demand_m3
        if self._has("o") and self.has_solution:
            d = np.maximum(0.0, d - self._option_extra("hospitals")[:, None])
        return d

    def _has(self, block: str) -> bool:
        cols = self.model.blocks.get(block)
        return cols is not None and cols.stop > cols.start

    @cached_property
    def tankers(self) -> pd.DataFrame:
        """Tanker extension: liquid oxygen shipped to hospital tanks: producer, hospital,
        day, m3 (gas), km, cost, and its parts ``transport_cost`` and ``production_cost``."""
        lm = self.model
        if not self._has("b"):
            return pd.DataFrame(columns=["producer", "hospital", "day", "m3", "km", "cost",
                                         *(f"{k}_cost" for k in FLOW_COST_PARTS["tankers"])])
        b = self._block("b")
        used = np.flatnonzero(b > _TINY)
        idx = lm.index
        col = lm.blocks["b"].start + used
        return pd.DataFrame({
            "producer": self.network.producers["id"].to_numpy()[idx["b_producer"][used]],
            "hospital": self.network.hospitals["id"].to_numpy()[idx["b_hospital"][used]],
            "day": idx["b_day"][used], "m3": b[used], "km": idx["b_km"][used],
            "cost": lm.cost[col] * b[used],
            **self._cost_parts(col, b[used], FLOW_COST_PARTS["tankers"]),
        })

    def _stock_m3(self) -> np.ndarray | None:
        """End-of-day hospital stock (hospitals × days), or None without storage."""
        if not self._has("s"):
            return None
        idx = self.model.index
        stock = np.zeros_like(self.model.net_demand_m3)
        stock[idx["s_hospital"], idx["s_day"]] = self._block("s")
        return stock

    @cached_property
    def sites(self) -> pd.DataFrame:
        """Candidate sites: candidate, opened (bool), fixed_cost.

        With investment input (:attr:`~o2opt.network.Network.has_investment`): one row per
        candidate of every table and per option (``FACILITY/OPTION``), with ``kind``
        (``plant``, ``producer``, ``station``, ``option``), ``opened`` (chosen, for an
        option), ``fixed_cost`` over the horizon and ``capex`` (missing where priced by
        fixed_cost)."""
        net = self.network
        cands = net.candidates
        opened = np.zeros(len(cands), dtype=bool)
        opened[self.model.y_candidate] = self._block("y") > 0.5
        if not net.has_investment:
            return pd.DataFrame({"candidate": cands["id"].to_numpy(), "opened": opened,
                                 "fixed_cost": cands["fixed_cost"].to_numpy()})
        frames = []
        for kind, table, block in (("plant", "candidates", "y"), ("producer", "producers", "yp"),
                                   ("station", "stations", "ys"), ("option", "options", "o")):
            frame = getattr(net, table)
            fixed, _ = net.fixed_costs(table)
            if block == "y":
                rows, chosen = np.arange(len(frame)), opened
            else:
                rows = (self.model.index[f"{block}_facility"] if block != "o"
                        else np.arange(len(frame)))
                chosen = self._block(block) > 0.5
            ids = (frame["id"].to_numpy()[rows] if block != "o" else
                   (frame["facility"] + "/" + frame["option"]).to_numpy())
            frames.append(pd.DataFrame({
                "candidate": ids, "kind": kind, "opened": chosen,
                "fixed_cost": fixed[rows], "capex": frame["capex"].to_numpy(float)[rows],
            }))
        return pd.concat(frames, ignore_index=True)

    def _option_extra(self, table: str) -> np.ndarray:
        """Per facility of ``table``: the extra capacity of its chosen option (0 without)."""
        from o2opt.model.investment import OPTION_KINDS, option_targets

        net = self.network
        out = np.zeros(len(getattr(net, table)))
        if not self._has("o"):
            return out
        kind, pos = option_targets(net)
        chosen = (self._block("o") > 0.5) & (kind == OPTION_KINDS.index(table))
        np.add.at(out, pos[chosen], net.options["extra_capacity"].to_numpy(float)[chosen])
        return out

    def _opened(self, table: str) -> np.ndarray:
        """Per facility of ``table``: 1 unless it is a candidate that was not opened."""
        out = np.ones(len(getattr(self.network, table)))
        if table == "candidates":
            return self.sites["opened"].to_numpy(dtype=float)[:len(out)]
        block = {"producers": "yp", "stations": "ys"}[table]
        if self._has(block):
            out[self.model.index[f"{block}_facility"]] = self._block(block) > 0.5
        return out

    @cached_property
    def utilization(self) -> pd.DataFrame:
        """Per facility and day: used and capacity (m³ for producers and candidates,
        cylinders for stations; ``unit`` says which) and their ratio ``share``."""
        lm, net = self.model, self.network
        n_days = net.scenario.horizon_days
        cyl_m3 = net.scenario.cylinder_m3
        n, q = self._block("n"), self._block("q")
        n_stations = len(net.stations)
        src = lm.arcs.cylinder["source_pos"].to_numpy()[lm.n_arc]
        fill_used: np.ndarray = np.zeros((n_stations + len(net.candidates)) * n_days)
        np.add.at(fill_used, src * n_days + lm.n_day, n)
        fill_used = fill_used.reshape(-1, n_days)
        prod_used = np.zeros(len(net.producers) * n_days)
        np.add.at(prod_used, lm.arcs.bulk["producer_pos"].to_numpy()[lm.q_arc] * n_days
                  + lm.q_day, q)
        if self._has("b"):
            np.add.at(prod_used, lm.index["b_producer"] * n_days + lm.index["b_day"],
                      self._block("b"))
        opened = self.sites["opened"].to_numpy()[:len(net.candidates)]
        producer_cap = net.producers["capacity_m3_day"].to_numpy()
        station_cap = net.stations["fill_capacity_cyl_day"].to_numpy()
        plant_cap = net.candidates["capacity_m3_day"].to_numpy()
        if net.has_investment:  # closed candidates have none, options add theirs
            producer_cap = (producer_cap * self._opened("producers")
                            + self._option_extra("producers"))
            station_cap = (station_cap * self._opened("stations")
                           + self._option_extra("stations"))
            plant_cap = plant_cap + self._option_extra("candidates")
        frames = [
            _util(net.producers["id"], "producer", prod_used.reshape(-1, n_days),
                  producer_cap, "m3"),
            _util(net.stations["id"], "station", fill_used[:n_stations], station_cap,
                  "cylinders"),
            _util(net.candidates["id"], "candidate", fill_used[n_stations:] * cyl_m3,
                  np.where(opened, plant_cap, 0.0), "m3"),
        ]
        out = pd.concat(frames, ignore_index=True)
        with np.errstate(divide="ignore", invalid="ignore"):
            out["share"] = np.where(out["capacity"] > 0, out["used"] / out["capacity"], np.nan)
        if self.duals is not None:
            value = np.concatenate([m.ravel() for m in capacity_marginals(lm, self.duals)])
            if self.stage_one_duals is not None:  # the stage-1 optimum moves too
                value = value + self._stage_one_weight() * np.concatenate(
                    [m.ravel() for m in capacity_marginals(*self.stage_one_duals)])
            out["marginal_value"] = value
        return out

    def capacity_value(self, top: int | None = 10) -> pd.DataFrame:
        """Where extra capacity is worth most: the ``top`` facilities by
        :attr:`utilization`'s ``marginal_value`` summed over the horizon (money per extra
        cylinder/day of a station's ``fill_capacity_cyl_day``, per m³/day of a producer's
        or candidate's ``capacity_m3_day``), with the days each is used at capacity. See
        :func:`o2opt.marginal.capacity_value`.

        Raises
        ------
        ValueError
            No marginal values: a model with integer variables needs ``[model]
            marginal_values = true``.
        """
        from o2opt.marginal import capacity_value

        return capacity_value(self.utilization, top)

    def _stage_one_weight(self) -> float:
        """d(stage-2 objective) / d(stage-1 optimum U*): the dual of the row that holds
        U* + 1e-7 max(1, U*), times that bound's rate with U*."""
        assert self.duals is not None
        row = self.model.row_blocks["lexicographic"]
        best = float(self.stages.get("weighted_unmet_m3") or 0.0)
        return float(self.duals.row[row][0]) * (1.0 + (1e-7 if best > 1.0 else 0.0))

    @cached_property
    def warnings(self) -> list[dict[str, Any]]:
        """Shortage warnings: hospitals and regions left with nothing or far below the
        average service (:func:`o2opt.fairness.shortage_warnings`; empty when every need
        is met). ``summary.json`` holds them under ``warnings``."""
        from o2opt.fairness import shortage_warnings

        return shortage_warnings(self)

    # ------------------------------------------------------------------ summary
    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` (docs/model.md, "Results")."""
        from o2opt import __version__
        from o2opt.costs import investment_summary

        lm = self.model
        out: dict[str, Any] = {
            "status": self.status,
            "objective": self.objective,
            "mip_gap": self.mip_gap if lm.is_mip else None,
            "cost": self.cost if self.has_solution else dict.fromkeys(COST_PARTS),
            "demand_m3": float(self.service["demand_m3"].sum() if self._has("o")
                               and self.has_solution else lm.net_demand_m3.sum()),
            "need_m3": float(self._need_m3().sum()),
            "onsite_m3": float(np.maximum(0.0, self._need_m3() - self._demand_m3()).sum()),
            "delivered_m3": None,
            "unmet_m3": None,
            "opened": [],
            "solver": self.result.solver,
            "seconds": {k: round(v, 4) for k, v in self.seconds.items()},
            "variables": lm.num_col,
            "constraints": lm.num_row,
            "message": self.message,
            "horizon_days": self.network.scenario.horizon_days,
            "o2opt_version": __version__,
            "warnings": self.warnings if self.has_solution else [],
        }
        if self.stages:
            out["stages"] = self.stages
        if self.scenario_path is not None:
            out["scenario"] = self.scenario_path
        if self.lp_relaxation_objective is not None:
            out["lp_relaxation_objective"] = self.lp_relaxation_objective
        if self.has_solution:
            for key in ("need_m3", "onsite_m3", "delivered_m3", "unmet_m3"):
                out[key] = float(self.service[key].sum())
            sites = self.sites
            if "kind" in sites:
                site = sites["kind"] != "option"
                out["opened"] = sites.loc[sites["opened"] & site, "candidate"].tolist()
                out["options_chosen"] = sites.loc[sites["opened"] & ~site,
                                                  "candidate"].tolist()
                out["capex"] = float(sites.loc[sites["opened"], "capex"].fillna(0.0).sum())
                out["investment"] = investment_summary(  # capex -> annuity -> horizon
                    self.network, sites.loc[sites["opened"], "candidate"])
            else:
                out["opened"] = self.sites.loc[self.sites["opened"], "candidate"].tolist()
        elif self.network.has_investment:
            out["options_chosen"], out["capex"] = [], None
        if self.network.scenario.currency is not None:
            out["currency"] = self.network.scenario.currency
        return out

    def shortfalls(self) -> pd.DataFrame:
        """Every hospital-day with unmet demand and why (:func:`o2opt.explain.shortfalls`):
        ``reason`` (a code), ``detail`` (words), ``binding`` (the facilities named), the
        nearest filling point and more; empty (with the columns) when nothing is unmet.

        Examples
        --------
        >>> import o2opt
        >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
        >>> table = o2opt.optimize(net).shortfalls()
        >>> table.columns[:6].tolist()
        ['hospital', 'day', 'region', 'demand_m3', 'unmet_m3', 'reason']
        >>> bool((table["detail"].str.len() > 0).all())
        True
        """
        if self._shortfalls is None:
            from o2opt.explain import shortfalls

            self._block("n")  # no plan: ValueError
            self._shortfalls = shortfalls(self)
        return self._shortfalls.copy()

    def explain(self, hospital: str) -> Explanation:
        """Why ``hospital`` is short, in words (``str()``) and data (``.rows``, its rows of
        :meth:`shortfalls`); an unknown id raises :class:`~o2opt.errors.InputError`.

        Examples
        --------
        >>> import o2opt
        >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
        >>> sol = o2opt.optimize(net.with_model(demand_multiplier=1.8))
        >>> worst = sol.shortfalls().sort_values("unmet_m3").iloc[-1]
        >>> sol.explain(worst["hospital"]).rows["reason"].tolist() == [worst["reason"]]
        True
        """
        from o2opt.explain import explain

        return explain(self, hospital)

    def to_folder(self, folder: str | os.PathLike[str], *, map_png: bool = False,
                  map_options: dict[str, Any] | None = None,
                  extra: dict[str, pd.DataFrame | dict[str, Any]] | None = None) -> Path:
        """Write the result files of docs/model.md to ``folder``.

        Everything is written to a temporary sibling folder first and swapped into place
        (:mod:`o2opt.atomic`), so an interrupted write never leaves a partial result. An
        existing folder is replaced only if it is empty or holds an earlier o2opt result;
        anything else raises :class:`~o2opt.errors.OutputError` before writing, as does a
        place that cannot be written. A symbolic link is written through (its target is
        replaced, the link stays). Without a solution only ``summary.json`` is written.

        Parameters
        ----------
        map_png : bool
            Also save the map of :meth:`plot_map` as ``map.png``.
        map_options : dict, optional
            Keyword arguments for :func:`o2opt.plot.plot_map` (e.g. ``credit``).
        extra : dict, optional
            More files written with the others: ``comparison.csv`` (a DataFrame) and
            ``comparison.json`` (a dict), the as-is against plan comparison.
        """
        import time

        folder = Path(folder)
        start = time.perf_counter()
        with atomic_folder(folder, replace=_is_result_folder) as tmp:
            if self.has_solution:
                for name in ("deliveries", "bulk", "service", "sites", "utilization"):
                    write_csv(getattr(self, name), tmp / f"{name}.csv")
                if self._has("b"):  # tanker extension
                    write_csv(self.tankers, tmp / "tankers.csv")
                if (self.service["unmet_m3"] > 0).any():  # why each hospital is short
                    write_csv(self.shortfalls(), tmp / "shortfalls.csv")
                if map_png:
                    from o2opt.plot import save_map

                    save_map(self, tmp / "map.png", **(map_options or {}))
            self.seconds["write"] = time.perf_counter() - start
            for name, content in (extra or {}).items():
                if name not in _EXTRA_FILES:
                    raise ValueError(f"unknown result file {name!r}")
                if isinstance(content, pd.DataFrame):
                    write_csv(content, tmp / name)
                else:
                    text = json.dumps(content, indent=2, ensure_ascii=False)
                    (tmp / name).write_text(text + "\n", encoding="utf-8")
            summary = json.dumps(self.summary(), indent=2, ensure_ascii=False)
            (tmp / "summary.json").write_text(summary + "\n", encoding="utf-8")
        log.info("wrote %s (%.2f s)", folder, self.seconds["write"])
        return folder

    # ------------------------------------------------------------------ geo views
    def to_geodataframes(self) -> dict[str, gpd.GeoDataFrame]:
        """GeoDataFrames (WGS84) for mapping: ``facilities`` (points, with ``kind``),
        ``deliveries`` and ``bulk`` (lines from source to destination)."""
        from o2opt.plot import geodataframes

        return geodataframes(self)

    def plot_map(self, ax: Axes | None = None, **kwargs: Any) -> Axes:
        """Static map: facilities by kind, deliveries scaled by volume, unmet demand in red.

        See :func:`o2opt.plot.plot_map` for the options."""
        from o2opt.plot import plot_map

        return plot_map(self, ax=ax, **kwargs)

    def to_excel(self, path: str | os.PathLike[str]) -> Path:
        """Write the solution to one Excel workbook: summary, costs, regions and every
        result table, formula-like text neutralised (needs ``pip install 'o2opt[excel]'``).
        See :func:`o2opt.excel.write_excel`."""
        from o2opt.excel import write_excel

        return write_excel(self, path)

    def to_html(self, path: str | os.PathLike[str] | None = None, **kwargs: Any) -> str:
        """The planning report as one self-contained HTML page (returned, and written to
        ``path`` when given). See :func:`o2opt.report.render_html` for the options."""
        from o2opt import report

        text = report.render_html(self, **kwargs)
        if path is not None:
            report.save_text(text, path)
        return text


def _util(ids: pd.Series, kind: str, used: np.ndarray, capacity: np.ndarray,
          unit: str) -> pd.DataFrame:
    n_fac, n_days = used.shape
    return pd.DataFrame({
        "facility": np.repeat(ids.to_numpy(), n_days), "kind": kind,
        "day": np.tile(np.arange(n_days), n_fac), "used": used.ravel(),
        "capacity": np.repeat(capacity.astype(float), n_days), "unit": unit,
    })


def _clean(x: np.ndarray, lm: LinearModel) -> np.ndarray:
    """Clip solver noise: values within bounds, integers rounded, specks set to zero."""
    x = np.clip(x, lm.lower, lm.upper)
    x = np.where(lm.integer, np.round(x), x)
    x[np.abs(x) < _TINY] = 0.0
    return x


def check_result_folder(folder: str | os.PathLike[str]) -> Path:
    """Raise :class:`~o2opt.errors.OutputError` if a result cannot be written to ``folder``
    (call before long work): writing would destroy something that is not an earlier o2opt
    result, or the place cannot be written (a file in the way, a read-only or full disk, a
    dangling symbolic link). Returns the folder that will be written (a symbolic link's
    target). Leaves nothing behind."""
    return check_writable(folder, replace=_is_result_folder)


def _is_result_folder(folder: Path) -> bool:
    """True when ``folder`` holds nothing but an earlier o2opt result (or one that a killed
    write was putting in place inside it: see :mod:`o2opt.atomic`)."""
    known = {"summary.json", "deliveries.csv", "bulk.csv", "service.csv", "sites.csv",
             "utilization.csv", "map.png", "tankers.csv", "shortfalls.csv", *_EXTRA_FILES}
    listing = [p.name for p in folder.iterdir()]
    names = {n for n in listing if not is_temporary(n)}
    if not names <= known:
        return False
    if "summary.json" not in names:
        return len(names) < len(listing)  # an interrupted write inside the folder
    try:
        return "o2opt_version" in json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        return False
