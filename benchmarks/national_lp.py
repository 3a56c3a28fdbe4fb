"""National LP benchmark (issue #5, target 1): ``o2opt solve`` against a hand-built baseline.

A synthetic national scenario (``o2opt.synthetic.write_synthetic_folder``, fixed seed:
5,000 hospitals, 300 stations, 30 producers, 14 days with a surge wave per city, cylinder
arcs limited to 40 km) is written to a temporary folder. Then, each in its own child
process, with wall time, CPU time and peak resident memory of that child from ``os.wait4``:

* ``o2opt``: ``python -m o2opt solve FOLDER --out OUT -q``, the whole command, reading,
  validation, building, solving and writing the five result files included;
* ``baseline``: ``python benchmarks/baseline.py FOLDER`` — reading the folder with pandas,
  building the canonical model of docs/model.md as one scipy sparse matrix and solving it
  with highspy in one piece (no decomposition; ``benchmarks/baseline.py`` does not import o2opt).

The children run alternately (``--repeat`` pairs), so machine noise hits both. The table
gives wall and CPU seconds, peak MiB, objective, the o2opt/baseline ratios of time and
memory, the relative objective difference, and the share of o2opt's wall time that is not
its solve step (``1 - seconds.solve / wall``, ``summary.json``). A last child runs the same
``o2opt solve`` with ``highspy.Highs.run`` timed (``--no-solver-share`` skips it), which gives
the share of wall time spent inside HiGHS itself; with ``--serial`` another one does the same
for ``--threads 1``. Exit status 1 when the objectives differ by
more than 1e-6 relative, or a child fails.

``--experiment NAME`` instead runs one of the in-process experiments behind
``benchmarks/README_perf.md`` (nothing in o2opt is edited; some monkeypatch it):
``options`` (HiGHS options on three day blocks), ``parallel`` (day blocks serially, in two
threads, in two processes; and a GIL check), ``handover`` (``HighsLp`` attributes vs the
array overload of ``passModel``), ``build-memory`` (build with copy-free row assembly),
``io`` (reading and writing against pandas).

Usage::

    python benchmarks/national_lp.py                    # the issue's instance, one pair
    python benchmarks/national_lp.py --repeat 3
    python benchmarks/national_lp.py --size small --repeat 3
    python benchmarks/national_lp.py --experiment options
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from o2opt.synthetic import write_synthetic_folder

HERE = Path(__file__).resolve().parent
SIZES = {  # hospitals, stations, producers, days
    "tiny": (200, 12, 2, 7),
    "small": (500, 30, 3, 14),
    "medium": (2000, 120, 12, 14),
    "national": (5000, 300, 30, 14),
}
MAX_DELIVERY_KM = 40.0
SEED = 1
TOLERANCE = 1e-6


def run_child(args: list[str], log: Path) -> tuple[float, float, int, float]:
    """Run ``args`` (stdout and stderr to ``log``); wall s, peak RSS MiB, exit status and
    CPU s (user + system) of that child."""
    with open(log, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=sink, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def make_instance(folder: Path, size: str, seed: int = SEED) -> Path:
    n_h, n_s, n_p, days = SIZES[size]
    return write_synthetic_folder(folder, n_h, n_s, n_p, horizon_days=days, seed=seed,
                                  max_delivery_km=MAX_DELIVERY_KM, overwrite=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=list(SIZES), default="national")
    parser.add_argument("--repeat", type=int, default=1, help="o2opt/baseline pairs to run")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--keep", type=Path, help="write folder and outputs here (kept)")
    parser.add_argument("--no-solver-share", action="store_true",
                        help="skip the extra o2opt child with HiGHS run() timed")
    parser.add_argument("--serial", action="store_true",
                        help="also run o2opt with --threads 1 (days one at a time) each pair")
    parser.add_argument("--experiment", choices=list(EXPERIMENTS))
    args = parser.parse_args(argv)

    n_h, n_s, n_p, days = SIZES[args.size]
    with tempfile.TemporaryDirectory(prefix="o2opt-national-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        folder = make_instance(work / args.size, args.size, args.seed)
        print(f"instance: {n_h} hospitals, {n_s} stations, {n_p} producers, {days} days, "
              f"max_delivery_km {MAX_DELIVERY_KM:g}, seed {args.seed} -> {folder}", flush=True)
        if args.experiment:
            EXPERIMENTS[args.experiment](folder, work)
            return 0
        runs: dict[str, list[dict]] = {"o2opt": [], "baseline": []}
        for k in range(args.repeat):
            out = work / f"o2opt-out-{k}"
            cmd = [sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out), "-q"]
            wall, rss, code, cpu = run_child(cmd, work / f"o2opt-{k}.log")
            if code != 0:
                print((work / f"o2opt-{k}.log").read_text()[-3000:], file=sys.stderr)
                return 1
            s = json.loads((out / "summary.json").read_text())
            runs["o2opt"].append({"wall": wall, "rss": rss, "cpu": cpu, **s})
            res = work / f"baseline-{k}.json"
            cmd = [sys.executable, str(HERE / "baseline.py"), str(folder), "--json", str(res)]
            wall, rss, code, cpu = run_child(cmd, work / f"baseline-{k}.log")
            if code != 0:
                print((work / f"baseline-{k}.log").read_text()[-3000:], file=sys.stderr)
                return 1
            b = json.loads(res.read_text())
            runs["baseline"].append({"wall": wall, "rss": rss, "cpu": cpu, **b})
            if args.serial:
                out = work / f"o2opt-serial-out-{k}"
                cmd = [sys.executable, "-m", "o2opt", "solve", str(folder), "--out", str(out),
                       "-q", "--threads", "1"]
                wall, rss, code, cpu = run_child(cmd, work / f"o2opt-serial-{k}.log")
                if code != 0:
                    print((work / f"o2opt-serial-{k}.log").read_text()[-3000:], file=sys.stderr)
                    return 1
                s = json.loads((out / "summary.json").read_text())
                runs.setdefault("o2opt serial", []).append(
                    {"wall": wall, "rss": rss, "cpu": cpu, **s})
            o, b = runs["o2opt"][-1], runs["baseline"][-1]
            print(f"pair {k + 1}: o2opt {o['wall']:.2f} s {o['rss']:.0f} MiB, baseline "
                  f"{b['wall']:.2f} s {b['rss']:.0f} MiB", flush=True)
        timed = {}
        if not args.no_solver_share:
            timed["o2opt"] = solver_share(folder, work)
            if args.serial:
                timed["o2opt --threads 1"] = solver_share(folder, work, ["--threads", "1"])
        return report(runs, timed)


def solver_share(folder: Path, work: Path, extra: list[str] | None = None) -> dict[str, Any]:
    """One more ``o2opt solve`` child (with ``extra`` arguments) with ``highspy.Highs.run`` /
    ``passModel`` timed."""
    tag = "-".join(a.strip("-") for a in extra or [])
    out, res = work / f"o2opt-out-timed{tag}", work / f"o2opt-timed{tag}.json"
    cmd = [sys.executable, str(Path(__file__).resolve()), "--timed-child", str(folder),
           str(out), str(res), *(extra or [])]
    wall, rss, code, cpu = run_child(cmd, work / "o2opt-timed.log")
    if code != 0:
        sys.exit((work / "o2opt-timed.log").read_text()[-3000:])
    return {"wall": wall, "rss": rss, "cpu": cpu, **json.loads(res.read_text())}


def timed_child(folder: str, out: str, result: str, *extra: str) -> int:
    """``o2opt solve FOLDER --out OUT -q EXTRA...`` in this process, HiGHS calls timed."""
    import highspy

    from o2opt.cli import _prepare_process
    from o2opt.cli import main as o2opt_main

    acc: dict[str, Any] = {"run": 0.0, "run_cpu": 0.0, "passModel": 0.0, "calls": 0,
                           "intervals": []}
    lock = threading.Lock()

    class Timed(highspy.Highs):
        def passModel(self, *a: Any) -> Any:
            t = time.perf_counter()
            r = super().passModel(*a)
            with lock:
                acc["passModel"] += time.perf_counter() - t
            return r

        def run(self) -> Any:
            t, c = time.perf_counter(), time.thread_time()  # HiGHS's LP runs in this thread
            r = super().run()
            t1, c1 = time.perf_counter(), time.thread_time()
            with lock:
                acc["run"] += t1 - t
                acc["run_cpu"] += c1 - c
                acc["intervals"].append((t, t1))
                acc["calls"] += 1
            return r

    highspy.Highs = Timed  # o2opt.solve looks highspy.Highs up when it solves
    _prepare_process()  # as the o2opt command does before its main()
    code = o2opt_main(["solve", folder, "--out", out, "-q", *extra])
    busy, end = 0.0, float("-inf")  # wall time during which at least one run() was going
    for a, b in sorted(acc.pop("intervals")):
        if b > end:
            busy += b - max(a, end)
            end = b
    acc["run_wall"] = busy
    Path(result).write_text(json.dumps(acc), encoding="utf-8")
    return code


def report(runs: dict[str, list[dict]], timed: dict[str, dict[str, Any]]) -> int:
    o_runs, b_runs = runs["o2opt"], runs["baseline"]
    med = statistics.median
    pairs = list(zip(o_runs, b_runs, strict=True))
    rel = max(abs(x["objective"] - y["objective"]) / max(1.0, abs(y["objective"]))
              for x, y in pairs)
    print()
    print(f"{'':<10}{'vars':>11}{'rows':>9}{'wall s':>9}{'cpu s':>8}{'peak MiB':>10}"
          f"{'objective':>22}  status; steps (s)")
    o2opt_steps = ("load", "build", "solve", "write")
    for name, rs, keys in (("o2opt", o_runs, o2opt_steps),
                           ("baseline", b_runs, ("read", "build", "solve")),
                           ("o2opt -t1", runs.get("o2opt serial", []), o2opt_steps)):
        if not rs:
            continue
        r = rs[-1]
        steps = " ".join(f"{k} {med(x['seconds'][k] for x in rs):.2f}" for k in keys)
        print(f"{name:<10}{r['variables']:>11,}{r['constraints']:>9,}"
              f"{med(x['wall'] for x in rs):>9.2f}{med(x['cpu'] for x in rs):>8.2f}"
              f"{med(x['rss'] for x in rs):>10.0f}{r['objective']:>22.6f}  {r['status']}; {steps}")
    n = len(pairs)
    print(f"(medians over {n} run{'s' if n > 1 else ''} of each)")
    print()
    t_ratio = med(o["wall"] / b["wall"] for o, b in pairs)
    c_ratio = med(o["cpu"] / b["cpu"] for o, b in pairs)
    m_ratio = med(o["rss"] / b["rss"] for o, b in pairs)
    shares = [1 - r["seconds"]["solve"] / r["wall"] for r in o_runs]
    print(f"time   o2opt/baseline  wall {t_ratio:.3f}, cpu {c_ratio:.3f}  (target <= 1.0)")
    print(f"memory o2opt/baseline  {m_ratio:.3f}  (target <= 1.5)")
    print(f"objective relative difference {rel:.2e}  (must be <= {TOLERANCE:g})")
    print(f"o2opt share of wall not in its solve step (1 - seconds.solve / wall): "
          f"{med(shares):.1%}  (target < 15%; per run: {', '.join(f'{s:.1%}' for s in shares)})")
    if runs.get("o2opt serial"):
        serial = runs["o2opt serial"]
        s_ratio = med(o["wall"] / b["wall"] for o, b in zip(serial, b_runs, strict=True))
        s_shares = [1 - r["seconds"]["solve"] / r["wall"] for r in serial]
        print(f"o2opt --threads 1: wall / baseline {s_ratio:.3f}; share of wall not in its "
              f"solve step {med(s_shares):.1%} (per run: "
              f"{', '.join(f'{s:.1%}' for s in s_shares)})")
        rel = max([rel] + [abs(x["objective"] - y["objective"]) / max(1.0, abs(y["objective"]))
                           for x, y in zip(serial, b_runs, strict=True)])
    for name, share in timed.items():
        print(f"timed {name} child: {share['calls']} HiGHS run() calls; wall "
              f"{share['wall']:.2f} s, CPU {share['cpu']:.2f} s; passModel "
              f"{share['passModel']:.2f} s")
        print(f"  share of wall with no HiGHS run() going: "
              f"{1 - share['run_wall'] / share['wall']:.1%}")
        print(f"  share of CPU outside HiGHS run() (thread CPU of run(): "
              f"{share['run_cpu']:.2f} s): {1 - share['run_cpu'] / share['cpu']:.1%}")
    if n > 1:
        print("per pair wall o2opt/baseline: " + ", ".join(
            f"{x['wall']:.2f}/{y['wall']:.2f}" for x, y in pairs))
    if any(r["objective"] is None for r in o_runs + b_runs) or rel > TOLERANCE:
        print("FAIL: objectives disagree", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------- experiments
def _blocks(folder: Path) -> tuple[Any, list[Any]]:
    import o2opt
    from o2opt.decompose import day_blocks
    from o2opt.model.builder import build

    lm = build(o2opt.read_network(folder))
    return lm, day_blocks(lm)


def _pass_block(h: Any, block: Any, arrays: bool) -> None:
    """Hand a day block to ``h``: the array overload of ``passModel`` (o2opt now) or
    ``HighsLp`` attributes (o2opt before)."""
    import highspy
    import numpy as np

    if arrays:
        h.passModel(block.num_col, block.num_row, len(block.value), 1, 1, 0.0, block.cost,
                    block.lower, block.upper, block.row_lower, block.row_upper,
                    block.start.astype(np.int32), block.index, block.value,
                    block.integer.astype(np.int32))
        return
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = block.num_col, block.num_row
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = block.cost, block.lower, block.upper
    lp.row_lower_, lp.row_upper_ = block.row_lower, block.row_upper
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_ = block.start, block.index
    lp.a_matrix_.value_ = block.value
    h.passModel(lp)


def _solve_block(block: Any, options: tuple[tuple[str, Any], ...] = (),
                 arrays: bool = True) -> tuple[Any, float, float, str, int]:
    """Solve a day block in a fresh Highs: (x, objective, run() seconds, status, iters)."""
    import highspy
    import numpy as np

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in options:
        h.setOptionValue(key, value)
    _pass_block(h, block, arrays)
    t = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t
    info = h.getInfo()
    x = np.asarray(h.getSolution().col_value)
    return (x, info.objective_function_value, seconds,
            h.modelStatusToString(h.getModelStatus()), info.simplex_iteration_count)


OPTION_SETS: dict[str, tuple[tuple[str, Any], ...]] = {
    "default (o2opt today)": (),
    "presolve off": (("presolve", "off"),),
    "presolve off, no scaling": (("presolve", "off"), ("simplex_scale_strategy", 0)),
    "parallel on": (("parallel", "on"),),
    "dual simplex, devex pricing": (("simplex_dual_edge_weight_strategy", 1),),
    "primal simplex": (("simplex_strategy", 4),),
    "ipm (with crossover)": (("solver", "ipm"),),
    "ipm, no crossover": (("solver", "ipm"), ("run_crossover", "off")),
}


def experiment_options(folder: Path, work: Path, reps: int = 3) -> None:
    """HiGHS options on days 0, 6 and 12 (each solved ``reps`` times, interleaved)."""
    _, blocks = _blocks(folder)
    pick = [blocks[i] for i in (0, 6, 12) if i < len(blocks)]
    results: dict[str, list[tuple[float, float, float, str, int]]] = {k: [] for k in OPTION_SETS}
    for _ in range(reps):
        for name, options in OPTION_SETS.items():
            for block in pick:
                c = time.process_time()
                _, obj, seconds, status, iters = _solve_block(block, options)
                results[name].append((seconds, time.process_time() - c, obj, status, iters))
    ref = sum(r[2] for r in results["default (o2opt today)"][:len(pick)])
    print(f"\nHiGHS options on {len(pick)} day blocks ({pick[0].num_col:,} columns, "
          f"{pick[0].num_row:,} rows each), {reps} repetitions; median per block")
    print(f"{'options':<30}{'run() s':>9}{'cpu s':>8}{'vs default':>11}{'obj rel diff':>14}"
          f"  status, simplex iterations")
    base = statistics.median(r[1] for r in results["default (o2opt today)"])
    for name, rs in results.items():
        wall = statistics.median(r[0] for r in rs)
        cpu = statistics.median(r[1] for r in rs)
        obj = sum(r[2] for r in rs[:len(pick)])
        print(f"{name:<30}{wall:>9.3f}{cpu:>8.3f}{cpu / base:>11.2f}"
              f"{abs(obj - ref) / abs(ref):>14.1e}  {rs[0][3]}, {[r[4] for r in rs[:len(pick)]]}")


def _parallel_worker(block: Any) -> tuple[Any, float]:
    x, obj, *_ = _solve_block(block)
    return x, obj


def _parallel_worker_no_presolve(block: Any) -> tuple[Any, float]:
    x, obj, *_ = _solve_block(block, (("presolve", "off"),))
    return x, obj


def experiment_parallel(folder: Path, work: Path, reps: int = 3) -> None:
    """All day blocks: one after the other, in 2 threads, in 2 forked processes, and in 2
    threads with presolve off."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

    _, blocks = _blocks(folder)
    def threads() -> list[tuple[Any, float]]:
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(_parallel_worker, blocks))

    def processes() -> list[tuple[Any, float]]:  # shut down (children reaped) when done
        with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
            return list(pool.map(_parallel_worker, blocks))

    def threads_no_presolve() -> list[tuple[Any, float]]:
        with ThreadPoolExecutor(2) as pool:
            return list(pool.map(_parallel_worker_no_presolve, blocks))

    modes = {"serial": lambda: [_parallel_worker(b) for b in blocks], "2 threads": threads,
             "2 processes (fork)": processes, "2 threads, presolve off": threads_no_presolve}
    print(f"\n{len(blocks)} day blocks, {reps} repetitions (interleaved); wall and CPU of this "
          "process and its children")
    print(f"{'mode':<22}{'wall s':>30}{'cpu s':>30}  objective")
    rows: dict[str, list[tuple[float, float, float]]] = {m: [] for m in modes}
    for _ in range(reps):
        for name, fn in modes.items():
            t0, c0 = time.perf_counter(), os.times()
            res = fn()
            wall, c1 = time.perf_counter() - t0, os.times()
            cpu = (c1.user + c1.system + c1.children_user + c1.children_system
                   - c0.user - c0.system - c0.children_user - c0.children_system)
            obj = sum(o * len(b.days) for (_, o), b in zip(res, blocks, strict=True))
            rows[name].append((wall, cpu, obj))
    for name, rs in rows.items():
        walls = " ".join(f"{r[0]:.2f}" for r in rs)
        cpus = " ".join(f"{r[1]:.2f}" for r in rs)
        print(f"{name:<22}{walls:>30}{cpus:>30}  {rs[0][2]:.6f}")
    _gil_check(blocks[0])


