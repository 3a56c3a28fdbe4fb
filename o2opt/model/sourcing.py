r"""Single-sourcing extension (``single_source = true``): one filling point per hospital.

A binary :math:`z_{fh}` per cylinder arc (with demand on some day) marks the hospital's
source, the same on every day:

.. math::

    n_{fht} \le \bar n_{fht}\, z_{fh}, \qquad \sum_f z_{fh} \le 1, \qquad
    z_{ch} \le y_c \ (c \in C).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.model.blocks import Block, Cylinders, Sites

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class SingleSource(Block):
    """Assignments ``z[f,h]`` (binary, the same on every day) and their rows."""

    name: ClassVar[str] = "single_source"
    columns: ClassVar[tuple[str, ...]] = ("z",)
    row_names: ClassVar[tuple[str, ...]] = ("single_source_link", "single_source",
                                            "single_source_site")
    couples_days: ClassVar[bool] = True

    z: np.ndarray
    z_arc: np.ndarray  # per column: cylinder arc
    z_of_n: np.ndarray  # per cylinder column: its z (position in the block)


def add_columns(ctx: Context) -> None:
    if ctx.sc.single_source:
        z_arc, z_of_n = np.unique(ctx.n_arc, return_inverse=True)
    else:
        z_arc = z_of_n = np.empty(0, dtype=np.int64)
    z = ctx.columns.add("z", len(z_arc), upper=1.0, integer=True)
    ctx.put(SingleSource(z, z_arc=z_arc.astype(np.int64), z_of_n=z_of_n.astype(np.int64)))


def add_rows(ctx: Context) -> None:
    block = ctx.get(SingleSource)
    z = block.z
    if not len(z):
        return
    cyl, z_arc = ctx.get(Cylinders), block.z_arc
    n, n_upper = cyl.n, cyl.n_upper
    ctx.rows.add("single_source_link", len(n), -np.inf, 0.0, [
        (np.arange(len(n)), n, 1.0),
        (np.arange(len(n)), z[block.z_of_n], -n_upper),
    ])
    z_h = ctx.arcs.cylinder["hospital_pos"].to_numpy()[z_arc]
    hospitals, row_of_z = np.unique(z_h, return_inverse=True)
    ctx.rows.add("single_source", len(hospitals), -np.inf, 1.0, [(row_of_z, z, 1.0)])
    z_f = ctx.arcs.cylinder["source_pos"].to_numpy()[z_arc]
    at_site = np.flatnonzero(z_f >= ctx.n_stations)
    ctx.rows.add("single_source_site", len(at_site), -np.inf, 0.0, [
        (np.arange(len(at_site)), z[at_site], 1.0),
        (np.arange(len(at_site)), ctx.get(Sites).y_of_cand[z_f[at_site] - ctx.n_stations],
         -1.0),
    ])
