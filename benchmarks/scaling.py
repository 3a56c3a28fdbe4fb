"""Scaling benchmark (issue #5, target 3): time and memory of ``o2opt solve`` against model size.

For each number of hospitals (default 500, 1,000, 2,000, 5,000, 10,000 and 20,000) a
synthetic national network is written with ``o2opt.synthetic.write_synthetic_folder``
(seed 1, stations and producers in proportion: 300 and 30 per 5,000 hospitals, a surge
``demand.csv`` over ``--days`` days, cylinder arcs limited to ``max_delivery_km = 40``).
Stations get denser as hospitals are added to the same region, so the number of cylinder
arcs grows about as hospitals², and that is the size the overhead is measured against.

Per size, and ``--repeat`` times (interleaved, so machine noise hits every child), three
child processes run, each with its wall time, CPU time (user + system) and peak resident
memory from ``os.wait4`` (as ``benchmarks.national_lp.run_child``, with user and system CPU
apart: system time is the kernel's, mostly page faults on fresh memory):

* ``base``: ``python -c "import numpy, pandas, highspy"`` — the start-up any Python solution
  pays;
* ``import``: ``python -c "import o2opt.cli"`` — o2opt's own start-up;
* ``o2opt``: ``python -m o2opt solve FOLDER --out OUT -q``, the whole command.

The o2opt child's ``summary.json`` gives its steps (``seconds``: ``load``, ``build`` — arcs
and model — ``solve`` — day blocks and HiGHS — and ``write``) and the model size
(``variables``, ``constraints``); the cylinder and bulk arcs are counted in this process with
``o2opt.geo.build_arcs``. ``other`` is the wall time outside the four steps (interpreter
start-up, imports, building the ``Solution``, exit). The overhead is ``wall - solve``
(everything that is not the solve step) and ``net`` is that minus the ``base`` child's wall
time. With ``--inside-highs`` a fourth child runs the same command with ``highspy.Highs.run``
timed (like ``benchmarks/national_lp.py --timed-child``, but taking the union of the
``run()`` intervals, since o2opt may solve day blocks in parallel threads), which splits the
solve step into HiGHS itself and o2opt's work around it (day blocks, ``passModel``, reading
the solution back).

The growth exponent ``k`` of ``y ~ x^k`` is the least-squares slope of ``log y`` on
``log x``, fitted over the sizes with at least ``--fit-from`` hospitals (default 2,000) and
over all sizes. A slope above 1 against the arcs means super-linear overhead.

Usage::

    python benchmarks/scaling.py                          # the full sweep, 7 days
    python benchmarks/scaling.py --sizes 500 1000 2000 --repeat 3
    python benchmarks/scaling.py --days 3 --inside-highs --keep /tmp/scaling
    python benchmarks/scaling.py --sizes 20000 --profile  # + a pyinstrument profile per size
    python benchmarks/scaling.py --sizes 2000 5000 10000 20000 --no-solve --build-probe 3
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from o2opt.synthetic import write_synthetic_folder  # noqa: E402

SIZES = (500, 1000, 2000, 5000, 10000, 20000)
STATIONS_PER_5000, PRODUCERS_PER_5000 = 300, 30
MAX_DELIVERY_KM = 40.0
SEED = 1
FIT_FROM = 2000
STEPS = ("load", "build", "solve", "write")

#: (y, x, label) of the fitted exponents.
FITS: tuple[tuple[str, str, str], ...] = (
    ("overhead", "cyl_arcs", "overhead (wall - solve) vs cylinder arcs"),
    ("net", "cyl_arcs", "overhead - base start-up vs cylinder arcs"),
    ("load", "cyl_arcs", "load step vs cylinder arcs"),
    ("build", "cyl_arcs", "build step vs cylinder arcs"),
    ("write", "cyl_arcs", "write step vs cylinder arcs"),
    ("other", "cyl_arcs", "other (outside the steps) vs cylinder arcs"),
    ("around_highs", "cyl_arcs", "solve step outside HiGHS run() vs cylinder arcs"),
    ("outside_highs", "cyl_arcs", "wall outside HiGHS run() vs cylinder arcs"),
    ("overhead", "variables", "overhead (wall - solve) vs variables"),
    ("net", "variables", "overhead - base start-up vs variables"),
    ("rss", "variables", "peak RSS vs variables"),
    ("rss_net", "variables", "peak RSS - base RSS vs variables"),
    ("solve", "variables", "solve step vs variables"),
    ("highs_run", "variables", "HiGHS run() vs variables"),
    ("wall", "variables", "wall vs variables"),
    ("cpu", "variables", "child CPU (user + system) vs variables"),
    ("sys", "variables", "child system CPU vs variables"),
    ("cyl_arcs", "hospitals", "cylinder arcs vs hospitals"),
    ("variables", "cyl_arcs", "variables vs cylinder arcs"),
)


def network_size(n_hospitals: int) -> tuple[int, int, int]:
    """Hospitals, stations, producers (300 and 30 per 5,000 hospitals, at least 1)."""
    return (n_hospitals, max(1, round(n_hospitals * STATIONS_PER_5000 / 5000)),
            max(1, round(n_hospitals * PRODUCERS_PER_5000 / 5000)))


def size_folder(n_hospitals: int, days: int, work: Path, seed: int, *,
                fresh: bool = False) -> Path:
    """The scenario folder of a size under ``work``, generated if missing (or if ``fresh``)."""
    n_h, n_s, n_p = network_size(n_hospitals)
    folder = work / f"h{n_h}-d{days}"
    if fresh or not (folder / "hospitals.csv").is_file():
        write_synthetic_folder(folder, n_h, n_s, n_p, horizon_days=days, seed=seed,
                               max_delivery_km=MAX_DELIVERY_KM, overwrite=True)
    return folder


def count_arcs(folder: Path) -> tuple[int, int]:
    """Cylinder and bulk arcs of the scenario, as o2opt computes them."""
    import o2opt
    from o2opt.geo import build_arcs

    arcs = build_arcs(o2opt.read_network(folder))
    return len(arcs.cylinder), len(arcs.bulk)


def child(cmd: list[str], log: Path) -> dict[str, float]:
    """Run ``cmd`` (stdout and stderr to ``log``); wall s, CPU s (user + system, and system
    alone), peak RSS MiB of that child from ``wait4``; exit with the log's tail if it fails."""
    with open(log, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"{' '.join(cmd)} exited with {code}:\n{log.read_text()[-3000:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "sys": usage.ru_stime,
            "rss": usage.ru_maxrss / 1024}


