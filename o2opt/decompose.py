"""Split a model whose days do not interact into one small model per distinct day.

Each block of the model says whether it couples days
(:attr:`o2opt.model.blocks.Block.couples_days`: candidate sites, stock carried over,
single-source assignments, ...) and gives each of its columns a day
(:meth:`~o2opt.model.blocks.Block.column_day`). When no built block couples days, every
column and every row belongs to exactly one day, so the model is block-diagonal and its
optimum is the sum of the days' optima. Solving the days one by one
is several times faster than one monolithic solve (simplex work grows faster than
linearly), and days whose blocks are identical — the same net demand, as in any scenario
without ``demand.csv`` — are solved once and copied.

The split is exact: it only reorders the columns and rows of the same model. See
``docs/model.md``, "Decomposition by day".
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from o2opt.model.builder import LinearModel

__all__ = ["DayBlock", "DaySplit", "coupling_blocks", "day_blocks", "split_days"]


@dataclass(frozen=True, eq=False)
class DayBlock:
    """The sub-model of the days in :attr:`days` (all identical; the first is solved).

    ``cols[i]`` / ``rows[i]`` are the full model's columns / rows of ``days[i]``, listed in
    the same order for every day of the group.
    """

    days: list[int]
    cols: list[np.ndarray]
    rows: list[np.ndarray]
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray

    @property
    def num_col(self) -> int:
        return len(self.cost)

    @property
    def num_row(self) -> int:
        return len(self.row_lower)

    @property
    def is_mip(self) -> bool:
        return bool(self.integer.any())

    def csc(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.start, self.index, self.value


def _day_dtype(n_days: int) -> type:
    return np.int16 if n_days <= np.iinfo(np.int16).max else np.int64


def coupling_blocks(lm: LinearModel) -> list[str]:
    """The names of the built blocks of ``lm`` that couple days (empty: it can be cut
    into days)."""
    return [b.name for b in lm.model_blocks if b.built and b.couples_days]


def _column_days(lm: LinearModel) -> np.ndarray | None:
    """Each column's day, from the blocks (``None`` when some column has none)."""
    # days are below horizon_days, so the narrower type holds them exactly
    day: np.ndarray = np.empty(lm.num_col, dtype=_day_dtype(lm.network.scenario.horizon_days))
    covered = 0
    for block in lm.model_blocks:
        if block.cols.stop == block.cols.start:
            continue
        days = block.column_day()
        if days is None:
            return None
        day[block.cols] = days
        covered += block.cols.stop - block.cols.start
    return day if covered == lm.num_col else None


def day_blocks(lm: LinearModel) -> list[DayBlock] | None:
    """The model's days as independent blocks, identical days grouped; ``None`` when the
    days are linked (candidate sites, single-source assignments) or there is only one day.

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> blocks = day_blocks(o2opt.model.build(net.with_model(horizon_days=3)))
    >>> blocks is None  # the demo has candidate sites: every day shares their y
    True
    """
    split = split_days(lm)
    return None if split is None else list(split.distinct_blocks())


def split_days(lm: LinearModel) -> DaySplit | None:
    """What cutting ``lm`` into days needs, computed once; ``None`` when the days are
    linked (a built block couples days: candidate sites, single-source assignments, stock,
    ...; or a row added after the build spans days), a column has no day, a row has no
    entries, or there is only one day."""
    n_days = lm.network.scenario.horizon_days
    if n_days < 2 or lm.num_col == 0 or coupling_blocks(lm):
        return None
    col_day = _column_days(lm)
    if col_day is None:  # a column of no block, or of a block without days
        return None
    entry_day = col_day[lm.a_col]
    row_day = np.full(lm.num_row, -1, dtype=col_day.dtype)
    row_day[lm.a_row] = entry_day
    if np.any(row_day[lm.a_row] != entry_day):  # a row spanning days: not separable
        return None
    if np.any(row_day < 0):  # a row with no entries (stranded demand): leave it whole
        return None
    return DaySplit(lm, n_days, col_day, row_day, entry_day)


