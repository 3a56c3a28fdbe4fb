"""The blocks of the model: what each step of :func:`o2opt.model.builder.build` declares.

A block is a frozen dataclass (a subclass of :class:`Block`) made by one module of
:mod:`o2opt.model`. It names the column blocks it adds (:attr:`Block.columns`, names in
:attr:`~o2opt.model.matrix.LinearModel.blocks`) and the row blocks (:attr:`Block.row_names`,
names in :attr:`~o2opt.model.matrix.LinearModel.row_blocks`), holds the model indices of
its columns (one ``np.ndarray`` field per column block) and its own typed index arrays
(any other ``np.ndarray`` field: ``n_arc``, ``q_day``, ...), and says whether it couples
days (:attr:`Block.couples_days`) and which day each of its columns belongs to
(:meth:`Block.column_day`). :func:`o2opt.decompose.split_days` cuts a model into days
only when no built block couples days, and takes the columns' days from the blocks.

The blocks of the canonical model (cylinder flows, bulk flows, unmet demand, candidate
plants, limits and cover rows) are here because the extensions read them; each extension
defines its own block in its module. ``docs/architecture.md`` says how to add one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import ClassVar

import numpy as np

__all__ = ["Block", "Bulk", "Cover", "Cylinders", "IndexView", "Limits", "Sites", "Unmet"]


@dataclass(frozen=True, eq=False)
class Block:
    """Base of every block: its column and row ranges, set by the builder.

    Subclasses declare the class attributes and add their arrays as fields; a field that
    is ``None`` was not built. :attr:`cols` and :attr:`rows` are the block's ranges in
    the model (its column blocks, then its row blocks, lie next to each other).
    """

    #: The block's name (:meth:`LinearModel.block <o2opt.model.matrix.LinearModel.block>`).
    name: ClassVar[str]
    #: Its column blocks, in the order it adds them; each is also a field (the columns).
    columns: ClassVar[tuple[str, ...]] = ()
    #: Its row blocks (those it adds, not those it only extends).
    row_names: ClassVar[tuple[str, ...]] = ()
    #: Whether its columns or rows link several days (or belong to none), so that the
    #: model is not cut into days when it is built.
    couples_days: ClassVar[bool] = False

    cols: slice = field(default_factory=lambda: slice(0, 0), kw_only=True)
    rows: slice = field(default_factory=lambda: slice(0, 0), kw_only=True)

    @property
    def built(self) -> bool:
        """Whether the block has any column or row in the model."""
        return self.cols.stop > self.cols.start or self.rows.stop > self.rows.start

    def column_day(self) -> np.ndarray | None:
        """The day of each of its columns, in column order (``None``: no day; allowed only
        for a block that couples days)."""
        return None

    def index(self) -> dict[str, np.ndarray]:
        """Its own index arrays by field name (not its columns, not unbuilt ones)."""
        skip = {"cols", "rows", *self.columns}
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in skip and isinstance(value, np.ndarray):
                out[f.name] = value
        return out


class IndexView(Mapping[str, np.ndarray]):
    """Every block's index arrays by field name, read-only (and picklable, unlike
    :class:`types.MappingProxyType`: a solution crosses process boundaries in sweeps).

    Examples
    --------
    >>> view = IndexView([Unmet(np.arange(2), u_h=np.array([0, 1]), u_day=np.zeros(2, int),
    ...                         u_upper_rate=np.ones(2))])
    >>> sorted(view), view["u_h"].tolist()
    (['u_day', 'u_h', 'u_upper_rate'], [0, 1])
    """

    __slots__ = ("_arrays",)

    def __init__(self, blocks: tuple[Block, ...] | list[Block]) -> None:
        self._arrays = {k: v for block in blocks for k, v in block.index().items()}

    def __getitem__(self, key: str) -> np.ndarray:
        return self._arrays[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def __repr__(self) -> str:
        return f"IndexView({sorted(self._arrays)})"


# --------------------------------------------------------------------------- canonical
@dataclass(frozen=True, eq=False)
class Cylinders(Block):
    """Cylinder flows ``n[f,h,t]`` (one column per arc and day with something to deliver)
    and the demand rows of every active hospital-day."""

    name: ClassVar[str] = "cylinders"
    columns: ClassVar[tuple[str, ...]] = ("n",)
    row_names: ClassVar[tuple[str, ...]] = ("demand",)

    n: np.ndarray
    n_arc: np.ndarray  # per column: cylinder arc, day, hospital, filling point
    n_day: np.ndarray
    n_h: np.ndarray
    n_f: np.ndarray
    n_upper: np.ndarray  # per column: its upper bound (cylinders)
    demand_row_of: np.ndarray | None = None  # demand row by hospital * n_days + day (-1)

    def column_day(self) -> np.ndarray:
        return self.n_day


@dataclass(frozen=True, eq=False)
class Bulk(Block):
    """Bulk flows ``q[p,s,t]`` (m³, for stations that deliver on day t); the station
    filling and supply rows and the producer capacity rows."""

    name: ClassVar[str] = "bulk"
    columns: ClassVar[tuple[str, ...]] = ("q",)
    row_names: ClassVar[tuple[str, ...]] = ("station_fill", "station_supply", "producer")

    q: np.ndarray
    q_arc: np.ndarray  # per column: bulk arc, day, producer, station-day row
    q_day: np.ndarray
    q_p: np.ndarray
    q_station_row: np.ndarray
    st_s: np.ndarray  # per station-day row: station, day
    st_t: np.ndarray
    st_row_of_n: np.ndarray  # per station cylinder column: its station-day row
    station_fill_row: np.ndarray | None = None  # per station-day row: its fill row (-1)
    producer_row_p: np.ndarray | None = None  # per producer row: producer, day
    producer_row_t: np.ndarray | None = None

    def column_day(self) -> np.ndarray:
        return self.q_day


@dataclass(frozen=True, eq=False)
class Unmet(Block):
    """Unmet demand ``u[h,t]`` (m³; four segment columns per hospital-day with
    ``shortage_sharing = "even"``)."""

    name: ClassVar[str] = "unmet"
    columns: ClassVar[tuple[str, ...]] = ("u",)

    u: np.ndarray
    u_h: np.ndarray
    u_day: np.ndarray
    u_upper_rate: np.ndarray  # d(upper) / d(net demand), per column

    def column_day(self) -> np.ndarray:
        return self.u_day


@dataclass(frozen=True, eq=False)
class Sites(Block):
    """Candidate plants ``y[c]`` (binary, shared by every day) and their capacity, filling
    and strong-linking rows."""

    name: ClassVar[str] = "sites"
    columns: ClassVar[tuple[str, ...]] = ("y",)
    row_names: ClassVar[tuple[str, ...]] = ("candidate_capacity", "candidate_fill",
                                            "candidate_link")
    couples_days: ClassVar[bool] = True

    y: np.ndarray
    y_cand: np.ndarray  # per column: candidate
    y_of_cand: np.ndarray  # per candidate: its column (-1)
    cand_row_c: np.ndarray | None = None  # per candidate_capacity row: candidate, day
    cand_row_t: np.ndarray | None = None
    cand_fill_row: np.ndarray | None = None  # per candidate-day row: its fill row (-1)


@dataclass(frozen=True, eq=False)
class Limits(Block):
    """The budget, the limit on new sites and the capital budget: rows over the binaries."""

    name: ClassVar[str] = "limits"
    row_names: ClassVar[tuple[str, ...]] = ("budget", "max_new_sites", "capital_budget")
    couples_days: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class Cover(Block):
    """Aggregate capacity-cover rows per day over the opening binaries."""

    name: ClassVar[str] = "cover"
    row_names: ClassVar[tuple[str, ...]] = ("capacity_cover", "ys_cover", "yp_cover")
    couples_days: ClassVar[bool] = True
