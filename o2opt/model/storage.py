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

from typing import TYPE_CHECKING

import numpy as np

from o2opt.network import Network

if TYPE_CHECKING:
    from o2opt.model.builder import Context


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
    ctx.col["s"] = ctx.columns.add("s", len(s_h), upper=stock_capacity(net)[s_h])
    # e: the safety-stock shortfall of a stocked hospital with a safety stock, per day
    safety = net.hospitals["safety_stock_m3"].to_numpy(float)
    kept = safety[s_h] > 0
    e_h = s_h[kept]
    priority = net.hospitals["priority"].to_numpy(float)
    ctx.col["e"] = ctx.columns.add("e", len(e_h), upper=safety[e_h],
                                   unmet_penalty=ctx.sc.unmet_penalty_per_m3 * priority[e_h])
    ctx.index.update(e_hospital=e_h, e_day=s_day[kept], e_of_s=np.flatnonzero(kept))
    tanks = np.flatnonzero(has_tank(net))
    g_p, g_day = np.repeat(tanks, n_days), np.tile(np.arange(n_days), len(tanks))
    cap = net.producers["capacity_m3_day"].to_numpy(float)
    factor = net.capacity_factor("producers")
    ctx.col["g"] = ctx.columns.add("g", len(g_p), upper=cap[g_p] * factor[g_p, g_day])
    ctx.col["i"] = ctx.columns.add(
        "i", len(g_p), upper=net.producers["tank_capacity_m3"].to_numpy(float)[g_p])
    ctx.index.update(s_hospital=s_h, s_day=s_day, g_producer=g_p, g_day=g_day)


def add_rows(ctx: Context) -> None:
    _hospital_stock(ctx)
    _producer_tanks(ctx)


def _hospital_stock(ctx: Context) -> None:
    s, n_days = ctx.col["s"], ctx.n_days
    if not len(s):
        return
    s_h, s_day = ctx.index["s_hospital"], ctx.index["s_day"]
    row_of = ctx.index["demand_row_of"]
    carried = s_day < n_days - 1  # stock at the end of day t serves day t + 1
    ctx.rows.extend("demand", [
        (row_of[s_h * n_days + s_day], s, -1.0),
        (row_of[s_h[carried] * n_days + s_day[carried] + 1], s[carried], 1.0),
    ])
    first = s_day == 0
    initial = ctx.network.hospitals["initial_stock_m3"].to_numpy(float)
    ctx.rows.shift_lower("demand", row_of[s_h[first] * n_days], -initial[s_h[first]])
    e, e_of_s = ctx.col["e"], ctx.index["e_of_s"]
    safety = ctx.network.hospitals["safety_stock_m3"].to_numpy(float)
    ctx.rows.add("safety_stock", len(e), safety[ctx.index["e_hospital"]], np.inf, [
        (np.arange(len(e)), s[e_of_s], 1.0),
        (np.arange(len(e)), e, 1.0),
    ])


def _producer_tanks(ctx: Context) -> None:
    g, i = ctx.col["g"], ctx.col["i"]
    if not len(g):
        return
    n_days = ctx.n_days
    g_p, g_day = ctx.index["g_producer"], ctx.index["g_day"]
    q_p, q_day = ctx.index["q_p"], ctx.index["q_day"]
    row_of = np.full(len(ctx.network.producers) * n_days, -1, dtype=np.int64)
    row_of[g_p * n_days + g_day] = np.arange(len(g))
    ctx.index["tank_row_of"] = row_of  # by producer * n_days + day (tankers add to it)
    shipped = has_tank(ctx.network)[q_p]
    kept = g_day < n_days - 1
    initial = ctx.network.producers["initial_tank_m3"].to_numpy(float)
    ctx.rows.add("producer_tank", len(g), -np.inf, np.where(g_day == 0, initial[g_p], 0.0), [
        (row_of[q_p[shipped] * n_days + q_day[shipped]], ctx.col["q"][shipped], 1.0),
        (np.arange(len(g)), g, -1.0),
        (np.arange(len(g)), i, 1.0),
        (row_of[g_p[kept] * n_days + g_day[kept] + 1], i[kept], -1.0),
    ])
