"""Two-stage CFLP benchmark (issue 12): Fernandes et al. (2014) through o2opt vs a hand MILP.

The instances (50 plants × 100 depots × 200 customers, files ``PSCk-Cm-50.txt``, and
100 × 200 × 400, ``PSCk-Cm-100.txt``; ``k`` the instance, ``m`` the class; best known
solutions ``bks-50.txt``/``bks-100.txt`` and lower bounds ``lb-50.txt``/``lb-100.txt``) are
published without a licence, so they are not in this repository: give their folder with
``--data DIR``.

File format (whitespace separated; the "L matrices" of the description are one matrix each in
every published file, which :func:`read_tscflp` checks by the token count)::

    I J K                        plants, depots, customers
    K lines: demand
    I lines: capacity, fixed cost            (plants)
    I lines of J: cost of one unit plant -> depot
    J lines: capacity, fixed cost            (depots)
    J lines of K: cost of one unit depot -> customer

The costs are per unit of flow (not per whole demand of a customer): the hand MILP with
per-unit costs reproduces the published best known solutions (``benchmarks/README_tscflp.md``).

The conversion (:func:`to_folder`) writes an o2opt scenario: plants are candidate producers
(``capacity_m3_day``, ``fixed_cost``), depots candidate stations (``fill_capacity_cyl_day``
= depot capacity, ``fixed_cost``), customers hospitals (``demand_m3_day``); ``cylinder_m3 =
1`` so one cylinder is one unit; dummy coordinates with ``routes_only = true`` and every cost
in ``routes.csv`` ``cost_per_unit`` (bulk arcs per m³, cylinder arcs per cylinder = unit);
``allow_unmet = false``; one day.

The hand MILP (:func:`hand_model`) is built from the file alone (not through o2opt): flows
``x_ij`` plant→depot and ``w_jk`` depot→customer, binaries ``y_i``, ``z_j``::

    min  Σ f_i y_i + Σ g_j z_j + Σ c_ij x_ij + Σ e_jk w_jk
    s.t. Σ_j w_jk = d_k                (demand)
         Σ_i x_ij - Σ_k w_jk = 0       (depot balance)
         Σ_k w_jk ≤ C_j z_j            (depot capacity)
         Σ_j x_ij ≤ Q_i y_i            (plant capacity)

Both run as child processes (wall time, peak memory and CPU from ``os.wait4``), with the same
``--threads`` (default 1), ``--time-limit`` and a relative MIP gap of 1e-6.

Usage::

    python benchmarks/tscflp.py --data /tmp/tscflp --set 50 --limit 5 --time-limit 120
    python benchmarks/tscflp.py --data /tmp/tscflp --only PSC1-C1-50 --shrink 10 20 40
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.baseline import Model, solve_highs  # noqa: E402
from benchmarks.national_lp import run_child  # noqa: E402

MIP_GAP = 1e-6


@dataclass(frozen=True)
class TwoStage:
    """One two-stage CFLP instance (costs per unit of flow)."""

    demand: np.ndarray  # (K,)
    plant_capacity: np.ndarray  # (I,)
    plant_fixed: np.ndarray  # (I,)
    plant_depot_cost: np.ndarray  # (I, J)
    depot_capacity: np.ndarray  # (J,)
    depot_fixed: np.ndarray  # (J,)
    depot_customer_cost: np.ndarray  # (J, K)

    def shrink(self, plants: int, depots: int, customers: int) -> TwoStage:
        """The sub-instance of the first ``plants``, ``depots`` and ``customers``."""
        i, j, k = slice(plants), slice(depots), slice(customers)
        return TwoStage(self.demand[k], self.plant_capacity[i], self.plant_fixed[i],
                        self.plant_depot_cost[i, j], self.depot_capacity[j],
                        self.depot_fixed[j], self.depot_customer_cost[j, k])


def read_tscflp(path: str | Path) -> TwoStage:
    """Read a Fernandes et al. (2014) instance file (format in the module docstring)."""
    tokens = np.array(Path(path).read_text().split(), dtype=float)
    n_i, n_j, n_k = (int(t) for t in tokens[:3])
    expected = 3 + n_k + 2 * n_i + n_i * n_j + 2 * n_j + n_j * n_k
    if len(tokens) != expected:
        raise ValueError(f"{path}: {len(tokens)} numbers, expected {expected} for "
                         f"{n_i} x {n_j} x {n_k} with one cost matrix per stage")
    at = 3

    def take(n: int) -> np.ndarray:
        nonlocal at
        at += n
        return tokens[at - n:at]

    demand = take(n_k)
    plants = take(2 * n_i).reshape(n_i, 2)
    c_ij = take(n_i * n_j).reshape(n_i, n_j)
    depots = take(2 * n_j).reshape(n_j, 2)
    e_jk = take(n_j * n_k).reshape(n_j, n_k)
    return TwoStage(demand, plants[:, 0], plants[:, 1], c_ij, depots[:, 0], depots[:, 1], e_jk)


def read_reference(folder: Path, size: int) -> dict[str, dict[str, float | bool]]:
    """Best known solution and lower bound per instance name ``PSCk-Cm-size``.

    ``bks-size.txt`` lines are ``class instance value [*]``, ``lb-size.txt`` lines
    ``Cm-k-size value``."""
    out: dict[str, dict[str, float | bool]] = {}
    bks, lb = folder / f"bks-{size}.txt", folder / f"lb-{size}.txt"
    if bks.exists():
        for line in bks.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3:
                name = f"PSC{parts[1]}-C{parts[0]}-{size}"
                out.setdefault(name, {}).update(bks=float(parts[2]), star=len(parts) > 3)
    if lb.exists():
        for line in lb.read_text().splitlines():
            parts = line.split()
            if len(parts) == 2:
                c, k, _ = parts[0].split("-")
                out.setdefault(f"PSC{k}-{c}-{size}", {})["lb"] = float(parts[1])
    return out


# --------------------------------------------------------------------------- o2opt input
def to_folder(inst: TwoStage, folder: Path) -> Path:
    """Write ``inst`` as an o2opt scenario folder (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    n_i, n_j, n_k = len(inst.plant_capacity), len(inst.depot_capacity), len(inst.demand)

    def coords(n: int, lat: float) -> dict[str, np.ndarray]:
        return {"lat": np.full(n, lat), "lon": 40.0 + 0.001 * np.arange(n)}

    pid = [f"P{i}" for i in range(n_i)]
    did = [f"D{j}" for j in range(n_j)]
    cid = [f"C{k}" for k in range(n_k)]
    pd.DataFrame({"id": pid, **coords(n_i, 33.0), "capacity_m3_day": inst.plant_capacity,
                  "candidate": True, "fixed_cost": inst.plant_fixed}
                 ).to_csv(folder / "producers.csv", index=False)
    pd.DataFrame({"id": did, **coords(n_j, 33.1), "fill_capacity_cyl_day": inst.depot_capacity,
                  "candidate": True, "fixed_cost": inst.depot_fixed}
                 ).to_csv(folder / "stations.csv", index=False)
    pd.DataFrame({"id": cid, **coords(n_k, 33.2), "demand_m3_day": inst.demand}
                 ).to_csv(folder / "hospitals.csv", index=False)
    bulk = pd.DataFrame({"origin": np.repeat(pid, n_j), "destination": np.tile(did, n_i),
                         "cost_per_unit": inst.plant_depot_cost.ravel()})
    cyl = pd.DataFrame({"origin": np.repeat(did, n_k), "destination": np.tile(cid, n_j),
                        "cost_per_unit": inst.depot_customer_cost.ravel()})
    pd.concat([bulk, cyl]).to_csv(folder / "routes.csv", index=False)
    (folder / "scenario.toml").write_text(
        "[model]\nhorizon_days = 1\ncylinder_m3 = 1.0\nallow_unmet = false\n"
        "routes_only = true\n")
    return folder


# --------------------------------------------------------------------------- hand MILP
def hand_model(inst: TwoStage) -> Model:
    """The straightforward MILP of the module docstring, columns ``x`` (I·J), ``w`` (J·K),
    ``y`` (I), ``z`` (J)."""
    d = inst.demand
    n_i, n_j, n_k = len(inst.plant_capacity), len(inst.depot_capacity), len(d)
    nx, nw = n_i * n_j, n_j * n_k
    x_i, x_j = np.divmod(np.arange(nx), n_j)
    w_j, w_k = np.divmod(np.arange(nw), n_k)
    x, w = np.arange(nx), nx + np.arange(nw)
    y, z = nx + nw + np.arange(n_i), nx + nw + n_i + np.arange(n_j)
    r_dem, r_bal, r_dep, r_pl = 0, n_k, n_k + n_j, n_k + 2 * n_j
    entries = [
        (r_dem + w_k, w, np.ones(nw)),                       # demand
        (r_bal + x_j, x, np.ones(nx)), (r_bal + w_j, w, -np.ones(nw)),  # balance
        (r_dep + w_j, w, np.ones(nw)), (r_dep + np.arange(n_j), z, -inst.depot_capacity),
        (r_pl + x_i, x, np.ones(nx)), (r_pl + np.arange(n_i), y, -inst.plant_capacity),
    ]
    rows, cols, vals = (np.concatenate(e) for e in zip(*entries, strict=True))
    n_rows, n_cols = n_k + 2 * n_j + n_i, nx + nw + n_i + n_j
    matrix = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, n_cols))
    cost = np.concatenate([inst.plant_depot_cost.ravel(), inst.depot_customer_cost.ravel(),
                           inst.plant_fixed, inst.depot_fixed])
    upper = np.concatenate([np.full(nx + nw, np.inf), np.ones(n_i + n_j)])
    row_lower = np.concatenate([d, np.zeros(n_j), np.full(n_j + n_i, -np.inf)])
    row_upper = np.concatenate([d, np.zeros(n_j), np.zeros(n_j + n_i)])
    integer = np.zeros(n_cols, bool)
    integer[nx + nw:] = True
    return Model(cost, np.zeros(n_cols), upper, matrix, row_lower, row_upper, integer)


