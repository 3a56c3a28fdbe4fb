"""Independent baselines: hand-built sparse models handed to HiGHS (highspy) in one piece.

Nothing here imports o2opt. Two baselines, each what a competent modeller would write by
hand with numpy/scipy and highspy:

* :func:`read_scenario` + :func:`build_canonical` + :func:`solve_highs`: docs/model.md's canonical
  model, read from a scenario folder with pandas and :mod:`tomllib`, arcs computed with the
  haversine formula (R = 6371.0088 km) times ``circuity``, pruned at ``max_delivery_km``
  (computed arcs only), ``routes.csv`` rows replacing or adding arcs (``routes_only``: only
  those), the rows of docs/model.md written term by term as one :class:`scipy.sparse.csc_matrix`,
  and solved monolithically (no decomposition). The only pruning is the natural one: ``n`` and
  ``u`` variables and demand rows only for hospital-days with positive net demand.
* :func:`strong_cflp`: the strong formulation of a capacitated facility location instance
  (OR-Library layout): ``min Σ c_ij x_ij + Σ f_i y_i`` with ``Σ_i x_ij = 1``,
  ``Σ_j d_j x_ij ≤ s_i y_i``, ``x_ij ≤ y_i``, ``0 ≤ x ≤ 1``, ``y`` binary.

Command line (one child process per run, as the benchmarks use it)::

    python benchmarks/baseline.py FOLDER [--json OUT.json]        # canonical model
    python benchmarks/baseline.py --orlib capb --capacity 5000 [--time-limit S] [--json ...]

(``--verbose`` prints the HiGHS log.)

The JSON holds ``status``, ``objective``, ``mip_gap``, ``seconds`` (``read``, ``build``,
``solve``), ``variables``, ``constraints`` and ``nonzeros``.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

EARTH_RADIUS_KM = 6371.0088

#: ``[model]`` defaults of docs/input.md.
DEFAULTS: dict[str, Any] = {
    "horizon_days": 1, "cylinder_m3": 6.8, "cost_per_cylinder_km": 0.05,
    "bulk_cost_per_m3_km": 0.002, "unmet_penalty_per_m3": 1000.0, "allow_unmet": True,
    "demand_multiplier": 1.0, "circuity": 1.3, "max_delivery_km": None, "budget": None,
    "max_new_sites": None, "integer_cylinders": False, "routes_only": False,
    "solver": "highs", "time_limit_s": None, "mip_gap": None, "threads": None,
}

#: Optional columns and their defaults (docs/input.md).
OPTIONAL = {
    "hospitals": {"onsite_m3_day": 0.0, "priority": 1.0},
    "producers": {"cost_per_m3": 0.0},
    "stations": {"fill_cost_per_cyl": 0.0},
    "candidates": {"cost_per_m3": 0.0, "fill_capacity_cyl_day": math.inf},
    "routes": {"distance_km": math.nan, "cost_per_unit": math.nan},
}
REQUIRED = {
    "hospitals": ["id", "lat", "lon", "demand_m3_day"],
    "demand": ["hospital", "day", "demand_m3"],
    "producers": ["id", "lat", "lon", "capacity_m3_day"],
    "stations": ["id", "lat", "lon", "fill_capacity_cyl_day"],
    "candidates": ["id", "lat", "lon", "capacity_m3_day", "fixed_cost"],
    "routes": ["origin", "destination"],
}
_STR_COLUMNS = {"id": str, "hospital": str, "origin": str, "destination": str}


# --------------------------------------------------------------------------- reading
@dataclass
class Scenario:
    """The tables of a scenario folder (missing tables have no rows) and its model keys."""

    tables: dict[str, pd.DataFrame]
    model: dict[str, Any]


def read_scenario(folder: str | Path) -> Scenario:
    """Read a scenario folder with pandas and tomllib (no validation: inputs are trusted)."""
    folder = Path(folder)
    tables = {}
    for name, required in REQUIRED.items():
        file = folder / f"{name}.csv"
        if file.exists():
            frame = pd.read_csv(file, dtype=_STR_COLUMNS, skipinitialspace=True)
        else:
            frame = pd.DataFrame({c: pd.Series(dtype=str if c in _STR_COLUMNS else float)
                                  for c in required})
        for column, default in OPTIONAL.get(name, {}).items():
            if column not in frame.columns:
                frame[column] = default
            else:
                frame[column] = frame[column].astype(float).fillna(default)
        tables[name] = frame
    model = dict(DEFAULTS)
    toml = folder / "scenario.toml"
    if toml.exists():
        given = tomllib.loads(toml.read_text(encoding="utf-8")).get("model", {})
        unknown = set(given) - set(DEFAULTS)
        if unknown:
            raise ValueError(f"unknown [model] keys {sorted(unknown)}")
        model.update(given)
    return Scenario(tables, model)


def net_demand(sc: Scenario) -> np.ndarray:
    """``d[h, t] = max(0, demand_multiplier · demand[h, t] − onsite[h])`` as (H, D)."""
    h = sc.tables["hospitals"]
    n_days = int(sc.model["horizon_days"])
    dem = sc.tables["demand"]
    if len(dem):
        gross = np.zeros((len(h), n_days))
        pos = pd.Index(h["id"]).get_indexer(dem["hospital"])
        day = dem["day"].to_numpy(np.int64)
        keep = (day < n_days) & (pos >= 0)
        gross[pos[keep], day[keep]] = dem["demand_m3"].to_numpy(float)[keep]
    else:
        gross = np.repeat(h["demand_m3_day"].to_numpy(float)[:, None], n_days, axis=1)
    onsite = h["onsite_m3_day"].to_numpy(float)[:, None]
    return np.maximum(0.0, float(sc.model["demand_multiplier"]) * gross - onsite)


# --------------------------------------------------------------------------- arcs
def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                 lon2: np.ndarray) -> np.ndarray:
    """Great-circle km between points in degrees (broadcasts)."""
    p1, l1, p2, l2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin((l2 - l1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    p, lam = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(p) * np.cos(lam), np.cos(p) * np.sin(lam), np.sin(p)])


def pairs_within(a: pd.DataFrame, b: pd.DataFrame, circuity: float,
                 max_km: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions ``(i, j)`` and road km of every a × b pair with km ≤ ``max_km`` (all pairs
    when ``None``). With a limit, a KD-tree on unit vectors finds the candidate pairs (chord
    radius slightly enlarged) and the exact haversine test decides."""
    lat_a, lon_a = a["lat"].to_numpy(float), a["lon"].to_numpy(float)
    lat_b, lon_b = b["lat"].to_numpy(float), b["lon"].to_numpy(float)
    if len(a) == 0 or len(b) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    if max_km is None:
        i, j = np.divmod(np.arange(len(a) * len(b)), len(b))
    else:
        from scipy.spatial import cKDTree

        angle = min(math.pi, max_km / circuity / EARTH_RADIUS_KM)
        chord = 2 * math.sin(angle / 2) * (1 + 1e-9) + 1e-12
        ta, tb = cKDTree(_unit_vectors(lat_a, lon_a)), cKDTree(_unit_vectors(lat_b, lon_b))
        near = ta.sparse_distance_matrix(tb, chord, output_type="ndarray")  # keeps 0 distances
        i, j = near["i"].astype(np.int64), near["j"].astype(np.int64)
    km = circuity * haversine_km(lat_a[i], lon_a[i], lat_b[j], lon_b[j])
    if max_km is not None:
        keep = km <= max_km
        i, j, km = i[keep], j[keep], km[keep]
    return i, j, km