class DaySplit:
    """A model's columns, rows and non-zeros grouped by day (each with one radix sort), from
    which :meth:`block` cuts one day's sub-model.

    Cut day by day, a block's arrays are one day's share of the model's: the temporaries
    of one day are reused by the next instead of touching fresh memory, and the solver can
    start on the first days while the next are cut (:func:`o2opt.solve.solve`).
    """

    def __init__(self, lm: LinearModel, n_days: int, col_day: np.ndarray,
                 row_day: np.ndarray, entry_day: np.ndarray) -> None:
        self.lm, self.n_days = lm, n_days
        self.col_order, self.col_start = _group_by_day(col_day, n_days)
        self.row_order, self.row_start = _group_by_day(row_day, n_days)
        self.row_local = np.empty(lm.num_row, dtype=np.int32)  # a row's place in its day
        self.row_local[self.row_order] = (np.arange(lm.num_row)
                                          - np.repeat(self.row_start[:-1],
                                                      np.diff(self.row_start)))
        self.col_rank = np.empty(lm.num_col, dtype=lm.a_col.dtype)  # column order by day
        self.col_rank[self.col_order] = np.arange(lm.num_col, dtype=lm.a_col.dtype)
        # Within a day the entries keep the model's order, in which each block's entries
        # run in ascending column order: sorting one day's entries by column then only
        # merges a few sorted runs.
        self.by_day, self.entry_start = _group_by_day(entry_day, n_days)

    def block(self, t: int) -> DayBlock:
        """Day ``t``'s sub-model: its columns and rows in the model's order."""
        lm = self.lm
        c0, c1 = self.col_start[t], self.col_start[t + 1]
        cols = self.col_order[c0:c1]
        rows = self.row_order[self.row_start[t]:self.row_start[t + 1]]
        entries = self.by_day[self.entry_start[t]:self.entry_start[t + 1]]
        local_col = self.col_rank[lm.a_col[entries]] - c0
        entries = entries[np.argsort(local_col, kind="stable")]  # by column, then model order
        start = np.zeros(c1 - c0 + 1, dtype=np.int64)
        np.cumsum(np.bincount(local_col, minlength=c1 - c0), out=start[1:])
        return DayBlock(
            days=[t], cols=[cols], rows=[rows], cost=lm.cost[cols], lower=lm.lower[cols],
            upper=lm.upper[cols], integer=lm.integer[cols], row_lower=lm.row_lower[rows],
            row_upper=lm.row_upper[rows], start=start,
            index=self.row_local[lm.a_row[entries]], value=lm.a_val[entries],
        )

    def distinct_blocks(self) -> Iterator[DayBlock]:
        """Each day's block in day order, except that a day identical to an earlier one is
        added to that block (its ``days``, ``cols`` and ``rows``) instead of being yielded.
        A block may still gain days after it was yielded, until the iteration ends."""
        groups: dict[bytes, list[DayBlock]] = {}
        for t in range(self.n_days):
            block = self.block(t)
            candidates = groups.setdefault(_key(block), [])
            same = next((g for g in candidates if _same(g, block)), None)
            if same is None:
                candidates.append(block)
                yield block
            else:
                same.days.append(t)
                same.cols.append(block.cols[0])
                same.rows.append(block.rows[0])


def _group_by_day(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray]:
    """Items sorted by day (stable: a linear-time radix sort for 16-bit days) and each
    day's first position (``n_days + 1`` bounds)."""
    order = np.argsort(day, kind="stable")
    start = np.zeros(n_days + 1, dtype=np.int64)
    np.cumsum(np.bincount(day, minlength=n_days), out=start[1:])
    return order, start


_ARRAYS = ("cost", "lower", "upper", "integer", "row_lower", "row_upper", "start", "index",
           "value")


def _key(block: DayBlock) -> bytes:
    """A cheap key (sizes and row bounds); blocks with equal keys are compared in full."""
    digest = hashlib.blake2b(digest_size=20)
    digest.update(np.array([block.num_col, block.num_row, len(block.value)]).tobytes())
    for array in (block.row_lower, block.row_upper):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.digest()


def _same(a: DayBlock, b: DayBlock) -> bool:
    """Identical sub-models (same arrays, same order)."""
    return all(np.array_equal(getattr(a, name), getattr(b, name)) for name in _ARRAYS)