def _gil_check(block: Any) -> None:
    """Does ``Highs.run()`` release the GIL? Count a Python loop while it runs."""
    import threading

    def count(seconds: float) -> float:
        n, t = 0, time.perf_counter()
        while time.perf_counter() - t < seconds:
            n += 1
        return n / seconds

    free = count(0.3)
    worker = threading.Thread(target=_solve_block, args=(block,))
    worker.start()
    busy = count(0.3)  # a day block takes longer than this to solve
    alive = worker.is_alive()
    worker.join()
    print(f"GIL check: a Python loop in the main thread runs at {busy / free:.0%} of its free "
          f"rate while run() works in another thread (still running at the end: {alive}; "
          "near 0% would mean run() holds the GIL)")


def experiment_handover(folder: Path, work: Path, reps: int = 3) -> None:
    """Handing the day blocks to HiGHS: HighsLp attributes (o2opt today) vs the array
    overload of passModel."""
    import highspy

    _, blocks = _blocks(folder)
    for _ in range(reps):
        for arrays in (False, True):
            t = time.perf_counter()
            for b in blocks:
                h = highspy.Highs()
                h.setOptionValue("output_flag", False)
                _pass_block(h, b, arrays)
            what = "passModel(arrays)" if arrays else "HighsLp attributes + passModel(lp)"
            print(f"{what:<36} {len(blocks)} blocks: {time.perf_counter() - t:.3f} s")
    a = _solve_block(blocks[0], arrays=False)
    b = _solve_block(blocks[0], arrays=True)
    print(f"day 0 objective both ways: {a[1]:.6f} {b[1]:.6f}")


