"""National siting benchmark (issue 12): ``o2opt solve`` against a monolithic hand-built MILP.

A synthetic national siting scenario (``o2opt.synthetic``, fixed seed): 5,000 hospitals,
300 filling stations, 30 producers, 60 candidate plants, 7 days with a surge wave per city,
cylinder arcs within 40 km, unmet demand allowed (the default) and a ``budget`` on fixed
costs set to a share (``--budget-share``, default 0.25) of the candidates' summed fixed cost,
so that it binds. ``--scale 0.2`` divides every count by 5 (1,000 hospitals) for quick runs.

Then, each in its own child process, same ``--threads`` (default 1), same relative MIP gap
1e-6 and the same ``--time-limit``, wall time, CPU time and peak resident memory of that
child from ``os.wait4``:

* ``o2opt``: ``python -m o2opt solve FOLDER --out OUT -q --threads T [--time-limit S]``,
  reading, building, solving and writing included;
* ``baseline``: ``python benchmarks/baseline.py FOLDER --threads T``: the folder read with
  pandas, the model of ``docs/model.md`` written term by term (aggregate candidate rows
  ``v Σ_h n ≤ Q_c y_c``, no strong linking, no cover row) as one sparse matrix and solved by
  highspy in one piece. It does not import o2opt.

The children alternate (``--repeat`` pairs). The table gives wall and CPU seconds, peak MiB,
status, objective, MIP gap, the o2opt/baseline wall ratio and the relative objective
difference. With ``-v`` both children write the HiGHS log next to the outputs (``--keep``),
for profiles (root bound, nodes, presolve). Exit status 1 when both are proven optimal and
the objectives differ by more than 1e-6 relative, or a child fails.

Usage::

    python benchmarks/national_siting.py                       # the issue's instance
    python benchmarks/national_siting.py --scale 0.2 --repeat 3
    python benchmarks/national_siting.py --keep /tmp/ns --only o2opt -v
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


HOSPITALS, STATIONS, PRODUCERS, CANDIDATES, DAYS = 5000, 300, 30, 60, 7
MAX_DELIVERY_KM = 40.0
SEED = 1
BUDGET_SHARE = 0.25
TOLERANCE = 1e-6


def make_instance(folder: Path, scale: float = 1.0, seed: int = SEED,
                  budget_share: float = BUDGET_SHARE) -> tuple[Path, dict[str, Any]]:
    """Write the scenario folder; returns it and a description (counts, budget)."""
    from o2opt.synthetic import synthetic_tables, write_synthetic_folder

    counts = [max(1, round(n * scale)) for n in (HOSPITALS, STATIONS, PRODUCERS, CANDIDATES)]
    n_h, n_s, n_p, n_c = counts
    # the same draws twice (same seed): first to read the candidates' fixed costs
    fixed = synthetic_tables(n_h, n_s, n_p, n_candidates=n_c, horizon_days=DAYS, seed=seed,
                             max_delivery_km=MAX_DELIVERY_KM)["candidates"]["fixed_cost"]
    budget = round(budget_share * float(fixed.sum()), -3)
    write_synthetic_folder(folder, n_h, n_s, n_p, n_candidates=n_c, horizon_days=DAYS,
                           seed=seed, max_delivery_km=MAX_DELIVERY_KM, budget=budget,
                           overwrite=True)
    return folder, {"hospitals": n_h, "stations": n_s, "producers": n_p, "candidates": n_c,
                    "days": DAYS, "budget": budget, "fixed_cost_sum": float(fixed.sum())}


def run_child(cmd: list[str], log: Path, env: dict[str, str] | None = None,
              cwd: str | None = None) -> tuple[float, float, int, float]:
    """Run ``cmd`` (stdout and stderr to ``log``); wall s, peak RSS MiB, exit status and CPU s
    (user + system) of that child, from ``os.wait4``."""
    with open(log, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, env=env,
                                cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    return (wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status),
            usage.ru_utime + usage.ru_stime)


def run_o2opt(folder: Path, work: Path, tag: str, threads: int, time_limit: float | None,
              verbose: bool, python_path: str | None = None) -> dict[str, Any]:
    out = work / f"o2opt-out-{tag}"
    cmd = [sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out),
           "--threads", str(threads), "-v" if verbose else "-q"]
    if time_limit is not None:
        cmd += ["--time-limit", f"{time_limit:g}"]
    env, cwd = dict(os.environ), None
    if python_path is not None:
        # python -m puts the working folder first on sys.path: run from the other tree
        env["PYTHONPATH"] = cwd = python_path
    log = work / f"o2opt-{tag}.log"
    wall, rss, code, cpu = run_child(cmd, log, env=env, cwd=cwd)
    summary = out / "summary.json"
    if code not in (0, 1) or not summary.exists():
        sys.exit(f"o2opt exited with {code}:\n{log.read_text()[-3000:]}")
    s = json.loads(summary.read_text())
    return {"who": f"o2opt{'' if python_path is None else ' (' + python_path + ')'}",
            "wall": wall, "cpu": cpu, "rss": rss, "status": s["status"],
            "objective": s.get("objective"), "gap": s.get("mip_gap"),
            "solve": s.get("seconds", {}).get("solve"), "sites": s.get("sites_opened")}


def run_baseline(folder: Path, work: Path, tag: str, threads: int, time_limit: float | None,
                 verbose: bool) -> dict[str, Any]:
    res = work / f"baseline-{tag}.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "baseline.py"), str(folder),
           "--threads", str(threads), "--json", str(res)]
    if time_limit is not None:
        cmd += ["--time-limit", f"{time_limit:g}"]
    if verbose:
        cmd.append("--verbose")
    log = work / f"baseline-{tag}.log"
    wall, rss, code, cpu = run_child(cmd, log)
    if not res.exists():
        sys.exit(f"baseline exited with {code}:\n{log.read_text()[-3000:]}")
    b = json.loads(res.read_text())
    return {"who": "baseline", "wall": wall, "cpu": cpu, "rss": rss, "status": b["status"],
            "objective": b.get("objective"), "gap": b.get("mip_gap"),
            "solve": b.get("seconds", {}).get("solve"), "sites": None}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0,
                        help="multiply every count by this (0.2: 1,000 hospitals)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--budget-share", type=float, default=BUDGET_SHARE,
                        help="budget as a share of the candidates' summed fixed cost")
    parser.add_argument("--time-limit", type=float, help="seconds per solve (both sides)")
    parser.add_argument("--threads", type=int, default=1, help="HiGHS threads (both sides)")
    parser.add_argument("--repeat", type=int, default=1, help="o2opt/baseline pairs")
    parser.add_argument("--only", choices=["o2opt", "baseline"], help="run one side only")
    parser.add_argument("--other", metavar="PYTHONPATH",
                        help="also run o2opt from this source tree (e.g. the old code) "
                             "in every pair")
    parser.add_argument("--keep", type=Path, help="write folder and outputs here (kept)")
    parser.add_argument("-v", "--verbose", action="store_true", help="keep HiGHS logs")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="o2opt-national-siting-") as tmp:
        work = (args.keep or Path(tmp)).resolve()
        work.mkdir(parents=True, exist_ok=True)
        folder, info = make_instance(work / f"siting-x{args.scale:g}-s{args.seed}",
                                     args.scale, args.seed, args.budget_share)
        print(f"instance: {info['hospitals']} hospitals, {info['stations']} stations, "
              f"{info['producers']} producers, {info['candidates']} candidates, "
              f"{info['days']} days, arcs within {MAX_DELIVERY_KM:g} km, unmet allowed, "
              f"budget {info['budget']:.0f} ({args.budget_share:g} of "
              f"{info['fixed_cost_sum']:.0f}), seed {args.seed}; threads {args.threads}, "
              f"time limit {args.time_limit}; load average {os.getloadavg()[0]:.2f} -> "
              f"{folder}", flush=True)
        runs: list[list[dict[str, Any]]] = []
        for k in range(args.repeat):
            pair = []
            if args.only != "baseline":
                pair.append(run_o2opt(folder, work, str(k), args.threads, args.time_limit,
                                      args.verbose))
            if args.other:
                pair.append(run_o2opt(folder, work, f"other-{k}", args.threads,
                                      args.time_limit, args.verbose, args.other))
            if args.only != "o2opt":
                pair.append(run_baseline(folder, work, str(k), args.threads, args.time_limit,
                                         args.verbose))
            for r in pair:
                print(line(k, r), flush=True)
            print(f"  load average {os.getloadavg()[0]:.2f}", flush=True)
            runs.append(pair)
        return report(runs)


def line(k: int, r: dict[str, Any]) -> str:
    def f(x: float | None, spec: str) -> str:
        return "-" if x is None else format(x, spec)

    return (f"{k:>4} {r['who']:<28}{r['wall']:>9.2f}{r['cpu']:>9.2f}{r['rss']:>9.0f}"
            f"{f(r['objective'], '.6f'):>22}{f(r['gap'], '.1e'):>9}  {r['status']}")


def report(runs: list[list[dict[str, Any]]]) -> int:
    print()
    print(f"{'pair':>4} {'who':<28}{'wall s':>9}{'cpu s':>9}{'peak MiB':>9}"
          f"{'objective':>22}{'gap':>9}  status")
    for k, pair in enumerate(runs):
        for r in pair:
            print(line(k, r))
    bad = False
    by_who: dict[str, list[dict[str, Any]]] = {}
    for pair in runs:
        for r in pair:
            by_who.setdefault(r["who"], []).append(r)
    if "baseline" in by_who:
        base = by_who["baseline"]
        for who, rs in by_who.items():
            if who == "baseline":
                continue
            ratios = [r["wall"] / b["wall"] for r, b in zip(rs, base, strict=True)]
            cpu = [r["cpu"] / b["cpu"] for r, b in zip(rs, base, strict=True)]
            print(f"{who}/baseline wall: {', '.join(f'{x:.3f}' for x in ratios)} "
                  f"(median {statistics.median(ratios):.3f}; medians "
                  f"{statistics.median(r['wall'] for r in rs):.2f} s / "
                  f"{statistics.median(b['wall'] for b in base):.2f} s); CPU: "
                  f"{', '.join(f'{x:.3f}' for x in cpu)} (median {statistics.median(cpu):.3f})")
            for r, b in zip(rs, base, strict=True):
                if r["objective"] is None or b["objective"] is None:
                    continue
                rel = abs(r["objective"] - b["objective"]) / max(1.0, abs(b["objective"]))
                proven = r["status"] == "optimal" and b["status"] == "Optimal"
                print(f"  objective relative difference {rel:.2e}"
                      f"{'' if proven else ' (not both proven optimal)'}")
                bad |= proven and rel > TOLERANCE
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
