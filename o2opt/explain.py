"""Why a hospital is short: one reason an analyst can act on for every hospital-day with
unmet demand, checked against the solution's own figures (``docs/explain.md``).

Every filling point in reach of a short hospital (a cylinder arc to it) gets, for that day,
the first of these states that holds, from the plan's figures and the input data alone:

0. at its filling capacity (stations: cylinders a day; plants: m³ a day, times the
   availability factor);
1. a station whose every producer (a bulk arc into it) is at capacity or out;
2. a station with no bulk arc from any producer;
3. a station or plant whose cylinder fleet, trucks (or a producer whose tankers) are all in
   use: a ``fleet``, ``truck_trips`` or ``tanker_fleet`` row at its bound;
4. a candidate left closed while the ``budget``, ``max_new_sites`` or ``capital_budget``
   row leaves no room to open it;
5. a point with room whose delivery costs more per m³ than the hospital's penalty (a
   closed candidate with its fixed cost shared over the most it could deliver; never with
   the lexicographic objective);
6. anything else (room left, or a closed candidate whose cost does not exceed it).

The hospital-day's reason is the highest of its points' states (every point is blocked by
that cause or an earlier one), or ``no_source`` without any arc; state 6 gives
``binding_constraint``: the rows its deliveries touch that bind, the one with the largest
dual first (duals: :attr:`o2opt.Solution.duals`, an LP or ``marginal_values = true``).

Examples
--------
>>> import pandas as pd, o2opt
>>> net = o2opt.from_frames(
...     pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [100.0]}),
...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.0], "lon": [44.0],
...                            "fill_capacity_cyl_day": [10.0]}),
...     producers=pd.DataFrame({"id": ["P1"], "lat": [33.0], "lon": [44.0],
...                             "capacity_m3_day": [1000.0]}),
...     model={"cylinder_m3": 5.0})
>>> sol = o2opt.optimize(net)
>>> sol.shortfalls()[["hospital", "unmet_m3", "reason", "binding"]].values.tolist()
[['H1', 50.0, 'fill_capacity', 'S1']]
>>> print(sol.explain("H1"))
H1 is short by 50 m³ over 1 day (50 % of its net demand).
  day 0 (50 m³): Every filling point in reach is at its filling capacity: S1 10/10 cylinders.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt.errors import InputError, Problem
from o2opt.geo import haversine_km
from o2opt.model.builder import SEGMENT_SHARE, SEGMENT_WEIGHTS
from o2opt.model.storage import has_tank

if TYPE_CHECKING:
    from o2opt.solution import Solution

__all__ = ["COLUMNS", "REASONS", "Explanation", "Reason", "explain", "shortfalls"]

#: Reason codes, in the order they are tested.
REASONS = {
    "no_source": "no filling point is within reach",
    "fill_capacity": "every filling point in reach is at its filling capacity",
    "producer_capacity": "the producers that feed its stations in reach are at capacity",
    "producer_outage": "the producers that feed its stations in reach are out",
    "no_bulk_route": "a station in reach gets no bulk supply from any producer",
    "fleet_limit": "the cylinder fleet, trucks or tankers in reach are all in use",
    "site_limit": "a candidate in reach stays closed by the budget or the site limit",
    "penalty_below_cost": "delivery costs more than the penalty for leaving it unmet",
    "binding_constraint": "no capacity, route, fleet, budget or cost limit explains it "
                          "alone",
}
#: The columns of :func:`shortfalls` (``region`` only when hospitals have regions).
COLUMNS = ["hospital", "day", "region", "demand_m3", "unmet_m3", "reason", "detail",
           "binding", "causes", "nearest_source", "nearest_km", "cost_per_m3",
           "penalty_per_m3"]
# point states, in the order of the reasons they give
_FILL, _UPSTREAM, _NO_BULK, _FLEET, _LIMIT, _DEAR, _FREE = range(7)
_CODE = {_FILL: "fill_capacity", _UPSTREAM: "producer_capacity", _NO_BULK: "no_bulk_route",
         _FLEET: "fleet_limit", _LIMIT: "site_limit", _DEAR: "penalty_below_cost",
         _FREE: "binding_constraint"}
_REL = 1e-6  # relative tolerance of "at its bound"
_LIMIT_ROWS = ("budget", "max_new_sites", "capital_budget")
_FLEET_WORDS = {"fleet": "cylinder fleet", "truck_trips": "trucks", "tanker_fleet": "tankers"}
_MAX_NAMED = 4
# rows at their bound in every plan that uses them (flow balance, linking): named only by
# their duals
_BALANCE_ROWS = ("station_supply", "truck_load", "candidate_link", "station_link",
                 "producer_link", "hospital_lox", "hospital_stock", "producer_tank")


@dataclass(frozen=True)
class Reason:
    """Why one hospital is short on one day.

    Attributes
    ----------
    hospital, day : str, int
    code : str
        One of :data:`REASONS` (the first that holds).
    detail : str
        One sentence in words, with the figures.
    binding : tuple of str
        The facilities (or constraint names, for ``binding_constraint``) it names.
    causes : tuple of str
        Every reason code that holds for some filling point in reach.
    unmet_m3, demand_m3 : float
    """

    hospital: str
    day: int
    code: str
    detail: str
    binding: tuple[str, ...]
    causes: tuple[str, ...]
    unmet_m3: float
    demand_m3: float


@dataclass(frozen=True, eq=False)
class Explanation:
    """The reasons a hospital is short, in words (``str()``) and as data (:attr:`rows`,
    the rows of :meth:`o2opt.Solution.shortfalls` for that hospital)."""

    hospital: str
    rows: pd.DataFrame
    need_m3: float

    @property
    def reasons(self) -> list[Reason]:
        """One :class:`Reason` per short day."""
        return [Reason(self.hospital, int(r["day"]), str(r["reason"]), str(r["detail"]),
                       tuple(filter(None, str(r["binding"]).split(";"))),
                       tuple(filter(None, str(r["causes"]).split(";"))),
                       float(r["unmet_m3"]), float(r["demand_m3"]))
                for r in self.rows.to_dict("records")]

    def __str__(self) -> str:
        rows = self.rows
        if not len(rows):
            return f"{self.hospital} is not short: its net demand is met on every day."
        unmet = float(rows["unmet_m3"].sum())
        days = len(rows)
        share = f" ({100 * unmet / self.need_m3:.0f} % of its net demand)" if self.need_m3 else ""
        lines = [f"{self.hospital} is short by {unmet:,.0f} m³ over {days} "
                 f"day{'s' if days != 1 else ''}{share}."]
        # days with the same reason and the same words: one line
        for detail, group in rows.groupby("detail", sort=False):
            label = _days(group["day"].tolist())
            lines.append(f"  {label} ({group['unmet_m3'].sum():,.0f} m³): {detail}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Explanation {self.hospital}: {len(self.rows)} short day(s)>"

    def _repr_html_(self) -> str:
        import html

        return "<pre>" + html.escape(str(self)) + "</pre>"


def _days(days: list[int]) -> str:
    if len(days) == 1:
        return f"day {days[0]}"
    if days == list(range(days[0], days[-1] + 1)):
        return f"days {days[0]}-{days[-1]}"
    return "days " + ", ".join(map(str, days))


def explain(solution: Solution, hospital: str) -> Explanation:
    """Why ``hospital`` is short, day by day (see :meth:`o2opt.Solution.explain`).

    Raises
    ------
    InputError
        ``hospital`` is not a hospital id of the network.
    """
    ids = solution.network.hospitals["id"].astype(str)
    key = str(hospital)
    if key not in set(ids):
        close = difflib.get_close_matches(key, ids.tolist(), n=1, cutoff=0.5)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError([Problem("Solution.explain", "hospital", None,
                                  f"unknown hospital {key!r}{hint}")])
    table = shortfalls(solution)
    rows = table[table["hospital"].astype(str) == key].reset_index(drop=True)
    need = float(solution.service.loc[solution.service["hospital"].astype(str) == key,
                                      "demand_m3"].sum())
    return Explanation(key, rows, need)


def _empty(with_region: bool) -> pd.DataFrame:
    cols = [c for c in COLUMNS if with_region or c != "region"]
    frame = pd.DataFrame({c: pd.Series(dtype=float if c.endswith(("_m3", "_km")) else object)
                          for c in cols})
    frame["day"] = frame["day"].astype(np.int64)
    return frame


def shortfalls(solution: Solution) -> pd.DataFrame:
    """One row per hospital-day with unmet demand and its reason (see the module's text).

    Returns
    -------
    pandas.DataFrame
        :data:`COLUMNS`: ``hospital``, ``day``, ``region`` (when hospitals have one),
        ``demand_m3``, ``unmet_m3``, ``reason`` (a code of :data:`REASONS`), ``detail``
        (words), ``binding`` (the facilities or constraints named, ``;``-separated),
        ``causes`` (every code that holds for some point in reach), ``nearest_source`` and
        ``nearest_km`` (the nearest filling point, road km as the model counts them),
        ``cost_per_m3`` (the cheapest delivery per m³ from a point with room, NaN without)
        and ``penalty_per_m3`` (what a m³ more unmet costs). Empty when nothing is unmet.
    """
    net = solution.network
    region = net.hospitals["region"].astype(str)
    with_region = bool((region != "").any())
    service = solution.service
    short = np.flatnonzero(service["unmet_m3"].to_numpy() > 0)
    if not len(short):
        return _empty(with_region)
    return _Explainer(solution).table(short, with_region)


class _Explainer:
    """The states of every filling point and day of one solution, and the words."""

    def __init__(self, solution: Solution):
        self.sol = solution
        lm = self.lm = solution.model
        net = self.net = solution.network
        sc = net.scenario
        self.n_days, self.v = sc.horizon_days, sc.cylinder_m3
        x = solution._x
        assert x is not None
        self.x: np.ndarray = x
        self.act = np.bincount(lm.a_row, weights=lm.a_val * x[lm.a_col], minlength=lm.num_row)
        self.n_st = len(net.stations)
        self.fill_ids = np.concatenate([net.stations["id"].astype(str).to_numpy(),
                                        net.candidates["id"].astype(str).to_numpy()])
        self.producer_ids = net.producers["id"].astype(str).to_numpy()
        self.n_cols = np.arange(lm.num_col)[lm.blocks["n"]]
        self.n_f = lm.arcs.cylinder["source_pos"].to_numpy()[lm.n_arc]
        self.n_h = lm.arcs.cylinder["hospital_pos"].to_numpy()[lm.n_arc]
        self._upstream_words: dict[tuple[str, int], str] = {}
        self._words: dict[tuple[object, ...], Any] = {}
        self._capacities()
        self._producers()
        self._blocked()
        self._costs()

    # ------------------------------------------------------------------ figures
    def _capacities(self) -> None:
        """Used and effective capacity of every filling point and day (cylinders for
        stations, m³ for plants), and which candidates are closed."""
        sol, net, lm, v = self.sol, self.net, self.lm, self.v
        n = self.x[self.n_cols]
        used = np.zeros((len(self.fill_ids), self.n_days))
        np.add.at(used, (self.n_f, lm.n_day), n)
        factor = np.concatenate([net.capacity_factor("stations"),
                                 net.capacity_factor("candidates")])
        st_open = sol._opened("stations") if net.has_investment else np.ones(self.n_st)
        st_cap = (net.stations["fill_capacity_cyl_day"].to_numpy(float) * st_open
                  + sol._option_extra("stations"))
        cands = net.candidates
        c_open = sol._opened("candidates")
        c_cap = (np.minimum(cands["capacity_m3_day"].to_numpy(float),
                            v * cands["fill_capacity_cyl_day"].to_numpy(float))
                 + sol._option_extra("candidates"))
        cap = np.concatenate([st_cap, c_cap])[:, None] * factor
        if net.scenario.integer_cylinders:
            cap[:self.n_st] = np.floor(cap[:self.n_st] + 1e-9)
        used[self.n_st:] *= v  # plants in m³
        self.fill_used, self.fill_cap, self.fill_factor = used, cap, factor
        self.closed = ~np.concatenate([st_open, c_open]).astype(bool)
        with np.errstate(invalid="ignore"):
            self.at_fill = used >= cap - _REL * np.maximum(1.0, np.nan_to_num(cap, posinf=0))
        if net.scenario.integer_cylinders:  # a plant with room for less than a cylinder
            self.at_fill[self.n_st:] |= used[self.n_st:] > cap[self.n_st:] - v * (1 - _REL)
        self.at_fill &= np.isfinite(cap) & ~self.closed[:, None]
        # a candidate ruled out (decision = closed, as in a plan under evaluation) has no
        # capacity at all: it counts as at capacity, not as a choice the optimiser made
        self.ruled_out = self.closed & np.concatenate([
            _decision(net.stations, len(st_open)), _decision(cands, len(c_open))])
        self.at_fill |= self.ruled_out[:, None]

    def _producers(self) -> None:
        """Producers at capacity or out, per day, and stations fed by none with room."""
        sol, net, lm = self.sol, self.net, self.lm
        n_p = len(net.producers)
        used = np.zeros((n_p, self.n_days))
        # bulk a station receives beyond what it fills is slack (free bulk can be any
        # amount): count each producer's share of what is filled
        q = self.x[lm.blocks["q"]]
        q_s = lm.arcs.bulk["station_pos"].to_numpy()[lm.q_arc]
        received = np.zeros((self.n_st, self.n_days))
        np.add.at(received, (q_s, lm.q_day), q)
        need = self.v * self.fill_used[:self.n_st]
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(received > 0, np.minimum(1.0, need / received), 0.0)
        np.add.at(used, (lm.arcs.bulk["producer_pos"].to_numpy()[lm.q_arc], lm.q_day),
                  q * ratio[q_s, lm.q_day])
        if "b" in lm.blocks and lm.blocks["b"].stop > lm.blocks["b"].start:
            np.add.at(used, (lm.index["b_producer"], lm.index["b_day"]),
                      self.x[lm.blocks["b"]])
        factor = net.capacity_factor("producers")
        opened = sol._opened("producers") if net.has_investment else np.ones(n_p)
        cap = (net.producers["capacity_m3_day"].to_numpy(float) * opened
               + sol._option_extra("producers"))[:, None] * factor
        self.prod_used, self.prod_cap = used, cap
        self.prod_out = (factor <= 0) | (cap <= 0)
        exhausted = used >= cap - _REL * np.maximum(1.0, cap)
        grain = self.v * (1 - _REL) if net.scenario.integer_cylinders else 0.0
        exhausted |= used > cap - grain  # whole cylinders: room for less than one
        tank = has_tank(net)
        exhausted[tank] = False  # a tank can release more than a day's production ...
        exhausted |= self.prod_out & ~tank[:, None]
        g = lm.blocks.get("g")
        if g is not None and g.stop > g.start:  # ... unless it is empty and production full
            cols = np.arange(g.start, g.stop)
            content = self.x[lm.blocks["i"]]
            full = (self.x[cols] >= lm.upper[cols] - _REL * np.maximum(1.0, lm.upper[cols])) \
                & (content <= _REL * np.maximum(1.0, lm.upper[lm.blocks["i"]]))
            p, t = lm.index["g_producer"], lm.index["g_day"]
            exhausted[p, t] = full & (used[p, t] >= cap[p, t] - _REL * np.maximum(1.0, cap[p, t]))
        self.prod_exhausted = exhausted
        bulk = lm.arcs.bulk
        self.bulk_p = bulk["producer_pos"].to_numpy()
        self.bulk_s = bulk["station_pos"].to_numpy()
        count = np.bincount(self.bulk_s, minlength=self.n_st)
        n_exh = np.zeros((self.n_st, self.n_days))
        np.add.at(n_exh, self.bulk_s, exhausted[self.bulk_p].astype(float))
        self.has_bulk = count > 0
        by_station = np.argsort(self.bulk_s, kind="stable")
        self.feeders = [list(dict.fromkeys(part.tolist())) for part in
                        np.split(self.bulk_p[by_station], np.cumsum(count)[:-1])]
        self.upstream = self.has_bulk[:, None] & (n_exh >= count[:, None])
        if grain:  # and less than a cylinder's worth over all its producers together
            room = np.zeros((self.n_st, self.n_days))
            np.add.at(room, self.bulk_s, np.maximum(cap - used, 0.0)[self.bulk_p])
            self.upstream &= room < grain

    def _blocked(self) -> None:
        """Per column: held by a fleet, truck or tanker row at its bound (the block's name,
        or ""), and per opening column: a budget or site limit row it would break."""
        lm, act = self.lm, self.act
        names = np.full(lm.num_row, "", dtype=object)
        for name, block in lm.row_blocks.items():
            names[block] = name
        row_names = names[lm.a_row]
        upper = lm.row_upper[lm.a_row]
        tol = _REL * np.maximum(1.0, np.abs(np.where(np.isfinite(upper), upper, 0.0)))
        at_upper = act[lm.a_row] >= upper - tol
        self.fleet_of = np.full(lm.num_col, "", dtype=object)
        for name in ("fleet", "truck_trips", "tanker_fleet"):
            hit = (row_names == name) & (lm.a_val > 0) & at_upper
            self.fleet_of[lm.a_col[hit]] = name
        k = lm.blocks.get("k")
        if k is not None and k.stop > k.start:  # truck trips carry the cylinders
            k_of_n = lm.index["k_of_n"]
            held = self.fleet_of[np.arange(k.start, k.stop)]
            on = held != ""
            self.fleet_of[self.n_cols[k_of_n[on]]] = held[on]
        limit = np.isin(row_names, _LIMIT_ROWS) & (
            act[lm.a_row] + lm.a_val > upper + tol)
        self.limit_of = np.full(lm.num_col, "", dtype=object)
        for r, c, a in zip(lm.a_row[limit], lm.a_col[limit], lm.a_val[limit], strict=True):
            words = (f"{act[r]:,.0f} of {lm.row_upper[r]:,.0f} new sites open"
                     if names[r] == "max_new_sites" else
                     f"{names[r]} {act[r]:,.0f} of {lm.row_upper[r]:,.0f} spent, it needs "
                     f"{a:,.0f}")
            self.limit_of[c] = "; ".join(filter(None, [self.limit_of[c], words]))
        self.row_names = names

    def _costs(self) -> None:
        """Delivery cost per m³ of every cylinder column (its own cost, the cheapest bulk
        from a producer with room for a station, a truck trip's share) and the penalty."""
        lm, net, v = self.lm, self.net, self.v
        bulk = lm.arcs.bulk
        per_m3 = (bulk["transport_per_m3"].to_numpy(float)
                  + net.producers["cost_per_m3"].to_numpy(float)[self.bulk_p])
        room = np.where(self.prod_exhausted[self.bulk_p], np.inf, per_m3[:, None])
        cheapest = np.full((self.n_st, self.n_days), np.inf)
        np.minimum.at(cheapest, self.bulk_s, room)
        cost = lm.cost[self.n_cols] / v
        at_st = self.n_f < self.n_st
        cost[at_st] += cheapest[self.n_f[at_st], lm.n_day[at_st]]
        k = lm.blocks.get("k")
        if k is not None and k.stop > k.start:
            load = np.concatenate([net.stations["truck_capacity_cyl"].to_numpy(float),
                                   net.candidates["truck_capacity_cyl"].to_numpy(float)])
            k_of_n = lm.index["k_of_n"]
            per_trip = lm.cost[np.arange(k.start, k.stop)]
            cost[k_of_n] += per_trip / np.maximum(np.nan_to_num(load[self.n_f[k_of_n]]), 1.0) / v
        # a closed point would also carry its fixed cost: at least fixed / (the most it
        # could deliver: its capacity over the horizon, at most the unmet in its reach)
        unmet = self.sol.service["unmet_m3"].to_numpy().reshape(-1, self.n_days).sum(axis=1)
        arcs = lm.arcs.cylinder
        reach = np.bincount(arcs["source_pos"].to_numpy(),
                            weights=unmet[arcs["hospital_pos"].to_numpy()],
                            minlength=len(self.fill_ids))
        st_cap = v * net.stations["fill_capacity_cyl_day"].to_numpy(float)[:, None]
        cap = np.concatenate([st_cap * self.fill_factor[:self.n_st],
                              self.fill_cap[self.n_st:]]).sum(axis=1)
        self.fixed = np.concatenate([net.fixed_costs("stations")[0],
                                     net.fixed_costs("candidates")[0]])
        self.most_m3 = np.minimum(cap, reach)
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(self.most_m3 > 0, self.fixed / self.most_m3, np.inf)
        closed = self.closed[self.n_f]
        cost[closed] += share[self.n_f[closed]]
        self.n_cost = cost
        sc = net.scenario
        self.penalty = (sc.unmet_penalty_per_m3
                        * net.hospitals["priority"].to_numpy(float))

    def penalties(self) -> np.ndarray:
        """What one more m³ unmet costs, per hospital and day: the hospital's penalty
        (``even``: times the weight of the segment its last unmet m³ is in)."""
        service = self.sol.service
        base = np.repeat(self.penalty, self.n_days)
        if self.net.scenario.shortage_sharing != "even":
            return base.reshape(-1, self.n_days)
        demand, unmet = service["demand_m3"].to_numpy(), service["unmet_m3"].to_numpy()
        with np.errstate(divide="ignore", invalid="ignore"):
            k = np.ceil(unmet / (SEGMENT_SHARE * demand) - 1e-9) - 1
        k = np.clip(np.nan_to_num(k), 0, len(SEGMENT_WEIGHTS) - 1).astype(np.int64)
        return (base * SEGMENT_WEIGHTS[k]).reshape(-1, self.n_days)

    # ------------------------------------------------------------------ states
    def _states(self, penalty: np.ndarray) -> np.ndarray:
        """The state of every cylinder column (the first that holds, see the module)."""
        f, t = self.n_f, self.lm.n_day
        state = np.where(self.n_cost > penalty[self.n_h, t] * (1 + 1e-9) + 1e-9, _DEAR, _FREE)
        if self.net.scenario.objective == "lexicographic":  # unmet first, whatever it costs
            state[:] = _FREE
        closed = self.closed[f]
        opening = np.array([self._opening_col(p) for p in range(len(self.fill_ids))],
                           dtype=np.int64)
        y = opening[f]
        limited = closed & (y >= 0)
        limited[limited] = self.limit_of[y[limited]] != ""
        state[limited] = _LIMIT
        state[self.fleet_of[self.n_cols] != ""] = _FLEET
        at_st = (f < self.n_st) & ~closed
        fs = np.minimum(f, max(self.n_st - 1, 0))
        if self.n_st:
            state[at_st & ~self.has_bulk[fs]] = _NO_BULK
            state[at_st & self.upstream[fs, t]] = _UPSTREAM
        state[self.at_fill[f, t]] = _FILL
        return state

    def _opening_col(self, f: int) -> int:
        idx = self.lm.index
        if f >= self.n_st:
            return int(idx["y_of_cand"][f - self.n_st])
        ys_of = idx.get("ys_of")
        return int(ys_of[f]) if ys_of is not None and len(ys_of) else -1

    # ------------------------------------------------------------------ the table
    def table(self, short: np.ndarray, with_region: bool) -> pd.DataFrame:
        service, lm, net = self.sol.service, self.lm, self.net
        n_days = self.n_days
        h_of, t_of = np.divmod(short, n_days)
        key = self.n_h * n_days + lm.n_day
        order = np.argsort(key, kind="stable")
        lo = np.searchsorted(key[order], short, side="left")
        hi = np.searchsorted(key[order], short, side="right")
        b_order, b_lo, b_hi = self._tanker_ranges(short)
        nearest, near_km = self._nearest(np.unique(h_of))
        demand = service["demand_m3"].to_numpy()[short]
        unmet = service["unmet_m3"].to_numpy()[short]
        penalties = self.penalties()
        n_state = self._states(penalties).tolist()
        order_list = order.tolist()
        records = []
        for j in range(len(short)):
            h, t = int(h_of[j]), int(t_of[j])
            penalty = float(penalties[h, t])
            points = [(n_state[i], "n", i) for i in order_list[lo[j]:hi[j]]]
            points += [(self._tanker_state(int(i), penalty), "b", int(i))
                       for i in b_order[b_lo[j]:b_hi[j]]]
            code, detail, binding, causes = self._reason(h, t, points, nearest[h],
                                                         near_km[h], penalty)
            free = [self._cost(kind, i) for s, kind, i in points if s >= _DEAR]
            records.append((code, detail, ";".join(binding), ";".join(causes),
                            min(free) if free else np.nan, penalty))
        out = pd.DataFrame({
            "hospital": net.hospitals["id"].astype(str).to_numpy()[h_of],
            "day": t_of.astype(np.int64),
            "region": net.hospitals["region"].astype(str).to_numpy()[h_of],
            "demand_m3": demand, "unmet_m3": unmet,
        })
        extra = pd.DataFrame(records, columns=["reason", "detail", "binding", "causes",
                                               "cost_per_m3", "penalty_per_m3"])
        out = pd.concat([out, extra], axis=1)
        out["nearest_source"] = [nearest[h] for h in h_of]
        out["nearest_km"] = [near_km[h] for h in h_of]
        return out[[c for c in COLUMNS if with_region or c != "region"]]

    def _cost(self, kind: str, i: int) -> float:
        return float(self.n_cost[i] if kind == "n" else self.b_cost[i])

    def _tanker_ranges(self, short: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lm = self.lm
        b = lm.blocks.get("b")
        if b is None or b.stop == b.start:
            self.b_cost = np.empty(0)
            empty = np.zeros(len(short), dtype=np.int64)
            return np.empty(0, dtype=np.int64), empty, empty
        idx = lm.index
        key = idx["b_hospital"] * self.n_days + idx["b_day"]
        order = np.argsort(key, kind="stable")
        self.b_cost = lm.cost[np.arange(b.start, b.stop)]
        return (order, np.searchsorted(key[order], short, "left"),
                np.searchsorted(key[order], short, "right"))

    def _tanker_state(self, i: int, penalty: float) -> int:
        idx = self.lm.index
        p, t = int(idx["b_producer"][i]), int(idx["b_day"][i])
        if self.prod_exhausted[p, t]:
            return _UPSTREAM
        if self.fleet_of[self.lm.blocks["b"].start + i]:
            return _FLEET
        dear = self.b_cost[i] > penalty * (1 + 1e-9) + 1e-9
        return _DEAR if dear and self.net.scenario.objective != "lexicographic" else _FREE

    def _nearest(self, hospitals: np.ndarray) -> tuple[dict[int, str], dict[int, float]]:
        """The nearest filling point (else producer) of each hospital, in road km
        (great circle × circuity), as the model counts them."""
        net = self.net
        pts = pd.concat([net.stations[["id", "lat", "lon"]], net.candidates[["id", "lat", "lon"]]])
        if not len(pts):
            pts = net.producers[["id", "lat", "lon"]]
        names: dict[int, str] = {}
        kms: dict[int, float] = {}
        if not len(pts):
            return {int(h): "" for h in hospitals}, {int(h): np.nan for h in hospitals}
        lat, lon = pts["lat"].to_numpy(float), pts["lon"].to_numpy(float)
        ids = pts["id"].astype(str).to_numpy()
        hosp = net.hospitals
        for start in range(0, len(hospitals), 512):
            hs = hospitals[start:start + 512]
            km = net.scenario.circuity * haversine_km(
                hosp["lat"].to_numpy(float)[hs][:, None], hosp["lon"].to_numpy(float)[hs][:, None],
                lat[None, :], lon[None, :])
            best = km.argmin(axis=1)
            for h, b, d in zip(hs, best, km[np.arange(len(hs)), best], strict=True):
                names[int(h)], kms[int(h)] = str(ids[b]), float(d)
        return names, kms

    # ------------------------------------------------------------------ words
    def _reason(self, h: int, t: int, points: list[tuple[int, str, int]], nearest: str,
                near_km: float, penalty: float
                ) -> tuple[str, str, list[str], list[str]]:
        if not points:
            return ("no_source", self._no_source(nearest, near_km), [nearest] if nearest else [],
                    ["no_source"])
        state = max(s for s, _, _ in points)
        causes = sorted({s for s, _, _ in points})
        outage = _UPSTREAM in causes and self._outage(points, t)
        cause_codes = ["producer_outage" if s == _UPSTREAM and outage else _CODE[s]
                       for s in causes]
        code = cause_codes[-1]
        phrases, binding = self._phrases(state, points, t, penalty)
        if state == _FREE:
            rows = self._binding_rows(h, t, points)
            gap = f", MIP gap {self.sol.mip_gap:.2g}" if self.sol.mip_gap else ""
            phrases.insert(0, f"binding: {', '.join(rows)}" if rows else
                           f"nothing it touches binds (plan {self.sol.status}{gap})")
            binding = rows or binding
        lead = REASONS[code]
        if state == _UPSTREAM:  # name the stations they feed
            fed = dict.fromkeys(str(self.fill_ids[self.n_f[i]]) if kind == "n" else "tankers"
                                for s, kind, i in points if s == _UPSTREAM)
            lead = lead.replace(" in reach", f" in reach ({', '.join(fed)})")
        detail = _sentence(lead, phrases, self._others(state, points, t))
        return code, detail, list(dict.fromkeys(binding)), list(dict.fromkeys(cause_codes))

    def _outage(self, points: list[tuple[int, str, int]], t: int) -> bool:
        """Every producer of the points held upstream is out that day."""
        producers = self._starving(points, t)
        return bool(producers) and all(self.prod_out[p, t] for p in producers)

    def _starving(self, points: list[tuple[int, str, int]], t: int) -> list[int]:
        """The producers that feed the stations (or load the tankers) held upstream."""
        out: list[int] = []
        for s, kind, i in points:
            if s != _UPSTREAM:
                continue
            if kind == "b":
                out.append(int(self.lm.index["b_producer"][i]))
            else:
                out.extend(self.feeders[int(self.n_f[i])])
        return list(dict.fromkeys(out))

    def _no_source(self, nearest: str, km: float) -> str:
        sc = self.net.scenario
        if not nearest:
            return "no filling point within reach: the network has no filling station, plant " \
                   "or producer."
        how = (f"max_delivery_km = {sc.max_delivery_km:,.0f} km" if sc.max_delivery_km
               is not None else "routes_only: no route in routes.csv" if sc.routes_only
               else "no delivery arc")
        return (f"no filling point within reach ({how}): the nearest is {nearest}, "
                f"{km:,.0f} km away.")

    def _phrases(self, state: int, points: list[tuple[int, str, int]], t: int,
                 penalty: float) -> tuple[list[str], list[str]]:
        """Words and names for the points in ``state``."""
        mine = [(kind, i) for s, kind, i in points if s == state]
        phrases: list[str] = []
        names: list[str] = []
        if state == _UPSTREAM:
            for p in self._starving(points, t):
                phrases.append(self._producer_words(p, t))
                names.append(str(self.producer_ids[p]))
            return phrases, names
        found: dict[str, tuple[float, str]] = {}
        for kind, i in mine:
            name, phrase = self._point_phrase(state, kind, i, t, penalty)
            found.setdefault(name, (self._cost(kind, i), phrase))
        keys = sorted(found, key=lambda k: found[k][0]) if state == _DEAR else list(found)
        return [found[k][1] for k in keys], keys

    def _producer_words(self, p: int, t: int) -> str:
        key = ("producer", p, t)
        if key not in self._words:
            used, cap = float(self.prod_used[p, t]), float(self.prod_cap[p, t])
            factor = float(self.net.capacity_factor("producers")[p, t])
            self._words[key] = (f"{self.producer_ids[p]} out (availability 0)"
                                if self.prod_out[p, t] else
                                f"{self.producer_ids[p]} {used:,.0f}/{cap:,.0f} m³"
                                + _availability(factor) + self._crumb(cap - used))
        return self._words[key]

    def _point_phrase(self, state: int, kind: str, i: int, t: int,
                      penalty: float) -> tuple[str, str]:
        """The name of the point of column ``i`` and its words in ``state`` (kept: the
        same point and day come back for many hospitals)."""
        point = int(self.n_f[i]) if kind == "n" and state != _DEAR else i
        key = (state, kind, point, t, penalty if state == _DEAR else 0.0)
        if key not in self._words:
            self._words[key] = self._point_words(state, kind, i, t, penalty)
        return self._words[key]

    def _point_words(self, state: int, kind: str, i: int, t: int,
                     penalty: float) -> tuple[str, str]:
        if kind == "b":
            p = int(self.lm.index["b_producer"][i])
            name = f"{self.producer_ids[p]} (tankers)"
            col = self.lm.blocks["b"].start + i
        else:
            f = int(self.n_f[i])
            name = str(self.fill_ids[f])
            col = self.n_cols[i]
        if state == _FILL:
            f = int(self.n_f[i])
            if self.ruled_out[f]:
                return name, f"{name} ruled out (decision = closed)"
            if self.fill_factor[f, t] <= 0:
                return name, f"{name} out (availability 0)"
            unit = "cylinders" if f < self.n_st else "m³"
            room = self.fill_cap[f, t] - self.fill_used[f, t] if f >= self.n_st else 0.0
            return name, (f"{name} {self.fill_used[f, t]:,.0f}/{self.fill_cap[f, t]:,.0f} "
                          f"{unit}{_availability(float(self.fill_factor[f, t]))}"
                          f"{self._crumb(room)}")
        if state == _NO_BULK:
            return name, f"station {name} has no bulk arc from any producer"
        if state == _FLEET:
            return name, f"{name}'s {_FLEET_WORDS.get(self.fleet_of[col], 'fleet')} all in use"
        if state == _LIMIT:
            y = self._opening_col(int(self.n_f[i]))
            return name, f"{name} closed ({self.limit_of[y]})"
        if state == _DEAR and kind == "n" and self.closed[self.n_f[i]]:
            f = int(self.n_f[i])
            return name, (f"{name} stays closed: its fixed cost of {self.fixed[f]:,.0f} over "
                          f"the {self.most_m3[f]:,.0f} m³ at most it could deliver makes "
                          f"{self.n_cost[i]:,.2f} per m³ against a penalty of {penalty:,.2f}")
        if state == _DEAR:
            return name, (f"from {name} {self._cost(kind, i):,.2f} per m³ against a penalty "
                          f"of {penalty:,.2f} per m³")
        if kind == "n" and self.closed[self.n_f[i]]:
            return name, f"{name} stays closed (not worth its fixed cost)"
        return name, f"{name} has room"

    def _crumb(self, room_m3: float) -> str:
        """Words for a capacity with room for less than one cylinder (whole cylinders)."""
        return " (room for less than a cylinder)" if room_m3 > _REL * max(1.0, room_m3) \
            else ""

    def _others(self, state: int, points: list[tuple[int, str, int]], t: int) -> list[str]:
        """Short words for the points blocked by an earlier cause than ``state``."""
        out: list[str] = []
        seen: set[str] = set()
        for s, kind, i in sorted(points):
            if s >= state:
                continue
            if s == _UPSTREAM:
                name = str(self.fill_ids[self.n_f[i]]) if kind == "n" else "tankers"
                if name in seen:
                    continue
                key = (name, t)
                if key not in self._upstream_words:
                    words = self._phrases(_UPSTREAM, [(s, kind, i)], t, 0.0)[0]
                    self._upstream_words[key] = f"{name} short of bulk oxygen ({', '.join(words)})"
                phrase = self._upstream_words[key]
            else:
                name, phrase = self._point_phrase(s, kind, i, t, 0.0)
                if s == _FILL:
                    phrase += " (at filling capacity)"
            if name not in seen:
                seen.add(name)
                out.append(phrase)
        return out

    def _binding_rows(self, h: int, t: int, points: list[tuple[int, str, int]]) -> list[str]:
        """Rows touched by the hospital-day's columns that bind: by largest dual when the
        solution has duals, else every one at its bound (the demand row left out)."""
        lm = self.lm
        cols = [(self.n_cols[i] if kind == "n" else lm.blocks["b"].start + i,
                 str(self.fill_ids[self.n_f[i]]) if kind == "n" else
                 str(self.producer_ids[lm.index["b_producer"][i]])) for _, kind, i in points]
        u = np.flatnonzero((lm.u_hospital == h) & (lm.u_day == t))
        cols += [(lm.blocks["u"].start + j, "") for j in u]
        if not hasattr(self, "_csc"):
            self._csc = lm.csc()
        start, index, _ = self._csc
        duals = self.sol.duals
        found: dict[str, float] = {}
        for col, who in cols:
            for r in index[start[col]:start[col + 1]]:
                name = str(self.row_names[r])
                if name == "demand" or (duals is None and name in _BALANCE_ROWS):
                    continue
                label = f"{name} ({who}, day {t})" if who else f"{name} (day {t})"
                lo, up, a = lm.row_lower[r], lm.row_upper[r], self.act[r]
                at = bool((np.isfinite(up) and a >= up - _REL * max(1.0, abs(up)))
                          or (np.isfinite(lo) and a <= lo + _REL * max(1.0, abs(lo))))
                weight = abs(float(duals.row[r])) if duals is not None else float(at)
                if weight > 1e-9 and (duals is not None or at):
                    found[label] = max(found.get(label, 0.0), weight)
            if duals is not None and col < len(duals.col) and abs(duals.col[col]) > 1e-9 \
                    and self.x[col] >= lm.upper[col] - _REL * max(1.0, lm.upper[col]) \
                    and not col >= lm.blocks["u"].start:
                found[f"cylinder bound ({who} to this hospital, day {t})"] = abs(duals.col[col])
        ranked = sorted(found, key=lambda k: -found[k])
        if duals is not None and ranked:
            return [f"{k} (dual {found[k]:,.4g})" for k in ranked[:3]]
        return ranked[:3]


def _availability(factor: float) -> str:
    """Words for a capacity reduced by the availability table (the capacity shown is the
    available one; ``utilization.csv`` shows the full one)."""
    return f" (availability {100 * factor:.0f} %)" if 0 < factor < 1 else ""


def _sentence(lead: str, phrases: list[str], others: list[str]) -> str:
    def cut(words: list[str]) -> list[str]:
        extra = len(words) - _MAX_NAMED
        return words[:_MAX_NAMED] + ([f"and {extra} more"] if extra > 0 else [])

    text = f"{lead}: {', '.join(cut(phrases))}" if phrases else lead
    if others:
        text += "; besides, " + ", ".join(cut(others))
    return text[0].upper() + text[1:] + "."


def _decision(table: pd.DataFrame, n: int) -> np.ndarray:
    """Which rows of a facility table are ruled out (``decision = closed``)."""
    if "decision" not in table.columns or len(table) != n:
        return np.zeros(n, dtype=bool)
    return (table["decision"].astype(str) == "closed").to_numpy()