def arcs(sc: Scenario, origins: pd.DataFrame, dests: pd.DataFrame, rate: float,
         max_km: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arcs origin → destination: ``(i, j, transport cost per unit)``, routes.csv applied."""
    m, routes = sc.model, sc.tables["routes"]
    circuity = float(m["circuity"])
    if m["routes_only"]:
        i = j = np.empty(0, np.int64)
        km = np.empty(0)
    else:
        i, j, km = pairs_within(origins, dests, circuity, max_km)
    cost = rate * km
    ri = pd.Index(origins["id"]).get_indexer(routes["origin"])
    rj = pd.Index(dests["id"]).get_indexer(routes["destination"])
    mine = (ri >= 0) & (rj >= 0)
    if mine.any():
        ri, rj = ri[mine], rj[mine]
        given_km = routes["distance_km"].to_numpy(float)[mine]
        rkm = np.where(np.isnan(given_km), circuity * haversine_km(
            origins["lat"].to_numpy(float)[ri], origins["lon"].to_numpy(float)[ri],
            dests["lat"].to_numpy(float)[rj], dests["lon"].to_numpy(float)[rj]), given_km)
        given_cost = routes["cost_per_unit"].to_numpy(float)[mine]
        rcost = np.where(np.isnan(given_cost), rate * rkm, given_cost)
        listed = np.isin(i * len(dests) + j, ri * len(dests) + rj)
        i = np.concatenate([i[~listed], ri])
        j = np.concatenate([j[~listed], rj])
        cost = np.concatenate([cost[~listed], rcost])
    return i.astype(np.int64), j.astype(np.int64), cost


# --------------------------------------------------------------------------- model
@dataclass
class Model:
    """``min c x`` s.t. ``row_lower ≤ A x ≤ row_upper``, ``lower ≤ x ≤ upper``."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    matrix: sp.csc_matrix
    row_lower: np.ndarray
    row_upper: np.ndarray
    integer: np.ndarray

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())