def measure(n_hospitals: int, days: int, work: Path, repeat: int, inside_highs: bool,
            seed: int) -> dict[str, Any]:
    """Generate one size and run its children ``repeat`` times; medians of every figure."""
    n_h, n_s, n_p = network_size(n_hospitals)
    t = time.perf_counter()
    folder = size_folder(n_hospitals, days, work, seed, fresh=True)
    gen_s = time.perf_counter() - t
    cyl, bulk = count_arcs(folder)
    print(f"[{time.strftime('%H:%M:%S')}] {n_h} hospitals, {n_s} stations, {n_p} producers, "
          f"{days} days: {cyl:,} cylinder arcs, {bulk:,} bulk arcs (generated in {gen_s:.1f} s)",
          flush=True)
    py = sys.executable
    runs: list[dict[str, float]] = []
    summary: dict[str, Any] = {}
    for k in range(repeat):
        base = child([py, "-c", "import numpy, pandas, highspy"], work / "base.log")
        imp = child([py, "-c", "import o2opt.cli"], work / "import.log")
        out = folder.with_name(f"{folder.name}-out")
        o = child([py, "-m", "o2opt", "solve", str(folder), "--out", str(out), "-q"],
                  folder.with_name(f"{folder.name}-{k}.log"))
        summary = json.loads((out / "summary.json").read_text())
        sec = summary["seconds"]
        run = {**o, **{s: float(sec[s]) for s in STEPS},
               "base_wall": base["wall"], "base_cpu": base["cpu"], "base_rss": base["rss"],
               "import_wall": imp["wall"], "import_rss": imp["rss"]}
        run["other"] = o["wall"] - sum(run[s] for s in STEPS)
        run["overhead"] = o["wall"] - run["solve"]
        run["net"] = run["overhead"] - base["wall"]
        run["rss_net"] = o["rss"] - base["rss"]
        if inside_highs:
            res = folder.with_name(f"{folder.name}-timed.json")
            timed = child([py, str(Path(__file__).resolve()), "--timed-child", str(folder),
                           str(folder.with_name(f"{folder.name}-timed-out")), str(res)],
                          folder.with_name(f"{folder.name}-timed-{k}.log"))
            acc = json.loads(res.read_text())
            t_sec = json.loads((folder.with_name(f"{folder.name}-timed-out") / "summary.json")
                               .read_text())["seconds"]
            run.update(highs_run=acc["run_union"], highs_run_sum=acc["run_sum"],
                       pass_model=acc["pass_model_sum"], highs_calls=acc["calls"],
                       timed_wall=timed["wall"],
                       around_highs=t_sec["solve"] - acc["run_union"],
                       outside_highs=timed["wall"] - acc["run_union"])
        runs.append(run)
        print(f"    run {k + 1}: wall {o['wall']:.2f} s, cpu {o['cpu']:.2f} s (sys "
              f"{o['sys']:.2f}), peak "
              f"{o['rss']:.0f} MiB; steps " + " ".join(f"{s} {run[s]:.2f}" for s in STEPS)
              + f"; base {base['wall']:.2f} s" + (
                  f"; HiGHS run() {run['highs_run']:.2f} s (union; sum "
                  f"{run['highs_run_sum']:.2f} s) in {run['highs_calls']} calls"
                  if inside_highs else ""), flush=True)
    row: dict[str, Any] = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    row.update(hospitals=n_h, stations=n_s, producers=n_p, days=days, cyl_arcs=cyl,
               bulk_arcs=bulk, variables=summary["variables"],
               constraints=summary["constraints"], status=summary["status"],
               objective=summary["objective"], message=summary["message"], repeat=repeat)
    return row


