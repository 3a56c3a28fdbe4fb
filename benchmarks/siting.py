"""Siting MILP benchmark (issue #5, target 2): OR-Library capb/capc through o2opt vs HiGHS.

Each OR-Library instance (Beasley's capacitated warehouse location, 100 sites × 1,000
customers) is converted to a scenario folder with :func:`benchmarks.instances.orlib_to_folder`
(candidates, hospitals, ``routes.csv`` costs; see ``benchmarks/README_orlib.md``). Then, in
child processes with wall time and peak memory from ``os.wait4``, the same time limit and
the same relative MIP gap (1e-6):

* ``o2opt``: ``python -m o2opt solve FOLDER --out OUT --time-limit T -q`` (reading the
  100,000-row ``routes.csv``, building, solving, writing);
* ``baseline``: ``python benchmarks/baseline.py --orlib NAME --capacity C --time-limit T``:
  the hand-built strong formulation (``x_ij ≤ y_i``) from the OR-Library file, one sparse
  matrix, solved by highspy directly.

Both objectives are compared with the published optimum (``capopt.txt``); the run fails (exit
1) when o2opt is more than ``--tol`` (1e-4) off. Default instances: capb and capc at capacity
5,000; ``--include-capa`` adds capa at 8,000 (target: within 10 minutes).

Usage::

    python benchmarks/siting.py                       # capb-5000, capc-5000, 600 s limit
    python benchmarks/siting.py --include-capa
    python benchmarks/siting.py --only capb --time-limit 120
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.instances import (  # noqa: E402
    orlib_path,
    orlib_to_folder,
    published_optima,
    read_orlib_cflp,
)
from benchmarks.national_lp import run_child  # noqa: E402

INSTANCES = [("capb", 5000), ("capc", 5000)]
CAPA = ("capa", 8000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=float, default=600.0, help="seconds per solve")
    parser.add_argument("--include-capa", action="store_true", help="also capa at 8,000")
    parser.add_argument("--only", nargs="*", help="instance names (capa, capb, capc)")
    parser.add_argument("--tol", type=float, default=1e-4)
    parser.add_argument("--keep", type=Path, help="write folders and outputs here (kept)")
    args = parser.parse_args(argv)

    keys = INSTANCES + ([CAPA] if args.include_capa or (args.only and "capa" in args.only)
                        else [])
    if args.only:
        keys = [k for k in keys if k[0] in args.only]
    optima = published_optima()
    limit = f"{args.time_limit:g}"
    rows = []
    with tempfile.TemporaryDirectory(prefix="o2opt-siting-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for name, cap in keys:
            label = f"{name}-{cap}"
            inst = read_orlib_cflp(orlib_path(name), capacity=cap)
            folder = orlib_to_folder(inst, work / label)
            out = work / f"{label}-out"
            cmd = [sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out),
                   "--time-limit", limit, "-v"]
            wall, rss, code, cpu = run_child(cmd, work / f"{label}-o2opt.log")
            summary = out / "summary.json"
            s = json.loads(summary.read_text()) if code in (0, 1) and summary.exists() else {}
            o = {"who": "o2opt", "wall": wall, "cpu": cpu, "rss": rss,
                 "objective": s.get("objective"), "status": s.get("status", f"exit {code}"),
                 "gap": s.get("mip_gap"), "solve": s.get("seconds", {}).get("solve")}
            res = work / f"{label}-baseline.json"
            cmd = [sys.executable, str(ROOT / "benchmarks" / "baseline.py"), "--orlib", name,
                   "--capacity", str(cap), "--time-limit", limit, "--json", str(res), "--verbose"]
            wall, rss, code, cpu = run_child(cmd, work / f"{label}-baseline.log")
            b = json.loads(res.read_text()) if res.exists() else {}
            base = {"who": "baseline", "wall": wall, "cpu": cpu, "rss": rss,
                    "objective": b.get("objective"), "status": b.get("status", f"exit {code}"),
                    "gap": b.get("mip_gap"), "solve": b.get("seconds", {}).get("solve")}
            opt = optima[(name, cap)]
            o["t_opt"] = time_to_value(work / f"{label}-o2opt.log", opt, args.tol)
            base["t_opt"] = time_to_value(work / f"{label}-baseline.log", opt, args.tol)
            for r in (o, base):
                r["rel"] = (abs(r["objective"] - opt) / abs(opt)
                            if r["objective"] is not None else None)
                print(line(label, opt, r), flush=True)
            rows.append((label, opt, o, base))
    print()
    print(header())
    for label, opt, o, base in rows:
        print(line(label, opt, o))
        print(line(label, opt, base))
    print()
    failed = []
    for label, _, o, base in rows:
        ratio = o["wall"] / base["wall"]
        s_ratio = (o["solve"] / base["solve"]) if o["solve"] and base["solve"] else float("nan")
        within = o["rel"] is not None and o["rel"] <= args.tol
        t_ratio = (o["t_opt"] / base["t_opt"]) if o["t_opt"] and base["t_opt"] else float("nan")
        print(f"{label}: o2opt/baseline wall {ratio:.2f}, solve {s_ratio:.2f}, time to the "
              f"published optimum {t_ratio:.2f}; o2opt within {args.tol:g} of it: "
              f"{'yes' if within else 'NO'}")
        if not within:
            failed.append(label)
    return 1 if failed else 0


_NODE_LINE = re.compile(r"^\s*[A-Za-z]?\s+\d+\s+\d+\s+\d+\s+[\d.]+%\s+(\S+)\s+(\S+)\s+.*?"
                        r"\s([\d.]+)s\s*$")


def time_to_value(log: Path, target: float, tol: float) -> float | None:
    """HiGHS clock (s) of the first node-log line whose incumbent (BestSol) is within ``tol``
    (relative) of ``target``; ``None`` if never."""
    for line in log.read_text(errors="replace").splitlines():
        m = _NODE_LINE.match(line)
        if not m:
            continue
        try:
            best = float(m.group(2))
        except ValueError:  # "inf"
            continue
        if best <= target + tol * abs(target):
            return float(m.group(3))
    return None


def header() -> str:
    return (f"{'instance':<11}{'who':<10}{'wall s':>9}{'cpu s':>8}{'solve s':>9}{'t_opt s':>9}"
            f"{'peak MiB':>9}"
            f"{'objective':>18}{'published':>18}{'rel err':>9}{'gap':>9}  status")


def line(label: str, opt: float, r: dict) -> str:
    def f(x: float | None, spec: str) -> str:
        return "-" if x is None else format(x, spec)

    return (f"{label:<11}{r['who']:<10}{r['wall']:>9.2f}{r['cpu']:>8.2f}{f(r['solve'], '.2f'):>9}"
            f"{f(r['t_opt'], '.1f'):>9}"
            f"{r['rss']:>9.0f}{f(r['objective'], '.3f'):>18}{opt:>18.3f}"
            f"{f(r['rel'], '.1e'):>9}{f(r['gap'], '.1e'):>9}  {r['status']}")


if __name__ == "__main__":
    sys.exit(main())