def build_canonical(sc: Scenario) -> Model:
    """The canonical model of docs/model.md, term by term, as one sparse matrix."""
    m = sc.model
    hosp, prod = sc.tables["hospitals"], sc.tables["producers"]
    st, cand = sc.tables["stations"], sc.tables["candidates"]
    n_days, v = int(m["horizon_days"]), float(m["cylinder_m3"])
    n_s, n_c, n_p = len(st), len(cand), len(prod)
    d = net_demand(sc)
    max_km = None if m["max_delivery_km"] is None else float(m["max_delivery_km"])
    fillers = pd.concat([st[["id", "lat", "lon"]], cand[["id", "lat", "lon"]]],
                        ignore_index=True)
    af, ah, a_cost = arcs(sc, fillers, hosp, float(m["cost_per_cylinder_km"]), max_km)
    bp, bs, b_cost = arcs(sc, prod, st, float(m["bulk_cost_per_m3_km"]), None)

    # columns: n (arc, day) where d[h, t] > 0, day-major; q (bulk arc, day); u; y
    f_extra = np.concatenate([st["fill_cost_per_cyl"].to_numpy(float),
                              v * cand["cost_per_m3"].to_numpy(float)])
    arc_of, n_t = [], []
    for t in range(n_days):
        a = np.flatnonzero(d[ah, t] > 0)
        arc_of.append(a)
        n_t.append(np.full(len(a), t))
    n_arc, n_t = np.concatenate(arc_of), np.concatenate(n_t)
    n_f, n_h = af[n_arc], ah[n_arc]
    n_n = len(n_arc)
    q_arc = np.tile(np.arange(len(bp)), n_days)
    q_t = np.repeat(np.arange(n_days), len(bp))
    n_q = len(q_arc)
    u_h, u_t = (np.nonzero(d.T > 0)[::-1] if m["allow_unmet"]
                else (np.empty(0, np.int64), np.empty(0, np.int64)))
    n_u = len(u_h)
    q0, u0, y0 = n_n, n_n + n_q, n_n + n_q + n_u
    n_col = y0 + n_c
    priority = hosp["priority"].to_numpy(float)
    cost = np.concatenate([a_cost[n_arc] + f_extra[n_f],
                           b_cost[q_arc] + prod["cost_per_m3"].to_numpy(float)[bp[q_arc]],
                           float(m["unmet_penalty_per_m3"]) * priority[u_h],
                           cand["fixed_cost"].to_numpy(float)])
    n_col_idx = np.arange(n_n)
    q_col_idx = q0 + np.arange(n_q)

    # rows, as coordinate triplets
    rows, cols, vals, lo, hi = [], [], [], [], []
    count = 0

    def add(n_rows: int, lower: Any, upper: Any, *entries: tuple[Any, Any, Any]) -> None:
        nonlocal count
        for r, c, val in entries:
            rows.append(np.asarray(r, np.int64) + count)
            cols.append(np.asarray(c, np.int64))
            vals.append(np.broadcast_to(np.asarray(val, float), np.shape(r)))
        lo.append(np.broadcast_to(np.asarray(lower, float), (n_rows,)))
        hi.append(np.broadcast_to(np.asarray(upper, float), (n_rows,)))
        count += n_rows

    # demand: v Σ_f n[f,h,t] + u[h,t] ≥ d[h,t] for every (h, t) with d > 0
    dem_h, dem_t = np.nonzero(d > 0)
    dem_row = np.full(d.shape, -1, np.int64)
    dem_row[dem_h, dem_t] = np.arange(len(dem_h))
    add(len(dem_h), d[dem_h, dem_t], np.inf, (dem_row[n_h, n_t], n_col_idx, v),
        (dem_row[u_h, u_t], u0 + np.arange(n_u), 1.0))
    is_st = n_f < n_s
    # station fill: Σ_h n[s,h,t] ≤ K_s; station supply: v Σ_h n[s,h,t] − Σ_p q[p,s,t] ≤ 0
    st_row = n_f[is_st] * n_days + n_t[is_st]
    add(n_s * n_days, -np.inf, np.repeat(st["fill_capacity_cyl_day"].to_numpy(float), n_days),
        (st_row, n_col_idx[is_st], 1.0))
    add(n_s * n_days, -np.inf, 0.0, (st_row, n_col_idx[is_st], v),
        (bs[q_arc] * n_days + q_t, q_col_idx, -1.0))
    # producer: Σ_s q[p,s,t] ≤ Q_p
    add(n_p * n_days, -np.inf, np.repeat(prod["capacity_m3_day"].to_numpy(float), n_days),
        (bp[q_arc] * n_days + q_t, q_col_idx, 1.0))
    # candidates: v Σ_h n[c,h,t] ≤ Q_c y_c; Σ_h n[c,h,t] ≤ K_c y_c (K_c finite)
    if n_c:
        c_of = n_f[~is_st] - n_s
        c_row = c_of * n_days + n_t[~is_st]
        y_rep = y0 + np.repeat(np.arange(n_c), n_days)
        cap = cand["capacity_m3_day"].to_numpy(float)
        add(n_c * n_days, -np.inf, 0.0, (c_row, n_col_idx[~is_st], v),
            (np.arange(n_c * n_days), y_rep, -np.repeat(cap, n_days)))
        fill = cand["fill_capacity_cyl_day"].to_numpy(float)
        fin = np.isfinite(fill)
        fin_row = np.full(n_c, -1, np.int64)
        fin_row[fin] = np.arange(int(fin.sum()))
        sel = fin[c_of]
        local = fin_row[c_of[sel]] * n_days + n_t[~is_st][sel]
        add(int(fin.sum()) * n_days, -np.inf, 0.0, (local, n_col_idx[~is_st][sel], 1.0),
            (np.arange(int(fin.sum()) * n_days), y0 + np.repeat(np.flatnonzero(fin), n_days),
             -np.repeat(fill[fin], n_days)))
        if m["budget"] is not None:
            add(1, -np.inf, float(m["budget"]),
                (np.zeros(n_c), y0 + np.arange(n_c), cand["fixed_cost"].to_numpy(float)))
        if m["max_new_sites"] is not None:
            add(1, -np.inf, float(m["max_new_sites"]),
                (np.zeros(n_c), y0 + np.arange(n_c), 1.0))

    matrix = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                           shape=(count, n_col))
    upper = np.full(n_col, np.inf)
    upper[y0:] = 1.0
    integer = np.zeros(n_col, bool)
    integer[y0:] = True
    if m["integer_cylinders"]:
        integer[:n_n] = True
    return Model(cost, np.zeros(n_col), upper, matrix, np.concatenate(lo), np.concatenate(hi),
                 integer)


