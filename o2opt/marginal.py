r"""Marginal values of capacities and of demand, from the duals of the linear program.

For :math:`\min c^\top x` subject to :math:`L \le A x \le U`, :math:`l \le x \le u`, with
HiGHS's duals (row duals :math:`y`, column duals :math:`z = c - A^\top y`), the rate of
change of the optimal objective with a parameter :math:`\theta` on which bounds and
coefficients depend is

.. math::

    \frac{\partial z^*}{\partial\theta} = \sum_r y_r \frac{\partial b_r}{\partial\theta}
      - \sum_{r,j} y_r\, x_j \frac{\partial A_{rj}}{\partial\theta}
      + \sum_j z_j \frac{\partial u_j}{\partial\theta}

(:math:`b_r` the active bound of row :math:`r`). :func:`capacity_marginals` and
:func:`demand_marginals` evaluate it for every capacity and every hospital-day net demand,
over every row and bound of :mod:`o2opt.model.builder` that depends on it: the station
fill rows, producer rows, candidate capacity rows :math:`v\sum n \le Q_c y_c`, the
cylinder bounds :math:`n \le \min(\text{cover}, \text{own capacity})`, the strong linking
rows :math:`n \le \bar n\, y`, the capacity cover rows, the rows and linking of candidate
producers and stations, the storage tanks' production bounds, the demand rows, the unmet
bounds (segments with ``shortage_sharing = "even"``) and the regional service rows.
The tanker extension's producer rows are not counted: those producers get NaN.
Where a bound is a minimum of two terms that are equal (a kink), the one-sided rates
differ and 0 is taken for that term.
Where the LP is degenerate, its duals are one valid choice among several and so are the
values. See ``docs/model.md``, "Marginal values".
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from o2opt.model import storage
from o2opt.model.builder import LinearModel

__all__ = ["CAPACITY_VALUE_COLUMNS", "NO_MARGINAL_VALUES", "Duals", "capacity_marginals",
           "capacity_value", "demand_marginals"]

log = logging.getLogger(__name__)

_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class Duals:
    """The solution of the LP the marginal values come from (for a model with integer
    variables: the LP with them fixed): primal ``x``, row duals, column duals."""

    x: np.ndarray
    row: np.ndarray
    col: np.ndarray


def _rows(lm: LinearModel, name: str) -> np.ndarray:
    block = lm.row_blocks.get(name)
    return np.arange(0) if block is None else np.arange(lm.num_row)[block]


def _cols(lm: LinearModel, name: str) -> np.ndarray:
    block = lm.blocks.get(name)
    return np.arange(0) if block is None else np.arange(lm.num_col)[block]


@dataclass(frozen=True, eq=False)
class _Arcs:
    """Per cylinder column: filling point, hospital, day, the two terms of its upper bound
    and the rates of that bound with the filling point's capacity and with demand."""

    cols: np.ndarray
    f: np.ndarray
    h: np.ndarray
    t: np.ndarray
    d_upper_d_cap: np.ndarray  # per unit of the input capacity column
    d_upper_d_demand: np.ndarray  # per m3 of net demand


def _arcs(lm: LinearModel) -> _Arcs:
    net, sc = lm.network, lm.network.scenario
    cyl_m3 = sc.cylinder_m3
    cols = _cols(lm, "n")
    f = lm.arcs.cylinder["source_pos"].to_numpy()[lm.n_arc]
    h = lm.arcs.cylinder["hospital_pos"].to_numpy()[lm.n_arc]
    t = lm.n_day
    n_st = len(net.stations)
    cand = net.candidates
    q_cand = cand["capacity_m3_day"].to_numpy(float) / cyl_m3
    k_cand = cand["fill_capacity_cyl_day"].to_numpy(float)
    own_cap = np.concatenate([net.stations["fill_capacity_cyl_day"].to_numpy(float),
                              np.minimum(q_cand, k_cand)])
    # rate of the own capacity (cylinders) with the input column (cylinders or m3)
    own_rate = np.concatenate([np.ones(n_st),
                               np.where(q_cand < k_cand - _TOL, 1.0 / cyl_m3, 0.0)])
    factor = np.concatenate([net.capacity_factor("stations"),
                             net.capacity_factor("candidates")])
    upper = lm.upper[cols]
    own = own_cap[f] * factor[f, t]
    if len(net.options):
        from o2opt.model import investment

        own = own + np.concatenate([investment.max_extra(net, "stations"),
                                    investment.max_extra(net, "candidates") / cyl_m3])[f] \
            * factor[f, t]
    d = lm.net_demand_m3
    cover = (d[h, t] + storage.stock_capacity(net)[h]) / cyl_m3
    fixed = lm.integer[cols]  # integral cylinders: fixed in the LP, no bound moves
    by_own = ~fixed & (own < cover - _TOL * np.maximum(1.0, cover)) & np.isclose(upper, own)
    by_cover = ~fixed & (cover < own - _TOL * np.maximum(1.0, own)) & np.isclose(upper, cover)
    return _Arcs(cols, f, h, t, np.where(by_own, own_rate[f] * factor[f, t], 0.0),
                 np.where(by_cover, 1.0 / cyl_m3, 0.0))


