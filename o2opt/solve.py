"""Hand a :class:`~o2opt.model.LinearModel` to a solver and report its status honestly.

Two routes:

- ``backend="highspy"`` passes the sparse matrix to HiGHS in one call (the default for
  ``solver="highs"``: no per-variable Python objects);
- ``backend="pulp"`` builds a :class:`pulp.LpProblem` (:func:`o2opt.model.to_pulp`) and
  solves it with PuLP's CBC or HiGHS (the default for ``solver="cbc"``).

Status is one of ``optimal`` (proven, gap at most :data:`PROVEN_GAP`), ``feasible`` (a
solution, e.g. at a time limit, with its gap when the solver reports one), ``infeasible``
and ``no_solution`` (the solver stopped without a solution).
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import logging
import math
import os
import re
import sys
import tempfile
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from o2opt.decompose import DayBlock, DaySplit, split_days
from o2opt.errors import SolverError
from o2opt.model.builder import LinearModel
from o2opt.model.matrix import dot
from o2opt.validate import BACKENDS as BACKENDS
from o2opt.validate import check_solver_options

__all__ = ["PROVEN_GAP", "SOLVERS", "SolveResult", "solve"]

log = logging.getLogger(__name__)

SOLVERS = ("highs", "cbc")
#: Relative MIP gap used when none is given, and the largest gap still called ``optimal``.
PROVEN_GAP = 1e-6


@dataclass(frozen=True)
class SolveResult:
    """What a solver returned: status, primal values (``None`` without a solution), the
    objective, the relative MIP gap (``None`` for an LP or when unknown), solver name and
    wall seconds, and a message for the user."""

    status: str
    x: np.ndarray | None
    objective: float | None
    mip_gap: float | None
    solver: str
    seconds: float
    message: str = ""
    #: Of an LP solved by HiGHS through highspy: the row duals and the column duals (reduced
    #: costs), in the model's cost unit (HiGHS's signs: the rate of change of the objective
    #: per unit of the active bound); ``None`` otherwise.
    row_dual: np.ndarray | None = None
    col_dual: np.ndarray | None = None

    @property
    def has_solution(self) -> bool:
        return self.x is not None


def solve(lm: LinearModel, *, solver: str | None = None, backend: str | None = None,
          time_limit_s: float | None = None, mip_gap: float | None = None,
          threads: int | None = None, verbose: bool = False,
          decompose: bool | None = None,
          progress: Callable[[int, int | None], None] | None = None) -> SolveResult:
    """Solve ``lm``.

    Parameters
    ----------
    solver : {"highs", "cbc"}, optional
        Default: the scenario's ``solver`` (itself ``"highs"`` by default). Every option is
        checked by :func:`o2opt.validate.check_solver_options` (an
        :class:`~o2opt.errors.InputError` when bad).
    backend : {"highspy", "pulp"}, optional
        How the model reaches the solver; default ``highspy`` for HiGHS, ``pulp`` for CBC.
    time_limit_s, mip_gap, threads : optional
        Default: the scenario's values; ``mip_gap`` defaults to :data:`PROVEN_GAP`.
    verbose : bool
        Let the solver print its log.
    decompose : bool, optional
        Solve independent days separately (:mod:`o2opt.decompose`), ``threads`` of them
        at a time (default: one per available core), identical days once. Default: on for
        the ``highspy`` backend whenever the days are independent (no candidate sites);
        with candidate sites over several days, a primal start solved day by day
        (:mod:`o2opt.warmstart`) where it applies. ``False`` always solves the model in one
        piece, with HiGHS alone.
    progress : callable, optional
        Called as ``progress(done, total)`` as day blocks are solved (``total`` is None
        until every block is cut), from worker threads; once ``(1, 1)`` for a model
        solved in one piece. See :mod:`o2opt.progress`.

    Examples
    --------
    >>> import o2opt
    >>> lm = o2opt.model.build(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> a = solve(lm, solver="highs")
    >>> b = solve(lm, solver="cbc")
    >>> a.status, b.status, abs(a.objective - b.objective) <= 1e-6 * abs(a.objective)
    ('optimal', 'optimal', True)
    """
    sc = lm.network.scenario
    given = check_solver_options({"solver": solver or sc.solver, "backend": backend,
                                  "time_limit_s": time_limit_s, "mip_gap": mip_gap,
                                  "threads": threads})
    solver, time_limit_s, mip_gap, threads = (given[k] for k in
                                              ("solver", "time_limit_s", "mip_gap", "threads"))
    backend = given["backend"] or ("highspy" if solver == "highs" else "pulp")
    time_limit_s = time_limit_s if time_limit_s is not None else sc.time_limit_s
    mip_gap = mip_gap if mip_gap is not None else (
        sc.mip_gap if sc.mip_gap is not None else PROVEN_GAP)
    threads = threads if threads is not None else sc.threads
    _check_magnitudes(lm)
    scale = cost_scale(lm.cost)
    if scale != 1.0:  # exact: a power of two; multiplied back below
        log.info("costs divided by 2^%d for the solver", round(math.log2(scale)))
        lm = dataclasses.replace(lm, cost=lm.cost / scale)
    log.info("solving %d variables, %d constraints (%s) with %s via %s", lm.num_col,
             lm.num_row, "MILP" if lm.is_mip else "LP", solver, backend)
    start = time.perf_counter()
    split = None
    if lm.num_col == 0:
        result = _solve_empty(lm)
    elif backend == "highspy":
        split = split_days(lm) if decompose is not False else None
        if split is not None:
            result = _solve_by_day(lm, split, time_limit_s, mip_gap, threads, verbose,
                                   progress)
        else:
            begin = (None if decompose is False
                     else _primal_start(lm, threads, time_limit_s, mip_gap))
            left = (None if time_limit_s is None
                    else max(0.0, time_limit_s - (time.perf_counter() - start)))
            if begin is None:
                result = _solve_highspy(lm, left, mip_gap, threads, verbose)
            elif begin.proven or begin.gap <= mip_gap:  # nothing left for HiGHS to do
                result = SolveResult(_status_from_gap(begin.gap), begin.x,
                                     dot(lm.cost, begin.x), begin.gap,
                                     "highs (highspy): primal start proven by Benders cuts",
                                     0.0, "proven by the primal start's Benders cuts")
            else:
                result = _with_start_bound(
                    _solve_highspy(begin.model, left, mip_gap, threads, verbose,
                                   start=begin.x), begin, lm)
    else:
        result = _solve_pulp(lm, solver, time_limit_s, mip_gap, threads, verbose)
    if progress is not None and split is None:  # solved in one piece
        progress(1, 1)
    seconds = time.perf_counter() - start
    log.info("%s: %s, objective %s (%.2f s)", result.solver, result.status, result.objective,
             seconds)
    objective = None if result.objective is None else result.objective * scale
    duals = {} if result.row_dual is None or result.col_dual is None or scale == 1.0 else {
        "row_dual": result.row_dual * scale, "col_dual": result.col_dual * scale}
    return SolveResult(**{**result.__dict__, "objective": objective, "seconds": seconds,
                          **duals})


#: Costs are divided by a power of two so that the largest the solver sees is at most this.
COST_TARGET = 2.0**24
#: The largest finite bound the solver is given (HiGHS takes 1e20 for infinite).
MAX_BOUND = 1e15


def cost_scale(cost: np.ndarray) -> float:
    """The power of two the objective coefficients are divided by before solving.

    1 while every ``|cost|`` is at most :data:`COST_TARGET` (about 1.7e7), so models in
    everyday currencies, and every benchmark instance of ``benchmarks/``, go to the solver
    unchanged; otherwise the smallest power of two that brings the largest cost within it.
    Dividing by a power of two is exact, so the solver sees the same model in another
    currency unit: the same plan, and the objective multiplied back exactly (costs in Iraqi
    dinars, capital costs up to about 1e10 and penalties about 1e6, reach the solver as
    figures below about 1.7e7).

    Examples
    --------
    >>> cost_scale(np.array([0.05, 1000.0])), cost_scale(np.array([3.0e10, 7.0]))
    (1.0, 2048.0)
    """
    top = float(np.max(np.abs(cost), initial=0.0))
    if not top <= COST_TARGET:  # NaN and inf are refused before
        return float(2.0 ** math.ceil(math.log2(top / COST_TARGET)))
    return 1.0


def _check_magnitudes(lm: LinearModel) -> None:
    """Refuse a model the solver would misread: a cost that is not finite, or a finite bound
    beyond :data:`MAX_BOUND` (HiGHS reads 1e20 as infinite), or a net demand beyond
    :data:`o2opt.schema.MAX_QUANTITY`. Inputs within the documented limits never get here;
    ``[model]`` changes made after reading (``with_model``, sweeps) may."""
    from o2opt.errors import InputError, Problem
    from o2opt.schema import MAX_QUANTITY

    problems = []
    if not np.isfinite(lm.cost).all():
        problems.append(Problem("model", None, None, "a cost is not finite"))
    demand = lm.row_blocks.get("demand")
    if demand is not None and len(lm.row_lower[demand]):
        top = float(np.max(lm.row_lower[demand], initial=0.0))
        if top > MAX_QUANTITY:
            problems.append(Problem("model", "demand_multiplier", None, (
                f"a net demand of {top:g} m3 a day is beyond the magnitude limit "
                f"{MAX_QUANTITY:g} of docs/input.md")))
    for what, values, blocks in (("bound", lm.lower, lm.blocks), ("bound", lm.upper, lm.blocks),
                                 ("row bound", lm.row_lower, lm.row_blocks),
                                 ("row bound", lm.row_upper, lm.row_blocks)):
        big = np.isfinite(values) & (np.abs(values) > MAX_BOUND)
        for name, rows in blocks.items():
            if big[rows].any():
                worst = float(np.max(np.abs(values[rows][big[rows]])))
                problems.append(Problem("model", None, None, (
                    f"a {what} of {worst:g} ({name}) is beyond {MAX_BOUND:g}, which the "
                    "solver cannot tell from infinite; check the magnitudes of the input")))
    if problems:
        raise InputError(dict.fromkeys(problems))


def _solve_by_day(lm: LinearModel, split: DaySplit, time_limit_s: float | None,
                  mip_gap: float, threads: int | None, verbose: bool,
                  progress: Callable[[int, int | None], None] | None = None) -> SolveResult:
    """Solve each distinct day block and assemble the whole model's solution.

    Blocks run concurrently in ``workers`` threads (HiGHS releases the GIL while it
    solves): ``threads`` when given, else the cores this process may use. Each block is
    handed to the pool as soon as it is cut, so the first days solve while the next are
    cut. LP blocks are solved without HiGHS's presolve, which costs more than it saves on
    them (``benchmarks/README_perf.md``); the optimum is the same.
    """
    start = time.perf_counter()
    workers = max(1, min(threads or available_cores(), split.n_days))
    options = {} if lm.is_mip else {"presolve": "off"}
    done = itertools.count(1)  # progress, for the log (next() is atomic under the GIL)
    todo: list[DayBlock] = []  # the distinct days with something to solve

    def one(block: DayBlock) -> SolveResult:
        left = None if time_limit_s is None else time_limit_s - (time.perf_counter() - start)
        if left is not None and left <= 0:
            return SolveResult("no_solution", None, None, None, "", 0.0,
                               "time limit reached before every day was solved")
        part = _solve_highspy(block, left, mip_gap, threads, verbose, options)
        n = next(done)
        log.info("day %d solved (%s): %d distinct day%s solved so far, %.1f s", block.days[0],
                 part.status, n, "s" if n > 1 else "", time.perf_counter() - start)
        if progress is not None:
            progress(n, total[0])
        return part

    total: list[int | None] = [None]  # the number of blocks, once every day is cut

    distinct = 0
    with ThreadPoolExecutor(workers, thread_name_prefix="o2opt-day") as pool:
        futures = []
        for block in split.distinct_blocks():  # cut on this thread while the pool solves
            distinct += 1
            if block.num_col > 0:  # a day without demand needs nothing
                todo.append(block)
                futures.append(pool.submit(one, block))
        total[0] = len(futures)
        if progress is not None:
            progress(sum(f.done() for f in futures), total[0])
        parts = []
        for future in futures:  # in day order
            parts.append(future.result())
            if parts[-1].x is None:  # no plan for the whole model: the rest need not run
                for later in futures:
                    later.cancel()
                break
    name = next((p.solver for p in parts if p.solver), "highs (highspy)")
    if parts and parts[-1].x is None:
        return SolveResult(parts[-1].status, None, None, None, name, 0.0,
                           f"day {todo[len(parts) - 1].days[0]}: {parts[-1].message}")
    x = np.zeros(lm.num_col)
    have_duals = not lm.is_mip and all(p.row_dual is not None for p in parts)
    row_dual = np.zeros(lm.num_row) if have_duals else None
    col_dual = np.zeros(lm.num_col) if have_duals else None
    for block, part in zip(todo, parts, strict=True):
        for cols, rows in zip(block.cols, block.rows, strict=True):
            x[cols] = part.x
            if row_dual is not None and col_dual is not None:
                row_dual[rows], col_dual[cols] = part.row_dual, part.col_dual
    # every day is within the largest day gap, so the whole model is too
    gap = max((p.mip_gap or 0.0 for p in parts), default=0.0) if lm.is_mip else None
    state = "optimal" if all(p.status == "optimal" for p in parts) else "feasible"
    message = (f"solved day by day: {split.n_days} days, {distinct} distinct, "
               f"{min(workers, max(1, len(todo)))} at a time")
    log.info(message)
    return SolveResult(state, x, dot(lm.cost, x), gap, f"{name}, by day", 0.0, message,
                       row_dual, col_dual)


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _status_from_gap(gap: float | None) -> str:
    return "optimal" if gap is None or gap <= PROVEN_GAP else "feasible"


def _solve_empty(lm: LinearModel) -> SolveResult:
    if np.any(lm.row_lower > 0):
        return SolveResult("infeasible", None, None, None, "none", 0.0,
                           "some demand has no delivery arc and unmet demand is not allowed")
    return SolveResult("optimal", np.zeros(0), 0.0, 0.0 if lm.is_mip else None, "none", 0.0)


# --------------------------------------------------------------------------- highspy
_banner_shown = False


@contextlib.contextmanager
def _quiet_stdout(quiet: bool) -> Iterator[None]:
    """Silence C-level stdout (HiGHS prints a banner when first constructed)."""
    if not quiet:
        yield
        return
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (some notebook front-ends)
        yield
        return
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)


_UNSET = object()
_scheduler = threading.Condition()  # guards the state below
_scheduler_state: dict[str, Any] = {"threads": _UNSET, "running": 0}
_stdout_lock = threading.Lock()


@contextlib.contextmanager
def _scheduler_slot(threads: int | None) -> Iterator[None]:
    """Run one HiGHS solve under HiGHS's process-wide task scheduler.

    HiGHS starts that scheduler with the ``threads`` of the first solve and refuses to run
    with another value (status "Not Set"). Solves with the same ``threads`` run side by
    side (days in threads, sweeps in a thread pool); one with another value waits until
    no HiGHS object of o2opt is alive, then restarts the scheduler. That makes changing
    ``threads`` between solves safe; solving in several Python threads *at once* with
    different ``threads`` is not supported by HiGHS (a restart disturbs the schedulers of
    the other threads), so give concurrent solves the same value.
    """
    import highspy

    with _scheduler:
        while _scheduler_state["running"] and _scheduler_state["threads"] != threads:
            _scheduler.wait()
        if _scheduler_state["threads"] not in (_UNSET, threads):
            highspy.Highs.resetGlobalScheduler(True)
        _scheduler_state["threads"] = threads
        _scheduler_state["running"] += 1
    try:
        yield
    finally:
        with _scheduler:
            _scheduler_state["running"] -= 1
            _scheduler.notify_all()


def _primal_start(lm: LinearModel, threads: int | None,
                  time_limit_s: float | None, mip_gap: float | None = None) -> Any:
    """A feasible plan to start HiGHS from (:mod:`o2opt.warmstart`), where one pays."""
    from o2opt import warmstart

    if not warmstart.applies(lm, warmstart.MIN_COLUMNS):
        return None
    return warmstart.primal_start(lm, threads, time_limit_s, mip_gap=mip_gap)


def _with_start_bound(result: SolveResult, begin: Any, lm: LinearModel) -> SolveResult:
    """HiGHS's result after a primal start, with the gap the start's Benders bound proves
    when it is smaller than HiGHS's own (a time limit can stop HiGHS before its root bound:
    gap ``inf``), and the start itself when HiGHS returned no plan."""
    if result.x is None or result.objective is None:
        if result.status == "infeasible":  # cannot be: the start is a plan; say so as is
            return result
        return SolveResult(_status_from_gap(begin.gap), begin.x, dot(lm.cost, begin.x),
                           begin.gap, result.solver, result.seconds,
                           "the primal start (HiGHS returned no better plan in time)")
    gap = max(0.0, result.objective - begin.bound) / max(1e-10, abs(result.objective))
    if result.mip_gap is not None and gap >= result.mip_gap:
        return result
    status = result.status if result.status == "optimal" else _status_from_gap(gap)
    return dataclasses.replace(result, mip_gap=gap, status=status,
                               message=f"{result.message}; gap from the primal start's "
                                       "Benders bound")


def _solve_highspy(lm: LinearModel | DayBlock, time_limit_s: float | None, mip_gap: float,
                   threads: int | None, verbose: bool,
                   options: dict[str, Any] | None = None,
                   start: np.ndarray | None = None) -> SolveResult:
    """Solve ``lm`` in one piece with HiGHS; ``start`` is a feasible plan to begin from."""
    # the HiGHS object lives inside the slot: the scheduler is never restarted under it
    with _scheduler_slot(threads):
        args = (lm, time_limit_s, mip_gap, threads, verbose, options)
        return _run_highspy(*args) if start is None else _run_highspy(*args, plan=start)


def _new_highs(verbose: bool) -> Any:
    """A ``highspy.Highs`` object, its banner shown once at most, its log on if ``verbose``."""
    import highspy

    global _banner_shown
    with _stdout_lock:  # one thread at a time may redirect stdout
        with _quiet_stdout(not verbose and not _banner_shown):
            h = highspy.Highs()
        _banner_shown = True
    h.setOptionValue("output_flag", verbose)
    return h


def _run_highspy(lm: LinearModel | DayBlock, time_limit_s: float | None, mip_gap: float,
                 threads: int | None, verbose: bool,
                 options: dict[str, Any] | None,
                 plan: np.ndarray | None = None) -> SolveResult:
    import highspy

    h = _new_highs(verbose)
    if time_limit_s is not None:
        h.setOptionValue("time_limit", float(time_limit_s))
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    h.setOptionValue("mip_rel_gap", float(mip_gap))
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    start, index, value = lm.csc()
    if len(value) > np.iinfo(np.int32).max:
        raise SolverError(f"{len(value):,} non-zeros: more than HiGHS's 32-bit index allows")
    # the array overload copies the numpy buffers once, without a Python object per entry:
    # (columns, rows, non-zeros, format 1 = column-wise, sense 1 = minimise, offset, ...)
    h.passModel(lm.num_col, lm.num_row, len(value), 1, 1, 0.0, lm.cost, lm.lower, lm.upper,
                lm.row_lower, lm.row_upper, start.astype(np.int32, copy=False),
                index.astype(np.int32, copy=False), value, lm.integer.astype(np.int32))
    if plan is not None:
        h.setSolution(lm.num_col, np.arange(lm.num_col, dtype=np.int32),
                      np.asarray(plan, dtype=np.float64))
    h.run()
    status = h.getModelStatus()
    info = h.getInfo()
    name = f"highs {h.version()} (highspy)"
    text = h.modelStatusToString(status)
    has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
    gap = float(info.mip_gap) if lm.is_mip and has_solution else None
    ms = highspy.HighsModelStatus
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return SolveResult("infeasible", None, None, None, name, 0.0, text)
    if not has_solution:
        return SolveResult("no_solution", None, None, None, name, 0.0, text)
    solution = h.getSolution()
    x = np.asarray(solution.col_value, dtype=float)
    objective = float(info.objective_function_value)
    if status == ms.kOptimal:
        state = _status_from_gap(gap) if lm.is_mip else "optimal"
    else:
        state = "feasible"
    if lm.is_mip or state != "optimal" or not solution.dual_valid:
        return SolveResult(state, x, objective, gap, name, 0.0, text)
    return SolveResult(state, x, objective, gap, name, 0.0, text,
                       np.asarray(solution.row_dual, dtype=float),
                       np.asarray(solution.col_dual, dtype=float))


# --------------------------------------------------------------------------- PuLP
def _solve_pulp(lm: LinearModel, solver: str, time_limit_s: float | None, mip_gap: float,
                threads: int | None, verbose: bool) -> SolveResult:
    import pulp

    from o2opt.model.pulp import to_pulp

    prob, variables = to_pulp(lm)
    with tempfile.TemporaryDirectory(prefix="o2opt-") as tmp:
        log_path = Path(tmp) / "solver.log"
        if solver == "cbc":
            # PuLP 3.x warns that its bundled CBC goes away in 4.0; o2opt pins pulp<4.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                cmd = pulp.PULP_CBC_CMD(msg=verbose, timeLimit=time_limit_s, gapRel=mip_gap,
                                        threads=threads, logPath=str(log_path))
            name = "cbc (PuLP)"
        else:
            options = {"mip_rel_gap": mip_gap}
            if threads is not None:
                options["threads"] = threads
            cmd = pulp.HiGHS(msg=verbose, timeLimit=time_limit_s, **options)
            name = "highs (PuLP)"
        if not cmd.available():
            raise SolverError(f"{name} is not available in this Python environment")
        try:
            prob.solve(cmd)
        except pulp.PulpSolverError as e:
            raise SolverError(f"{name} failed: {e}") from e
        solver_log = log_path.read_text(errors="replace") if log_path.exists() else ""
    sol_status = prob.sol_status
    text = pulp.LpStatus.get(prob.status, str(prob.status))
    if sol_status == pulp.LpSolutionInfeasible or prob.status == pulp.LpStatusInfeasible:
        return SolveResult("infeasible", None, None, None, name, 0.0, text)
    if sol_status not in (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible):
        return SolveResult("no_solution", None, None, None, name, 0.0, text)
    x = np.array([v.varValue if v.varValue is not None else 0.0 for v in variables])
    objective = dot(lm.cost, x)
    if sol_status == pulp.LpSolutionOptimal:
        gap = _pulp_gap(prob, solver, solver_log, objective) if lm.is_mip else None
        state = _status_from_gap(gap) if lm.is_mip else "optimal"
    else:
        gap = _pulp_gap(prob, solver, solver_log, objective)
        state = "feasible"
    return SolveResult(state, x, objective, gap, name, 0.0, text)


def _pulp_gap(prob: Any, solver: str, solver_log: str, objective: float) -> float | None:
    """The relative MIP gap of a PuLP solve: HiGHS reports it, CBC's log gives its bound."""
    if solver == "cbc":
        return _cbc_gap(solver_log, objective)
    highs = getattr(prob, "solverModel", None)
    if highs is None:
        return None
    try:
        return float(highs.getInfo().mip_gap)
    except AttributeError:
        return None


def _cbc_gap(solver_log: str, objective: float) -> float | None:
    """Relative gap from CBC's closing "Lower bound" line (None when it is absent)."""
    bound = re.findall(r"Lower bound:\s+(-?[0-9.eE+-]+)", solver_log)
    if not bound:
        return 0.0 if "Optimal solution found" in solver_log else None
    lower = float(bound[-1])
    return max(0.0, objective - lower) / max(1e-10, abs(objective))
