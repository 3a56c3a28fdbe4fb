"""Published optima: OR-Library capacitated warehouse location and transportation problems.

Part (a) checks the converters in ``benchmarks/instances.py`` without o2opt: the scenario
folders they write are read back with pandas and solved with :func:`scipy.optimize.milp` /
:func:`scipy.optimize.linprog` on a formulation written here, which must reproduce the published
optimum. Part (b) runs the same folders through o2opt (library and CLI) and compares.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import o2opt  # noqa: E402
from benchmarks.instances import (  # noqa: E402
    BENCHMARK_DIR,
    CFLP_SIZES,
    NotTransportationError,
    OrlibInstance,
    dantzig_to_folder,
    mincostflow_to_folder,
    orlib_instances,
    orlib_path,
    orlib_to_folder,
    published_optima,
    read_dantzig_trnsport,
    read_dimacs_min,
    read_dimacs_sol,
    read_orlib_cflp,
    transportation_obstacle,
)

MCF = BENCHMARK_DIR / "mincostflow"
OPTIMA = published_optima()
REL = 1e-4
E2E = ["cap41", "cap64", "cap71", "cap101", "cap124", "cap131"]
MAPPED = {"transport_2x3": 85.0, "transport_40x30": 42667.0}
NOT_MAPPED = ["pns_dimacs", "pns_figure", "netgen_8_08a", "networkx_netgen-2"]
DANTZIG_OPT = 153.675


def _read(folder: Path, table: str) -> pd.DataFrame:
    """Read a table back as o2opt would see it (ids as strings)."""
    return pd.read_csv(folder / f"{table}.csv",
                       dtype={"id": str, "origin": str, "destination": str})


def _convert(name: str, tmp_path: Path) -> Path:
    return orlib_to_folder(read_orlib_cflp(orlib_path(name)), tmp_path / name)


def scipy_cflp(folder: Path) -> float:
    """Solve a converted CFLP folder with scipy's HiGHS on the strong formulation.

    Variables ``n_k`` (m3 on route k = (i, j)) and ``y_i``; rows ``sum_i n_ij >= d_j``,
    ``sum_j n_ij <= s_i y_i`` and the strong linking ``n_ij <= d_j y_i``.
    """
    cand, hosp, routes = _read(folder, "candidates"), _read(folder, "hospitals"), \
        _read(folder, "routes")
    i = routes["origin"].map({w: k for k, w in enumerate(cand["id"])}).to_numpy()
    j = routes["destination"].map({c: k for k, c in enumerate(hosp["id"])}).to_numpy()
    nk, m, n = len(routes), len(cand), len(hosp)
    d = hosp["demand_m3_day"].to_numpy()
    k = np.arange(nk)
    cost = np.concatenate([routes["cost_per_unit"].to_numpy(), cand["fixed_cost"].to_numpy()])
    demand = sp.csr_matrix((np.ones(nk), (j, k)), shape=(n, nk + m))
    capacity = sp.hstack([sp.csr_matrix((np.ones(nk), (i, k)), shape=(m, nk)),
                          sp.diags(-cand["capacity_m3_day"].to_numpy())])
    strong = sp.hstack([sp.eye(nk), sp.csr_matrix((-d[j], (k, i)), shape=(nk, m))])
    res = milp(cost,
               constraints=[LinearConstraint(demand, d, np.inf),
                            LinearConstraint(capacity, -np.inf, 0),
                            LinearConstraint(strong, -np.inf, 0)],
               integrality=np.r_[np.zeros(nk), np.ones(m)],
               bounds=Bounds(0, np.r_[np.full(nk, np.inf), np.ones(m)]),
               options={"mip_rel_gap": 1e-9})
    assert res.status == 0, res.message
    return float(res.fun)


def scipy_transport(folder: Path) -> float:
    """Solve a converted transportation folder as the canonical LP, with scipy.

    Variables: bulk ``q`` on producer -> station routes, cylinders ``n`` on station ->
    hospital routes (``cylinder_m3`` from scenario.toml); rows: demand, station fill,
    station supply, producer capacity.
    """
    model = tomllib.loads((folder / "scenario.toml").read_text())["model"]
    cyl = model["cylinder_m3"]
    prod, stat, hosp = (_read(folder, t) for t in ("producers", "stations", "hospitals"))
    routes = _read(folder, "routes")
    bulk = routes[routes["origin"].isin(prod["id"])]
    arcs = routes[routes["origin"].isin(stat["id"])]
    assert len(bulk) + len(arcs) == len(routes)
    nb, na = len(bulk), len(arcs)
    p_of = bulk["origin"].map({v: k for k, v in enumerate(prod["id"])}).to_numpy()
    s_of_q = bulk["destination"].map({v: k for k, v in enumerate(stat["id"])}).to_numpy()
    s_of_n = arcs["origin"].map({v: k for k, v in enumerate(stat["id"])}).to_numpy()
    h_of = arcs["destination"].map({v: k for k, v in enumerate(hosp["id"])}).to_numpy()
    ns, nh, npr = len(stat), len(hosp), len(prod)
    qa, na_ = np.arange(nb), nb + np.arange(na)
    shape = (None, nb + na)
    rows = [  # (matrix, upper bound), all as A x <= b
        (sp.csr_matrix((-cyl * np.ones(na), (h_of, na_)), shape=(nh, shape[1])),
         -hosp["demand_m3_day"].to_numpy()),
        (sp.csr_matrix((np.ones(na), (s_of_n, na_)), shape=(ns, shape[1])),
         stat["fill_capacity_cyl_day"].to_numpy()),
        (sp.csr_matrix((np.r_[cyl * np.ones(na), -np.ones(nb)],
                        (np.r_[s_of_n, s_of_q], np.r_[na_, qa])), shape=(ns, shape[1])),
         np.zeros(ns)),
        (sp.csr_matrix((np.ones(nb), (p_of, qa)), shape=(npr, shape[1])),
         prod["capacity_m3_day"].to_numpy()),
    ]
    res = linprog(np.r_[bulk["cost_per_unit"].to_numpy(), arcs["cost_per_unit"].to_numpy()],
                  A_ub=sp.vstack([r[0] for r in rows]), b_ub=np.concatenate([r[1] for r in rows]),
                  bounds=(0, None), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


# =========================================================================== (a) converters
@pytest.mark.parametrize("name", [k[0] for k in orlib_instances()])
def test_orlib_sizes_and_total_demand(name: str) -> None:
    inst = read_orlib_cflp(orlib_path(name))
    number = int(name[3:-1])
    m = 16 if number <= 7 else 25 if number <= 10 else 50
    assert (inst.m, inst.n) == (m, 50)
    assert inst.cost.shape == (m, 50)
    assert inst.demand.sum() == 58268
    assert np.all(inst.cost >= 0) and np.all(inst.demand > 0)


def test_orlib_first_values_cap41() -> None:
    inst = read_orlib_cflp(orlib_path("cap41"))
    assert inst.capacity[0] == 5000 and inst.fixed_cost[0] == 7500 and inst.fixed_cost[10] == 0
    assert inst.demand[:2].tolist() == [146, 87]
    # customer 1's 16 costs wrap over three lines in the file
    assert inst.cost[0, 0] == 6739.725 and inst.cost[15, 0] == 6051.7
    assert inst.cost[0, 1] == 3204.8625


@pytest.mark.parametrize("name", sorted(CFLP_SIZES))
def test_orlib_large_needs_capacity(name: str) -> None:
    with pytest.raises(ValueError, match="capacity"):
        read_orlib_cflp(orlib_path(name))
    cap = CFLP_SIZES[name][1]
    inst = read_orlib_cflp(orlib_path(name), capacity=cap)
    assert (inst.m, inst.n) == (100, 1000)
    assert np.all(inst.capacity == cap)
    assert inst.key == (name, cap) and inst.key in OPTIMA


def test_orlib_layout_independent(tmp_path: Path) -> None:
    """Tokens, not lines, matter: one value per line and NUL padding parse the same."""
    text = orlib_path("cap41").read_text()
    (tmp_path / "cap41.txt").write_bytes(("\n".join(text.split()) + "\n").encode() + b"\0" * 9)
    a, b = read_orlib_cflp(orlib_path("cap41")), read_orlib_cflp(tmp_path / "cap41.txt")
    for field in ("capacity", "fixed_cost", "demand", "cost"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    (tmp_path / "short.txt").write_text(" ".join(text.split()[:-1]))
    with pytest.raises(ValueError, match="tokens"):
        read_orlib_cflp(tmp_path / "short.txt")


def test_published_optima() -> None:
    assert len(OPTIMA) == 37 + 12
    assert OPTIMA[("cap41", None)] == 1040444.375
    assert OPTIMA[("cap134", None)] == 928941.75
    assert OPTIMA[("capa", 8000)] == 19240822.449
    assert OPTIMA[("capc", 7250)] == 11505767.394
    for name, caps in CFLP_SIZES.items():
        assert {k[1] for k in OPTIMA if k[0] == name} == set(caps)
    # the PAAL copy agrees for the 37 small instances
    paal = (BENCHMARK_DIR / "orlib-cflp" / "capopt_paal.txt")
    if paal.exists():
        for line in paal.read_text().split("\n"):
            parts = line.split()
            if len(parts) == 2 and parts[0].startswith("cap"):
                assert OPTIMA[(parts[0].removesuffix(".txt"), None)] == float(parts[1])


def test_orlib_folder_contents(tmp_path: Path) -> None:
    inst = read_orlib_cflp(orlib_path("cap41"))
    folder = orlib_to_folder(inst, tmp_path / "cap41")
    cand, hosp, routes = (_read(folder, t) for t in ("candidates", "hospitals", "routes"))
    assert len(cand) == 16 and len(hosp) == 50 and len(routes) == 16 * 50
    ids = pd.concat([cand["id"], hosp["id"]])
    assert ids.is_unique
    assert not routes.duplicated(["origin", "destination"]).any()
    assert cand["lat"].between(-90, 90).all() and cand["lon"].between(-180, 180).all()
    np.testing.assert_array_equal(cand["capacity_m3_day"], inst.capacity)
    np.testing.assert_array_equal(cand["fixed_cost"], inst.fixed_cost)
    np.testing.assert_array_equal(hosp["demand_m3_day"], inst.demand)
    # cost_per_unit round-trips bit for bit and times demand gives c_ij back
    expected = (inst.cost / inst.demand[None, :]).ravel()
    np.testing.assert_array_equal(routes["cost_per_unit"].to_numpy(), expected)
    np.testing.assert_allclose(routes["cost_per_unit"].to_numpy() * np.tile(inst.demand, 16),
                               inst.cost.ravel(), rtol=1e-15)
    model = tomllib.loads((folder / "scenario.toml").read_text())
    assert model == {"model": {"cylinder_m3": 1.0, "allow_unmet": False, "routes_only": True}}
    assert sorted(p.name for p in folder.iterdir()) == [
        "candidates.csv", "hospitals.csv", "routes.csv", "scenario.toml"]


@pytest.mark.parametrize("name", ["cap41", "cap63", "cap131"])
def test_orlib_folder_scipy_reaches_published_optimum(name: str, tmp_path: Path) -> None:
    """The converted folder, solved independently of o2opt, has the published optimum."""
    assert scipy_cflp(_convert(name, tmp_path)) == pytest.approx(OPTIMA[(name, None)], rel=1e-8)


def test_orlib_zero_demand_customer(tmp_path: Path) -> None:
    """A customer with zero demand is kept; its routes cost c_ij per unit; optimum unchanged."""
    inst = read_orlib_cflp(orlib_path("cap71"))
    demand = np.append(inst.demand, 0.0)
    cost = np.hstack([inst.cost, np.full((inst.m, 1), 123.0)])
    zero = OrlibInstance("zero", None, inst.capacity, inst.fixed_cost, demand, cost)
    folder = orlib_to_folder(zero, tmp_path / "zero")
    hosp, routes = _read(folder, "hospitals"), _read(folder, "routes")
    assert hosp["demand_m3_day"].iloc[-1] == 0
    last = routes[routes["destination"] == hosp["id"].iloc[-1]]
    assert len(last) == inst.m and (last["cost_per_unit"] == 123.0).all()
    assert np.isfinite(routes["cost_per_unit"]).all()
    assert scipy_cflp(folder) == pytest.approx(OPTIMA[("cap71", None)], rel=1e-8)


def test_dimacs_parsers() -> None:
    mcf = read_dimacs_min(MCF / "transport_40x30.min")
    assert mcf.n_nodes == 70 and len(mcf.arcs) == 1200
    assert sum(v for v in mcf.supply.values() if v > 0) == 40000
    sol = read_dimacs_sol(MCF / "transport_40x30.sol")
    assert sol.objective == 42667
    # the listed flows have the stated cost
    cost = mcf.arcs.set_index(["tail", "head"])["cost"]
    flows = sol.flows.set_index(["tail", "head"])["flow"]
    assert float((flows * cost.loc[flows.index]).sum()) == 42667
    assert read_dimacs_sol(MCF / "pns_figure.sol").objective == 84  # 's' line at the end
    assert read_dimacs_min(MCF / "netgen_8_08a.min").n_nodes == 256


@pytest.mark.parametrize("name", NOT_MAPPED)
def test_general_networks_do_not_map(name: str, tmp_path: Path) -> None:
    mcf = read_dimacs_min(MCF / f"{name}.min")
    assert "transshipment" in (transportation_obstacle(mcf) or "")
    with pytest.raises(NotTransportationError, match="transshipment"):
        mincostflow_to_folder(mcf, tmp_path / name)


def test_binding_capacity_does_not_map() -> None:
    mcf = read_dimacs_min(MCF / "transport_2x3.min")
    mcf.arcs.loc[0, "cap"] = 5.0  # S1 -> D1 could carry 15
    assert "binding" in (transportation_obstacle(mcf) or "")
    mcf.arcs.loc[0, "cap"] = 20.0
    mcf.arcs.loc[1, "low"] = 1.0
    assert "lower bound" in (transportation_obstacle(mcf) or "")


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_transport_folder_scipy_reaches_optimum(name: str, tmp_path: Path) -> None:
    mcf = read_dimacs_min(MCF / f"{name}.min")
    assert transportation_obstacle(mcf) is None
    folder = mincostflow_to_folder(mcf, tmp_path / name)
    stations, hosp = _read(folder, "stations"), _read(folder, "hospitals")
    assert len(stations) == sum(v > 0 for v in mcf.supply.values())
    assert len(hosp) == sum(v < 0 for v in mcf.supply.values())
    assert read_dimacs_sol(MCF / f"{name}.sol").objective == MAPPED[name]
    assert scipy_transport(folder) == pytest.approx(MAPPED[name], rel=1e-9)


def test_dantzig_folder_scipy_reaches_optimum(tmp_path: Path) -> None:
    tp = read_dantzig_trnsport()
    assert tp.supply == {"seattle": 350.0, "san-diego": 600.0}
    assert sum(tp.demand.values()) == 900
    assert scipy_transport(dantzig_to_folder(tmp_path / "d")) == pytest.approx(DANTZIG_OPT,
                                                                               rel=1e-9)


# =========================================================================== (b) o2opt
def _o2opt_objective(folder: Path, solver: str = "highs") -> float:
    sol = o2opt.optimize(o2opt.read_network(folder), solver=solver)
    assert sol.status == "optimal", getattr(sol, "message", "")
    return float(sol.objective)


@pytest.mark.parametrize("name", E2E)
def test_o2opt_orlib_highs(name: str, tmp_path: Path) -> None:
    folder = _convert(name, tmp_path)
    sol = o2opt.optimize(o2opt.read_network(folder), solver="highs")
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(OPTIMA[(name, None)], rel=REL)
    cost = sol.cost
    assert cost["unmet_penalty"] == pytest.approx(0, abs=1e-6)
    opened = sol.sites.loc[sol.sites["opened"].astype(bool), "candidate"]
    fixed = pd.read_csv(folder / "candidates.csv", dtype={"id": str}).set_index("id")["fixed_cost"]
    assert cost["fixed"] == pytest.approx(float(fixed.loc[list(opened)].sum()), rel=1e-9)
    assert sum(cost.values()) == pytest.approx(sol.objective, rel=1e-9)


def test_o2opt_orlib_cbc(tmp_path: Path) -> None:
    folder = _convert("cap71", tmp_path)
    assert _o2opt_objective(folder, "cbc") == pytest.approx(OPTIMA[("cap71", None)], rel=REL)


def test_o2opt_orlib_cli(tmp_path: Path) -> None:
    folder, out = _convert("cap64", tmp_path), tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])}
    proc = subprocess.run([sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(OPTIMA[("cap64", None)], rel=REL)
    assert summary["demand_m3"] == pytest.approx(58268)
    assert summary["delivered_m3"] == pytest.approx(58268, rel=1e-9)
    assert summary["unmet_m3"] == pytest.approx(0, abs=1e-6)
    assert summary["opened"] and all(s.startswith("W") for s in summary["opened"])


@pytest.mark.parametrize("name", sorted(MAPPED))
def test_o2opt_transport(name: str, tmp_path: Path) -> None:
    folder = mincostflow_to_folder(read_dimacs_min(MCF / f"{name}.min"), tmp_path / name)
    optimum = read_dimacs_sol(MCF / f"{name}.sol").objective
    assert _o2opt_objective(folder) == pytest.approx(optimum, rel=1e-9)


def test_o2opt_dantzig(tmp_path: Path) -> None:
    folder = dantzig_to_folder(tmp_path / "dantzig")
    assert _o2opt_objective(folder) == pytest.approx(DANTZIG_OPT, rel=1e-9)
    assert _o2opt_objective(folder, "cbc") == pytest.approx(DANTZIG_OPT, rel=1e-9)


@pytest.mark.slow
def test_o2opt_all_37_orlib(tmp_path: Path) -> None:
    """Every cap instance (the full benchmark table without capa/b/c): ~10 s."""
    off = {}
    for name, _ in orlib_instances():
        value = _o2opt_objective(_convert(name, tmp_path))
        if not math.isclose(value, OPTIMA[(name, None)], rel_tol=REL):
            off[name] = (value, OPTIMA[(name, None)])
    assert not off, off
