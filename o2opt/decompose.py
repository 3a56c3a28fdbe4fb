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
    days are linked (candidate sites, single-source assignments) or there is only one day."""
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
    # group entries by day once, then cut each day's sub-matrix out of its slice
    by_day = np.argsort(entry_day, kind="stable")
    bounds = np.searchsorted(entry_day[by_day], np.arange(n_days + 1))
    groups: dict[bytes, DayBlock] = {}
    for t in range(n_days):
        cols = np.flatnonzero(col_day == t)
        rows = np.flatnonzero(row_day == t)
        nz = by_day[bounds[t]:bounds[t + 1]]
        col_pos = np.searchsorted(cols, lm.a_col[nz])
        row_pos = np.searchsorted(rows, lm.a_row[nz])
        order = np.lexsort((row_pos, col_pos))
        start = np.zeros(len(cols) + 1, dtype=np.int64)
        np.cumsum(np.bincount(col_pos, minlength=len(cols)), out=start[1:])
        block = DayBlock(
            days=[t], cols=[cols], rows=[rows], cost=lm.cost[cols], lower=lm.lower[cols],
            upper=lm.upper[cols], integer=lm.integer[cols], row_lower=lm.row_lower[rows],
            row_upper=lm.row_upper[rows], start=start,
            index=row_pos[order].astype(np.int32), value=lm.a_val[nz][order],
        )
        key = _fingerprint(block)
        if key in groups:
            groups[key].days.append(t)
            groups[key].cols.append(cols)
            groups[key].rows.append(rows)
        else:
            groups[key] = block
    return list(groups.values())


def _fingerprint(block: DayBlock) -> bytes:
    """Identical sub-models (same arrays, same order) get the same key."""
    digest = hashlib.blake2b(digest_size=20)
    for array in (block.cost, block.lower, block.upper, block.integer, block.row_lower,
                  block.row_upper, block.start, block.index, block.value):
        digest.update(np.ascontiguousarray(array).tobytes())
        digest.update(b"|")
    return digest.digest()
