"""An independent, deliberately simple implementation of the model of docs/model.md.

This is the yardstick the cross-check tests hold o2opt against. It shares no code with
o2opt: it reads a scenario folder with plain pandas and tomllib, applies the defaults of
docs/input.md itself, writes the model out variable by variable and constraint by
constraint (with the plain "weak" linking ``x <= capacity * y``, every arc on every day,
none of o2opt's reductions except where the docs make them part of the model), and solves
it with :func:`scipy.optimize.milp` (HiGHS). It is meant for small instances and for
reading, not for speed: the tables are walked with Python loops on purpose.

Every extension of docs/model.md is here, each switched on as the docs say: availability
factors, hospital stock with a soft safety stock and producer tanks (storage), liquid
oxygen by tanker, trucks, cylinder fleets, single sourcing, minimum service shares per
hospital and region, and the lexicographic objective (two solves).

Usage::

    result = solve_folder("path/to/scenario")
    result.status, result.objective, result.total_unmet, result.opened
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

EARTH_RADIUS_KM = 6371.0088

#: docs/input.md ``[model]`` keys and their defaults (``None``: not given).
MODEL_DEFAULTS: dict[str, Any] = {
    "horizon_days": 1,
    "cylinder_m3": 6.8,
    "cost_per_cylinder_km": 0.05,
    "bulk_cost_per_m3_km": 0.002,
    "unmet_penalty_per_m3": 1000.0,
    "allow_unmet": True,
    "demand_multiplier": 1.0,
    "circuity": 1.3,
    "max_delivery_km": None,
    "budget": None,
    "max_new_sites": None,
    "integer_cylinders": False,
    "routes_only": False,
    # extensions (docs/model.md, "Extension: ..."), all off by default
    "single_source": False,
    "truck_speed_km_h": 40.0,
    "working_hours_day": 8.0,
    "hospital_dwell_days": 1.0,
    "cylinder_loss_rate": 0.0,
    "tanker_unload_days": 0.25,
    "cost_per_truck_km": 0.0,
    "integer_trucks": False,
    "min_service_share": 0.0,
    "region_min_service_share": 0.0,
    "objective": "cost",
    "solver": None,
    "time_limit_s": None,
    "mip_gap": None,
    "threads": None,
}

INF = math.inf
#: Per filling-point table: the extension columns of docs/input.md and their defaults.
_FILLING_POINT = {"fleet_cylinders": INF, "trucks": INF, "truck_capacity_cyl": math.nan,
                  "truck_trips_day": 1.0}

#: Per table: required columns, and optional numeric columns with their defaults.
TABLES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "hospitals": (["id", "lat", "lon", "demand_m3_day"],
                  {"onsite_m3_day": 0.0, "priority": 1.0, "stock_capacity_m3": 0.0,
                   "initial_stock_m3": 0.0, "safety_stock_m3": 0.0, "lox_tank_m3": 0.0,
                   "vaporiser_m3_day": INF, "initial_lox_m3": 0.0,
                   "min_service_share": math.nan}),
    "demand": (["hospital", "day", "demand_m3"], {}),
    "producers": (["id", "lat", "lon", "capacity_m3_day"],
                  {"cost_per_m3": 0.0, "tank_capacity_m3": 0.0, "initial_tank_m3": 0.0,
                   "tankers": 0.0, "tanker_capacity_m3": math.nan}),
    "stations": (["id", "lat", "lon", "fill_capacity_cyl_day"],
                 {"fill_cost_per_cyl": 0.0, **_FILLING_POINT}),
    "candidates": (["id", "lat", "lon", "capacity_m3_day", "fixed_cost"],
                   {"cost_per_m3": 0.0, "fill_capacity_cyl_day": INF, **_FILLING_POINT}),
    "routes": (["origin", "destination"], {"distance_km": math.nan, "cost_per_unit": math.nan}),
    "availability": (["facility", "day", "capacity_factor"], {}),
}
TEXT_COLUMNS = {"id", "hospital", "origin", "destination", "facility", "region"}


@dataclass
class ReferenceResult:
    """What the reference model found.

    ``status`` is ``"optimal"``, ``"infeasible"`` or ``"other"`` (scipy's message is in
    ``message``); the other fields are ``None``/empty unless optimal. ``unmet`` is the
    (hospital x day) array of the unmet variables (m³), ``net_demand`` the (hospital x day)
    net demand. ``stages`` has ``weighted_unmet_m3`` and ``cost`` for the lexicographic
    objective.
    """

    status: str
    objective: float | None = None
    total_unmet: float | None = None
    opened: list[str] = field(default_factory=list)
    unmet: np.ndarray | None = None
    net_demand: np.ndarray | None = None
    message: str = ""
    stages: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- reading
def read_folder(folder: str | Path) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Read a scenario folder into tables with every default applied, and the model keys.

    A missing CSV is a table without rows; an empty cell takes the column default. An
    unknown ``[model]`` key raises ``ValueError`` (docs/input.md: a typo is never ignored).
    """
    folder = Path(folder)
    tables = {}
    for name, (required, optional) in TABLES.items():
        path = folder / f"{name}.csv"
        if path.is_file():
            frame = pd.read_csv(path, dtype={c: str for c in TEXT_COLUMNS})
        else:
            frame = pd.DataFrame({c: [] for c in required})
        for column in required:
            if column in TEXT_COLUMNS:
                frame[column] = frame[column].astype(str)
            else:
                frame[column] = frame[column].astype(float)
        for column, default in optional.items():
            if column not in frame:
                frame[column] = default
            frame[column] = frame[column].astype(float).fillna(default)
        tables[name] = frame
    hospitals = tables["hospitals"]
    hospitals["region"] = (hospitals["region"].fillna("").astype(str).str.strip()
                           if "region" in hospitals else "")

    model = dict(MODEL_DEFAULTS)
    toml = folder / "scenario.toml"
    if toml.is_file():
        given = tomllib.loads(toml.read_text(encoding="utf-8")).get("model", {})
        unknown = set(given) - set(MODEL_DEFAULTS)
        if unknown:
            raise ValueError(f"unknown [model] keys {sorted(unknown)}")
        model.update(given)
    return tables, model


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (Earth radius 6371.0088 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


def net_demand(tables: dict[str, pd.DataFrame], model: dict[str, Any]) -> np.ndarray:
    """``d[h, t] = max(0, demand_multiplier * demand[h, t] - onsite[h])`` as an array.

    ``demand[h, t]`` is ``demand_m3_day`` every day, unless demand.csv has rows: then it
    is the demand.csv value, 0 for a (hospital, day) it does not list.
    """
    hospitals, demand = tables["hospitals"], tables["demand"]
    days = int(model["horizon_days"])
    position = {hid: i for i, hid in enumerate(hospitals["id"])}
    gross = np.zeros((len(hospitals), days))
    if len(demand):
        for row in demand.itertuples():
            if int(row.day) < days:
                gross[position[row.hospital], int(row.day)] = row.demand_m3
    else:
        for i, value in enumerate(hospitals["demand_m3_day"]):
            gross[i, :] = value
    onsite = hospitals["onsite_m3_day"].to_numpy()[:, None]
    return np.maximum(0.0, model["demand_multiplier"] * gross - onsite)


def arcs(origins: pd.DataFrame, dests: pd.DataFrame, routes: pd.DataFrame,
         model: dict[str, Any], rate_per_km: float,
         max_km: float | None) -> dict[tuple[str, str], tuple[float, float]]:
    """Arcs origin -> destination as ``{(origin, dest): (km, transport cost per unit)}``.

    Computed arcs (skipped with ``routes_only``) are every pair whose road km is within
    ``max_km``; each routes.csv row between these origins and destinations then adds or
    replaces its arc, whatever ``max_km`` says.
    """
    result = {}
    if not model["routes_only"]:
        for o in origins.itertuples():
            for d in dests.itertuples():
                km = model["circuity"] * haversine_km(o.lat, o.lon, d.lat, d.lon)
                if max_km is None or km <= max_km:
                    result[(o.id, d.id)] = (km, rate_per_km * km)
    where_o = {o.id: o for o in origins.itertuples()}
    where_d = {d.id: d for d in dests.itertuples()}
    for r in routes.itertuples():
        if r.origin in where_o and r.destination in where_d:
            o, d = where_o[r.origin], where_d[r.destination]
            km = r.distance_km
            if math.isnan(km):
                km = model["circuity"] * haversine_km(o.lat, o.lon, d.lat, d.lon)
            cost = r.cost_per_unit if not math.isnan(r.cost_per_unit) else rate_per_km * km
            result[(r.origin, r.destination)] = (km, cost)
    return result


# --------------------------------------------------------------------------- model
class _Problem:
    """Columns with cost, bounds and integrality; rows ``lo <= sum(coef * x) <= hi``."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.upper: list[float] = []
        self.integer: list[int] = []
        self.rows: list[tuple[dict[int, float], float, float]] = []

    def variable(self, cost: float, upper: float = math.inf, integer: bool = False) -> int:
        self.cost.append(cost)
        self.upper.append(upper)
        self.integer.append(int(integer))
        return len(self.cost) - 1

    def constraint(self, terms: dict[int, float], lo: float, hi: float) -> None:
        self.rows.append((terms, lo, hi))

    def solve(self, mip_rel_gap: float, cost: list[float] | None = None) -> Any:
        if not self.cost:  # no variable: feasible when every row holds at 0
            ok = all(lo <= 0 <= hi for _, lo, hi in self.rows)
            return SimpleNamespace(status=0 if ok else 2, fun=0.0, x=np.zeros(0),
                                   message="no variables")
        r, c, v = [], [], []
        for i, (terms, _, _) in enumerate(self.rows):
            for j, coef in terms.items():
                r.append(i)
                c.append(j)
                v.append(coef)
        constraints = []
        if self.rows:
            matrix = coo_array((v, (r, c)), shape=(len(self.rows), len(self.cost)))
            constraints.append(LinearConstraint(matrix.tocsr(),
                                                [lo for _, lo, _ in self.rows],
                                                [hi for _, _, hi in self.rows]))
        return milp(np.array(self.cost if cost is None else cost),
                    integrality=np.array(self.integer),
                    bounds=Bounds(np.zeros(len(self.cost)), np.array(self.upper)),
                    constraints=constraints, options={"mip_rel_gap": mip_rel_gap})


def availability(tables: dict[str, pd.DataFrame], days: int) -> dict[tuple[str, int], float]:
    """``{(facility, day): capacity_factor}``; a facility-day not listed is 1 (use ``.get``).
    Rows for days at or beyond the horizon are ignored."""
    return {(r.facility, int(r.day)): float(r.capacity_factor)
            for r in tables["availability"].itertuples() if int(r.day) < days}


def _ceil(x: float) -> float:
    return float(math.ceil(x - 1e-9))


def _floor(x: float) -> float:
    return float(math.floor(x + 1e-9)) if math.isfinite(x) else x


def solve_tables(tables: dict[str, pd.DataFrame], model: dict[str, Any], *,
                 mip_rel_gap: float = 1e-9) -> ReferenceResult:
    """Build and solve the model of docs/model.md, with every extension the tables and
    keys switch on, for tables read by :func:`read_folder`."""
    H, P, S, C = (tables[k] for k in ("hospitals", "producers", "stations", "candidates"))
    routes = tables["routes"]
    n_days = int(model["horizon_days"])
    days = range(n_days)
    cyl_m3 = float(model["cylinder_m3"])
    penalty = float(model["unmet_penalty_per_m3"])
    d = net_demand(tables, model)
    a = availability(tables, n_days)

    fillers = pd.concat([S[["id", "lat", "lon"]], C[["id", "lat", "lon"]]])
    cylinder_arcs = arcs(fillers, H, routes, model, model["cost_per_cylinder_km"],
                         model["max_delivery_km"])
    bulk_arcs = arcs(P, S, routes, model, model["bulk_cost_per_m3_km"], None)
    station = {s.id: s for s in S.itertuples()}
    candidate = {c.id: c for c in C.itertuples()}
    filler = {**station, **candidate}
    producer = {p.id: p for p in P.itertuples()}
    hospital = {h.id: h for h in H.itertuples()}
    row_of = {h.id: i for i, h in enumerate(H.itertuples())}

    # extension switches (docs/model.md: each is "off unless ...")
    stocked = [h.id for h in H.itertuples() if h.stock_capacity_m3 > 0]
    tank_producers = {p.id for p in P.itertuples() if p.tank_capacity_m3 > 0}
    tanker_producers = [p.id for p in P.itertuples() if p.tankers > 0]
    lox_hospitals = [h.id for h in H.itertuples() if h.lox_tank_m3 > 0]
    if not tanker_producers or not lox_hospitals:
        tanker_producers, lox_hospitals = [], []

    def factor(facility: str, t: int) -> float:
        return a.get((facility, t), 1.0)

    def kappa(f: str, t: int) -> float:
        """Filling point f's capacity in cylinders on day t (item 2 of "What o2opt builds",
        availability factor included)."""
        if f in station:
            return factor(f, t) * station[f].fill_capacity_cyl_day
        c = candidate[f]
        return factor(f, t) * min(c.capacity_m3_day / cyl_m3, c.fill_capacity_cyl_day)

    def n_bar(f: str, h: str, t: int) -> float:
        """The flow cap of item 2 (with hospital stock: demand plus stock capacity)."""
        cover = d[row_of[h], t] + (hospital[h].stock_capacity_m3 if h in stocked else 0.0)
        if model["integer_cylinders"]:
            return min(_ceil(cover / cyl_m3), _floor(kappa(f, t)))
        return min(cover / cyl_m3, kappa(f, t))

    lp = _Problem()
    # y[c]: open candidate c (binary)
    y = {c.id: lp.variable(c.fixed_cost, upper=1.0, integer=True) for c in C.itertuples()}
    # n[f,h,t] cylinders on every arc and day, q[p,s,t] bulk m3 on every bulk arc and day
    n: dict[tuple[str, str, int], int] = {}
    into_hospital = defaultdict(list)  # (h, t) -> cylinder variables delivered to h
    out_of_filler = defaultdict(list)  # (f, t) -> cylinder variables filled at f
    into_station = defaultdict(list)  # (s, t) -> bulk variables into s
    shipped = defaultdict(list)  # (p, t) -> m3 variables leaving p (bulk and tanker loads)
    for t in days:
        for (f, h), (_, transport) in cylinder_arcs.items():
            if f in station:
                cost = transport + station[f].fill_cost_per_cyl
            else:
                cost = transport + cyl_m3 * candidate[f].cost_per_m3
            j = lp.variable(cost, integer=bool(model["integer_cylinders"]))
            n[f, h, t] = j
            into_hospital[h, t].append(j)
            out_of_filler[f, t].append(j)
        for (p, s), (_, transport) in bulk_arcs.items():
            j = lp.variable(transport + producer[p].cost_per_m3)
            into_station[s, t].append(j)
            shipped[p, t].append(j)

    # u[h,t] unmet m3: unbounded in the canonical model (o2opt's bound u <= d does not
    # change the optimum); equity: at most (1 - share) d; a stocked hospital has u only on
    # days with demand, at most d (storage extension)
    u: dict[tuple[str, int], int] = {}
    if model["allow_unmet"]:
        for t in days:
            for i, hosp in enumerate(H.itertuples()):
                upper = INF
                share = model["min_service_share"] if math.isnan(hosp.min_service_share) \
                    else hosp.min_service_share
                if share > 0:
                    upper = (1 - share) * d[i, t]
                if hosp.id in stocked:
                    if d[i, t] <= 0:
                        continue
                    upper = min(upper, d[i, t])
                u[hosp.id, t] = lp.variable(penalty * hosp.priority, upper)

    # demand rows as [terms, lower bound], so that the extensions can add their terms
    demand = {(h, t): [dict.fromkeys(into_hospital[h, t], cyl_m3), d[row_of[h], t]]
              for t in days for h in H["id"]}
    for (h, t), j in u.items():
        demand[h, t][0][j] = 1.0

    # storage: hospital stock s[h,t] in [0, capacity]; safety shortfall e[h,t] priced like
    # unmet demand, with s + e >= safety stock
    for h in stocked:
        hosp = hospital[h]
        s_var = [lp.variable(0.0, upper=hosp.stock_capacity_m3) for _ in days]
        for t in days:
            demand[h, t][0][s_var[t]] = -1.0
            if t == 0:
                demand[h, t][1] -= hosp.initial_stock_m3  # s[h,-1] = initial stock
            else:
                demand[h, t][0][s_var[t - 1]] = 1.0
            if hosp.safety_stock_m3 > 0:
                e = lp.variable(penalty * hosp.priority)
                lp.constraint({s_var[t]: 1.0, e: 1.0}, hosp.safety_stock_m3, INF)

    # tankers: loads b[p,h,t] (m3 gas), tank content l[h,t], vaporised gas v[h,t]
    tanker_time = defaultdict(dict)  # (p, t) -> {b: days one m3 keeps a tanker busy}
    for h in lox_hospitals:
        hosp = hospital[h]
        lox = [lp.variable(0.0, upper=hosp.lox_tank_m3) for _ in days]
        vap = [lp.variable(0.0, upper=hosp.vaporiser_m3_day) for _ in days]
        for t in days:
            demand[h, t][0][vap[t]] = 1.0
            # l[h,t] <= l[h,t-1] + sum_p b[p,h,t] - v[h,t], l[h,-1] = initial
            balance = {lox[t]: 1.0, vap[t]: 1.0}
            if t > 0:
                balance[lox[t - 1]] = -1.0
            for p in tanker_producers:
                prod = producer[p]
                km = model["circuity"] * haversine_km(prod.lat, prod.lon, hosp.lat, hosp.lon)
                b = lp.variable(model["bulk_cost_per_m3_km"] * km + prod.cost_per_m3)
                balance[b] = -1.0
                shipped[p, t].append(b)
                tanker_time[p, t][b] = (2 * km / (model["truck_speed_km_h"]
                                                  * model["working_hours_day"])
                                        + model["tanker_unload_days"])
            lp.constraint(balance, -INF, hosp.initial_lox_m3 if t == 0 else 0.0)
    for p in tanker_producers:
        prod = producer[p]
        for t in days:  # sum_h tau b <= tankers x load
            lp.constraint(tanker_time[p, t], -INF, prod.tankers * prod.tanker_capacity_m3)

    for terms, lower in demand.values():
        # v sum_f n + u (+ stock drawn, + vaporised) >= d
        lp.constraint(terms, lower, INF)

    for t in days:
        for s in S.itertuples():
            out = out_of_filler[s.id, t]
            # station fill: sum_h n[s,h,t] <= a K_s
            lp.constraint(dict.fromkeys(out, 1.0), -INF,
                          factor(s.id, t) * s.fill_capacity_cyl_day)
            # station supply: cylinder_m3 * sum_h n[s,h,t] - sum_p q[p,s,t] <= 0
            terms = dict.fromkeys(out, cyl_m3)
            terms.update(dict.fromkeys(into_station[s.id, t], -1.0))
            lp.constraint(terms, -INF, 0.0)
        for c in C.itertuples():
            out = out_of_filler[c.id, t]
            # candidate: cylinder_m3 * sum_h n[c,h,t] - a capacity * y[c] <= 0
            terms = dict.fromkeys(out, cyl_m3)
            terms[y[c.id]] = -factor(c.id, t) * c.capacity_m3_day
            lp.constraint(terms, -INF, 0.0)
            if math.isfinite(c.fill_capacity_cyl_day):
                terms = dict.fromkeys(out, 1.0)
                terms[y[c.id]] = -factor(c.id, t) * c.fill_capacity_cyl_day
                lp.constraint(terms, -INF, 0.0)

    # producers: sum q (+ tanker loads) <= a Q, or through the tank when it has one
    for p in P.itertuples():
        if p.id in tank_producers:
            tank = [lp.variable(0.0, upper=p.tank_capacity_m3) for _ in days]
            for t in days:
                made = lp.variable(0.0, upper=factor(p.id, t) * p.capacity_m3_day)
                # shipped - g_t - i_{t-1} + i_t <= 0, i_{-1} = initial tank
                terms = dict.fromkeys(shipped[p.id, t], 1.0)
                terms[made] = -1.0
                terms[tank[t]] = 1.0
                if t > 0:
                    terms[tank[t - 1]] = -1.0
                lp.constraint(terms, -INF, p.initial_tank_m3 if t == 0 else 0.0)
        else:
            for t in days:
                lp.constraint(dict.fromkeys(shipped[p.id, t], 1.0), -INF,
                              factor(p.id, t) * p.capacity_m3_day)

    if model["budget"] is not None and len(C):
        lp.constraint({y[c.id]: c.fixed_cost for c in C.itertuples()}, -INF, model["budget"])
    if model["max_new_sites"] is not None and len(C):
        lp.constraint(dict.fromkeys(y.values(), 1.0), -INF, model["max_new_sites"])

    # single sourcing: z[f,h] binary per arc; n <= n_bar z; sum_f z <= 1; z[c,h] <= y[c]
    if model["single_source"]:
        z = {arc: lp.variable(0.0, upper=1.0, integer=True) for arc in cylinder_arcs}
        for (f, h), j in z.items():
            for t in days:
                lp.constraint({n[f, h, t]: 1.0, j: -n_bar(f, h, t)}, -INF, 0.0)
            if f in candidate:
                lp.constraint({j: 1.0, y[f]: -1.0}, -INF, 0.0)
        for h in H["id"]:
            lp.constraint({j: 1.0 for (f, hh), j in z.items() if hh == h}, -INF, 1.0)

    # fleet: cylinders away (turnaround weights, cyclic) plus those lost so far <= fleet
    for f, point in filler.items():
        if not math.isfinite(point.fleet_cylinders):
            continue
        for t in days:
            terms: dict[int, float] = defaultdict(float)
            for (ff, h), (km, _) in cylinder_arcs.items():
                if ff != f:
                    continue
                tau = (2 * km / (model["truck_speed_km_h"] * model["working_hours_day"])
                       + model["hospital_dwell_days"])
                for k in range(math.ceil(tau)):
                    terms[n[f, h, (t - k) % n_days]] += min(1.0, tau - k)
                for earlier in range(t):
                    terms[n[f, h, earlier]] += model["cylinder_loss_rate"]
            lp.constraint(dict(terms), -INF, point.fleet_cylinders)

    # trucks: trips k[f,h,t] carry the cylinders; a day's trips are limited
    for f, point in filler.items():
        if not math.isfinite(point.trucks):
            continue
        for t in days:
            trips = {}
            for (ff, h), (km, _) in cylinder_arcs.items():
                if ff != f:
                    continue
                k = lp.variable(model["cost_per_truck_km"] * 2 * km,
                                integer=bool(model["integer_trucks"]))
                trips[k] = 1.0
                load = point.truck_capacity_cyl if point.trucks > 0 else 0.0
                lp.constraint({n[f, h, t]: 1.0, k: -load}, -INF, 0.0)
            lp.constraint(trips, -INF, point.trucks * point.truck_trips_day)

    # equity: per region and day, sum u <= (1 - share) sum d
    share = model["region_min_service_share"]
    if share > 0 and u:
        for region, members in H.groupby("region"):
            if region == "":
                continue
            for t in days:
                terms = {u[h, t]: 1.0 for h in members["id"] if (h, t) in u}
                total = sum(d[row_of[h], t] for h in members["id"])
                lp.constraint(terms, -INF, (1 - share) * total)

    stages: dict[str, float] = {}
    if model["objective"] == "lexicographic":
        weights = [0.0] * len(lp.cost)
        for (h, _), j in u.items():
            weights[j] = hospital[h].priority
        first = lp.solve(mip_rel_gap, cost=weights)
        if first.status == 0:
            best = float(first.fun)
            stages["weighted_unmet_m3"] = best
            lp.constraint({j: w for j, w in enumerate(weights) if w}, -INF,
                          best + 1e-7 * max(1.0, best))

    res = lp.solve(mip_rel_gap)
    if res.status == 2:
        return ReferenceResult("infeasible", net_demand=d, message=res.message)
    if res.status != 0:
        return ReferenceResult("other", net_demand=d, message=res.message)
    x = res.x
    unmet = np.array([[x[u[h, t]] if (h, t) in u else 0.0 for t in days] for h in H["id"]])
    unmet = unmet.reshape(len(H), n_days)
    opened = [c for c, j in y.items() if x[j] > 0.5]
    if stages:
        stages["cost"] = float(res.fun)
    return ReferenceResult("optimal", objective=float(res.fun), total_unmet=float(unmet.sum()),
                           opened=opened, unmet=unmet, net_demand=d, message=res.message,
                           stages=stages)


def solve_folder(folder: str | Path, *, mip_rel_gap: float = 1e-9) -> ReferenceResult:
    """Read the scenario folder and solve its canonical model.

    Parameters
    ----------
    folder : str or Path
        A scenario folder as docs/input.md describes it.
    mip_rel_gap : float, default 1e-9
        Relative MIP gap HiGHS stops at (the default is tight enough for cross-checks at
        1e-6 relative).

    Returns
    -------
    ReferenceResult
    """
    tables, model = read_folder(folder)
    return solve_tables(tables, model, mip_rel_gap=mip_rel_gap)
