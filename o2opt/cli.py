"""The ``o2opt`` command: a thin layer over the library.

Exit status (docs/model.md, "Exit status"): 0 a plan was found (optimal or feasible), 1 the
solver found none (``summary.json`` says why), 2 bad input or arguments, or a result that
cannot be written (``o2opt: cannot write the result: ...``; nothing written).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from o2opt import __version__, datasets
from o2opt.errors import InputError, OutputError, Problem, SolverError
from o2opt.io import read_network
from o2opt.network import Network
from o2opt.pipeline import optimize
from o2opt.solution import Solution, check_result_folder
from o2opt.solve import SOLVERS
from o2opt.validate import check_solver_options

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["main", "run"]

log = logging.getLogger("o2opt")
OSM_CREDIT = "Hospital locations © OpenStreetMap contributors (ODbL)"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="o2opt",
        description="Plan medical-oxygen supply chains: allocate cylinder deliveries and "
                    "site new plants (LP/MILP).",
    )
    parser.add_argument("--version", action="version", version=f"o2opt {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("-v", "--verbose", action="store_true",
                       help="show debug messages and the solver log")
        p.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")

    def solver_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--solver", choices=SOLVERS, help="default: scenario.toml, else highs")
        p.add_argument("--backend", choices=("highspy", "pulp"),
                       help="how the model reaches the solver (default: highspy for highs)")
        p.add_argument("--time-limit", type=float, metavar="SECONDS", dest="time_limit_s")
        p.add_argument("--mip-gap", type=float, metavar="GAP", help="relative MIP gap")
        p.add_argument("--threads", type=int)

    solve = sub.add_parser("solve", help="solve a scenario folder and write the results")
    solve.add_argument("folder", type=Path, help="scenario folder (or .gpkg)")
    solve.add_argument("--out", type=Path, required=True, help="result folder to write")
    solve.add_argument("--map", action="store_true", help="also write map.png")
    solve.add_argument("--compare", action="store_true",
                       help="also solve with nothing new built and write what the "
                            "investment buys (comparison.json, comparison.csv)")
    solve.add_argument("--plan", metavar="IDS",
                       help="evaluate this plan (comma-separated candidate ids and "
                            "FACILITY/OPTION labels: built, nothing else); implies --compare")
    solver_options(solve)
    common(solve)

    validate = sub.add_parser("validate", help="check a scenario folder and report problems")
    validate.add_argument("folder", type=Path)
    common(validate)

    demo = sub.add_parser("demo", help="solve the bundled Iraq demo scenario")
    demo.add_argument("--out", type=Path, default=Path("o2opt-demo"),
                      help="result folder (default: ./o2opt-demo)")
    solver_options(demo)
    common(demo)

    report = sub.add_parser("report", help="write the HTML planning report of a result folder")
    report.add_argument("result", type=Path, help="result folder written by o2opt solve")
    report.add_argument("--html", type=Path, required=True, help="HTML file to write")
    report.add_argument("--scenario", type=Path,
                        help="scenario folder the result was solved from (default: the "
                             "'scenario' recorded in summary.json, if any)")
    report.add_argument("--boundaries", type=Path,
                        help="region polygons for the map (default: governorates.geojson or "
                             "regions.geojson in the scenario folder)")
    report.add_argument("--figures", type=Path, metavar="FOLDER",
                        help="also save the map and charts as PNG files here")
    report.add_argument("--title", help="report title")
    common(report)

    from o2opt.sweeps.cli import add_sweep_parser  # issue 4: scenario sweeps

    common(add_sweep_parser(sub))
    from o2opt.live.cli import add_live_parsers  # issue 14: the live service

    for live_parser in add_live_parsers(sub):
        common(live_parser)
    return parser


@contextlib.contextmanager
def _logging_to_stderr(verbose: bool, quiet: bool) -> Iterator[None]:
    """Send o2opt's log to stderr while the command runs, then restore the logger."""
    saved = (log.handlers[:], log.level, log.propagate)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%H:%M:%S"))
    log.handlers[:] = [handler]
    log.setLevel(logging.DEBUG if verbose else logging.WARNING if quiet else logging.INFO)
    log.propagate = False
    try:
        yield
    finally:
        log.handlers[:], log.level, log.propagate = saved


def _load(folder: Path) -> tuple[Network, float]:
    start = time.perf_counter()
    network = read_network(folder)
    seconds = time.perf_counter() - start
    log.info("read %s: %r (%.2f s)", folder, network, seconds)
    return network, seconds