def experiment_build_memory(folder: Path, work: Path) -> None:
    """o2opt's build as is, then with row assembly that makes no extra copies (monkeypatched
    ``Rows.arrays``: ``astype(copy=False)``, no mask copy when every value is non-zero)."""
    import importlib
    import tracemalloc

    import numpy as np

    import o2opt
    from o2opt.geo import build_arcs

    build_mod = importlib.import_module("o2opt.model.builder")
    matrix = importlib.import_module("o2opt.model.matrix")
    net = o2opt.read_network(folder)
    arcs = build_arcs(net)

    def measure(label: str) -> Any:
        tracemalloc.start()
        lm = build_mod.build(net, arcs)
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        times = []
        for _ in range(3):
            t = time.perf_counter()
            build_mod.build(net, arcs)
            times.append(time.perf_counter() - t)
        print(f"{label:<34} traced peak {peak / 2**20:6.0f} MiB, kept {current / 2**20:6.0f} "
              f"MiB; warm build {min(times):.3f} s (best of 3)")
        return lm

    before = measure("Rows.arrays as is")

    def rows_arrays(self: Any) -> dict:
        def cat(parts: list, dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype, copy=False) if parts \
                else np.empty(0, dtype)

        a_val = cat([e[2] for e in self._entries], float)
        keep = a_val != 0
        every = bool(keep.all())
        out = {"a_val": a_val if every else a_val[keep]}
        for key, i in (("a_row", 0), ("a_col", 1)):
            values = cat([e[i] for e in self._entries], np.int64)
            out[key] = values if every else values[keep]
        out.update(row_lower=cat(list(self._lower.values()), float),
                   row_upper=cat(list(self._upper.values()), float), row_blocks=self.blocks)
        return out

    saved = matrix.Rows.arrays
    matrix.Rows.arrays = rows_arrays
    try:
        after = measure("Rows.arrays without extra copies")
    finally:
        matrix.Rows.arrays = saved
    same = all(np.array_equal(getattr(before, k), getattr(after, k))
               for k in ("a_row", "a_col", "a_val", "row_lower", "row_upper", "cost"))
    print(f"identical model arrays: {same}")