def timed_child(folder: str, out: str, result: str) -> int:
    """``o2opt solve FOLDER --out OUT -q`` in this process with every ``highspy.Highs.run``
    and ``passModel`` call timed. o2opt may solve day blocks in several threads, so the
    result gives both the sum of the ``run()`` times and the length of their union (the wall
    time during which at least one ``run()`` was working)."""
    import threading

    import highspy

    from o2opt.cli import main as o2opt_main

    lock = threading.Lock()
    runs: list[tuple[float, float]] = []
    passes: list[float] = []

    class Timed(highspy.Highs):
        def passModel(self, *a: Any) -> Any:
            t = time.perf_counter()
            r = super().passModel(*a)
            with lock:
                passes.append(time.perf_counter() - t)
            return r

        def run(self) -> Any:
            t = time.perf_counter()
            r = super().run()
            with lock:
                runs.append((t, time.perf_counter()))
            return r

    highspy.Highs = Timed  # o2opt.solve looks highspy.Highs up when it solves
    code = o2opt_main(["solve", folder, "--out", out, "-q"])
    union, reach = 0.0, -math.inf
    for start, end in sorted(runs):
        if end > reach:
            union += end - max(start, reach)
            reach = end
    Path(result).write_text(json.dumps({
        "run_sum": sum(e - s for s, e in runs), "run_union": union, "calls": len(runs),
        "pass_model_sum": sum(passes)}), encoding="utf-8")
    return code


def build_child(folder: str, result: str, hugepage: str) -> int:
    """Read ``folder`` in this fresh process, then time o2opt's build step (arcs and model,
    as ``o2opt.optimize`` does) with wall, user and system CPU and minor page faults.
    ``hugepage``: ``on`` leaves numpy's transparent-huge-page hint (``madvise``) as numpy
    sets it, ``off`` turns it off first, as ``o2opt.cli`` does since commit 5c6b7e1."""
    import resource

    import numpy as np

    import o2opt

    setter = getattr(getattr(np, "_core", np).multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(hugepage == "on")
    from o2opt.geo import build_arcs
    from o2opt.model.builder import build

    net = o2opt.read_network(folder)

    def usage() -> tuple[float, float, float, int]:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), r.ru_utime, r.ru_stime, r.ru_minflt

    u0 = usage()
    arcs = build_arcs(net)
    u1 = usage()
    lm = build(net, arcs)
    u2 = usage()
    out: dict[str, Any] = {"cyl_arcs": len(arcs.cylinder), "variables": lm.num_col,
                           "nonzeros": len(lm.a_val)}
    for name, a, b in (("arcs", u0, u1), ("model", u1, u2), ("build", u0, u2)):
        out.update({f"{name}_wall": b[0] - a[0], f"{name}_user": b[1] - a[1],
                    f"{name}_sys": b[2] - a[2], f"{name}_minflt": b[3] - a[3]})
    Path(result).write_text(json.dumps(out), encoding="utf-8")
    return 0


