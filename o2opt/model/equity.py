r"""Equity extension: minimum service shares per hospital and per region.

:math:`u_{ht} \le (1 - s_h)\, d_{ht}` (a column bound, see :func:`service_share`) and, per
region and day, :math:`\sum_{h \in r} u_{ht} \le (1 - s_R) \sum_{h \in r} d_{ht}`. The
lexicographic objective is in :mod:`o2opt.pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.model.blocks import Block, Unmet
from o2opt.network import Network

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class Equity(Block):
    """The regional service rows: per region and day, a cap on its unmet demand."""

    name: ClassVar[str] = "equity"
    row_names: ClassVar[tuple[str, ...]] = ("region_service",)


def service_share(network: Network) -> np.ndarray:
    """Share of each hospital's daily net demand that must be met (0: none)."""
    share = network.hospitals["min_service_share"].to_numpy(float)
    return np.where(np.isnan(share), network.scenario.min_service_share, share)


def add_rows(ctx: Context) -> None:
    ctx.put(Equity())
    unmet = ctx.get(Unmet)
    u = unmet.u
    share = ctx.sc.region_min_service_share
    if share <= 0 or not len(u):
        return
    u_h, u_day = unmet.u_h, unmet.u_day
    region = ctx.network.hospitals["region"].to_numpy().astype(str)[u_h]
    named = np.flatnonzero(region != "")  # hospitals without a region are not grouped
    keys, row_of_u = np.unique(np.char.add(region[named], "|" + u_day[named].astype(str)),
                               return_inverse=True)
    demand = np.bincount(row_of_u, weights=ctx.d[u_h[named], u_day[named]],
                         minlength=len(keys))
    ctx.rows.add("region_service", len(keys), -np.inf, (1.0 - share) * demand,
                 [(row_of_u, u[named], 1.0)])