def capacity_marginals(lm: LinearModel, duals: Duals
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The marginal values (objective fall per unit of capacity, per day) of producers
    (money per m³/day), stations (per cylinder/day) and candidate plants (per m³/day).

    Returns
    -------
    producers, stations, candidates : numpy.ndarray
        Arrays of facilities × days.
    """
    net, sc = lm.network, lm.network.scenario
    n_days, cyl_m3 = sc.horizon_days, sc.cylinder_m3
    y, z = duals.row, np.minimum(duals.col, 0.0)  # upper bounds: their (≤ 0) duals
    n_st, n_c = len(net.stations), len(net.candidates)
    grad_p = np.zeros((len(net.producers), n_days))  # d objective / d capacity
    grad_f = np.zeros((n_st + n_c, n_days))
    idx = lm.index
    # station fill rows: rhs K_s a_st
    rows = _rows(lm, "station_fill")
    if len(rows):
        st_s, st_t = idx["st_s"], idx["st_t"]
        has = idx["station_fill_row"] >= 0
        s, t = st_s[has], st_t[has]
        np.add.at(grad_f, (s, t), y[rows] * net.capacity_factor("stations")[s, t]
                  * _opened(idx, "ys_of", s, duals.x))
    # producer rows: rhs Q_p a_pt
    rows = _rows(lm, "producer")
    if len(rows):
        p, t = idx["producer_row_p"], idx["producer_row_t"]
        np.add.at(grad_p, (p, t), y[rows] * net.capacity_factor("producers")[p, t]
                  * _opened(idx, "yp_of", p, duals.x))
    # cylinder bounds n <= min(cover, own capacity)
    arcs = _arcs(lm)
    np.add.at(grad_f, (arcs.f, arcs.t), z[arcs.cols] * arcs.d_upper_d_cap)
    if n_c:
        _candidate_terms(lm, duals, arcs, grad_f)
    # capacity cover rows: need = demand - min(station m3, production)
    rows = _rows(lm, "capacity_cover")
    if len(rows):
        days = _cover_days(lm)
        station_m3 = cyl_m3 * (net.stations["fill_capacity_cyl_day"].to_numpy(float)[:, None]
                               * net.capacity_factor("stations")).sum(axis=0)
        produced = (net.producers["capacity_m3_day"].to_numpy(float)[:, None]
                    * net.capacity_factor("producers")).sum(axis=0)
        for r, t in zip(rows, days, strict=True):
            if station_m3[t] < produced[t] - _TOL:
                grad_f[:n_st, t] -= y[r] * cyl_m3 * net.capacity_factor("stations")[:, t]
            elif produced[t] < station_m3[t] - _TOL:
                grad_p[:, t] -= y[r] * net.capacity_factor("producers")[:, t]
    _candidate_link_terms(lm, duals, arcs, grad_p, grad_f)
    cols = _cols(lm, "g")  # storage: a tank producer's production bound g <= a Q
    if len(cols):
        p, t = idx["g_producer"], idx["g_day"]
        np.add.at(grad_p, (p, t), z[cols] * net.capacity_factor("producers")[p, t])
    _not_counted(lm, grad_p, grad_f)
    return 0.0 - grad_p, 0.0 - grad_f[:n_st], 0.0 - grad_f[n_st:]


def _opened(idx: Mapping[str, np.ndarray], name: str, pos: np.ndarray,
            x: np.ndarray) -> np.ndarray | float:
    """The opening value of candidate producers or stations ``pos`` (1 for the others): a
    candidate's capacity row is ``... - a K y <= 0`` instead of ``... <= a K``."""
    of = idx.get(name)
    if of is None or not len(of):
        return 1.0
    col = of[pos]
    return np.where(col >= 0, x[np.maximum(col, 0)], 1.0)


def _candidate_link_terms(lm: LinearModel, duals: Duals, arcs: _Arcs, grad_p: np.ndarray,
                          grad_f: np.ndarray) -> None:
    """Strong linking of candidate stations (n <= n̄ y_s) and producers (q <= q̄ y_p,
    q̄ = min(a_pt Q_p, v a_st K_s))."""
    idx, y, x = lm.index, duals.row, duals.x
    net, n_st = lm.network, len(lm.network.stations)
    rows = _rows(lm, "station_link")
    if len(rows):
        ys_of = idx["ys_of"]
        at = arcs.f < n_st
        f, t = arcs.f[at], arcs.t[at]
        link = np.flatnonzero((ys_of[f] >= 0) & (lm.upper[arcs.cols][at] > 0))
        np.add.at(grad_f, (f[link], t[link]),
                  y[rows] * x[ys_of[f[link]]] * arcs.d_upper_d_cap[at][link])
    rows = _rows(lm, "producer_link")
    if len(rows):
        from o2opt.model.investment import max_extra

        yp_of, q_p, q_day = idx["yp_of"], idx["q_p"], idx["q_day"]
        link = np.flatnonzero(yp_of[q_p] >= 0)
        p, t = q_p[link], q_day[link]
        s = idx["st_s"][idx["q_station_row"][link]]
        a_p = net.capacity_factor("producers")[p, t]
        a_s = net.capacity_factor("stations")[s, t]
        cyl_m3 = net.scenario.cylinder_m3
        most_p = (net.producers["capacity_m3_day"].to_numpy(float)
                  + max_extra(net, "producers"))[p] * a_p
        most_s = cyl_m3 * (net.stations["fill_capacity_cyl_day"].to_numpy(float)
                           + max_extra(net, "stations"))[s] * a_s
        keep = np.minimum(most_p, most_s) > 0
        p, t, s, a_p, a_s, most_p, most_s = (v[keep] for v in
                                             (p, t, s, a_p, a_s, most_p, most_s))
        w = y[rows] * x[yp_of[p]]
        np.add.at(grad_p, (p, t), w * np.where(most_p < most_s - _TOL, a_p, 0.0))
        np.add.at(grad_f, (s, t), w * np.where(most_s < most_p - _TOL, cyl_m3 * a_s, 0.0))


def _not_counted(lm: LinearModel, grad_p: np.ndarray, grad_f: np.ndarray) -> None:
    """NaN for the facilities whose capacity enters rows this module does not count: the
    producers that load tankers."""
    idx = lm.index
    if len(_cols(lm, "b")):
        grad_p[np.unique(idx["b_producer"])] = np.nan
    skipped = int(np.isnan(grad_p).any(axis=1).sum() + np.isnan(grad_f).any(axis=1).sum())
    if skipped:
        log.warning("no marginal value for %d producers whose capacity enters the tanker "
                    "rows (docs/model.md)", skipped)


def _candidate_terms(lm: LinearModel, duals: Duals, arcs: _Arcs, grad_f: np.ndarray) -> None:
    """Candidate capacity rows (coefficient -Q_c a_ct on y_c), strong linking rows
    (coefficient -n̄ on y_c) and capacity cover rows (coefficient min(aQ, avK, reach))."""
    net, idx = lm.network, lm.index
    n_st, y, x = len(net.stations), duals.row, duals.x
    y_of_cand = idx["y_of_cand"]
    rows = _rows(lm, "candidate_capacity")
    if len(rows):
        c, t = idx["cand_row_c"], idx["cand_row_t"]
        a = net.capacity_factor("candidates")[c, t]
        np.add.at(grad_f, (n_st + c, t), y[rows] * a * x[y_of_cand[c]])
    rows = _rows(lm, "candidate_link")
    if len(rows):
        is_cand = arcs.f >= n_st
        link = np.flatnonzero(lm.upper[arcs.cols][is_cand] > 0)
        f, t = arcs.f[is_cand][link], arcs.t[is_cand][link]
        rate = arcs.d_upper_d_cap[is_cand][link]
        np.add.at(grad_f, (f, t), y[rows] * x[y_of_cand[f - n_st]] * rate)
    rows = _rows(lm, "capacity_cover")
    if len(rows):
        coef_rate = _cover_coefficient_rates(lm, arcs)  # candidates x days, per m3 of Q_c
        for r, t in zip(rows, _cover_days(lm), strict=True):
            opened = x[y_of_cand]
            grad_f[n_st:, t] -= y[r] * opened * coef_rate[0][:, t]


def _cover_days(lm: LinearModel) -> np.ndarray:
    """The days of the capacity cover rows, in row order (the rows' lower bound is the
    day's need, positive)."""
    net, sc = lm.network, lm.network.scenario
    d = lm.net_demand_m3
    demand = np.where(d > 0, d, 0.0).sum(axis=0)
    station_m3 = sc.cylinder_m3 * (net.stations["fill_capacity_cyl_day"].to_numpy(float)[:, None]
                                   * net.capacity_factor("stations")).sum(axis=0)
    produced = (net.producers["capacity_m3_day"].to_numpy(float)[:, None]
                * net.capacity_factor("producers")).sum(axis=0)
    return np.flatnonzero(demand - np.minimum(station_m3, produced) > 0)


def _cover_coefficient_rates(lm: LinearModel, arcs: _Arcs
                             ) -> tuple[np.ndarray, np.ndarray]:
    """Rates of each candidate's cover coefficient min(a Q, a v K, reach) per m³ of
    capacity_m3_day (candidates × days) and the per-arc rate with demand (reach terms)."""
    net, sc = lm.network, lm.network.scenario
    cyl_m3, n_days, n_st = sc.cylinder_m3, sc.horizon_days, len(net.stations)
    cands = net.candidates
    q = cands["capacity_m3_day"].to_numpy(float)
    vk = cyl_m3 * cands["fill_capacity_cyl_day"].to_numpy(float)
    a = net.capacity_factor("candidates")
    own = np.minimum(q, vk)[:, None] * a
    is_cand = arcs.f >= n_st
    reach = np.zeros((len(cands), n_days))
    np.add.at(reach, (arcs.f[is_cand] - n_st, arcs.t[is_cand]),
              cyl_m3 * lm.upper[arcs.cols][is_cand])
    reach_rate = np.zeros((len(cands), n_days))
    np.add.at(reach_rate, (arcs.f[is_cand] - n_st, arcs.t[is_cand]),
              cyl_m3 * arcs.d_upper_d_cap[is_cand])
    by_own = own < reach - _TOL
    by_reach = reach < own - _TOL
    rate = np.where(by_own, np.where((q < vk - _TOL)[:, None], a, 0.0),
                    np.where(by_reach, reach_rate, 0.0))
    per_arc = np.where(is_cand, by_reach[np.clip(arcs.f - n_st, 0, None), arcs.t], False)
    return rate, per_arc


def demand_marginals(lm: LinearModel, duals: Duals) -> np.ndarray:
    """The marginal cost (objective rise per extra m³ of net demand) of every hospital-day
    (hospitals × days; NaN where the hospital-day has no demand)."""
    net, cyl_m3 = lm.network, lm.network.scenario.cylinder_m3
    d = lm.net_demand_m3
    y, x, idx = duals.row, duals.x, lm.index
    z = np.minimum(duals.col, 0.0)  # the bounds below are upper bounds: their (≤ 0) duals
    grad = np.zeros(d.shape)
    rows = rows_demand = _rows(lm, "demand")
    row_of = idx["demand_row_of"]
    has = row_of >= 0
    flat = grad.reshape(-1)
    if len(rows):
        flat[has] += y[rows][row_of[has]]
    # unmet bounds u <= (1 - s_h) d
    cols = _cols(lm, "u")
    if len(cols):
        np.add.at(grad, (lm.u_hospital, lm.u_day), z[cols] * idx["u_upper_rate"])
    # cylinder bounds n <= cover = d / v (when below the own capacity)
    arcs = _arcs(lm)
    np.add.at(grad, (arcs.h, arcs.t), z[arcs.cols] * arcs.d_upper_d_demand)
    n_st = len(net.stations)
    is_cand = arcs.f >= n_st
    rows = _rows(lm, "candidate_link")
    if len(rows):
        link = np.flatnonzero(lm.upper[arcs.cols][is_cand] > 0)
        f, h, t = (a[is_cand][link] for a in (arcs.f, arcs.h, arcs.t))
        rate = arcs.d_upper_d_demand[is_cand][link]
        np.add.at(grad, (h, t), y[rows] * x[idx["y_of_cand"][f - n_st]] * rate)
    rows = _rows(lm, "station_link")
    if len(rows):
        at = ~is_cand
        f, h, t = (a[at] for a in (arcs.f, arcs.h, arcs.t))
        ys_of = idx["ys_of"]
        link = np.flatnonzero((ys_of[f] >= 0) & (lm.upper[arcs.cols][at] > 0))
        np.add.at(grad, (h[link], t[link]),
                  y[rows] * x[ys_of[f[link]]] * arcs.d_upper_d_demand[at][link])
    rows = _rows(lm, "region_service")
    if len(rows):
        _region_terms(lm, y[rows], grad)
    rows = _rows(lm, "capacity_cover")
    if len(rows):
        _, per_arc = _cover_coefficient_rates(lm, arcs)
        for r, t in zip(rows, _cover_days(lm), strict=True):
            grad[:, t] += np.where(d[:, t] > 0, y[r], 0.0)
            on = per_arc & (arcs.t == t)
            np.add.at(grad, (arcs.h[on], arcs.t[on]),
                      -y[r] * x[idx["y_of_cand"][arcs.f[on] - n_st]] * cyl_m3
                      * arcs.d_upper_d_demand[on])
    cols = _cols(lm, "o")  # a hospital option's coefficient min(extra, d) in the demand row
    if len(cols):
        extra = net.options["extra_capacity"].to_numpy(float)
        for j in np.flatnonzero(idx["o_kind"] == 3):
            h = idx["o_pos"][j]
            t = np.flatnonzero((d[h] > 0) & (d[h] < extra[j] - _TOL))
            r = row_of[h * d.shape[1] + t]
            grad[h, t] -= y[rows_demand[r]] * x[cols[j]]
    grad[~has.reshape(d.shape) | (d <= 0)] = np.nan
    return grad


def _region_terms(lm: LinearModel, y: np.ndarray, grad: np.ndarray) -> None:
    """Regional service rows: rhs (1 - s_R) Σ_h d_ht over the region's hospitals."""
    share = lm.network.scenario.region_min_service_share
    u_h, u_day = lm.u_hospital, lm.u_day
    region = lm.network.hospitals["region"].to_numpy().astype(str)[u_h]
    named = np.flatnonzero(region != "")
    _, row_of_u = np.unique(np.char.add(region[named], "|" + u_day[named].astype(str)),
                            return_inverse=True)
    np.add.at(grad, (u_h[named], u_day[named]), (1.0 - share) * y[row_of_u])


#: The columns of :func:`capacity_value`.
CAPACITY_VALUE_COLUMNS = ("facility", "kind", "unit", "days_binding", "marginal_value",
                          "max_marginal_value")
#: How to get marginal values when a solution has none.
NO_MARGINAL_VALUES = (
    "no marginal values: a model with integer variables (candidate sites, integer cylinders "
    "or trucks) gets them with [model] marginal_values = true (one more LP solve); an LP "
    "stopped before its optimum has none")


def capacity_value(utilization: pd.DataFrame, top: int | None = 10) -> pd.DataFrame:
    """Where extra capacity is worth most: facilities ranked by ``marginal_value`` summed
    over the horizon.

    Parameters
    ----------
    utilization : DataFrame
        ``utilization.csv`` with its ``marginal_value`` column.
    top : int or None
        How many facilities to keep (``None``: all with a positive value).

    Returns
    -------
    DataFrame
        One row per facility whose summed value is positive, largest first:
        ``facility``, ``kind``, ``unit`` (``cylinders`` or ``m3``: one more unit per day
        of the facility's input capacity column), ``days_binding`` (days used at capacity),
        ``marginal_value`` (summed over the days: the rate at which the objective falls per
        extra unit/day of the input column on every day of the horizon) and
        ``max_marginal_value`` (its largest daily value).

    Raises
    ------
    ValueError
        ``utilization`` has no ``marginal_value`` column (:data:`NO_MARGINAL_VALUES`).
    """
    if "marginal_value" not in utilization:
        raise ValueError(NO_MARGINAL_VALUES)
    u = utilization.assign(facility=utilization["facility"].astype(str),
                           value=pd.to_numeric(utilization["marginal_value"], errors="coerce"),
                           binding=utilization["used"]
                           >= utilization["capacity"] * (1.0 - 1e-6) - _TOL)
    u["binding"] &= utilization["capacity"] > 0
    out = (u.groupby(["facility", "kind", "unit"], sort=False)
           .agg(days_binding=("binding", "sum"),
                marginal_value=("value", lambda v: v.sum(min_count=1)),
                max_marginal_value=("value", "max"))
           .reset_index())
    out = out[out["marginal_value"] > _TOL].sort_values("marginal_value", ascending=False,
                                                        kind="stable")
    out["days_binding"] = out["days_binding"].astype(int)
    out = out.reset_index(drop=True)[list(CAPACITY_VALUE_COLUMNS)]
    return out if top is None else out.head(top)
