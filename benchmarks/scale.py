"""Scale benchmark: ``o2opt solve`` on synthetic national networks of growing size.

For each size a synthetic scenario folder is generated (``o2opt.synthetic``), then
``python -m o2opt solve FOLDER --out OUT`` runs in a child process. The table gives the
child's wall time, its own step timings from ``summary.json`` (load, build, solve, write),
its peak resident memory (from ``wait4``), the model size, and two ratios measured in the
same run: the share of wall time that is not the solver's (``overhead``), and wall time over
a baseline child that only starts Python and imports numpy, pandas and highspy
(``x_import``) — so machine noise hits both sides.

Usage::

    python benchmarks/scale.py                # three sizes, up to 5,000 x 300 x 14 days
    python benchmarks/scale.py --sizes small  # just the small one
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from o2opt.synthetic import write_synthetic_folder

SIZES = {  # hospitals, stations, producers, days
    "small": (500, 30, 3, 7),
    "medium": (2000, 120, 12, 14),
    "large": (5000, 300, 30, 14),
}
MAX_DELIVERY_KM = 40.0


def run_child(args: list[str]) -> tuple[float, float, int]:
    """Run ``args``; return (wall seconds, peak RSS MiB, exit status) of that child alone."""
    start = time.perf_counter()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        sys.exit(f"{' '.join(args)} failed:\n{proc.stderr.read().decode() if proc.stderr else ''}")
    return wall, usage.ru_maxrss / 1024, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--solver", default="highs")
    args = parser.parse_args()

    baseline = [sys.executable, "-c", "import numpy, pandas, highspy"]
    header = (f"{'size':<7}{'hosp':>6}{'stat':>5}{'prod':>5}{'days':>5}{'vars':>10}{'rows':>9}"
              f"{'load s':>8}{'build s':>8}{'solve s':>8}{'write s':>8}{'wall s':>8}"
              f"{'peak MiB':>9}{'overhead':>9}{'x_import':>9}  status")
    print(header)
    with tempfile.TemporaryDirectory(prefix="o2opt-scale-") as tmp:
        for name in args.sizes:
            n_h, n_s, n_p, days = SIZES[name]
            folder = Path(tmp) / name
            write_synthetic_folder(folder, n_h, n_s, n_p, horizon_days=days, seed=1,
                                   max_delivery_km=MAX_DELIVERY_KM)
            base_wall, base_rss, _ = run_child(baseline)
            out = Path(tmp) / f"{name}-out"
            wall, rss, _ = run_child([sys.executable, "-m", "o2opt", "solve", str(folder),
                                      "--out", str(out), "--solver", args.solver, "-q"])
            s = json.loads((out / "summary.json").read_text())
            sec = s["seconds"]
            overhead = 1 - sec["solve"] / wall
            print(f"{name:<7}{n_h:>6}{n_s:>5}{n_p:>5}{days:>5}{s['variables']:>10,}"
                  f"{s['constraints']:>9,}{sec['load']:>8.2f}{sec['build']:>8.2f}"
                  f"{sec['solve']:>8.2f}{sec['write']:>8.2f}{wall:>8.2f}{rss:>9.0f}"
                  f"{overhead:>9.0%}{wall / base_wall:>9.1f}  {s['status']}", flush=True)
    print(f"baseline child (import numpy, pandas, highspy): {base_wall:.2f} s, "
          f"{base_rss:.0f} MiB peak; max_delivery_km = {MAX_DELIVERY_KM:g}")


if __name__ == "__main__":
    main()
