"""Run the OR-Library capacitated warehouse location benchmark through o2opt.

Every instance of ``capopt.txt`` is converted to a scenario folder
(:func:`benchmarks.instances.orlib_to_folder`), read with :func:`o2opt.read_network` and solved
with :func:`o2opt.optimize`; its objective is compared with the published optimum. As a
baseline, the same instance is also built and solved directly with highspy on the strong
formulation (``x_ij <= y_i``), in the same run, so the ratio column shows o2opt's overhead.

Usage::

    python benchmarks/orlib_all.py [--solver highs|cbc] [--include-large] [--time-limit S]
                                   [--only cap41 cap131 ...] [--repeat N] [--markdown FILE]
                                   [--no-baseline] [--mip-gap G] [--threads T] [--tol T]

Exits with status 1 if any instance's relative error exceeds ``--tol`` (default 1e-4) or
o2opt did not return a solution.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.instances import (  # noqa: E402
    OrlibInstance,
    orlib_instances,
    orlib_path,
    orlib_to_folder,
    published_optima,
    read_orlib_cflp,
)


@dataclass
class Row:
    """One line of the result table."""

    instance: str
    size: str
    published: float
    objective: float = math.nan
    status: str = ""
    load_s: float = math.nan
    build_s: float = math.nan
    solve_s: float = math.nan
    total_s: float = math.nan
    gap: float = math.nan
    base_objective: float = math.nan
    base_status: str = ""
    base_gap: float = math.nan
    base_s: float = math.nan

    @property
    def rel_error(self) -> float:
        """``|o2opt - published| / |published|`` (NaN without an objective)."""
        return abs(self.objective - self.published) / abs(self.published)

    @property
    def ratio(self) -> float:
        """o2opt build+solve time over the baseline's build+solve time."""
        return self.total_s / self.base_s if self.base_s > 0 else math.nan


_banner_shown = False