def _solve_and_write(network: Network, load_s: float, out: Path, args: argparse.Namespace,
                     map_png: bool, credit: str | None = None,
                     scenario: Path | None = None) -> int:
    check_result_folder(out)  # fail before solving, not after
    solve_options = {"solver": args.solver, "backend": args.backend,
                     "time_limit_s": args.time_limit_s, "mip_gap": args.mip_gap,
                     "threads": args.threads, "verbose": args.verbose,
                     "progress": False}  # the command line logs each step
    extra: dict[str, pd.DataFrame | dict[str, Any]] | None = None
    summary: dict[str, Any] = {}
    solution: Solution
    if getattr(args, "compare", False) or getattr(args, "plan", None):
        from o2opt.compare import compare_investment

        plan = None if not args.plan else [p.strip() for p in args.plan.split(",") if p.strip()]
        try:
            comparison = compare_investment(network, plan, **solve_options)
        except ValueError as e:  # a plan naming something that cannot be built
            raise InputError([Problem("--plan", None, None, str(e))]) from e
        solution = comparison.plan
        summary = comparison.summary()
        extra = {"comparison.json": summary, "comparison.csv": comparison.sites}
    else:
        solution = optimize(network, **solve_options)
    solution.seconds["load"] = load_s
    solution.scenario_path = str(scenario.resolve()) if scenario is not None else None
    options: dict[str, object] = {"credit": credit} if credit else {}
    if map_png and scenario is not None and solution.has_solution:
        from o2opt.report import _read_boundaries

        # governorates.geojson or regions.geojson beside the tables (the bundled Iraq data)
        options["boundaries"] = _read_boundaries(Path(scenario), None)
    solution.to_folder(out, map_png=map_png and solution.has_solution, map_options=options,
                       extra=extra)
    if extra is not None:
        c = summary
        if c["unmet_avoided_m3"] is not None:
            print(f"as is {c['unmet_as_is_m3']:,.1f} m3 unmet, with the plan "
                  f"{c['unmet_plan_m3']:,.1f} m3 ({c['unmet_avoided_m3']:,.1f} avoided, "
                  f"{c['hospitals_reached']} hospital(s) reached); capex {c['capex']:,.2f}, "
                  f"fixed cost over the horizon {c['fixed_cost']:,.2f}")
    s = solution.summary()
    if solution.has_solution:
        print(f"{s['status']}: objective {s['objective']:,.2f}; delivered "
              f"{s['delivered_m3']:,.1f} m3, unmet {s['unmet_m3']:,.1f} of "
              f"{s['demand_m3']:,.1f} m3; opened {len(s['opened'])} site(s) -> {out}")
        return 0
    print(f"{s['status']}: {s['message']} -> {out / 'summary.json'}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    with _logging_to_stderr(args.verbose, args.quiet):
        return _run(args)


def run() -> NoReturn:
    """The process entry point (the ``o2opt`` console script and ``python -m o2opt``):
    :func:`main`, in a process prepared for one large job (:func:`_prepare_process`).

    :func:`main` itself leaves the process alone, as callers in a notebook or a test expect.
    """
    _prepare_process()
    sys.exit(main())


def _prepare_process() -> None:
    """What :func:`run` does to the process before :func:`main` (also used by
    ``benchmarks/national_lp.py``'s timed child, so that it measures the same command).

    :func:`gc.freeze` moves every object made so far (mostly by importing numpy and pandas,
    which live as long as the process) out of the garbage collector's sight: the
    collections made while reading and building, and the one at interpreter exit, no longer
    walk them (exit after a national solve 0.09 → 0.03 s, ``benchmarks/README_perf.md``).
    Then glibc is told to reuse freed memory (:func:`_reuse_freed_memory`) and numpy not to
    ask for huge pages (:func:`_no_huge_page_stalls`).
    """
    import gc

    gc.freeze()
    _reuse_freed_memory()
    _no_huge_page_stalls()


def _reuse_freed_memory() -> None:
    """Let glibc's allocator keep and reuse the memory of freed arrays (up to 32 MiB each).

    By default glibc maps every block above a few hundred KiB afresh and unmaps it when it
    is freed, so each of numpy's large temporaries pays the kernel's page faults again
    (1.5-2.8 µs per 4 KiB page on the benchmark machine). Serving such blocks from the heap
    and not trimming it made a national solve faster and cheaper in CPU for more peak
    memory (figures in ``benchmarks/README_perf.md``, section 4). Elsewhere than glibc (no
    ``mallopt``) nothing changes. Like :func:`_no_huge_page_stalls`, this is a choice for
    the command's own process, which ends when the command does.
    """
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc
        return
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3  # <malloc.h>
    mallopt(m_mmap_threshold, 32 << 20)  # glibc's largest on 64-bit systems
    mallopt(m_trim_threshold, (1 << 31) - 1)  # the largest a C int holds: never trim
    mallopt(m_top_pad, 64 << 20)


def _no_huge_page_stalls() -> None:
    """Stop numpy from asking for transparent huge pages, unless NUMPY_MADVISE_HUGEPAGE says.

    numpy marks every large array for huge pages; where the kernel defragments memory to
    serve such requests (``defrag = madvise``, a common default), building a national model
    spent more time in the kernel than in numpy: 0.93-1.32 s against 0.51-0.53 s without
    (``benchmarks/README_perf.md``). The command owns its process, so it opts out; the
    library, and :func:`main` called from Python, leave numpy's setting alone.
    """
    import os

    import numpy as np

    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:
        return
    setter = getattr(getattr(np, "_core", np).multiarray, "_set_madvise_hugepage", None)
    if setter is not None:
        setter(False)


def _report(args: argparse.Namespace) -> int:
    """``o2opt report``: the HTML planning report of a result folder (issue 3)."""
    from o2opt.report import read_summary, report_folder

    _check_report_paths(args)
    scenario = args.scenario
    recorded = read_summary(args.result).get("scenario")
    if scenario is None and isinstance(recorded, str) and recorded:
        scenario = Path(recorded)
    if scenario is None:
        print("o2opt: which scenario was solved? pass --scenario FOLDER", file=sys.stderr)
        return 2
    try:
        path = report_folder(args.result, args.html, scenario, boundaries=args.boundaries,
                             figures=args.figures, title=args.title)
    except (FileNotFoundError, ValueError) as e:
        print(f"o2opt: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # unreadable input or unwritable --html / --figures
        print(f"o2opt: cannot make the report: {e}", file=sys.stderr)
        return 2
    print(f"report: {path}" + (f", figures: {args.figures}" if args.figures else ""))
    return 0


#: The command-line name of each solver option.
_OPTION_FLAGS = {"solver": "--solver", "backend": "--backend", "time_limit_s": "--time-limit",
                 "mip_gap": "--mip-gap", "threads": "--threads"}


def _check_options(args: argparse.Namespace) -> None:
    """Check the solver options as ``scenario.toml`` would (before anything is read)."""
    checked = check_solver_options({k: getattr(args, k) for k in _OPTION_FLAGS},
                                   source="command line", names=_OPTION_FLAGS)
    for key, value in checked.items():
        setattr(args, key, value)


def _check_report_paths(args: argparse.Namespace) -> None:
    """``--html`` must name a file in an existing folder, ``--figures`` a folder."""
    problems = []
    html: Path = args.html
    if html.is_dir():
        problems.append(Problem("command line", "--html", None,
                                f"{html} is a folder; give the HTML file to write"))
    elif html.exists() and not html.is_file():
        problems.append(Problem("command line", "--html", None, f"{html} is not a file"))
    elif not html.parent.is_dir():
        problems.append(Problem("command line", "--html", None,
                                f"the folder {html.parent} does not exist"))
    figures: Path | None = args.figures
    if figures is not None and figures.exists() and not figures.is_dir():
        problems.append(Problem("command line", "--figures", None,
                                f"{figures} exists and is not a folder"))
    if problems:
        raise InputError(problems)


def _run(args: argparse.Namespace) -> int:
    try:
        if args.command == "validate":
            network, _ = _load(args.folder)
            print(f"ok: {network!r}")
            return 0
        if args.command in ("solve", "demo"):
            _check_options(args)
        if args.command == "solve":
            network, load_s = _load(args.folder)
            return _solve_and_write(network, load_s, args.out, args, map_png=args.map,
                                    scenario=args.folder)
        if args.command == "report":
            return _report(args)
        if args.command in ("serve", "live"):
            try:
                from o2opt.live.cli import run_live, run_serve

                return run_serve(args) if args.command == "serve" else run_live(args)
            except ModuleNotFoundError as e:
                print(f"o2opt: the live service needs the 'live' extra ({e.name} is missing): "
                      "pip install 'o2opt[live]'", file=sys.stderr)
                return 2
        if args.command == "sweep":
            from o2opt.sweeps.cli import run_sweep

            return run_sweep(args)
        network, load_s = _load(datasets.demo_folder())
        code = _solve_and_write(network, load_s, args.out, args, map_png=True,
                                credit=OSM_CREDIT, scenario=datasets.demo_folder())
        print(f"demo results: {args.out / 'summary.json'}, map: {args.out / 'map.png'}")
        return code
    except InputError as e:
        print(f"o2opt: {e}", file=sys.stderr)
        return 2
    except OutputError as e:
        print(f"o2opt: cannot write the result: {e}", file=sys.stderr)
        return 2
    except SolverError as e:
        print(f"o2opt: solver error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("o2opt: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    run()