def strong_cflp(capacity: np.ndarray, fixed_cost: np.ndarray, demand: np.ndarray,
                cost: np.ndarray) -> Model:
    """Strong CFLP formulation; ``cost[i, j]`` serves all of customer ``j`` from ``i``.

    Columns ``x_ij`` (``i * n + j``, fraction of ``d_j`` served by ``i``) then ``y_i``.
    Customers with zero demand are dropped (they cost nothing).
    """
    keep = np.flatnonzero(demand > 0)
    d, c = demand[keep], cost[:, keep]
    m, n = c.shape
    nx = m * n
    i_of, j_of = np.divmod(np.arange(nx), n)
    x = np.arange(nx)
    rows = np.concatenate([j_of, n + i_of, n + m + x, n + np.arange(m), n + m + x])
    cols = np.concatenate([x, x, x, nx + np.arange(m), nx + i_of])
    vals = np.concatenate([np.ones(nx), d[j_of], np.ones(nx), -capacity, -np.ones(nx)])
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n + m + nx, nx + m))
    integer = np.zeros(nx + m, bool)
    integer[nx:] = True
    return Model(np.concatenate([c.ravel(), fixed_cost]), np.zeros(nx + m), np.ones(nx + m),
                 matrix, np.concatenate([np.ones(n), np.full(m + nx, -np.inf)]),
                 np.concatenate([np.ones(n), np.zeros(m + nx)]), integer)


