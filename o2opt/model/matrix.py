"""The solver-neutral sparse model (:class:`LinearModel`) and the collectors that fill it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

import numpy as np

from o2opt.geo import Arcs
from o2opt.model.blocks import Block
from o2opt.network import Network

__all__ = ["COST_PARTS", "Columns", "LinearModel", "Rows", "SparseArrays", "dot"]

#: The kinds of cost every column's cost is split into (summing to the objective).
COST_PARTS = ("unmet_penalty", "transport", "production", "filling", "fixed")

B = TypeVar("B", bound=Block)


class SparseArrays:
    """Sizes and compressed forms of a model held as arrays (``cost``, ``integer``,
    ``row_lower`` and the matrix ``A`` in coordinates ``a_row``, ``a_col``, ``a_val``):
    shared by :class:`LinearModel` and the bare models solved beside it."""

    cost: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    a_row: np.ndarray
    a_col: np.ndarray
    a_val: np.ndarray

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
        """``A`` in compressed-column form: ``(start, index, value)``."""
        return _compress(self.a_col, self.a_row, self.a_val, self.num_col)

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``A`` in compressed-row form: ``(start, index, value)``."""
        return _compress(self.a_row, self.a_col, self.a_val, self.num_row)


@dataclass(frozen=True, eq=False)
class LinearModel(SparseArrays):
    """A minimisation LP/MILP in sparse form, with the index of what each column means.

    Columns are laid out in named blocks (``blocks`` maps a name to its slice): ``n``
    (cylinders on arc ``n_arc`` on day ``n_day``), ``q`` (bulk m³ on arc ``q_arc`` on day
    ``q_day``), ``u`` (unmet m³ of hospital ``u_hospital`` on day ``u_day``), ``y``
    (candidate ``y_candidate`` opened), then the extensions' blocks (``z`` single-source
    assignments of arc ``z_arc``; ``s``, ``g``, ``i`` storage; ``k`` truck trips), whose
    index arrays are in :attr:`index`. Rows are ``row_lower <= A x <= row_upper`` with
    ``A`` in coordinate form (``a_row``, ``a_col``, ``a_val``); ``row_blocks`` names the
    constraint families.

    Each step of the builder made one :class:`~o2opt.model.blocks.Block` (a frozen
    dataclass with its column and row ranges and its own typed index arrays):
    :attr:`model_blocks` lists them and :meth:`block` finds one.
    """

    network: Network
    arcs: Arcs
    net_demand_m3: np.ndarray
    cost: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    integer: np.ndarray
    a_row: np.ndarray
    a_col: np.ndarray
    a_val: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    blocks: dict[str, slice]
    row_blocks: dict[str, slice]
    n_arc: np.ndarray
    n_day: np.ndarray
    q_arc: np.ndarray
    q_day: np.ndarray
    u_hospital: np.ndarray
    u_day: np.ndarray
    y_candidate: np.ndarray
    z_arc: np.ndarray
    index: Mapping[str, np.ndarray] = field(repr=False)
    """Every block's index arrays by name, read-only (``s_hospital``/``s_day`` for
    hospital stock, ``g_producer``/``g_day`` for tank producers' production ``g`` and
    content ``i``, ``k_of_n`` for the ``n`` column each truck-trip column ``k`` carries):
    a view of the fields of :attr:`model_blocks`."""
    parts: dict[str, np.ndarray] = field(repr=False)
    """Per-column cost split by kind (:data:`COST_PARTS`); they add up to :attr:`cost`."""
    model_blocks: tuple[Block, ...] = field(default=(), repr=False)
    """The blocks the builder made, in the order of its steps (empty for a model made
    otherwise)."""

    @overload
    def block(self, which: type[B]) -> B: ...
    @overload
    def block(self, which: str) -> Block: ...

    def block(self, which: type[B] | str) -> Block:
        """The block of type ``which``, or named ``which`` (its :attr:`Block.name
        <o2opt.model.blocks.Block.name>` or one of its column blocks: ``"n"``,
        ``"storage"``, ...).

        Raises
        ------
        KeyError
            When the model has no such block (an extension that is off).

        Examples
        --------
        >>> import o2opt
        >>> lm = o2opt.model.build(o2opt.read_network(o2opt.datasets.demo_folder()))
        >>> lm.block("n").name, lm.block("n").n_day.shape == lm.n_day.shape
        ('cylinders', True)
        """
        for block in self.model_blocks:
            if (block.name == which or which in block.columns if isinstance(which, str)
                    else isinstance(block, which)):
                return block
        raise KeyError(f"no block {which!r} in this model")



def dot(a: np.ndarray, b: np.ndarray) -> float:
    """``a @ b`` of two vectors, summed by numpy itself rather than by BLAS.

    A dot product of a million terms is bound by memory and gains nothing from threads,
    yet OpenBLAS wakes its worker threads for it, and they then spin for about 50 ms each
    time: 0.12 s of wasted CPU in a national solve (``benchmarks/README_perf.md``).
    :func:`numpy.einsum` sums in numpy's own loop, as fast here, on one thread.

    Examples
    --------
    >>> dot(np.array([1.0, 2.0]), np.array([3.0, 4.0]))
    11.0
    """
    return float(np.einsum("i,i->", a, b))


