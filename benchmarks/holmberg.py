"""Holmberg, Rönnqvist & Yuan (1999) single-source CFLP instances as o2opt scenario folders.

Format (``data/reference/benchmarks/holmberg-sscflp/README.md``): ``m n``, then ``m`` lines
``capacity fixed_cost``, ``n`` demands, then an ``m x n`` facility-major cost matrix
(cost of assigning all of customer ``i``'s demand to facility ``j``). Some files end in NUL
padding, read here as white space. ``holmberg_os`` lists the optima of p1..p71.

Mapping onto o2opt: facilities become candidates (capacity, fixed cost), customers become
hospitals, each pair a ``routes.csv`` row with ``cost_per_unit = c_ji / d_i`` per
cylinder of 1 m³, so serving all of ``i`` from ``j`` costs ``c_ji``; ``single_source``,
``routes_only`` and no unmet demand.

Usage::

    python benchmarks/holmberg.py            # every shipped instance, o2opt vs optimum
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

HOLMBERG = Path(__file__).resolve().parents[1] / "data/reference/benchmarks/holmberg-sscflp"


@dataclass(frozen=True)
class Holmberg:
    """One instance: ``capacity``, ``fixed_cost`` (per facility), ``demand`` (per
    customer) and ``cost[j, i]`` (all of customer ``i`` served by facility ``j``)."""

    name: str
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray


def read_holmberg(path: str | Path) -> Holmberg:
    """Parse one ``holmberg_pN`` file."""
    path = Path(path)
    tokens = path.read_bytes().replace(b"\x00", b" ").split()
    values = np.array([float(t) for t in tokens])
    m, n = int(values[0]), int(values[1])
    facilities = values[2:2 + 2 * m].reshape(m, 2)
    demand = values[2 + 2 * m:2 + 2 * m + n]
    cost = values[2 + 2 * m + n:2 + 2 * m + n + m * n]
    if cost.size != m * n:
        raise ValueError(f"{path}: expected {m * n} costs, found {cost.size}")
    return Holmberg(path.name.removeprefix("holmberg_"), facilities[:, 0], facilities[:, 1],
                    demand, cost.reshape(m, n))


def optima(path: str | Path = HOLMBERG / "holmberg_os") -> dict[str, float]:
    """Published optima by instance name (``p1`` …)."""
    lines = [ln for ln in Path(path).read_text().split() if ln.strip()]
    return {f"p{k + 1}": float(v) for k, v in enumerate(lines)}


def to_folder(inst: Holmberg, folder: str | Path) -> Path:
    """Write ``inst`` as an o2opt scenario folder (see the module docstring)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=False)
    m, n = inst.cost.shape
    fac = [f"W{j + 1}" for j in range(m)]
    cus = [f"C{i + 1}" for i in range(n)]
    pd.DataFrame({"id": fac, "lat": 0.0, "lon": 0.0, "capacity_m3_day": inst.capacity,
                  "fixed_cost": inst.fixed_cost}).to_csv(folder / "candidates.csv", index=False)
    pd.DataFrame({"id": cus, "lat": 0.0, "lon": 0.0, "demand_m3_day": inst.demand}).to_csv(
        folder / "hospitals.csv", index=False)
    jj, ii = np.meshgrid(np.arange(m), np.arange(n), indexing="ij")
    per_unit = inst.cost[jj, ii] / inst.demand[ii]
    pd.DataFrame({"origin": np.array(fac)[jj.ravel()], "destination": np.array(cus)[ii.ravel()],
                  "cost_per_unit": per_unit.ravel()}).to_csv(folder / "routes.csv", index=False)
    model = {"cylinder_m3": 1.0, "allow_unmet": False, "routes_only": True,
             "single_source": True}
    (folder / "scenario.toml").write_text(tomli_w.dumps({"model": model}))
    return folder


def main() -> int:
    import tempfile

    import o2opt

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="instances (default: all shipped)")
    parser.add_argument("--time-limit", type=float, default=600.0)
    args = parser.parse_args()
    best = optima()
    names = args.names or sorted((p.name.removeprefix("holmberg_")
                                  for p in HOLMBERG.glob("holmberg_p*")), key=lambda s: int(s[1:]))
    print(f"{'inst':<6}{'size':>8}{'optimum':>12}{'o2opt':>14}{'rel err':>10}{'status':>9}"
          f"{'solve s':>9}")
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            inst = read_holmberg(HOLMBERG / f"holmberg_{name}")
            net = o2opt.read_network(to_folder(inst, Path(tmp) / name))
            start = time.perf_counter()
            sol = o2opt.optimize(net, time_limit_s=args.time_limit)
            secs = time.perf_counter() - start
            err = abs((sol.objective or np.nan) - best[name]) / best[name]
            worst = max(worst, err) if np.isfinite(err) else np.inf
            m, n = inst.cost.shape
            print(f"{name:<6}{f'{m}x{n}':>8}{best[name]:>12,.0f}{sol.objective or 0:>14,.3f}"
                  f"{err:>10.1e}{sol.status:>9}{secs:>9.2f}", flush=True)
    return 0 if worst <= 1e-4 else 1


if __name__ == "__main__":
    sys.exit(main())