def load(data: Path, name: str, shrink: list[int] | None) -> TwoStage:
    inst = read_tscflp(data / f"{name}.txt")
    return inst.shrink(*shrink) if shrink else inst


def hand_child(args: argparse.Namespace) -> int:
    """The ``--hand`` mode: solve one instance by the hand MILP, results to ``--json``."""
    inst = load(args.data, args.hand, args.shrink)
    out = solve_highs(hand_model(inst), time_limit_s=args.time_limit, mip_gap=MIP_GAP,
                      threads=args.threads, verbose=True)
    args.json.write_text(json.dumps(out))
    return 0


# --------------------------------------------------------------------------- benchmark
def run_pair(args: argparse.Namespace, name: str, work: Path) -> tuple[dict, dict]:
    """o2opt and the hand MILP on instance ``name``, one after the other."""
    limit, threads = f"{args.time_limit:g}", str(args.threads)
    folder = to_folder(load(args.data, name, args.shrink), work / name)
    out = work / f"{name}-out"
    cmd = [sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out),
           "--time-limit", limit, "--mip-gap", str(MIP_GAP), "--threads", threads, "-v"]
    wall, rss, code, cpu = run_child(cmd, work / f"{name}-o2opt.log")
    summary = out / "summary.json"
    s = json.loads(summary.read_text()) if code in (0, 1) and summary.exists() else {}
    o = {"who": "o2opt", "wall": wall, "cpu": cpu, "rss": rss, "objective": s.get("objective"),
         "status": s.get("status", f"exit {code}"), "gap": s.get("mip_gap")}
    res = work / f"{name}-hand.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--data", str(args.data),
           "--hand", name, "--json", str(res), "--time-limit", limit, "--threads", threads]
    if args.shrink:
        cmd += ["--shrink", *map(str, args.shrink)]
    wall, rss, code, cpu = run_child(cmd, work / f"{name}-hand.log")
    b = json.loads(res.read_text()) if res.exists() else {}
    h = {"who": "hand", "wall": wall, "cpu": cpu, "rss": rss, "objective": b.get("objective"),
         "status": b.get("status", f"exit {code}"), "gap": b.get("mip_gap")}
    return o, h