# --------------------------------------------------------------------------- solving
def solve_highs(model: Model, *, time_limit_s: float | None = None, mip_gap: float = 1e-6,
                threads: int | None = None, options: dict[str, Any] | None = None,
                verbose: bool = False) -> dict[str, Any]:
    """Pass ``model`` to highspy in one call (CSC arrays) and solve it monolithically."""
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", verbose)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    a = model.matrix
    # the array overload: (num_col, num_row, num_nz, a_format (1 = colwise), sense (1 = min),
    # offset, costs, bounds, row bounds, CSC start/index/value, integrality)
    h.passModel(a.shape[1], a.shape[0], a.nnz, 1, 1, 0.0, model.cost, model.lower, model.upper,
                model.row_lower, model.row_upper, a.indptr.astype(np.int32),
                a.indices.astype(np.int32), a.data, model.integer.astype(np.int32))
    start = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - start
    info = h.getInfo()
    has_solution = info.primal_solution_status == 2
    return {
        "status": h.modelStatusToString(h.getModelStatus()),
        "objective": float(info.objective_function_value) if has_solution else None,
        "mip_gap": float(info.mip_gap) if model.is_mip and has_solution else None,
        "solve_s": seconds,
        "variables": int(a.shape[1]), "constraints": int(a.shape[0]), "nonzeros": int(a.nnz),
    }


# --------------------------------------------------------------------------- command line
def run_folder(folder: Path, time_limit_s: float | None, threads: int | None,
               verbose: bool = False) -> dict[str, Any]:
    t0 = time.perf_counter()
    sc = read_scenario(folder)
    t1 = time.perf_counter()
    model = build_canonical(sc)
    t2 = time.perf_counter()
    m = sc.model
    out = solve_highs(model, time_limit_s=time_limit_s or m["time_limit_s"],
                      mip_gap=m["mip_gap"] if m["mip_gap"] is not None else 1e-6,
                      threads=threads or m["threads"], verbose=verbose)
    out["seconds"] = {"read": t1 - t0, "build": t2 - t1, "solve": out.pop("solve_s")}
    return out


def run_orlib(name: str, capacity: float | None, time_limit_s: float | None,
              threads: int | None, verbose: bool = False) -> dict[str, Any]:
    root = Path(__file__).resolve().parents[1]
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from benchmarks.instances import orlib_path, read_orlib_cflp

    t0 = time.perf_counter()
    inst = read_orlib_cflp(orlib_path(name), capacity=capacity)
    t1 = time.perf_counter()
    model = strong_cflp(inst.capacity, inst.fixed_cost, inst.demand, inst.cost)
    t2 = time.perf_counter()
    out = solve_highs(model, time_limit_s=time_limit_s, threads=threads, verbose=verbose)
    out["seconds"] = {"read": t1 - t0, "build": t2 - t1, "solve": out.pop("solve_s")}
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, help="scenario folder")
    parser.add_argument("--orlib", help="OR-Library CFLP instance name (strong formulation)")
    parser.add_argument("--capacity", type=float, help="value of 'capacity' (capa/b/c)")
    parser.add_argument("--time-limit", type=float)
    parser.add_argument("--threads", type=int)
    parser.add_argument("--json", type=Path, help="write the result here")
    parser.add_argument("--verbose", action="store_true", help="print the HiGHS log")
    args = parser.parse_args(argv)
    if (args.folder is None) == (args.orlib is None):
        parser.error("give a scenario FOLDER or --orlib NAME")
    if args.orlib:
        out = run_orlib(args.orlib, args.capacity, args.time_limit, args.threads, args.verbose)
    else:
        out = run_folder(args.folder, args.time_limit, args.threads, args.verbose)
    text = json.dumps(out, indent=2)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0 if out["objective"] is not None else 1


if __name__ == "__main__":
    sys.exit(main())
