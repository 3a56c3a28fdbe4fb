"""A primal start for siting models over several days: a feasible plan handed to HiGHS.

HiGHS finds good plans for a large siting model late: at national size most of its clock
goes to heuristics (its analytic centre, sub-MIPs) before an incumbent is good enough for
reduced-cost fixing to remove most of the site binaries (``benchmarks/README_perf.md``,
section 7). o2opt knows the model's structure and can build a good plan quickly:

1. the LP relaxation of the whole model gives fractional site decisions;
2. a tiny MILP over the integer columns alone (the rows that contain nothing else, such as
   ``budget`` or the capital budget) rounds them: open what the LP opens at least half,
   within those rows;
3. with the integer columns fixed, the rest of the model falls apart by day: the days are
   solved one by one (:mod:`o2opt.decompose`), which is fast;
4. the plan (integers and flows) is given to HiGHS with ``setSolution`` before it starts.

The start only helps HiGHS prune; the MILP solved is the same model with the same gap, so
the optimum and its proof are unchanged. It is used only where it can pay (see
:func:`applies`): a MILP whose continuous columns are the day-indexed flows ``n``, ``q``,
``u`` and whose other columns are all integer, over at least two days, of at least
:data:`MIN_COLUMNS` columns. Single-day models (the OR-Library and Holmberg benchmarks)
never get one.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import numpy as np

from o2opt.model.builder import LinearModel
from o2opt.model.matrix import SparseArrays

__all__ = ["MIN_COLUMNS", "Start", "applies", "primal_start"]

log = logging.getLogger(__name__)

#: Below this many columns HiGHS finds good plans fast enough on its own.
MIN_COLUMNS = 20_000
#: Rounding: an integer column is set to 1 when the LP relaxation sets it at least this high.
THRESHOLD = 0.5
#: Plans proposed by the Benders master after the rounded LP relaxation.
ROUNDS = 30
#: A plan proposed by the master differs from the best so far in at most this many places.
RADIUS = 2
#: Seconds one master MILP may take (less when the time limit leaves less): with many
#: binaries and a capital budget, proving the master's optimum can take longer than the
#: whole model deserves; a master stopped early still gives a plan and a valid bound.
MASTER_TIME_S = 20.0


def _flow_columns(lm: LinearModel) -> int:
    """The number of leading day-indexed columns (``n``, ``q``, ``u``), or -1 when the
    blocks are not laid out as ``n``, ``q``, ``u`` first."""
    end = 0
    for name in ("n", "q", "u"):
        cols = lm.blocks.get(name)
        if cols is None or cols.start != end:
            return -1
        end = cols.stop
    return end


def applies(lm: LinearModel, min_columns: int = MIN_COLUMNS) -> bool:
    """Whether :func:`primal_start` is tried for ``lm``: a MILP over two days or more, of at
    least ``min_columns`` columns, whose leading ``n``, ``q``, ``u`` columns are continuous
    and whose other columns are all integer with bounds within ``[0, 1]``."""
    k = _flow_columns(lm)
    if (k < 0 or not lm.is_mip or lm.num_col < min_columns
            or lm.network.scenario.horizon_days < 2):
        return False
    rest = slice(k, lm.num_col)
    return bool(not lm.integer[:k].any() and lm.integer[rest].all()
                and (lm.lower[rest] >= 0).all() and (lm.upper[rest] <= 1).all())


@dataclasses.dataclass(frozen=True)
class Start:
    """A feasible plan ``x`` of a model and the model to hand to the solver: the same
    model with the integer columns that cannot be in a better plan fixed (``fixed`` of
    them, by reduced cost against the LP relaxation)."""

    x: np.ndarray
    model: LinearModel
    fixed: int
    #: A lower bound on the optimum of the model (from the Benders cuts).
    bound: float
    #: ``x`` is proven optimal: :attr:`bound` is within :data:`o2opt.solve.PROVEN_GAP` of it.
    proven: bool

    @property
    def gap(self) -> float:
        """The relative gap between ``x``'s cost and :attr:`bound`."""
        cost = float(self.model.cost @ self.x)
        return max(0.0, cost - self.bound) / max(1e-10, abs(cost))