def names(args: argparse.Namespace) -> list[str]:
    if args.only:
        return list(args.only)
    sizes = [args.set] if args.set else [50, 100]
    found = [f"PSC{k}-C{m}-{s}" for s in sizes for k in range(1, 6) for m in range(1, 6)]
    found = [n for n in found if (args.data / f"{n}.txt").exists()]
    return found[:args.limit] if args.limit else found


def header() -> str:
    return (f"{'instance':<13}{'who':<7}{'wall s':>8}{'cpu s':>8}{'MiB':>6}{'objective':>13}"
            f"{'gap':>9}{'vs bks':>9}{'vs lb':>9}  status")


def line(name: str, ref: dict, r: dict) -> str:
    def rel(key: str) -> str:
        if r["objective"] is None or key not in ref:
            return "-"
        return f"{(r['objective'] - ref[key]) / ref[key]:+.2%}"

    obj = "-" if r["objective"] is None else f"{r['objective']:.1f}"
    gap = "-" if r["gap"] is None else f"{r['gap']:.2%}"
    return (f"{name:<13}{r['who']:<7}{r['wall']:>8.1f}{r['cpu']:>8.1f}{r['rss']:>6.0f}"
            f"{obj:>13}{gap:>9}{rel('bks'):>9}{rel('lb'):>9}  {r['status']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True,
                        help="folder with PSCk-Cm-50.txt ..., bks-50.txt, lb-50.txt ...")
    parser.add_argument("--set", type=int, choices=(50, 100))
    parser.add_argument("--only", nargs="*", help="instance names, e.g. PSC1-C1-50")
    parser.add_argument("--limit", type=int, help="the first N instances only")
    parser.add_argument("--time-limit", type=float, default=300.0, help="seconds per solve")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--shrink", type=int, nargs=3, metavar=("PLANTS", "DEPOTS", "CUSTOMERS"),
                        help="solve the sub-instance of the first plants, depots, customers")
    parser.add_argument("--keep", type=Path, help="write folders, logs and outputs here")
    parser.add_argument("--hand", help=argparse.SUPPRESS)  # child mode: the hand MILP
    parser.add_argument("--json", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.hand:
        return hand_child(args)

    refs = {}
    for size in (50, 100):
        refs.update(read_reference(args.data, size))
    rows = []
    with tempfile.TemporaryDirectory(prefix="o2opt-tscflp-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        print(header(), flush=True)
        for name in names(args):
            ref = {} if args.shrink else refs.get(name, {})
            o, h = run_pair(args, name, work)
            print(line(name, ref, o), flush=True)
            print(line(name, ref, h), flush=True)
            rows.append((name, o, h))
    print()
    for name, o, h in rows:
        same = (o["objective"] is not None and h["objective"] is not None
                and o["objective"] <= h["objective"] * (1 + MIP_GAP) + 1e-6)
        proof = "-"
        if str(h["status"]).lower() == "optimal":
            proof = ("yes" if o["status"] == "optimal" and o["wall"] <= 1.2 * h["wall"]
                     else "NO")
        print(f"{name}: o2opt/hand wall {o['wall'] / h['wall']:.2f}, cpu "
              f"{o['cpu'] / h['cpu']:.2f}; plan at least as good: {'yes' if same else 'NO'}; "
              f"proof no slower (20 %) where the hand MILP proves: {proof}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
