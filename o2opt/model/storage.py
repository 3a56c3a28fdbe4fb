r"""Storage extension: hospital cylinder stock and producers' liquid-oxygen tanks.

Hospital stock :math:`s_{ht}` (m³, end of day; between 0 and the stock capacity) adds
:math:`s_{h,t-1} - s_{ht}` to the demand row, the initial stock standing for
:math:`s_{h,-1}`. The safety stock is a soft target: the shortfall
:math:`e_{ht} \ge \text{safety}_h - s_{ht}` costs the unmet penalty :math:`\pi w_h` per m³
and day, so a stock that starts below it, or must be drawn in a shortage, never makes the
model infeasible. A producer with a tank gets production :math:`g_{pt} \le a_{pt} Q_p` and
tank content :math:`i_{pt}`, and ships :math:`\sum_s q_{pst} \le g_{pt} + i_{p,t-1} - i_{pt}`.
Off unless ``stock_capacity_m3`` or ``tank_capacity_m3`` is positive somewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.model.blocks import Block, Bulk, Cylinders
from o2opt.network import Network

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class Storage(Block):
    """Hospital stock ``s`` and its safety shortfall ``e``, tank production ``g`` and tank
    content ``i`` (per day, carried from one day to the next)."""

    name: ClassVar[str] = "storage"
    columns: ClassVar[tuple[str, ...]] = ("s", "e", "g", "i")
    row_names: ClassVar[tuple[str, ...]] = ("safety_stock", "producer_tank")
    couples_days: ClassVar[bool] = True

    s: np.ndarray
    e: np.ndarray
    g: np.ndarray
    i: np.ndarray
    s_hospital: np.ndarray  # per s column: hospital, day
    s_day: np.ndarray
    e_hospital: np.ndarray  # per e column: hospital, day, its s column
    e_day: np.ndarray
    e_of_s: np.ndarray
    g_producer: np.ndarray  # per g (and i) column: producer, day
    g_day: np.ndarray
    tank_row_of: np.ndarray | None = None  # producer_tank row by producer * n_days + day

    def column_day(self) -> np.ndarray:
        return np.concatenate([self.s_day, self.e_day, self.g_day, self.g_day])


def stock_capacity(network: Network) -> np.ndarray:
    """Hospitals' full-cylinder stock capacity in m³ (0: no storage)."""
    return network.hospitals["stock_capacity_m3"].to_numpy(float)


def has_tank(network: Network) -> np.ndarray:
    """Producers with a liquid-oxygen tank."""
    return network.producers["tank_capacity_m3"].to_numpy(float) > 0


def add_columns(ctx: Context) -> None:
    net, n_days = ctx.network, ctx.n_days
    stocked = np.flatnonzero(stock_capacity(net) > 0)
    s_h, s_day = np.repeat(stocked, n_days), np.tile(np.arange(n_days), len(stocked))
    s = ctx.columns.add("s", len(s_h), upper=stock_capacity(net)[s_h])
    # e: the safety-stock shortfall of a stocked hospital with a safety stock, per day
    safety = net.hospitals["safety_stock_m3"].to_numpy(float)
    kept = safety[s_h] > 0
    e_h = s_h[kept]
    priority = net.hospitals["priority"].to_numpy(float)
    e = ctx.columns.add("e", len(e_h), upper=safety[e_h],
                        unmet_penalty=ctx.sc.unmet_penalty_per_m3 * priority[e_h])
    tanks = np.flatnonzero(has_tank(net))
    g_p, g_day = np.repeat(tanks, n_days), np.tile(np.arange(n_days), len(tanks))
    cap = net.producers["capacity_m3_day"].to_numpy(float)
    factor = net.capacity_factor("producers")
    g = ctx.columns.add("g", len(g_p), upper=cap[g_p] * factor[g_p, g_day])
    i = ctx.columns.add("i", len(g_p),
                        upper=net.producers["tank_capacity_m3"].to_numpy(float)[g_p])
    ctx.put(Storage(s, e, g, i, s_hospital=s_h, s_day=s_day, e_hospital=e_h,
                    e_day=s_day[kept], e_of_s=np.flatnonzero(kept), g_producer=g_p,
                    g_day=g_day))


def add_rows(ctx: Context) -> None:
    _hospital_stock(ctx)
    _producer_tanks(ctx)


def _hospital_stock(ctx: Context) -> None:
    block, n_days = ctx.get(Storage), ctx.n_days
    s = block.s
    if not len(s):
        return
    s_h, s_day = block.s_hospital, block.s_day
    row_of = ctx.get(Cylinders).demand_row_of
    assert row_of is not None
    carried = s_day < n_days - 1  # stock at the end of day t serves day t + 1
    ctx.rows.extend("demand", [
        (row_of[s_h * n_days + s_day], s, -1.0),
        (row_of[s_h[carried] * n_days + s_day[carried] + 1], s[carried], 1.0),
    ])
    first = s_day == 0
    initial = ctx.network.hospitals["initial_stock_m3"].to_numpy(float)
    ctx.rows.shift_lower("demand", row_of[s_h[first] * n_days], -initial[s_h[first]])
    e, e_of_s = block.e, block.e_of_s
    safety = ctx.network.hospitals["safety_stock_m3"].to_numpy(float)
    ctx.rows.add("safety_stock", len(e), safety[block.e_hospital], np.inf, [
        (np.arange(len(e)), s[e_of_s], 1.0),
        (np.arange(len(e)), e, 1.0),
    ])


def _producer_tanks(ctx: Context) -> None:
    block = ctx.get(Storage)
    g, i = block.g, block.i
    if not len(g):
        return
    n_days, bulk = ctx.n_days, ctx.get(Bulk)
    g_p, g_day = block.g_producer, block.g_day
    q_p, q_day = bulk.q_p, bulk.q_day
    row_of = np.full(len(ctx.network.producers) * n_days, -1, dtype=np.int64)
    row_of[g_p * n_days + g_day] = np.arange(len(g))
    ctx.put(replace(block, tank_row_of=row_of))  # (tankers add to these rows)
    shipped = has_tank(ctx.network)[q_p]
    kept = g_day < n_days - 1
    initial = ctx.network.producers["initial_tank_m3"].to_numpy(float)
    ctx.rows.add("producer_tank", len(g), -np.inf, np.where(g_day == 0, initial[g_p], 0.0), [
        (row_of[q_p[shipped] * n_days + q_day[shipped]], bulk.q[shipped], 1.0),
        (np.arange(len(g)), g, -1.0),
        (np.arange(len(g)), i, 1.0),
        (row_of[g_p[kept] * n_days + g_day[kept] + 1], i[kept], -1.0),
    ])