def primal_start(lm: LinearModel, threads: int | None = None,
                 time_limit_s: float | None = None, rounds: int | None = None,
                 mip_gap: float | None = None) -> Start | None:
    """A feasible plan of ``lm`` and ``lm`` with integer columns fixed by reduced cost, or
    ``None`` when no plan was found.

    ``lm`` must satisfy :func:`applies`. The LP relaxation, the small MILPs over the integer
    columns and the day LPs are solved by HiGHS with ``threads``; ``time_limit_s`` bounds
    each solve.

    Plans: the LP relaxation rounded, then up to ``rounds`` (default :data:`ROUNDS`) plans
    proposed by a master problem over the integer columns whose rows are Benders cuts, one
    per day and plan (the cost of a day's flows is convex in the integer columns; each LP
    solved gives a supporting plane through its row duals). The best plan is kept.

    Reduced-cost fixing: for the LP relaxation's optimum ``z`` and an integer column at a
    bound with reduced cost ``d``, every solution with that column at its other bound costs
    at least ``z + |d|`` (the LP bound of that half). When that exceeds the best plan's cost
    by more than :data:`o2opt.solve.PROVEN_GAP` relative, no better plan has it there, and
    the column is fixed: the optimum over what is left is the optimum of ``lm``.
    """
    from o2opt.solve import _scheduler_slot

    with _scheduler_slot(threads):  # HiGHS objects live across the rounds
        return _primal_start(lm, threads, time_limit_s, rounds, mip_gap)


def _primal_start(lm: LinearModel, threads: int | None, time_limit_s: float | None,
                  rounds: int | None, mip_gap: float | None = None) -> Start | None:
    from o2opt.solve import PROVEN_GAP, _solve_highspy

    begin = time.perf_counter()
    rounds = ROUNDS if rounds is None else rounds
    # the rounds stop once the bound proves the gap asked for (never less than proven)
    target = max(PROVEN_GAP, mip_gap if mip_gap is not None else PROVEN_GAP)

    def left() -> float | None:
        return (None if time_limit_s is None
                else max(0.0, time_limit_s - (time.perf_counter() - begin)))

    def master_time() -> float:
        rest = left()
        return MASTER_TIME_S if rest is None else min(MASTER_TIME_S, rest)

    k = _flow_columns(lm)
    relaxed = dataclasses.replace(lm, integer=np.zeros(lm.num_col, dtype=bool))
    lp = _solve_highspy(relaxed, left(), 0.0, threads, False)
    if lp.x is None or lp.status != "optimal" or lp.objective is None:
        return None
    master = _Master(lm, k)
    if lp.row_dual is not None:
        master.add_cuts(lp.row_dual)
    y = _round(lm, k, lp.x[k:], threads, left())
    best: np.ndarray | None = None
    best_cost = np.inf
    seen: set[bytes] = set()
    bound = -np.inf
    if y is None:
        return None
    flows = _fixed_model(lm, k, y)
    if flows is None:
        return None
    days = _DayLPs(*flows, lm, k, threads)
    for r in range(rounds + 1):
        if y is None or y.tobytes() in seen:
            break
        seen.add(y.tobytes())
        if left() == 0.0:
            break
        x, duals = days.evaluate(y, left())
        if x is None:
            break
        cost = float(lm.cost @ x)
        if cost < best_cost:
            best, best_cost = x, cost
        if duals is not None:
            master.add_cuts(duals)
        log.info("primal start, plan %d: %.6f (%d integer columns at 1)", r, cost,
                 int(y.sum()))
        if r == rounds:
            break
        y_global, master_bound = master.solve(threads, master_time(), gap=target / 10)
        bound = max(bound, master_bound)
        if best is None or bound >= best_cost - target * max(1.0, abs(best_cost)):
            break
        # the next plan: the master's best within RADIUS changes of the best plan so far
        y, _ = master.solve(threads, master_time(), best[k:], RADIUS, gap=target)
        if y is None or y.tobytes() in seen:
            y = y_global
    if best is None:
        return None
    lower, upper = lm.lower.copy(), lm.upper.copy()
    fixed = 0
    if lp.col_dual is not None:
        d = lp.col_dual[k:]
        value = lp.x[k:]
        bar = best_cost + PROVEN_GAP * max(1.0, abs(best_cost))
        at_lower = (value <= lm.lower[k:] + 1e-9) & (d > 0) & (lp.objective + d > bar)
        at_upper = (value >= lm.upper[k:] - 1e-9) & (d < 0) & (lp.objective - d > bar)
        upper[k:][at_lower] = lm.lower[k:][at_lower]
        lower[k:][at_upper] = lm.upper[k:][at_upper]
        fixed = int(at_lower.sum() + at_upper.sum())
    log.info("primal start: LP relaxation %.6f, cut bound %.6f, best plan %.6f; %d of %d "
             "integer columns fixed by reduced cost (%.1f s)", lp.objective, bound, best_cost,
             fixed, lm.num_col - k, time.perf_counter() - begin)
    bound = max(bound, lp.objective)
    proven = bound >= best_cost - PROVEN_GAP * max(1.0, abs(best_cost))
    return Start(best, dataclasses.replace(lm, lower=lower, upper=upper), fixed, bound, proven)


