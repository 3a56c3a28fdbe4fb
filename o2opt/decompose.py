"""Split a model whose days do not interact into one small model per distinct day.

Without candidate sites (no ``y`` columns) nothing links one day to another: every
column and every row of the canonical model belongs to exactly one day, so the model is
block-diagonal and its optimum is the sum of the days' optima. Solving the days one by one
is several times faster than one monolithic solve (simplex work grows faster than
linearly), and days whose blocks are identical — the same net demand, as in any scenario
without ``demand.csv`` — are solved once and copied.

The split is exact: it only reorders the columns and rows of the same model. See
``docs/model.md``, "Decomposition by day".
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np

from o2opt.model.build import LinearModel

__all__ = ["DayBlock", "day_blocks"]


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


def _column_days(lm: LinearModel) -> np.ndarray:
    return np.concatenate([lm.n_day, lm.q_day, lm.u_day]).astype(np.int64)


def day_blocks(lm: LinearModel) -> list[DayBlock] | None:
    """The model's days as independent blocks, identical days grouped; ``None`` when the
    days are linked (candidate sites, single-source assignments) or there is only one day.

    Columns, rows and non-zeros are grouped by day with one stable sort each, so every
    block's arrays are slices of three whole-model arrays, not copies cut day by day.
    """
    n_days = lm.network.scenario.horizon_days
    linking = any(cols.stop > cols.start for name, cols in lm.blocks.items()
                  if name not in ("n", "q", "u"))
    if n_days < 2 or linking or lm.num_col == 0:
        return None
    col_day = _column_days(lm)
    entry_day = col_day[lm.a_col]
    row_day = np.full(lm.num_row, -1, dtype=np.int64)
    row_day[lm.a_row] = entry_day
    if np.any(row_day[lm.a_row] != entry_day):  # a row spanning days: not separable
        return None
    if np.any(row_day < 0):  # a row with no entries (stranded demand): leave it whole
        return None
    col_order, col_local, col_start = _group_by_day(col_day, n_days)
    row_order, row_local, row_start = _group_by_day(row_day, n_days)
    col_rank = np.empty(lm.num_col, dtype=lm.a_col.dtype)
    col_rank[col_order] = np.arange(lm.num_col, dtype=lm.a_col.dtype)
    # Entries grouped by day, then by column: first a radix sort on the 16-bit day; within
    # a day the entries keep the model's order, in which each block's entries run in
    # ascending column order, so the second (stable) sort only merges a few sorted runs.
    by_day = _day_order(entry_day, n_days)
    entry_col = col_rank[lm.a_col[by_day]]
    by_col = by_day[np.argsort(entry_col, kind="stable")]
    index = row_local.astype(np.int32)[lm.a_row[by_col]]
    value = lm.a_val[by_col]
    entry_start = np.zeros(lm.num_col + 1, dtype=np.int64)
    np.cumsum(np.bincount(entry_col, minlength=lm.num_col), out=entry_start[1:])
    groups: dict[bytes, list[DayBlock]] = {}
    for t in range(n_days):
        c0, c1 = col_start[t], col_start[t + 1]
        cols, rows = col_order[c0:c1], row_order[row_start[t]:row_start[t + 1]]
        e0, e1 = entry_start[c0], entry_start[c1]
        block = DayBlock(
            days=[t], cols=[cols], rows=[rows], cost=lm.cost[cols], lower=lm.lower[cols],
            upper=lm.upper[cols], integer=lm.integer[cols], row_lower=lm.row_lower[rows],
            row_upper=lm.row_upper[rows], start=entry_start[c0:c1 + 1] - e0,
            index=index[e0:e1], value=value[e0:e1],
        )
        candidates = groups.setdefault(_key(block), [])
        same = next((g for g in candidates if _same(g, block)), None)
        if same is None:
            candidates.append(block)
        else:
            same.days.append(t)
            same.cols.append(cols)
            same.rows.append(rows)
    return [block for same_key in groups.values() for block in same_key]


def _group_by_day(day: np.ndarray, n_days: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items sorted by day (stable), each item's position within its day, and each day's
    first position (``n_days + 1`` bounds)."""
    order = _day_order(day, n_days)
    start = np.zeros(n_days + 1, dtype=np.int64)
    np.cumsum(np.bincount(day, minlength=n_days), out=start[1:])
    local = np.empty(len(day), dtype=np.int64)
    local[order] = np.arange(len(day)) - np.repeat(start[:-1], np.diff(start))
    return order, local, start


def _day_order(day: np.ndarray, n_days: int) -> np.ndarray:
    """The stable order of ``day`` (a linear-time radix sort when days fit in 16 bits)."""
    small = day.astype(np.int16) if n_days <= np.iinfo(np.int16).max else day
    return np.argsort(small, kind="stable")


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
