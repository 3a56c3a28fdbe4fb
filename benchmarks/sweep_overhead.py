"""Overhead of a small sweep (issue 13): wall time of ``sweep()`` against its scenarios.

Eight scenarios of the bundled demo (``demand_multiplier`` 1, 1.25, 1.5, 2 × ``budget`` 0
and 400), each a fraction of a second. Each run starts a fresh Python process (as a user's
script or notebook would), which times, in order:

* ``serial``: the eight scenarios solved one after the other in that process with
  ``o2opt.optimize`` (the work itself; o2opt already imported and a first solve done, so
  that both sides start warm);
* ``sweep``: ``o2opt.sweep(net, specs)`` with the default executor, as a user calls it;
* ``sweep again``: the same call a second time in the same process.

Printed: the times and ``ratio = sweep / serial`` (1.0 = no overhead). Usage::

    python benchmarks/sweep_overhead.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, time
import o2opt
from o2opt.sweeps import grid
from o2opt.sweeps.scenarios import apply_scenario
net = o2opt.read_network(o2opt.datasets.demo_folder())
specs = grid({"demand_multiplier": [1, 1.25, 1.5, 2], "budget": [0, 400]})
o2opt.optimize(net, progress=False)  # warm: imports, first solve
t = time.perf_counter()
for spec in specs:
    o2opt.optimize(apply_scenario(net, spec), progress=False)
serial = time.perf_counter() - t
t = time.perf_counter()
first = o2opt.sweep(net, specs)
sweep = time.perf_counter() - t
t = time.perf_counter()
o2opt.sweep(net, specs)
again = time.perf_counter() - t
assert (first["status"] == "optimal").all()
print(json.dumps({"serial": serial, "sweep": sweep, "again": again,
                  "solve_s": float(first["seconds"].sum())}))
"""


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[1]
    rows = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", CHILD], capture_output=True, text=True,
                             check=True, cwd=root)
        rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"{'serial s':>9} {'sweep s':>8} {'again s':>8} {'ratio':>6} {'ratio again':>12}")
    for r in rows:
        print(f"{r['serial']:9.2f} {r['sweep']:8.2f} {r['again']:8.2f} "
              f"{r['sweep'] / r['serial']:6.2f} {r['again'] / r['serial']:12.2f}")
    best = min(rows, key=lambda r: r["sweep"])
    print(f"best: sweep {best['sweep']:.2f} s for {best['serial']:.2f} s of work "
          f"(ratio {best['sweep'] / best['serial']:.2f})")


if __name__ == "__main__":
    main()