def experiment_io(folder: Path, work: Path) -> None:
    """Reading the folder (o2opt vs pandas' C reader) and writing the result tables."""
    import pandas as pd

    import o2opt
    from o2opt import io as o2io
    from o2opt.validate import check

    def best(fn: Any, n: int = 3) -> float:
        times = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return min(times)

    files = sorted(folder.glob("*.csv"))
    timings = {
        "o2opt.io._read_folder": lambda: o2io._read_folder(folder),
        "o2opt read_network (read + validate)": lambda: check(o2io._read_folder(folder)),
        "pandas read_csv, C engine, as strings":
            lambda: [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files],
        "pandas read_csv, C engine, typed": lambda: [pd.read_csv(f) for f in files],
    }
    print("\nreading (best of 3):")
    for name, fn in timings.items():
        print(f"  {name:<40}{best(fn):.3f} s")
    sol = o2opt.optimize(o2opt.read_network(folder))
    tables = {n: getattr(sol, n) for n in ("deliveries", "bulk", "service", "sites",
                                           "utilization")}
    out = work / "io-tables"
    out.mkdir(exist_ok=True)

    def plain(df: Any, path: Path) -> None:  # repr() per float, joined by column
        cols = []
        for c in df.columns:
            v = df[c].to_numpy()
            cols.append(list(map(repr, v.tolist())) if v.dtype.kind == "f"
                        else list(map(str, v.tolist())))
        with open(path, "w", newline="") as f:
            f.write(",".join(df.columns) + "\n")
            f.writelines(",".join(row) + "\n" for row in zip(*cols, strict=True))

    rows = [len(t) for t in tables.values()]
    print(f"writing the five tables ({sum(rows):,} rows: {rows}), best of 3:")
    writers = {
        "DataFrame.to_csv (o2opt today)":
            lambda: [t.to_csv(out / f"{n}.csv", index=False) for n, t in tables.items()],
        "repr() + str.join by column":
            lambda: [plain(t, out / f"{n}.plain.csv") for n, t in tables.items()],
    }
    for name, fn in writers.items():
        print(f"  {name:<40}{best(fn):.3f} s")
    same = all((out / f"{n}.csv").read_bytes() == (out / f"{n}.plain.csv").read_bytes()
               for n in tables if len(tables[n]))
    print(f"  byte-identical: {same}")


EXPERIMENTS = {
    "options": experiment_options,
    "parallel": experiment_parallel,
    "handover": experiment_handover,
    "build-memory": experiment_build_memory,
    "io": experiment_io,
}


if __name__ == "__main__":
    if len(sys.argv) >= 5 and sys.argv[1] == "--timed-child":
        sys.exit(timed_child(*sys.argv[2:]))
    sys.exit(main())