def build_probe(sizes: list[int], days: int, work: Path, seed: int, runs: int,
                fit_from: int) -> None:
    """``runs`` fresh children per size and numpy huge-page hint (on, off; interleaved)
    timing the build step alone (``build_child``)."""
    print(f"\nbuild step alone, {runs} fresh processes per size and huge-page hint (medians; "
          "wall, user and system CPU, minor page faults):")
    print("| hospitals | numpy THP hint | cyl arcs | nonzeros | arcs wall s | model wall s | "
          "build user s | build sys s | sys per run s | minflt |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    rows: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
    for n in sorted(sizes):
        folder = size_folder(n, days, work, seed)
        res = folder.with_name(f"{folder.name}-build.json")
        got: dict[str, list[dict[str, Any]]] = {"on": [], "off": []}
        for _ in range(runs):
            for mode in got:
                child([sys.executable, str(Path(__file__).resolve()), "--build-child",
                       str(folder), str(res), mode],
                      folder.with_name(f"{folder.name}-build.log"))
                got[mode].append(json.loads(res.read_text()))
        for mode, gs in got.items():
            row = {k: statistics.median(g[k] for g in gs) for k in gs[0]}
            row["hospitals"] = n
            rows[mode].append(row)
            per_run = " ".join(f"{g['build_sys']:.2f}" for g in gs)
            print(f"| {n:,} | {mode} | {int(row['cyl_arcs']):,} | {int(row['nonzeros']):,} | "
                  f"{row['arcs_wall']:.2f} | {row['model_wall']:.2f} | {row['build_user']:.2f} "
                  f"| {row['build_sys']:.2f} | {per_run} | {row['build_minflt']:,.0f} |",
                  flush=True)
    for mode, rs in rows.items():
        big = [r for r in rs if r["hospitals"] >= fit_from]
        for y, label in (("build_wall", "build wall"), ("build_user", "build user CPU"),
                         ("build_sys", "build system CPU"), ("arcs_wall", "build_arcs wall"),
                         ("model_wall", "model assembly wall")):
            ks = [exponent(sel, y, "cyl_arcs") for sel in (big, rs)]
            print(f"THP hint {mode}: exponent of {label} vs cylinder arcs: " + ", ".join(
                f"{'–' if k is None else f'{k:.2f}'} ({what})"
                for k, what in zip(ks, (f">= {fit_from:,} hospitals", "all sizes"),
                                   strict=True)))


def exponent(rows: list[dict[str, Any]], y: str, x: str) -> float | None:
    """Least-squares slope of log y on log x (rows with y > 0), None under two points."""
    pts = [(r[x], r[y]) for r in rows if y in r and x in r and r[y] > 0 and r[x] > 0]
    if len({p[0] for p in pts}) < 2:
        return None
    lx, ly = np.log([p[0] for p in pts]), np.log([p[1] for p in pts])
    return float(np.polyfit(lx, ly, 1)[0])


def print_table(rows: list[dict[str, Any]], inside_highs: bool) -> None:
    """The measured table, as Markdown."""
    cols = ["hospitals × stations × producers", "cyl arcs", "bulk arcs", "variables", "rows",
            "load s", "build s", "solve s", "write s", "other s", "wall s", "cpu s",
            "sys s", "peak MiB", "overhead s", "net s", "overhead %"]
    if inside_highs:
        cols += ["HiGHS run s", "around HiGHS s"]
    print("| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        cells = [f"{r['hospitals']:,} × {r['stations']:,} × {r['producers']:,}",
                 f"{r['cyl_arcs']:,}", f"{r['bulk_arcs']:,}", f"{r['variables']:,}",
                 f"{r['constraints']:,}"]
        cells += [f"{r[k]:.2f}" for k in ("load", "build", "solve", "write", "other", "wall",
                                          "cpu")]
        cells += [f"{r['sys']:.2f}", f"{r['rss']:,.0f}", f"{r['overhead']:.2f}", f"{r['net']:.2f}",
                  f"{r['overhead'] / r['wall']:.0%}"]
        if inside_highs:
            cells += [f"{r['highs_run']:.2f}", f"{r['around_highs']:.2f}"]
        print("| " + " | ".join(cells) + " |")


def print_exponents(rows: list[dict[str, Any]], fit_from: int) -> None:
    big = [r for r in rows if r["hospitals"] >= fit_from]
    print(f"\n| growth exponent k (y ~ x^k) | ≥ {fit_from:,} hospitals ({len(big)} sizes) "
          f"| all sizes ({len(rows)}) |")
    print("|---|---|---|")
    for y, x, label in FITS:
        ks = [exponent(sel, y, x) for sel in (big, rows)]
        if all(k is None for k in ks):
            continue
        print(f"| {label} | " + " | ".join("–" if k is None else f"{k:.2f}" for k in ks)
              + " |")


def profile(n_hospitals: int, days: int, work: Path, seed: int) -> Path:
    """Run the o2opt child under pyinstrument (cProfile if missing); the report's path."""
    folder = size_folder(n_hospitals, days, work, seed)
    out = folder.with_name(f"{folder.name}-profile-out")
    solve = ["-m", "o2opt", "solve", str(folder), "--out", str(out), "-q"]
    try:
        import pyinstrument  # noqa: F401
        report = folder.with_name(f"{folder.name}-profile.txt")
        cmd = [sys.executable, "-m", "pyinstrument", "-r", "text", "--no-color",
               "-o", str(report), *solve]
    except ImportError:
        report = folder.with_name(f"{folder.name}-profile.pstats")
        cmd = [sys.executable, "-m", "cProfile", "-o", str(report), *solve]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return report


def code_state() -> str:
    """The commit of o2opt and whether o2opt/ has uncommitted changes (read-only git)."""
    try:
        head = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                              capture_output=True, text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "--no-optional-locks", "-C", str(ROOT), "status",
                                "--porcelain", "--", "o2opt"],
                               capture_output=True, text=True, check=True).stdout.split("\n")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    changed = [line[3:] for line in dirty if line.strip()]
    return head + (f" + uncommitted changes in {', '.join(changed)}" if changed else "")


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES),
                        help="numbers of hospitals (default: %(default)s)")
    parser.add_argument("--days", type=int, default=7, help="horizon_days (default 7)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per size (medians)")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--fit-from", type=int, default=FIT_FROM,
                        help="smallest size in the large-size fit (default 2000)")
    parser.add_argument("--inside-highs", action="store_true",
                        help="one more child per run with HiGHS run() timed")
    parser.add_argument("--profile", action="store_true",
                        help="after the sweep, profile the o2opt child of each size")
    parser.add_argument("--build-probe", type=int, default=0, metavar="N",
                        help="after the sweep, N fresh processes per size timing the build "
                             "step alone (user and system CPU apart)")
    parser.add_argument("--no-solve", action="store_true",
                        help="skip the solve sweep (with --build-probe or --profile)")
    parser.add_argument("--keep", type=Path, help="write folders, outputs and logs here")
    parser.add_argument("--json", type=Path, help="write the rows as JSON here")
    args = parser.parse_args(argv)

    print(f"load average before: {loadavg()}; {len(args.sizes)} sizes, {args.days} days, "
          f"repeat {args.repeat}, seed {args.seed}, max_delivery_km {MAX_DELIVERY_KM:g}",
          flush=True)
    print(f"o2opt code: {code_state()}", flush=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="o2opt-scaling-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        for n in [] if args.no_solve else sorted(args.sizes):
            rows.append(measure(n, args.days, work, args.repeat, args.inside_highs, args.seed))
        if rows:
            report(rows, args)
        if args.build_probe:
            build_probe(args.sizes, args.days, work, args.seed, args.build_probe, args.fit_from)
        if args.profile:
            for n in sorted(args.sizes):
                print(f"profile of {n} hospitals: {profile(n, args.days, work, args.seed)}")
            if not args.keep:
                print("(profiles are removed with the temporary folder; pass --keep)")
        print(f"\nload average at the end: {loadavg()}")
    return 0


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(f"\nload average after the sweep: {loadavg()}\n")
    print_table(rows, args.inside_highs)
    r0 = rows[0]
    print(f"\nbase child (import numpy, pandas, highspy): {r0['base_wall']:.2f} s, "
          f"{r0['base_rss']:.0f} MiB; `import o2opt.cli`: {r0['import_wall']:.2f} s, "
          f"{r0['import_rss']:.0f} MiB (smallest size; medians over sizes: "
          f"{statistics.median(r['base_wall'] for r in rows):.2f} s and "
          f"{statistics.median(r['import_wall'] for r in rows):.2f} s)")
    print("status: " + ", ".join(f"{r['hospitals']}: {r['status']} ({r['message']})"
                                 for r in rows))
    print_exponents(rows, args.fit_from)
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--timed-child":
        sys.exit(timed_child(*sys.argv[2:]))
    if len(sys.argv) == 5 and sys.argv[1] == "--build-child":
        sys.exit(build_child(*sys.argv[2:]))
    sys.exit(main())
