r"""Equity extension: minimum service shares per hospital and per region.

:math:`u_{ht} \le (1 - s_h)\, d_{ht}` (a column bound, see :func:`service_share`) and, per
region and day, :math:`\sum_{h \in r} u_{ht} \le (1 - s_R) \sum_{h \in r} d_{ht}`. The
lexicographic objective is in :mod:`o2opt.pipeline`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from o2opt.network import Network

if TYPE_CHECKING:
    from o2opt.model.builder import Context


def service_share(network: Network) -> np.ndarray:
    """Share of each hospital's daily net demand that must be met (0: none)."""
    share = network.hospitals["min_service_share"].to_numpy(float)
    return np.where(np.isnan(share), network.scenario.min_service_share, share)


def add_rows(ctx: Context) -> None:
    u = ctx.col["u"]
    share = ctx.sc.region_min_service_share
    if share <= 0 or not len(u):
        return
    u_h, u_day = ctx.index["u_h"], ctx.index["u_day"]
    region = ctx.network.hospitals["region"].to_numpy().astype(str)[u_h]
    named = np.flatnonzero(region != "")  # hospitals without a region are not grouped
    keys, row_of_u = np.unique(np.char.add(region[named], "|" + u_day[named].astype(str)),
                               return_inverse=True)
    demand = np.bincount(row_of_u, weights=ctx.d[u_h[named], u_day[named]],
                         minlength=len(keys))
    ctx.rows.add("region_service", len(keys), -np.inf, (1.0 - share) * demand,
                 [(row_of_u, u[named], 1.0)])