def _compress(major: np.ndarray, minor: np.ndarray, value: np.ndarray,
              n_major: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((minor, major))
    start = np.zeros(n_major + 1, dtype=np.int64)
    np.cumsum(np.bincount(major, minlength=n_major), out=start[1:])
    return start, minor[order].astype(np.int32), value[order]


def _index_dtype(size: int) -> type:
    """``int32`` for indices below ``size`` when they fit, else ``int64``."""
    return np.int32 if size < np.iinfo(np.int32).max else np.int64


def _full(value: np.ndarray | float, n: int, dtype: type = float) -> np.ndarray:
    return np.broadcast_to(np.asarray(value, dtype=dtype), (n,))


class Columns:
    """Collects blocks of columns: bounds, integrality and cost split by kind."""

    def __init__(self) -> None:
        self.blocks: dict[str, slice] = {}
        self._lower: list[np.ndarray | float] = []
        self._upper: list[np.ndarray] = []
        self._integer: list[bool] = []
        self._costs: list[tuple[slice, dict[str, np.ndarray | float]]] = []
        self.count = 0

    def add(self, name: str, n: int, *, lower: np.ndarray | float = 0.0,
            upper: np.ndarray | float = np.inf, integer: bool = False,
            **costs: np.ndarray | float) -> np.ndarray:
        """Add block ``name`` of ``n`` columns; ``costs`` by kind (``transport=…``).
        Returns the new columns' indices."""
        unknown = set(costs) - set(COST_PARTS)
        if unknown:
            raise ValueError(f"unknown cost kind(s) {sorted(unknown)}")
        self._lower.append(lower)
        self._upper.append(_full(upper, n))
        self._integer.append(integer)
        self.blocks[name] = slice(self.count, self.count + n)
        self._costs.append((self.blocks[name], costs))
        self.count += n
        return np.arange(self.blocks[name].start, self.blocks[name].stop)

    def arrays(self) -> dict[str, Any]:
        # Each kind's costs are written block by block into zeros: a block without that
        # kind (most of them: a cylinder has no unmet penalty) costs neither time nor, as
        # the zero pages are never written, memory.
        parts = {k: np.zeros(self.count) for k in COST_PARTS}
        cost, lower = np.zeros(self.count), np.zeros(self.count)
        integer = np.zeros(self.count, dtype=bool)
        for (where, costs), low, whole in zip(self._costs, self._lower, self._integer,
                                              strict=True):
            for kind in COST_PARTS:  # summed in this order, as always
                value = costs.get(kind, 0.0)
                if np.ndim(value) or value:
                    parts[kind][where] = value
                    cost[where] += value
            if np.ndim(low) or low:
                lower[where] = low
            integer[where] = whole
        return {
            "cost": cost,
            "lower": lower,
            "upper": np.concatenate(self._upper) if self.count else np.zeros(0),
            "integer": integer,
            "parts": parts,
            "blocks": self.blocks,
        }


class Rows:
    """Collects blocks of constraint rows as coordinate triplets.

    A later step may add entries to, or move the bounds of, a block already added
    (:meth:`extend`, :meth:`shift_lower`): that is how an extension adds a term to the
    canonical demand rows.
    """

    def __init__(self) -> None:
        self.blocks: dict[str, slice] = {}
        self._entries: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._lower: dict[str, np.ndarray] = {}
        self._upper: dict[str, np.ndarray] = {}
        self.count = 0

    def add(self, name: str, n_rows: int, lower: np.ndarray | float,
            upper: np.ndarray | float,
            entries: list[tuple[np.ndarray, np.ndarray, np.ndarray | float]]) -> None:
        """Add ``n_rows`` rows; ``entries`` are (local row, column, value) arrays."""
        self.blocks[name] = slice(self.count, self.count + n_rows)
        self._lower[name] = np.array(_full(lower, n_rows))
        self._upper[name] = np.array(_full(upper, n_rows))
        self.count += n_rows
        self.extend(name, entries)

    def extend(self, name: str,
               entries: list[tuple[np.ndarray, np.ndarray, np.ndarray | float]]) -> None:
        """Add entries to rows of block ``name`` (local row numbers)."""
        offset = self.blocks[name].start
        for r, c, v in entries:
            # 32-bit coordinates where they fit: half the memory of every copy made of them
            r = np.array(r, dtype=_index_dtype(self.blocks[name].stop))
            r += offset
            c = np.asarray(c)
            c = c.astype(_index_dtype(int(c.max()) + 1 if len(c) else 0), copy=False)
            self._entries.append((r, c, _full(v, len(r))))

    def shift_lower(self, name: str, local_rows: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta`` to the lower bounds of rows ``local_rows`` of block ``name``."""
        np.add.at(self._lower[name], local_rows, delta)

    def shift_upper(self, name: str, local_rows: np.ndarray, delta: np.ndarray) -> None:
        """Add ``delta`` to the upper bounds of rows ``local_rows`` of block ``name``."""
        np.add.at(self._upper[name], local_rows, delta)

    def arrays(self) -> dict[str, Any]:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts, dtype=dtype) if parts else np.empty(0, dtype)

        a_val = cat([e[2] for e in self._entries], float)
        keep = np.flatnonzero(a_val) if not a_val.all() else slice(None)
        # 32-bit coordinates (HiGHS's own index type) halve the memory the largest arrays touch
        wide = any(e[0].dtype == np.int64 or e[1].dtype == np.int64 for e in self._entries)
        index = np.int64 if wide else np.int32
        return {
            "a_row": cat([e[0] for e in self._entries], index)[keep],
            "a_col": cat([e[1] for e in self._entries], index)[keep],
            "a_val": a_val[keep],
            "row_lower": cat(list(self._lower.values()), float),
            "row_upper": cat(list(self._upper.values()), float),
            "row_blocks": self.blocks,
        }