@contextlib.contextmanager
def _quiet_fd1(active: bool) -> Iterator[None]:
    """Silence file descriptor 1 while active (HiGHS prints a banner on the first Highs()).

    Parameters
    ----------
    active : bool
        False: do nothing.

    Yields
    ------
    None
    """
    if not active:
        yield
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def strong_highspy(instance: OrlibInstance, time_limit_s: float | None = None,
                   threads: int | None = None,
                   mip_gap: float = 1e-6) -> tuple[float, str, float, float, float]:
    """Solve the strong CFLP formulation directly with highspy (the baseline).

    ``min sum c_ij x_ij + sum f_i y_i`` subject to ``sum_i x_ij = 1`` for every customer,
    ``sum_j d_j x_ij <= s_i y_i`` for every warehouse, ``x_ij <= y_i``, ``0 <= x <= 1`` and
    ``y`` binary. Customers with zero demand are dropped (they cost nothing).

    Parameters
    ----------
    instance : OrlibInstance
        The instance.
    time_limit_s : float, optional
        HiGHS time limit.
    threads : int, optional
        HiGHS threads.
    mip_gap : float, default 1e-6
        HiGHS ``mip_rel_gap`` (o2opt's default).

    Returns
    -------
    tuple of (float, str, float, float, float)
        Objective, HiGHS model status, relative MIP gap, build seconds, solve seconds.
    """
    import highspy

    t0 = time.perf_counter()
    keep = np.flatnonzero(instance.demand > 0)
    d = instance.demand[keep]
    c = instance.cost[:, keep]
    m, n = c.shape
    nx = m * n  # x_ij at column i * n + j, y_i at column nx + i
    i_of = np.repeat(np.arange(m), n)
    j_of = np.tile(np.arange(n), m)
    x_col = np.arange(nx)
    # rows: n demand rows, m capacity rows, nx linking rows
    rows = np.concatenate([j_of, n + i_of, n + m + x_col,  # x entries
                           n + np.arange(m), n + m + x_col])  # y entries
    cols = np.concatenate([x_col, x_col, x_col, nx + np.arange(m), nx + i_of])
    vals = np.concatenate([np.ones(nx), d[j_of], np.ones(nx), -instance.capacity, -np.ones(nx)])
    order = np.lexsort((rows, cols))
    starts = np.searchsorted(cols[order], np.arange(nx + m + 1))
    lp = highspy.HighsLp()
    lp.num_col_ = nx + m
    lp.num_row_ = n + m + nx
    lp.col_cost_ = np.concatenate([c.ravel(), instance.fixed_cost])
    lp.col_lower_ = np.zeros(nx + m)
    lp.col_upper_ = np.ones(nx + m)
    lp.row_lower_ = np.concatenate([np.ones(n), np.full(m + nx, -highspy.kHighsInf)])
    lp.row_upper_ = np.concatenate([np.ones(n), np.zeros(m + nx)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts.astype(np.int32)
    lp.a_matrix_.index_ = rows[order].astype(np.int32)
    lp.a_matrix_.value_ = vals[order]
    lp.integrality_ = [highspy.HighsVarType.kContinuous] * nx + [highspy.HighsVarType.kInteger] * m
    global _banner_shown
    with _quiet_fd1(not _banner_shown):
        h = highspy.Highs()
    _banner_shown = True
    h.setOptionValue("output_flag", False)
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.passModel(lp)
    t1 = time.perf_counter()
    h.run()
    t2 = time.perf_counter()
    status = h.modelStatusToString(h.getModelStatus())
    info = h.getInfo()
    return float(info.objective_function_value), status, float(info.mip_gap), t1 - t0, t2 - t1


def run_o2opt(instance: OrlibInstance, solver: str, time_limit_s: float | None,
              threads: int | None, mip_gap: float, row: Row) -> None:
    """Convert, read and solve one instance with o2opt, filling ``row`` in place.

    Parameters
    ----------
    instance : OrlibInstance
        The instance.
    solver : str
        ``"highs"`` or ``"cbc"``.
    time_limit_s : float, optional
        Passed to :func:`o2opt.optimize`.
    threads : int, optional
        Passed to :func:`o2opt.optimize`.
    mip_gap : float
        Passed to :func:`o2opt.optimize`.
    row : Row
        Receives objective, status and timings.
    """
    import o2opt

    with tempfile.TemporaryDirectory(prefix=f"o2opt-{instance.label}-") as tmp:
        folder = orlib_to_folder(instance, Path(tmp) / instance.label)
        t0 = time.perf_counter()
        net = o2opt.read_network(folder)
        row.load_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        sol = o2opt.optimize(net, solver=solver, time_limit_s=time_limit_s, mip_gap=mip_gap,
                             threads=threads)
        row.total_s = time.perf_counter() - t0
    row.status = str(sol.status)
    row.objective = float(sol.objective) if sol.objective is not None else math.nan
    gap = sol.summary().get("mip_gap")
    row.gap = float(gap) if gap is not None else math.nan
    seconds = getattr(sol, "seconds", None) or {}
    row.build_s = float(seconds.get("build", math.nan))
    row.solve_s = float(seconds.get("solve", math.nan))


def _fmt(x: float, spec: str) -> str:
    return "-" if x is None or (isinstance(x, float) and math.isnan(x)) else format(x, spec)


COLUMNS = ("instance", "m x n", "published", "o2opt", "rel err", "status", "gap", "load s",
           "build s", "solve s", "baseline s", "base gap", "ratio")


def table_lines(rows: list[Row], markdown: bool = False) -> list[str]:
    """Format the result table as text (fixed width) or Markdown.

    Parameters
    ----------
    rows : list of Row
        Results.
    markdown : bool, default False
        Markdown pipe table instead of aligned text.

    Returns
    -------
    list of str
        The lines.
    """
    cells = [[r.instance, r.size, _fmt(r.published, ".3f"), _fmt(r.objective, ".3f"),
              _fmt(r.rel_error, ".1e"), r.status, _fmt(r.gap, ".1e"), _fmt(r.load_s, ".3f"),
              _fmt(r.build_s, ".3f"), _fmt(r.solve_s, ".3f"), _fmt(r.base_s, ".3f"),
              _fmt(r.base_gap, ".1e"), _fmt(r.ratio, ".2f")] for r in rows]
    if markdown:
        out = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        return out + ["| " + " | ".join(c) + " |" for c in cells]
    widths = [max(len(h), *(len(c[k]) for c in cells)) if cells else len(h)
              for k, h in enumerate(COLUMNS)]
    fmt = "  ".join(f"{{:{'<' if k in (0, 1, 5) else '>'}{w}}}" for k, w in enumerate(widths))
    return [fmt.format(*COLUMNS), *(fmt.format(*c) for c in cells)]


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status.

    Parameters
    ----------
    argv : list of str, optional
        Arguments (default ``sys.argv[1:]``).

    Returns
    -------
    int
        0 when every instance is within ``--tol`` of its published optimum, else 1.
    """
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--solver", default="highs", choices=("highs", "cbc"))
    parser.add_argument("--include-large", action="store_true",
                        help="also capa/capb/capc at each capacity (100 x 1000)")
    parser.add_argument("--time-limit", type=float, default=None,
                        help="seconds per solve (default: none; 600 for capa/b/c)")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--mip-gap", type=float, default=1e-6,
                        help="relative MIP gap for o2opt and the baseline (o2opt's default)")
    parser.add_argument("--only", nargs="*", default=None, help="instance names to run")
    parser.add_argument("--repeat", type=int, default=1,
                        help="solve each instance N times and report the fastest run")
    parser.add_argument("--tol", type=float, default=1e-4, help="allowed relative error")
    parser.add_argument("--no-baseline", action="store_true", help="skip the highspy baseline")
    parser.add_argument("--markdown", type=Path, default=None, help="also write a Markdown table")
    args = parser.parse_args(argv)

    optima = published_optima()
    keys = orlib_instances(include_large=args.include_large)
    if args.only:
        keys = [k for k in keys if k[0] in args.only]
    rows: list[Row] = []
    print("  ".join(COLUMNS), flush=True)
    for name, capacity in keys:
        instance = read_orlib_cflp(orlib_path(name), capacity=capacity)
        large = capacity is not None
        limit = args.time_limit if args.time_limit is not None else (600.0 if large else None)
        row = Row(instance.label, f"{instance.m}x{instance.n}", optima[(name, capacity)])
        for _ in range(args.repeat):  # keep the fastest of the repeats (timing noise)
            try:
                trial = Row(row.instance, row.size, row.published)
                run_o2opt(instance, args.solver, limit, args.threads, args.mip_gap, trial)
            except Exception as exc:  # report and go on with the next instance
                trial.status = f"error: {type(exc).__name__}: {exc}"[:60]
            if math.isnan(row.total_s) or trial.total_s < row.total_s:
                row.objective, row.status, row.gap = trial.objective, trial.status, trial.gap
                row.load_s, row.build_s = trial.load_s, trial.build_s
                row.solve_s, row.total_s = trial.solve_s, trial.total_s
            if not args.no_baseline:
                obj, status, gap, build, solve = strong_highspy(instance, limit, args.threads,
                                                                args.mip_gap)
                if math.isnan(row.base_s) or build + solve < row.base_s:
                    row.base_objective, row.base_status, row.base_gap = obj, status, gap
                    row.base_s = build + solve
        rows.append(row)
        print(table_lines([row])[1], flush=True)
    print()
    lines = table_lines(rows)
    print("\n".join(lines))
    bad = [r for r in rows if not (r.rel_error <= args.tol)
           or r.status not in ("optimal", "feasible")]
    total = sum(r.total_s for r in rows if not math.isnan(r.total_s))
    base = sum(r.base_s for r in rows if not math.isnan(r.base_s))
    print(f"\n{len(rows)} instances, o2opt {total:.1f} s (build+solve), baseline {base:.1f} s; "
          f"{len(bad)} off by more than {args.tol:g}: {[r.instance for r in bad]}")
    if args.markdown is not None:
        args.markdown.write_text("\n".join(table_lines(rows, markdown=True)) + "\n",
                                 encoding="utf-8")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
