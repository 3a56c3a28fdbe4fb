r"""Truck extension: filling points with a number of trucks of a given cylinder load.

Truck trips :math:`k_{fht}` carry the cylinders of filling points with finite ``trucks``
:math:`T_f`: :math:`n_{fht} \le \kappa_f k_{fht}` and :math:`\sum_h k_{fht} \le T_f r_f`,
at ``cost_per_truck_km`` per km of the round trip; ``integer_trucks`` makes trips whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.model.blocks import Block, Cylinders

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class Trucks(Block):
    """Truck trips ``k`` (one per cylinder column of a point with trucks: the same day)
    and the truck load and trips rows of each point and day."""

    name: ClassVar[str] = "trucks"
    columns: ClassVar[tuple[str, ...]] = ("k",)
    row_names: ClassVar[tuple[str, ...]] = ("truck_load", "truck_trips")

    k: np.ndarray
    k_of_n: np.ndarray  # per column: the cylinder column (position in n) it carries
    k_day: np.ndarray

    def column_day(self) -> np.ndarray:
        return self.k_day


def add_columns(ctx: Context) -> None:
    k_of = np.flatnonzero(np.isfinite(ctx.per_filler("trucks")[ctx.n_f]))
    km = ctx.arcs.cylinder["km"].to_numpy(float)[ctx.n_arc[k_of]]
    k = ctx.columns.add("k", len(k_of), integer=ctx.sc.integer_trucks,
                        transport=ctx.sc.cost_per_truck_km * 2 * km)
    ctx.put(Trucks(k, k_of_n=k_of, k_day=ctx.n_day[k_of]))


def add_rows(ctx: Context) -> None:
    block = ctx.get(Trucks)
    k = block.k
    if not len(k):
        return
    k_of, n_days = block.k_of_n, ctx.n_days
    f = ctx.n_f[k_of]
    # a point with no trucks needs no truck_capacity_cyl: its trips are 0, and so are its loads
    load = np.nan_to_num(ctx.per_filler("truck_capacity_cyl"), nan=0.0)
    ctx.rows.add("truck_load", len(k), -np.inf, 0.0, [
        (np.arange(len(k)), ctx.get(Cylinders).n[k_of], 1.0),
        (np.arange(len(k)), k, -load[f]),
    ])
    keys, row_of_k = np.unique(f * n_days + ctx.n_day[k_of], return_inverse=True)
    trips = (ctx.per_filler("trucks") * ctx.per_filler("truck_trips_day"))[keys // n_days]
    ctx.rows.add("truck_trips", len(keys), -np.inf, trips, [(row_of_k, k, 1.0)])
