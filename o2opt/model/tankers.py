r"""Tanker extension: liquid oxygen by road tanker from producers to hospital tanks.

Producers with ``tankers`` deliver :math:`b_{pht}` m³ (gas equivalent; convert litres of
liquid or kg with :func:`o2opt.demand.liquid_l_to_m3` / :func:`o2opt.demand.kg_to_m3`) to
hospitals with a ``lox_tank_m3``. The hospital's tank content :math:`l_{ht}` and the gas
its vaporiser releases :math:`v_{ht} \le` ``vaporiser_m3_day`` follow

.. math::

    l_{ht} \le l_{h,t-1} + \sum_p b_{pht} - v_{ht}, \qquad 0 \le l_{ht} \le L_h,

and :math:`v_{ht}` serves demand like delivered cylinders. Shipments use the producer's
capacity (with cylinder bulk), and a tanker is busy :math:`\tau_{ph}` days per load (round
trip at ``truck_speed_km_h`` over ``working_hours_day`` plus ``tanker_unload_days``):
:math:`\sum_h \tau_{ph} b_{pht} \le N_p C_p` per producer and day (steady state).
Cost per m³: ``bulk_cost_per_m3_km`` × km + the producer's ``cost_per_m3``; km is the
great-circle distance × ``circuity``. Off unless some producer has tankers and some
hospital a tank.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.geo import haversine_km
from o2opt.model.blocks import Block, Bulk, Cylinders
from o2opt.model.fleet import check_turnaround
from o2opt.model.storage import Storage, has_tank

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class Tankers(Block):
    """Tanker shipments ``b``, hospital tank content ``l`` (carried from day to day) and
    vaporised gas ``v``, with the tank balance, producer and tanker-fleet rows."""

    name: ClassVar[str] = "tankers"
    columns: ClassVar[tuple[str, ...]] = ("b", "l", "v")
    row_names: ClassVar[tuple[str, ...]] = ("hospital_lox", "producer_with_tankers",
                                            "tanker_fleet")
    couples_days: ClassVar[bool] = True

    b: np.ndarray
    l: np.ndarray  # noqa: E741 (the model's name)
    v: np.ndarray
    b_producer: np.ndarray  # per b column: producer, hospital, day, km
    b_hospital: np.ndarray
    b_day: np.ndarray
    b_km: np.ndarray
    l_hospital: np.ndarray  # per l column: hospital, day
    l_day: np.ndarray
    v_hospital: np.ndarray  # per v column: hospital, day
    v_day: np.ndarray

    def column_day(self) -> np.ndarray:
        return np.concatenate([self.b_day, self.l_day, self.v_day])


def add_columns(ctx: Context) -> None:
    net, sc, n_days = ctx.network, ctx.sc, ctx.n_days
    h_tank = np.flatnonzero(net.hospitals["lox_tank_m3"].to_numpy(float) > 0)
    p_tank = np.flatnonzero(net.producers["tankers"].to_numpy(float) > 0)
    if not len(h_tank) or not len(p_tank):
        h_tank = p_tank = np.empty(0, dtype=np.int64)
    # b: every tanker producer x tank hospital x day
    p_b, h_b, t_b = (a.ravel() for a in np.meshgrid(p_tank, h_tank, np.arange(n_days),
                                                    indexing="ij"))
    prod, hosp = net.producers, net.hospitals
    km = sc.circuity * haversine_km(prod["lat"].to_numpy(float)[p_b],
                                    prod["lon"].to_numpy(float)[p_b],
                                    hosp["lat"].to_numpy(float)[h_b],
                                    hosp["lon"].to_numpy(float)[h_b])
    b = ctx.columns.add("b", len(p_b), transport=sc.bulk_cost_per_m3_km * km,
                        production=prod["cost_per_m3"].to_numpy(float)[p_b])
    # l: tank content at the end of each day; v: gas vaporised on active days
    l_h, l_day = np.repeat(h_tank, n_days), np.tile(np.arange(n_days), len(h_tank))
    tank = ctx.columns.add("l", len(l_h), upper=hosp["lox_tank_m3"].to_numpy(float)[l_h])
    on = ctx.active[l_h, l_day]
    vap = ctx.columns.add("v", int(on.sum()),
                          upper=hosp["vaporiser_m3_day"].to_numpy(float)[l_h[on]])
    ctx.put(Tankers(b, tank, vap, b_producer=p_b, b_hospital=h_b, b_day=t_b, b_km=km,
                    l_hospital=l_h, l_day=l_day, v_hospital=l_h[on], v_day=l_day[on]))


def add_rows(ctx: Context) -> None:
    block = ctx.get(Tankers)
    b, tank, vap = block.b, block.l, block.v
    if not len(b):
        return
    net, sc, n_days = ctx.network, ctx.sc, ctx.n_days
    v_h, v_day = block.v_hospital, block.v_day
    demand_row_of = ctx.get(Cylinders).demand_row_of
    assert demand_row_of is not None
    ctx.rows.extend("demand", [(demand_row_of[v_h * n_days + v_day], vap, 1.0)])
    # hospital tank balance, one row per tank hospital and day
    l_h, l_day = block.l_hospital, block.l_day
    row_of = np.full(len(net.hospitals) * n_days, -1, dtype=np.int64)
    row_of[l_h * n_days + l_day] = np.arange(len(l_h))
    kept = l_day < n_days - 1
    initial = net.hospitals["initial_lox_m3"].to_numpy(float)
    ctx.rows.add("hospital_lox", len(l_h), -np.inf, np.where(l_day == 0, initial[l_h], 0.0), [
        (np.arange(len(l_h)), tank, 1.0),
        (row_of[l_h[kept] * n_days + l_day[kept] + 1], tank[kept], -1.0),
        (row_of[block.b_hospital * n_days + block.b_day], b, -1.0),
        (row_of[v_h * n_days + v_day], vap, 1.0),
    ])
    # producer capacity shared with cylinder bulk (through the tank if it has one)
    p_b, t_b = block.b_producer, block.b_day
    stored = has_tank(net)[p_b]
    if stored.any():
        tank_row_of = ctx.get(Storage).tank_row_of
        assert tank_row_of is not None
        ctx.rows.extend("producer_tank", [
            (tank_row_of[p_b[stored] * n_days + t_b[stored]], b[stored], 1.0)])
    producers = np.unique(p_b[~stored])
    row_of_p = np.full(len(net.producers), -1, dtype=np.int64)
    row_of_p[producers] = np.arange(len(producers))
    key = row_of_p[p_b] * n_days + t_b
    bulk = ctx.get(Bulk)
    q_p, q_day = bulk.q_p, bulk.q_day
    q_in = row_of_p[q_p] >= 0
    plain = ~stored
    cap = net.producers["capacity_m3_day"].to_numpy(float)[producers][:, None] \
        * net.capacity_factor("producers")[producers]
    ctx.rows.add("producer_with_tankers", len(producers) * n_days, -np.inf, cap.ravel(), [
        (key[plain], b[plain], 1.0),
        (row_of_p[q_p[q_in]] * n_days + q_day[q_in], bulk.q[q_in], 1.0),
    ])
    # the tanker fleet of each producer, per day
    fleet_p = np.unique(p_b)
    row_of_f = np.full(len(net.producers), -1, dtype=np.int64)
    row_of_f[fleet_p] = np.arange(len(fleet_p))
    with np.errstate(over="ignore", divide="ignore"):  # inf: refused by check_turnaround
        tau = 2 * block.b_km / (sc.truck_speed_km_h * sc.working_hours_day) \
            + sc.tanker_unload_days
    check_turnaround(tau, "tanker_unload_days")
    fleet = (net.producers["tankers"] * net.producers["tanker_capacity_m3"]).to_numpy(float)
    ctx.rows.add("tanker_fleet", len(fleet_p) * n_days, -np.inf,
                 np.repeat(fleet[fleet_p], n_days),
                 [(row_of_f[p_b] * n_days + t_b, b, tau)])