class _DayLPs:
    """The flows' LP of each day with the integer columns fixed, kept in HiGHS between
    plans: a new plan only moves row bounds, and HiGHS starts from the last basis."""

    def __init__(self, flows: LinearModel, rows: np.ndarray, lm: LinearModel, k: int,
                 threads: int | None) -> None:
        from o2opt.decompose import split_days
        from o2opt.solve import _new_highs

        self.lm, self.k, self.flows, self.rows = lm, k, flows, rows
        split = split_days(flows)
        self.days = ([split.block(t) for t in range(split.n_days)] if split is not None
                     else None)
        self.highs: list[Any] = []
        blocks: list[Any] = list(self.days) if self.days is not None else [flows]
        for block in blocks:
            h = _new_highs(False)
            h.setOptionValue("presolve", "off")
            if threads is not None:
                h.setOptionValue("threads", int(threads))
            start, index, value = block.csc()
            h.passModel(block.num_col, block.num_row, len(value), 1, 1, 0.0, block.cost,
                        block.lower, block.upper, block.row_lower, block.row_upper,
                        start.astype(np.int32, copy=False), index.astype(np.int32, copy=False),
                        value, np.zeros(block.num_col, dtype=np.int32))
            self.highs.append(h)

    def evaluate(self, y: np.ndarray, time_limit_s: float | None = None
                 ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """The plan with integer columns ``y`` and the cheapest flows for it, and the row
        duals of those LPs in the model's rows (``None`` when there is no plan, also when
        ``time_limit_s`` runs out)."""
        import highspy

        lm, k = self.lm, self.k
        if _fixed_model(lm, k, y) is None:  # y breaks a row over integer columns only
            return None, None
        part = lm.a_col >= k
        shift = np.bincount(lm.a_row[part], lm.a_val[part] * y[lm.a_col[part] - k],
                            minlength=lm.num_row)[self.rows]
        lower, upper = lm.row_lower[self.rows] - shift, lm.row_upper[self.rows] - shift
        x = np.zeros(k)
        duals = np.zeros(lm.num_row)
        blocks: list[Any] = list(self.days) if self.days is not None else [None]
        for h, block in zip(self.highs, blocks, strict=True):
            cols = np.arange(k) if block is None else block.cols[0]
            rows = np.arange(len(self.rows)) if block is None else block.rows[0]
            h.changeRowsBounds(len(rows), np.arange(len(rows), dtype=np.int32),
                               lower[rows], upper[rows])
            if time_limit_s is not None:
                h.setOptionValue("time_limit", float(time_limit_s))
            h.run()
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                return None, None
            solution = h.getSolution()
            x[cols] = solution.col_value
            duals[self.rows[rows]] = solution.row_dual
        return np.concatenate([x, y]), duals


class _Master:
    """Benders cuts on the flows' cost, one per day and plan, and the small MILP over the
    integer columns they make (with the rows over integer columns only)."""

    def __init__(self, lm: LinearModel, k: int) -> None:
        self.lm, self.k = lm, k
        self.n_days = lm.network.scenario.horizon_days
        self.col_day = np.concatenate([lm.n_day, lm.q_day, lm.u_day]).astype(np.int64)
        flow = lm.a_col < k
        self.row_day = np.full(lm.num_row, -1, dtype=np.int64)
        self.row_day[lm.a_row[flow]] = self.col_day[lm.a_col[flow]]
        if np.any(self.row_day[lm.a_row[flow]] != self.col_day[lm.a_col[flow]]):
            # a row over several days: one cut for all days together
            self.n_days = 1
            self.col_day = np.zeros_like(self.col_day)
            self.row_day[self.row_day > 0] = 0
        self.y_entries = ~flow & (self.row_day[lm.a_row] >= 0)  # y in a flow row
        self.cuts: list[tuple[int, np.ndarray, float]] = []  # day, h, rhs

    def add_cuts(self, row_dual: np.ndarray) -> None:
        """Add one cut per day from row prices ``pi`` (an LP's row duals).

        Weak duality, whatever the prices: day t's flows cost at least
        ``L_t - (A_y' pi_t) y``, where ``L_t`` sums, over the day's rows, ``pi_r`` times the
        row's bound on the side of its sign (prices of the wrong sign for an infinite bound
        are set to 0) and, over the day's flow columns, ``min(d_j l_j, d_j u_j)`` with
        ``d = c - A' pi``. The bound is tight at the LP's optimum, and its validity does not
        rest on the LP's tolerances.
        """
        lm, k = self.lm, self.k
        pi = np.where(np.isfinite(lm.row_upper), row_dual, np.maximum(row_dual, 0.0))
        pi = np.where(np.isfinite(lm.row_lower), pi, np.minimum(pi, 0.0))
        pi[self.row_day < 0] = 0.0  # rows over integer columns only are the master's
        side = np.where(pi > 0, lm.row_lower, lm.row_upper)
        row_term = np.where(pi != 0, pi * np.where(np.isfinite(side), side, 0.0), 0.0)
        flow = lm.a_col < k
        d = lm.cost[:k] - np.bincount(lm.a_col[flow], pi[lm.a_row[flow]] * lm.a_val[flow],
                                      minlength=k)
        # a negative price on a column without upper bound is a dual infeasibility within
        # HiGHS's tolerance: counted as 0
        up = np.where(np.isfinite(lm.upper[:k]), lm.upper[:k], 0.0)
        col_term = np.where(d >= 0, d * lm.lower[:k], d * up)
        const = (np.bincount(self.col_day, col_term, minlength=self.n_days)
                 + np.bincount(np.maximum(self.row_day, 0), np.where(self.row_day >= 0,
                               row_term, 0.0), minlength=self.n_days))
        e = self.y_entries
        rows, cols = lm.a_row[e], lm.a_col[e] - k
        for t in range(self.n_days):
            on = self.row_day[rows] == t
            h = np.bincount(cols[on], pi[rows[on]] * lm.a_val[e][on], minlength=lm.num_col - k)
            self.cuts.append((t, h, float(const[t])))

    def solve(self, threads: int | None, time_limit_s: float | None,
              center: np.ndarray | None = None, radius: int = 0,
              gap: float = 1e-9) -> tuple[np.ndarray | None, float]:
        """The master's best integer columns within relative ``gap`` (or when
        ``time_limit_s`` runs out) and its dual bound (without ``center``: a lower bound on
        the model's optimum; ``-inf`` when there is none); with ``center``, only integer
        columns that differ from it in at most ``radius`` places."""
        from o2opt.solve import _solve_highspy

        lm, k, n = self.lm, self.k, self.lm.num_col - self.k
        base = _integer_rows(lm, k)
        if center is not None:  # sum over center 0 of y + sum over center 1 of (1 - y)
            on = center > 0.5
            base = dataclasses.replace(
                base, row_lower=np.r_[base.row_lower, -np.inf],
                row_upper=np.r_[base.row_upper, radius - on.sum()],
                a_row=np.r_[base.a_row, np.full(n, base.num_row)],
                a_col=np.r_[base.a_col, np.arange(n)], a_val=np.r_[base.a_val, 1.0 - 2.0 * on])
        n_cut = len(self.cuts)
        # columns: y (n), theta (n_days); cut rows: theta_t + h y >= rhs
        cut_rows = np.repeat(np.arange(n_cut), n + 1) + base.num_row
        cut_cols = np.concatenate([np.r_[np.arange(n), n + t] for t, _, _ in self.cuts])
        cut_vals = np.concatenate([np.r_[h, 1.0] for _, h, _ in self.cuts])
        model = _Model(
            cost=np.r_[lm.cost[k:], np.ones(self.n_days)],
            lower=np.r_[lm.lower[k:], np.full(self.n_days, -np.inf)],
            upper=np.r_[lm.upper[k:], np.full(self.n_days, np.inf)],
            integer=np.r_[np.ones(n, dtype=bool), np.zeros(self.n_days, dtype=bool)],
            row_lower=np.r_[base.row_lower, [rhs for _, _, rhs in self.cuts]],
            row_upper=np.r_[base.row_upper, np.full(n_cut, np.inf)],
            a_row=np.r_[base.a_row, cut_rows], a_col=np.r_[base.a_col, cut_cols],
            a_val=np.r_[base.a_val, cut_vals])
        res = _solve_highspy(model, time_limit_s, gap, threads, False)  # type: ignore[arg-type]
        if res.x is None or res.objective is None:
            return None, -np.inf
        # stopped by the time limit or at the gap: HiGHS's dual bound, from its gap
        bound = res.objective
        if res.mip_gap is None or not np.isfinite(res.mip_gap):
            bound = -np.inf
        elif res.mip_gap:
            bound -= res.mip_gap * abs(bound)
        return np.clip(np.round(res.x[:n]), lm.lower[k:], lm.upper[k:]), float(bound)


def _integer_rows(lm: LinearModel, k: int) -> _Model:
    """The rows of ``lm`` over integer columns only, as a model of those columns."""
    only_int = np.ones(lm.num_row, dtype=bool)
    only_int[lm.a_row[lm.a_col < k]] = False
    has_entry = np.zeros(lm.num_row, dtype=bool)
    has_entry[lm.a_row] = True
    rows = np.flatnonzero(only_int & has_entry)
    keep = np.isin(lm.a_row, rows)
    local = np.full(lm.num_row, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    n = lm.num_col - k
    return _Model(cost=np.zeros(n), lower=lm.lower[k:], upper=lm.upper[k:],
                  integer=np.ones(n, dtype=bool), row_lower=lm.row_lower[rows],
                  row_upper=lm.row_upper[rows], a_row=local[lm.a_row[keep]],
                  a_col=lm.a_col[keep] - k, a_val=lm.a_val[keep])


def _round(lm: LinearModel, k: int, y_lp: np.ndarray, threads: int | None,
           time_limit_s: float | None) -> np.ndarray | None:
    """Integer values near ``y_lp`` within the rows over integer columns only: those the LP
    sets at least :data:`THRESHOLD`, as many as those rows allow."""
    from o2opt.solve import _solve_highspy

    small = dataclasses.replace(_integer_rows(lm, k), cost=THRESHOLD - y_lp)
    res = _solve_highspy(small, time_limit_s, 1e-6, threads, False)  # type: ignore[arg-type]
    if res.x is None:
        return None
    return np.clip(np.round(res.x), lm.lower[k:], lm.upper[k:])


def _fixed_model(lm: LinearModel, k: int,
                 y: np.ndarray) -> tuple[LinearModel, np.ndarray] | None:
    """The model's first ``k`` columns with the others fixed at ``y``: their terms moved to
    the row bounds, rows left without entries dropped (``None`` when such a row is
    violated by ``y``); and the rows of ``lm`` kept."""
    fixed_part = lm.a_col >= k
    shift = np.bincount(lm.a_row[fixed_part], lm.a_val[fixed_part] * y[lm.a_col[fixed_part] - k],
                        minlength=lm.num_row)
    lower, upper = lm.row_lower - shift, lm.row_upper - shift
    live = np.zeros(lm.num_row, dtype=bool)
    live[lm.a_row[~fixed_part]] = True
    tol = 1e-6 * np.maximum(1.0, np.abs(shift))
    if np.any(~live & ((lower > tol) | (upper < -tol))):
        return None
    rows = np.flatnonzero(live)
    local = np.full(lm.num_row, -1, dtype=np.int64)
    local[rows] = np.arange(len(rows))
    keep = ~fixed_part
    return dataclasses.replace(
        lm, cost=lm.cost[:k], lower=lm.lower[:k], upper=lm.upper[:k],
        integer=np.zeros(k, dtype=bool), a_row=local[lm.a_row[keep]], a_col=lm.a_col[keep],
        a_val=lm.a_val[keep], row_lower=lower[rows], row_upper=upper[rows],
        blocks={name: lm.blocks[name] for name in ("n", "q", "u")}, row_blocks={},
        **_flow_blocks(lm, k)), rows


def _flow_blocks(lm: LinearModel, k: int) -> dict[str, Any]:
    """For a model that lists its built blocks (``model_blocks``), those of the flows only,
    so that the flows' model is cut by day from them."""
    blocks: Any = getattr(lm, "model_blocks", None)
    if blocks is None:
        return {}
    return {"model_blocks": tuple(b for b in blocks if b.cols.stop <= k
                                  and b.cols.stop > b.cols.start)}


@dataclasses.dataclass(frozen=True)
class _Model(SparseArrays):
    """A bare sparse model (what :func:`o2opt.solve._solve_highspy` reads)."""

    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    a_row: np.ndarray
    a_col: np.ndarray
    a_val: np.ndarray
