"""An independent, deliberately simple implementation of the canonical model (docs/model.md).

This is the yardstick the cross-check tests hold o2opt against. It shares no code with
o2opt: it reads a scenario folder with plain pandas and tomllib, applies the defaults of
docs/model.md itself, writes the model out variable by variable and constraint by constraint
(with the plain "weak" linking ``x <= capacity * y``), and solves it with
:func:`scipy.optimize.milp` (HiGHS). It is meant for small instances and for reading, not
for speed: the tables are walked with Python loops on purpose.

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
    "solver": None,
    "time_limit_s": None,
    "mip_gap": None,
    "threads": None,
}

#: Per table: required columns, and optional columns with their docs/input.md defaults.
TABLES: dict[str, tuple[list[str], dict[str, Any]]] = {
    "hospitals": (["id", "lat", "lon", "demand_m3_day"],
                  {"onsite_m3_day": 0.0, "priority": 1.0}),
    "demand": (["hospital", "day", "demand_m3"], {}),
    "producers": (["id", "lat", "lon", "capacity_m3_day"], {"cost_per_m3": 0.0}),
    "stations": (["id", "lat", "lon", "fill_capacity_cyl_day"], {"fill_cost_per_cyl": 0.0}),
    "candidates": (["id", "lat", "lon", "capacity_m3_day", "fixed_cost"],
                   {"cost_per_m3": 0.0, "fill_capacity_cyl_day": math.inf}),
    "routes": (["origin", "destination"], {"distance_km": math.nan, "cost_per_unit": math.nan}),
}
TEXT_COLUMNS = {"id", "hospital", "origin", "destination"}


@dataclass
class ReferenceResult:
    """What the reference model found.

    ``status`` is ``"optimal"``, ``"infeasible"`` or ``"other"`` (scipy's message is in
    ``message``); the other fields are ``None``/empty unless optimal. ``unmet`` is the
    (hospital x day) array of unmet m³, ``net_demand`` the (hospital x day) net demand.
    """

    status: str
    objective: float | None = None
    total_unmet: float | None = None
    opened: list[str] = field(default_factory=list)
    unmet: np.ndarray | None = None
    net_demand: np.ndarray | None = None
    message: str = ""


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

    def solve(self, mip_rel_gap: float) -> Any:
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
        return milp(np.array(self.cost), integrality=np.array(self.integer),
                    bounds=Bounds(np.zeros(len(self.cost)), np.array(self.upper)),
                    constraints=constraints, options={"mip_rel_gap": mip_rel_gap})


def solve_tables(tables: dict[str, pd.DataFrame], model: dict[str, Any], *,
                 mip_rel_gap: float = 1e-9) -> ReferenceResult:
    """Build and solve docs/model.md's canonical model for tables read by :func:`read_folder`."""
    H, P, S, C = (tables[k] for k in ("hospitals", "producers", "stations", "candidates"))
    routes = tables["routes"]
    days = range(int(model["horizon_days"]))
    cyl_m3 = float(model["cylinder_m3"])
    d = net_demand(tables, model)

    fillers = pd.concat([S[["id", "lat", "lon"]], C[["id", "lat", "lon"]]])
    cylinder_arcs = arcs(fillers, H, routes, model, model["cost_per_cylinder_km"],
                         model["max_delivery_km"])
    bulk_arcs = arcs(P, S, routes, model, model["bulk_cost_per_m3_km"], None)
    station = {s.id: s for s in S.itertuples()}
    candidate = {c.id: c for c in C.itertuples()}
    producer = {p.id: p for p in P.itertuples()}

    lp = _Problem()
    # y[c]: open candidate c (binary).
    y = {c.id: lp.variable(c.fixed_cost, upper=1.0, integer=True) for c in C.itertuples()}
    # Variables, and for each constraint the variables it sums over.
    into_hospital = defaultdict(list)  # (h, t) -> cylinder variables delivered to h
    out_of_filler = defaultdict(list)  # (f, t) -> cylinder variables filled at f
    into_station = defaultdict(list)  # (s, t) -> bulk variables into s
    out_of_producer = defaultdict(list)  # (p, t) -> bulk variables out of p
    u = {}  # (h, t) -> unmet m3 variable
    for t in days:
        for (f, h), (_, transport) in cylinder_arcs.items():
            if f in station:
                cost = transport + station[f].fill_cost_per_cyl
            else:
                cost = transport + cyl_m3 * candidate[f].cost_per_m3
            j = lp.variable(cost, integer=bool(model["integer_cylinders"]))  # n[f,h,t]
            into_hospital[h, t].append(j)
            out_of_filler[f, t].append(j)
        for (p, s), (_, transport) in bulk_arcs.items():
            j = lp.variable(transport + producer[p].cost_per_m3)  # q[p,s,t]
            into_station[s, t].append(j)
            out_of_producer[p, t].append(j)
        for hosp in H.itertuples():
            upper = math.inf if model["allow_unmet"] else 0.0
            u[hosp.id, t] = lp.variable(model["unmet_penalty_per_m3"] * hosp.priority, upper)

    for t in days:
        for i, hosp in enumerate(H.itertuples()):
            # demand: cylinder_m3 * sum_f n[f,h,t] + u[h,t] >= d[h,t]
            terms = dict.fromkeys(into_hospital[hosp.id, t], cyl_m3)
            terms[u[hosp.id, t]] = 1.0
            lp.constraint(terms, d[i, t], math.inf)
        for s in S.itertuples():
            out = out_of_filler[s.id, t]
            # station fill: sum_h n[s,h,t] <= fill_capacity_cyl_day[s]
            lp.constraint(dict.fromkeys(out, 1.0), -math.inf, s.fill_capacity_cyl_day)
            # station supply: cylinder_m3 * sum_h n[s,h,t] - sum_p q[p,s,t] <= 0
            terms = dict.fromkeys(out, cyl_m3)
            terms.update(dict.fromkeys(into_station[s.id, t], -1.0))
            lp.constraint(terms, -math.inf, 0.0)
        for p in P.itertuples():
            # producer: sum_s q[p,s,t] <= capacity_m3_day[p]
            lp.constraint(dict.fromkeys(out_of_producer[p.id, t], 1.0), -math.inf,
                          p.capacity_m3_day)
        for c in C.itertuples():
            out = out_of_filler[c.id, t]
            # candidate: cylinder_m3 * sum_h n[c,h,t] - capacity * y[c] <= 0
            terms = dict.fromkeys(out, cyl_m3)
            terms[y[c.id]] = -c.capacity_m3_day
            lp.constraint(terms, -math.inf, 0.0)
            if math.isfinite(c.fill_capacity_cyl_day):
                # candidate fill: sum_h n[c,h,t] - fill_capacity * y[c] <= 0
                terms = dict.fromkeys(out, 1.0)
                terms[y[c.id]] = -c.fill_capacity_cyl_day
                lp.constraint(terms, -math.inf, 0.0)
    if model["budget"] is not None and len(C):
        lp.constraint({y[c.id]: c.fixed_cost for c in C.itertuples()}, -math.inf,
                      model["budget"])
    if model["max_new_sites"] is not None and len(C):
        lp.constraint(dict.fromkeys(y.values(), 1.0), -math.inf, model["max_new_sites"])

    res = lp.solve(mip_rel_gap)
    if res.status == 2:
        return ReferenceResult("infeasible", net_demand=d, message=res.message)
    if res.status != 0:
        return ReferenceResult("other", net_demand=d, message=res.message)
    x = res.x
    unmet = np.array([[x[u[h, t]] for t in days] for h in H["id"]]).reshape(len(H), len(days))
    opened = [c for c, j in y.items() if x[j] > 0.5]
    return ReferenceResult("optimal", objective=float(res.fun), total_unmet=float(unmet.sum()),
                           opened=opened, unmet=unmet, net_demand=d, message=res.message)


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
