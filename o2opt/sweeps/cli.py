"""``o2opt sweep``: the command-line side of :mod:`o2opt.sweeps` (called by :mod:`o2opt.cli`).

::

    o2opt sweep FOLDER (--grid KEY=V1,V2,... ... | --scenarios scenarios.csv) --out OUT
                [--workers N | --scheduler tcp://HOST:PORT] [--robust worst|expected]
                [--retry-failed]

Writes to ``OUT``: ``store/`` (one record per finished scenario; running the same command
again resumes), ``scenarios.csv`` (the set, normalised: feed it back with
``--scenarios``), ``sweep.csv`` (one row per scenario), and when the network has
candidates ``opening_frequency.csv``/``.png`` and ``pareto.csv``/``.png``; with
``--robust`` also ``robust_plans.csv``, ``robust_evaluations.csv`` and ``robust.png``.
A progress bar (done, failed, remaining, ETA) goes to stderr.

Exit status: 0 every scenario has a result (whatever its status), 1 some scenario failed
(``sweep.csv`` says why), 2 bad input or arguments (nothing solved).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import sys
import time
from collections.abc import Iterator
from concurrent.futures import Executor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from o2opt.errors import InputError, OutputError, Problem

if TYPE_CHECKING:  # the sweep machinery is imported when a sweep runs, not to parse
    import pandas as pd

    from o2opt.network import Network
    from o2opt.sweeps.run import SweepProgress
    from o2opt.sweeps.scenarios import ScenarioSpec

__all__ = ["ProgressBar", "add_sweep_parser", "parse_grid", "run_sweep", "write_outputs"]

log = logging.getLogger("o2opt")


def add_sweep_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]
                     ) -> argparse.ArgumentParser:
    """Add the ``sweep`` subcommand to ``sub`` and return its parser."""
    p = sub.add_parser(
        "sweep", help="solve a set of scenarios (grid or table) in parallel; resumable",
        description="Solve every scenario of a grid or table on a local process pool or a "
                    "Dask cluster. Finished scenarios are stored in OUT/store as they finish; "
                    "running the same command again solves only the rest.")
    p.add_argument("folder", type=Path, help="base scenario folder (or .gpkg)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2,...",
                   help="a [model] key or event column and its values (repeat for more "
                        "columns; every combination is solved), e.g. budget=0,1e6 or "
                        "outage:p1=none,0-6")
    p.add_argument("--scenarios", type=Path, metavar="CSV",
                   help="scenario table, one row per scenario (crossed with --grid if both)")
    p.add_argument("--out", type=Path, required=True, help="result folder (resumable)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, metavar="N",
                       help="local worker processes (default: one per CPU)")
    where.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler to send the work to, e.g. tcp://10.0.0.5:8786")
    p.add_argument("--robust", choices=("worst", "expected"),
                   help="also choose the siting plan with the least worst-case or expected "
                        "unmet demand across the scenarios")
    p.add_argument("--retry-failed", action="store_true",
                   help="solve again the scenarios stored with an error")
    return p


def parse_grid(items: list[str]) -> dict[str, list[str]]:
    """``["budget=0,1e6", "outage:P1=none,0-6"]`` → ``{"budget": ["0", "1e6"], ...}``.

    ``none`` in an event column means "no event" (an empty cell).

    Examples
    --------
    >>> parse_grid(["budget=0,1e6", "outage:P1=none,0-2+5"])
    {'budget': ['0', '1e6'], 'outage:P1': ['', '0-2+5']}
    """
    out: dict[str, list[str]] = {}
    problems = []
    for item in items:
        key, eq, values = item.partition("=")
        key = key.strip()
        if not eq or not key or not values.strip():
            problems.append(Problem("--grid", key or None, None,
                                    f"must look like KEY=V1,V2,..., got {item!r}"))
            continue
        if key in out:
            problems.append(Problem("--grid", key, None, "is given more than once"))
            continue
        event = ":" in key or key == "sites"
        out[key] = ["" if event and v.strip().lower() == "none" else v.strip()
                    for v in values.split(",")]
    if problems:
        raise InputError(problems)
    return out


def _specs(args: argparse.Namespace, network: Network) -> list[ScenarioSpec]:
    from o2opt.sweeps.scenarios import grid, read_scenarios

    table = read_scenarios(args.scenarios, network) if args.scenarios else None
    points = grid(parse_grid(args.grid), network) if args.grid else None
    if table is None:
        if points is None:
            raise InputError([Problem("o2opt sweep", None, None,
                                      "give the scenarios: --grid KEY=V1,V2,... or "
                                      "--scenarios scenarios.csv")])
        return points
    if points is None:
        return table
    from o2opt.sweeps.scenarios import MAX_GRID_SCENARIOS

    if len(table) * len(points) > MAX_GRID_SCENARIOS:
        raise InputError([Problem("--grid", None, None, f"crossed with {args.scenarios.name} "
                                  f"declares {len(table)} x {len(points)} scenarios; at most "
                                  f"{MAX_GRID_SCENARIOS:,} (split the sweep)")])
    specs: list[ScenarioSpec] = []
    problems: dict[str, Problem] = {}
    for row in table:
        for point in points:
            try:
                specs.append(row.combine(point))
            except ValueError as e:
                message = f"crossed with scenario {row.label!r} of {args.scenarios.name}: {e}"
                problems.setdefault(message, Problem("--grid", None, None, message))
    if problems:
        raise InputError(problems.values())
    return specs


def _check_out(out: Path) -> None:
    """Refuse a folder that holds anything but an earlier sweep, or that cannot be written
    (a file in the way, a dangling symbolic link, a read-only or full disk)."""
    from o2opt.atomic import check_writable

    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder")
    if (out.is_dir() and any(out.iterdir()) and not (out / "store" / "meta.json").is_file()):
        raise OutputError(f"{out} is not empty and does not hold an o2opt sweep; choose "
                          "another folder or empty it")
    check_writable(out, replace=lambda folder: (folder / "store" / "meta.json").is_file())


@contextlib.contextmanager
def _executor(args: argparse.Namespace) -> Iterator[Executor | None]:
    if not args.scheduler:
        yield None
        return
    try:
        from distributed import Client
    except ImportError:
        raise InputError([Problem("--scheduler", None, None, "needs Dask distributed: "
                                  "pip install 'dask[distributed]'")]) from None
    _check_address(args.scheduler)
    try:
        client = Client(args.scheduler, timeout=_CONNECT_TIMEOUT_S)
    except Exception as e:  # OSError, TimeoutError, or whatever a wrong peer sends back
        why = (str(e) or type(e).__name__) if isinstance(e, OSError | TimeoutError) else \
            f"what answered is not a Dask scheduler ({type(e).__name__})"
        raise InputError([Problem("--scheduler", None, None, f"cannot reach the Dask "
                                  f"scheduler at {args.scheduler}: {why}")]) from None
    try:
        n = len(client.scheduler_info().get("workers", {}))
        log.info("Dask scheduler %s: %d worker(s), dashboard %s", args.scheduler, n,
                 client.dashboard_link)
        yield client.get_executor()
    finally:
        client.close()


_CONNECT_TIMEOUT_S = 10  # seconds to reach the scheduler (the command fails well within 30 s)


def _check_address(address: str) -> None:
    """Raise :class:`InputError` unless ``address`` looks like a Dask scheduler address
    (``[tcp://|tls://|ucx://|ws://|wss://]HOST:PORT``).

    Examples
    --------
    >>> _check_address("tcp://10.0.0.5:8786")
    >>> _check_address("notaurl")
    Traceback (most recent call last):
    ...
    o2opt.errors.InputError: 1 problem in the input:
      - --scheduler: must look like tcp://HOST:PORT (a Dask scheduler), got 'notaurl'
    """
    import re

    match = re.fullmatch(r"(?:(tcp|tls|ucx|ws|wss)://)?(\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)"
                         r":(\d{1,5})/?", address.strip())
    if match is None or not 0 < int(match.group(3)) < 65536:
        raise InputError([Problem("--scheduler", None, None, "must look like tcp://HOST:PORT "
                                  f"(a Dask scheduler), got {address!r}")])


class ProgressBar:
    """A :class:`SweepProgress` callback drawing ``done/failed/remaining, ETA`` on a
    stream: redrawn in place on a terminal, a line every few seconds otherwise."""

    def __init__(self, stream: TextIO = sys.stderr, *, enabled: bool = True,
                 every_s: float = 5.0, width: int = 24):
        self.stream, self.enabled, self.every_s, self.width = stream, enabled, every_s, width
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self._last_line = 0.0
        self._drawn = False

    def line(self, p: SweepProgress) -> str:
        finished = p.done + p.failed
        filled = round(self.width * finished / p.total) if p.total else self.width
        eta = "" if p.eta_s is None else f", ETA {_clock(p.eta_s)}"
        stored = f" ({p.from_store} from the store)" if p.from_store else ""
        return (f"sweep [{'#' * filled}{'.' * (self.width - filled)}] {finished}/{p.total}: "
                f"{p.done} done, {p.failed} failed, {p.remaining} remaining{stored}, "
                f"{_clock(p.elapsed_s)} elapsed{eta}")

    def __call__(self, p: SweepProgress) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        last = p.remaining == 0
        if self.tty:
            self.stream.write("\r" + self.line(p).ljust(110) + ("\n" if last else ""))
            self._drawn = not last
        elif last or now - self._last_line >= self.every_s or not self._last_line:
            self.stream.write(self.line(p) + "\n")
            self._last_line = now
        self.stream.flush()

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self._drawn = False


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"


def _csv(frame: pd.DataFrame, path: Path) -> None:
    from o2opt.sweeps.store import write_atomic

    write_atomic(path, frame.to_csv(index=False))


def write_outputs(out: Path, network: Network, specs: list[ScenarioSpec],
                  results: pd.DataFrame, *, robust: str | None = None,
                  run: dict[str, Any] | None = None) -> list[Path]:
    """Write ``scenarios.csv``, ``sweep.csv`` and the decision tables and charts."""
    from o2opt.charts import offscreen

    with offscreen():  # saved, never shown: no pyplot figures
        return _write_outputs(out, network, specs, results, robust=robust, run=run)


def _write_outputs(out: Path, network: Network, specs: list[ScenarioSpec],
                   results: pd.DataFrame, *, robust: str | None, run: dict[str, Any] | None
                   ) -> list[Path]:
    import pandas as pd

    from o2opt.sweeps.decisions import opening_frequency, pareto_frontier, robust_siting
    from o2opt.sweeps.plot import plot_opening_frequency, plot_pareto, plot_robust, save_chart

    written = []
    cells = [{"label": s.label, **s.cells(), **({"weight": s.weight} if s.weight != 1 else {})}
             for s in specs]
    _csv(pd.DataFrame(cells).fillna(""), out / "scenarios.csv")
    _csv(results, out / "sweep.csv")
    written += [out / "scenarios.csv", out / "sweep.csv"]
    solved = results["status"].isin(("optimal", "feasible")).any()
    if len(network.candidates) and solved:
        freq = opening_frequency(results, network)
        _csv(freq, out / "opening_frequency.csv")
        save_chart(plot_opening_frequency(freq), out / "opening_frequency.png")
        _csv(pareto_frontier(results).drop(columns=["error", "seconds", "worker"]),
             out / "pareto.csv")
        save_chart(plot_pareto(results), out / "pareto.png")
        written += [out / f"{n}.{e}" for n in ("opening_frequency", "pareto")
                    for e in ("csv", "png")]
    if robust and len(network.candidates) and solved:
        r = robust_siting(network, specs, criterion=robust, results=results, **(run or {}))
        _csv(r.plans, out / "robust_plans.csv")
        _csv(r.evaluations, out / "robust_evaluations.csv")
        save_chart(plot_robust(r), out / "robust.png")
        written += [out / "robust_plans.csv", out / "robust_evaluations.csv",
                    out / "robust.png"]
        best = ", ".join(r.best) or "no new site"
        log.info("robust siting (%s unmet): %s", robust, best)
    return written


def run_sweep(args: argparse.Namespace) -> int:
    """Run ``o2opt sweep`` with parsed ``args``; returns the exit status."""
    from o2opt.io import read_network
    from o2opt.sweeps.run import sweep

    start = time.perf_counter()
    network = read_network(args.folder)
    log.info("read %s: %r", args.folder, network)
    specs = _specs(args, network)
    _check_out(args.out)
    if args.workers is not None and args.workers < 1:
        raise InputError([Problem("--workers", None, None, "must be >= 1")])
    bar = ProgressBar(sys.stderr, enabled=not args.quiet)
    with _executor(args) as executor:
        run: dict[str, Any] = {"executor": executor, "store": args.out / "store",
                     "workers": args.workers, "progress": bar}
        try:
            results = sweep(network, specs, retry_failed=args.retry_failed, **run)
            bar.close()
            write_outputs(args.out, network, specs, results, robust=args.robust, run=run)
        except OutputError:
            raise
        except OSError as e:  # a full or read-only disk while writing the store or tables
            where = f" ({e.filename})" if e.filename else ""
            raise OutputError(f"{args.out}: {e.strerror or e}{where}") from e
        finally:
            bar.close()
    failed = int((results["status"] == "error").sum())
    counts = results["status"].value_counts()
    statuses = ", ".join(f"{n} {s}" for s, n in counts.items())
    print(f"{len(results)} scenario(s): {statuses} ({time.perf_counter() - start:.1f} s) "
          f"-> {args.out / 'sweep.csv'}")
    if failed:
        print(f"o2opt: {failed} scenario(s) failed; see the error column of "
              f"{args.out / 'sweep.csv'} (--retry-failed solves them again)", file=sys.stderr)
    return 1 if failed else 0

