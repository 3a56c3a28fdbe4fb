r"""Build the canonical model of MODEL.md as a sparse :class:`LinearModel`.

Every block of variables and constraints is made with numpy from the arc tables, so the
cost of building grows with the number of non-zeros, not with Python loops over them.

Formulation (sets, data and variables as in ``docs/model.md``):

.. math::

    \min \sum_{h,t} \pi\,w_h\,u_{ht}
       + \sum_{(f,h)\in A,\,t} c_{fh}\,n_{fht}
       + \sum_{(p,s),\,t} c_{ps}\,q_{pst} + \sum_c F_c\,y_c

subject to, for every day :math:`t`,

.. math::

    v\sum_f n_{fht} + u_{ht} &\ge d_{ht}        && \forall h:\ d_{ht} > 0\\
    \sum_h n_{sht} &\le K_s                        && \forall s\\
    v\sum_h n_{sht} - \sum_p q_{pst} &\le 0        && \forall s\\
    \sum_s q_{pst} &\le Q_p                        && \forall p\\
    v\sum_h n_{cht} - Q_c\,y_c &\le 0              && \forall c\\
    \sum_h n_{cht} - K_c\,y_c &\le 0               && \forall c,\ K_c < \infty\\
    n_{cht} - \bar n_{cht}\,y_c &\le 0             && \forall (c,h)\in A

with :math:`0 \le n_{fht} \le \bar n_{fht}`, where :math:`\bar n_{fht}` is the number of
cylinders that covers :math:`d_{ht}` (no optimal plan sends more, as costs are
non-negative), capped by the filling point's own capacity. The last row is the strong
(disaggregated) linking of facility location: it makes the LP relaxation tight. Variables
exist only for arcs and days with positive net demand.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from o2opt.geo import Arcs, build_arcs
from o2opt.network import Network, Scenario

__all__ = ["LinearModel", "build"]

_EPS = 1e-9


@dataclass(frozen=True, eq=False)
class LinearModel:
    """A minimisation LP/MILP in sparse form, with the index of what each column means.

    Columns are laid out in blocks ``n`` (cylinders on arc ``n_arc`` on day ``n_day``),
    ``q`` (bulk m³ on arc ``q_arc`` on day ``q_day``), ``u`` (unmet m³ of hospital
    ``u_hospital`` on day ``u_day``), ``y`` (candidate ``y_candidate`` opened) and, with
    ``single_source``, ``z`` (cylinder arc ``z_arc`` is the hospital's only source);
    ``blocks`` maps each name to its slice. Rows are ``row_lower <= A x <= row_upper``
    with ``A`` in coordinate form (``a_row``, ``a_col``, ``a_val``); ``row_blocks`` names
    the constraint families.
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
    index: dict[str, np.ndarray] = field(repr=False)
    """Index arrays of extension blocks (``s_hospital``/``s_day`` for hospital stock,
    ``g_producer``/``g_day`` for tank producers' production ``g`` and content ``i``)."""
    parts: dict[str, np.ndarray] = field(repr=False)
    """Per-column cost split by kind (``transport``, ``production``, ``filling``,
    ``fixed``, ``unmet_penalty``); they add up to :attr:`cost`."""

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


def _compress(major: np.ndarray, minor: np.ndarray, value: np.ndarray,
              n_major: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    order = np.lexsort((minor, major))
    start = np.zeros(n_major + 1, dtype=np.int64)
    np.cumsum(np.bincount(major, minlength=n_major), out=start[1:])
    return start, minor[order].astype(np.int32), value[order]


class _Rows:
    """Collects constraint blocks as coordinate triplets."""

    def __init__(self) -> None:
        self.rows: list[np.ndarray] = []
        self.cols: list[np.ndarray] = []
        self.vals: list[np.ndarray] = []
        self.lower: list[np.ndarray] = []
        self.upper: list[np.ndarray] = []
        self.blocks: dict[str, slice] = {}
        self.count = 0

    def add(self, name: str, n_rows: int, lower: np.ndarray | float, upper: np.ndarray | float,
            entries: list[tuple[np.ndarray, np.ndarray, np.ndarray | float]]) -> None:
        """Add ``n_rows`` rows; ``entries`` are (local row, column, value) arrays."""
        if n_rows == 0:
            return
        for r, c, v in entries:
            self.rows.append(np.asarray(r, dtype=np.int64) + self.count)
            self.cols.append(np.asarray(c, dtype=np.int64))
            self.vals.append(np.broadcast_to(np.asarray(v, dtype=float), np.shape(r)))
        self.lower.append(np.broadcast_to(np.asarray(lower, dtype=float), (n_rows,)))
        self.upper.append(np.broadcast_to(np.asarray(upper, dtype=float), (n_rows,)))
        self.blocks[name] = slice(self.count, self.count + n_rows)
        self.count += n_rows

    def arrays(self) -> tuple[np.ndarray, ...]:
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return np.concatenate(parts).astype(dtype) if parts else np.empty(0, dtype)

        return (cat(self.rows, np.int64), cat(self.cols, np.int64), cat(self.vals, float),
                cat(self.lower, float), cat(self.upper, float))


def turnaround_days(km: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Days a cylinder is away from its filling point on a trip of ``km`` (one way):
    the round trip at ``truck_speed_km_h`` over ``working_hours_day``, plus the dwell.

    Examples
    --------
    >>> turnaround_days(np.array([160.0]), Scenario()).tolist()  # 320 km / 320 km a day + 1
    [2.0]
    """
    drive = 2 * km / (scenario.truck_speed_km_h * scenario.working_hours_day)
    return drive + scenario.hospital_dwell_days


def _add_fleet_rows(rows: _Rows, network: Network, cyl: pd.DataFrame, arc_idx: np.ndarray,
                    n_f: np.ndarray, n_day: np.ndarray, n_col: np.ndarray) -> None:
    """Fleet extension: cylinders in circulation per filling point and day <= its fleet.

    A cylinder sent on day t on an arc with turnaround tau days occupies the fleet with
    weight w_k = min(1, tau - k) on days t + k, k = 0 .. ceil(tau) - 1, counted cyclically
    over the horizon (steady state: the plan repeats). With a loss rate, each cylinder
    delivered before day t is missing from the fleet on day t (no repurchase).
    """
    sc = network.scenario
    fleet = np.concatenate([network.stations["fleet_cylinders"].to_numpy(float),
                            network.candidates["fleet_cylinders"].to_numpy(float)])
    limited = np.isfinite(fleet)
    if not limited.any() or not len(n_col):
        return
    n_days = sc.horizon_days
    sel = np.flatnonzero(limited[n_f])
    tau = turnaround_days(cyl["km"].to_numpy(float)[arc_idx[sel]], sc)
    f_ids = np.flatnonzero(limited)
    row_of_f = np.full(len(fleet), -1, dtype=np.int64)
    row_of_f[f_ids] = np.arange(len(f_ids))
    base = row_of_f[n_f[sel]] * n_days
    entries = []
    for k in range(int(np.ceil(tau.max()))):
        weight = np.clip(tau - k, 0.0, 1.0)
        on = weight > 0
        entries.append((base[on] + (n_day[sel][on] + k) % n_days, n_col[sel][on], weight[on]))
    if sc.cylinder_loss_rate > 0:
        for later in range(1, n_days):
            on = n_day[sel] < later
            entries.append((base[on] + later, n_col[sel][on], sc.cylinder_loss_rate))
    # a turnaround longer than the horizon wraps onto the same row: add those weights up
    r, c, w = (np.concatenate([np.broadcast_to(np.asarray(e[i], dtype=float), e[0].shape)
                               for e in entries]) for i in range(3))
    pairs, where = np.unique(np.stack([r, c]), axis=1, return_inverse=True)
    summed = np.bincount(where.ravel(), weights=w, minlength=pairs.shape[1])
    rows.add("fleet", len(f_ids) * n_days, -np.inf, np.repeat(fleet[f_ids], n_days),
             [(pairs[0].astype(np.int64), pairs[1].astype(np.int64), summed)])


def build(network: Network, arcs: Arcs | None = None) -> LinearModel:
    """Build the canonical model of ``network`` (MODEL.md) as a :class:`LinearModel`.

    Parameters
    ----------
    network : Network
    arcs : Arcs, optional
        Precomputed arcs (from :func:`o2opt.geo.build_arcs`).

    Examples
    --------
    >>> import o2opt
    >>> lm = build(o2opt.read_network(o2opt.datasets.demo_folder()))
    >>> lm.num_col > 0, lm.is_mip
    (True, True)
    """
    sc = network.scenario
    arcs = arcs if arcs is not None else build_arcs(network)
    cyl_m3 = sc.cylinder_m3
    n_days = sc.horizon_days
    n_stations = len(network.stations)
    d = network.net_demand_m3()  # (H, T)
    h_count = d.shape[0]

    # ---------------------------------------------------------------- n: cylinders
    cyl = arcs.cylinder
    arc_h = cyl["hospital_pos"].to_numpy()
    arc_f = cyl["source_pos"].to_numpy()
    # hospital-days that can take deliveries: positive demand, or a stock to fill
    stock_cap = network.hospitals["stock_capacity_m3"].to_numpy(float)
    active = (d > 0) | (stock_cap[:, None] > 0)
    arc_idx, n_day = np.nonzero(active[arc_h])  # arcs x days with demand (or stock)
    n_h, n_f = arc_h[arc_idx], arc_f[arc_idx]
    is_cand = n_f >= n_stations
    cand_of = n_f - n_stations  # candidate position where is_cand

    stations, candidates = network.stations, network.candidates
    st_fill_cap = stations["fill_capacity_cyl_day"].to_numpy(float)
    c_cap = candidates["capacity_m3_day"].to_numpy(float)
    c_fill_cap = candidates["fill_capacity_cyl_day"].to_numpy(float)
    n_cands = len(candidates)
    # per filling point (stations, then candidates): cylinders/day it can fill at most,
    # and its filling and production cost per cylinder
    f_cap_cyl = np.concatenate([st_fill_cap, np.minimum(c_cap / cyl_m3, c_fill_cap)])
    # share of capacity available per facility and day (availability extension; else 1)
    f_factor = np.concatenate([network.capacity_factor("stations"),
                               network.capacity_factor("candidates")])
    p_factor = network.capacity_factor("producers")
    f_fill_cost = np.concatenate([stations["fill_cost_per_cyl"].to_numpy(float),
                                  np.zeros(n_cands)])
    f_prod_cost = np.concatenate([np.zeros(n_stations),
                                  cyl_m3 * candidates["cost_per_m3"].to_numpy(float)])

    cover = (d[n_h, n_day] + stock_cap[n_h]) / cyl_m3
    own_cap = f_cap_cyl[n_f] * f_factor[n_f, n_day]
    if sc.integer_cylinders:
        cover = np.ceil(cover - _EPS)
        own_cap = np.floor(own_cap + _EPS)
    n_upper = np.minimum(cover, own_cap)

    transport_n = cyl["transport_per_cyl"].to_numpy()[arc_idx]
    filling_n = f_fill_cost[n_f]
    production_n = f_prod_cost[n_f]

    # ---------------------------------------------------------------- q: bulk m3
    st_keys, st_row_of_n = np.unique(np.where(is_cand, -1, n_f * n_days + n_day),
                                     return_inverse=True)
    has_neg = len(st_keys) and st_keys[0] < 0
    st_keys = st_keys[1:] if has_neg else st_keys
    st_row_of_n = st_row_of_n - (1 if has_neg else 0)  # -1 for candidate columns
    st_row_s, st_row_t = np.divmod(st_keys, n_days) if len(st_keys) else (st_keys, st_keys)

    bulk = arcs.bulk
    q_frame = pd.DataFrame({"s": st_row_s, "t": st_row_t, "st_row": np.arange(len(st_keys))})
    q_frame = q_frame.merge(pd.DataFrame({"s": bulk["station_pos"].to_numpy(),
                                          "arc": np.arange(len(bulk))}), on="s")
    q_arc = q_frame["arc"].to_numpy(np.int64)
    q_day = q_frame["t"].to_numpy(np.int64)
    q_st_row = q_frame["st_row"].to_numpy(np.int64)
    q_p = bulk["producer_pos"].to_numpy()[q_arc]
    p_cap = network.producers["capacity_m3_day"].to_numpy(float)
    p_cost = network.producers["cost_per_m3"].to_numpy(float)
    transport_q = bulk["transport_per_m3"].to_numpy()[q_arc]
    production_q = p_cost[q_p] if len(q_p) else np.empty(0)

    # ---------------------------------------------------------------- u: unmet m3
    if sc.allow_unmet:
        u_h, u_day = np.nonzero(d > 0)
    else:
        u_h = u_day = np.empty(0, dtype=np.int64)
    priority = network.hospitals["priority"].to_numpy(float)
    penalty_u = sc.unmet_penalty_per_m3 * priority[u_h]

    # ---------------------------------------------------------------- y: sites
    y_cand = np.unique(cand_of[is_cand])
    fixed_y = candidates["fixed_cost"].to_numpy(float)[y_cand]

    # ---------------------------------------------------------------- z: single sourcing
    # z[f,h] = 1: hospital h is served by filling point f alone (single_source extension)
    if sc.single_source:
        z_arc, z_of_n = np.unique(arc_idx, return_inverse=True)
    else:
        z_arc, z_of_n = np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)

    # ---------------------------------------------------------------- columns
    # ---------------------------------------------------------------- k: truck trips
    # truck extension: k[f,h,t] truck trips on a cylinder arc of a filling point with trucks
    def per_filler(column: str) -> np.ndarray:
        return np.concatenate([stations[column].to_numpy(float),
                               candidates[column].to_numpy(float)])

    f_trucks = per_filler("trucks")
    f_truck_cap = per_filler("truck_capacity_cyl")
    f_trips = per_filler("truck_trips_day")
    k_of = np.flatnonzero(np.isfinite(f_trucks[n_f]))  # the n columns that need trucks
    truck_cost_k = sc.cost_per_truck_km * 2 * cyl["km"].to_numpy(float)[arc_idx[k_of]]

    # ---------------------------------------------------------------- storage extension
    # s[h,t]: hospital stock (m3) at the end of day t; g[p,t]: production and i[p,t]:
    # tank content at the end of day t of producers with a liquid-oxygen tank
    s_h, s_day = np.nonzero(np.repeat(stock_cap[:, None] > 0, n_days, axis=1))
    tank = network.producers["tank_capacity_m3"].to_numpy(float)
    g_p, g_day = np.nonzero(np.repeat(tank[:, None] > 0, n_days, axis=1))

    sizes = {"n": len(arc_idx), "q": len(q_arc), "u": len(u_h), "y": len(y_cand),
             "z": len(z_arc), "s": len(s_h), "g": len(g_p), "i": len(g_p), "k": len(k_of)}
    starts = np.cumsum([0, *sizes.values()])
    blocks = {k: slice(int(a), int(b)) for k, a, b in
              zip(sizes, starts[:-1], starts[1:], strict=True)}
    n_col = np.arange(sizes["n"]) + blocks["n"].start
    q_col = np.arange(sizes["q"]) + blocks["q"].start
    u_col = np.arange(sizes["u"]) + blocks["u"].start
    y_col_of_cand = np.full(len(candidates), -1, dtype=np.int64)
    y_col_of_cand[y_cand] = np.arange(sizes["y"]) + blocks["y"].start

    zeros = {k: np.zeros(v) for k, v in sizes.items()}
    no_cost = [zeros["s"], zeros["g"], zeros["i"]]
    parts = {
        "transport": [transport_n, transport_q, zeros["u"], zeros["y"], zeros["z"], *no_cost,
                      truck_cost_k],
        "production": [production_n, production_q, zeros["u"], zeros["y"], zeros["z"],
                       *no_cost, zeros["k"]],
        "filling": [filling_n, zeros["q"], zeros["u"], zeros["y"], zeros["z"], *no_cost,
                    zeros["k"]],
        "unmet_penalty": [zeros["n"], zeros["q"], penalty_u, zeros["y"], zeros["z"], *no_cost,
                          zeros["k"]],
        "fixed": [zeros["n"], zeros["q"], zeros["u"], fixed_y, zeros["z"], *no_cost,
                  zeros["k"]],
    }
    parts = {k: np.concatenate(v) for k, v in parts.items()}
    cost: np.ndarray = np.sum(list(parts.values()), axis=0)
    safety = network.hospitals["safety_stock_m3"].to_numpy(float)
    lower = np.concatenate([np.zeros(blocks["s"].start), safety[s_h],
                            np.zeros(2 * sizes["g"] + sizes["k"])])
    # equity extension: at least min_service_share of each hospital-day's demand is met
    share = network.hospitals["min_service_share"].to_numpy(float)
    share = np.where(np.isnan(share), sc.min_service_share, share)
    u_upper = (1.0 - share[u_h]) * d[u_h, u_day]
    upper = np.concatenate([n_upper, np.full(sizes["q"], np.inf), u_upper,
                            np.ones(sizes["y"]), np.ones(sizes["z"]), stock_cap[s_h],
                            p_cap[g_p] * p_factor[g_p, g_day], tank[g_p],
                            np.full(sizes["k"], np.inf)])
    integer = np.zeros(len(cost), dtype=bool)
    integer[blocks["y"]] = True
    integer[blocks["z"]] = True
    if sc.integer_trucks:
        integer[blocks["k"]] = True
    if sc.integer_cylinders:
        integer[blocks["n"]] = True

    # ---------------------------------------------------------------- rows
    rows = _Rows()
    # demand: cyl * sum_f n + u >= d
    # (with stock: + s[h,t-1] - s[h,t]; the initial stock moves to the right-hand side)
    dem_h, dem_t = np.nonzero(active)
    dem_row_of = np.full(h_count * n_days, -1, dtype=np.int64)
    dem_row_of[dem_h * n_days + dem_t] = np.arange(len(dem_h))
    initial = network.hospitals["initial_stock_m3"].to_numpy(float)
    dem_lower = d[dem_h, dem_t] - np.where(dem_t == 0, initial[dem_h], 0.0)
    s_col = np.arange(sizes["s"]) + blocks["s"].start
    carried = s_day < n_days - 1  # stock at the end of day t is available on day t + 1
    rows.add("demand", len(dem_h), dem_lower, np.inf, [
        (dem_row_of[n_h * n_days + n_day], n_col, cyl_m3),
        (dem_row_of[u_h * n_days + u_day], u_col, 1.0),
        (dem_row_of[s_h * n_days + s_day], s_col, -1.0),
        (dem_row_of[s_h[carried] * n_days + s_day[carried] + 1], s_col[carried], 1.0),
    ])
    # station fill: sum_h n <= fill capacity (finite capacities only)
    st_n = ~is_cand
    finite = np.isfinite(st_fill_cap[st_row_s]) if len(st_row_s) else np.zeros(0, bool)
    fill_rows = np.full(len(st_keys), -1, dtype=np.int64)
    fill_rows[finite] = np.arange(int(finite.sum()))
    sel = st_n & (fill_rows[np.maximum(st_row_of_n, 0)] >= 0) if len(st_keys) else st_n & False
    fill_cap_rows = (st_fill_cap[st_row_s[finite]]
                     * f_factor[st_row_s[finite], st_row_t[finite]])
    rows.add("station_fill", int(finite.sum()), -np.inf, fill_cap_rows, [
        (fill_rows[st_row_of_n[sel]], n_col[sel], 1.0),
    ])
    # station supply: cyl * sum_h n - sum_p q <= 0
    rows.add("station_supply", len(st_keys), -np.inf, 0.0, [
        (st_row_of_n[st_n], n_col[st_n], cyl_m3),
        (q_st_row, q_col, -1.0),
    ])
    # producer: sum_s q <= capacity (without a tank)
    plain = tank[q_p] <= 0 if len(q_p) else np.zeros(0, dtype=bool)
    p_keys, p_row_of_q = np.unique(q_p[plain] * n_days + q_day[plain], return_inverse=True)
    p_row_p, p_row_t = np.divmod(p_keys, n_days)
    rows.add("producer", len(p_keys), -np.inf, p_cap[p_row_p] * p_factor[p_row_p, p_row_t],
             [(p_row_of_q, q_col[plain], 1.0)])
    # producer with a tank: sum_s q - g[t] - i[t-1] + i[t] <= initial tank (day 0) or 0
    if sizes["g"]:
        g_col = np.arange(sizes["g"]) + blocks["g"].start
        i_col = np.arange(sizes["i"]) + blocks["i"].start
        tank_row_of = np.full(len(tank) * n_days, -1, dtype=np.int64)
        tank_row_of[g_p * n_days + g_day] = np.arange(sizes["g"])
        initial_tank = network.producers["initial_tank_m3"].to_numpy(float)
        kept = g_day < n_days - 1
        rows.add("producer_tank", sizes["g"], -np.inf,
                 np.where(g_day == 0, initial_tank[g_p], 0.0), [
                     (tank_row_of[q_p[~plain] * n_days + q_day[~plain]], q_col[~plain], 1.0),
                     (np.arange(sizes["g"]), g_col, -1.0),
                     (np.arange(sizes["g"]), i_col, 1.0),
                     (tank_row_of[g_p[kept] * n_days + g_day[kept] + 1], i_col[kept], -1.0),
                 ])
    # candidate capacity and filling, linked to y
    c_keys, c_row_of_n = np.unique(cand_of[is_cand] * n_days + n_day[is_cand],
                                   return_inverse=True)
    c_of_row, c_day_of_row = np.divmod(c_keys, n_days)
    c_factor = f_factor[n_stations + c_of_row, c_day_of_row]
    c_n_col = n_col[is_cand]
    rows.add("candidate_capacity", len(c_keys), -np.inf, 0.0, [
        (c_row_of_n, c_n_col, cyl_m3),
        (np.arange(len(c_keys)), y_col_of_cand[c_of_row], -c_cap[c_of_row] * c_factor),
    ])
    c_finite = np.isfinite(c_fill_cap[c_of_row]) if len(c_keys) else np.zeros(0, bool)
    cf_rows = np.full(len(c_keys), -1, dtype=np.int64)
    cf_rows[c_finite] = np.arange(int(c_finite.sum()))
    sel_c = cf_rows[c_row_of_n] >= 0
    rows.add("candidate_fill", int(c_finite.sum()), -np.inf, 0.0, [
        (cf_rows[c_row_of_n[sel_c]], c_n_col[sel_c], 1.0),
        (np.arange(int(c_finite.sum())), y_col_of_cand[c_of_row[c_finite]],
         -c_fill_cap[c_of_row[c_finite]] * c_factor[c_finite]),
    ])
    _add_fleet_rows(rows, network, cyl, arc_idx, n_f, n_day, n_col)
    if sizes["k"]:
        k_col = np.arange(sizes["k"]) + blocks["k"].start
        # n[f,h,t] <= truck capacity * k[f,h,t]; sum_h k[f,h,t] <= trucks * trips per day
        rows.add("truck_load", sizes["k"], -np.inf, 0.0, [
            (np.arange(sizes["k"]), n_col[k_of], 1.0),
            (np.arange(sizes["k"]), k_col, -f_truck_cap[n_f[k_of]]),
        ])
        k_keys, k_row = np.unique(n_f[k_of] * n_days + n_day[k_of], return_inverse=True)
        k_f = k_keys // n_days
        rows.add("truck_trips", len(k_keys), -np.inf, f_trucks[k_f] * f_trips[k_f],
                 [(k_row, k_col, 1.0)])
    # strong linking: n[c,h,t] <= upper * y[c]
    link = np.flatnonzero(is_cand & (n_upper > 0))
    rows.add("candidate_link", len(link), -np.inf, 0.0, [
        (np.arange(len(link)), n_col[link], 1.0),
        (np.arange(len(link)), y_col_of_cand[cand_of[link]], -n_upper[link]),
    ])
    if sizes["z"]:
        z_col = np.arange(sizes["z"]) + blocks["z"].start
        # n[f,h,t] <= upper * z[f,h]; at most one source per hospital; z[c,h] <= y[c]
        rows.add("single_source_link", sizes["n"], -np.inf, 0.0, [
            (np.arange(sizes["n"]), n_col, 1.0),
            (np.arange(sizes["n"]), z_col[z_of_n], -n_upper),
        ])
        z_h = arc_h[z_arc]
        z_rows, z_row_of = np.unique(z_h, return_inverse=True)
        rows.add("single_source", len(z_rows), -np.inf, 1.0, [(z_row_of, z_col, 1.0)])
        z_f = arc_f[z_arc]
        z_c = np.flatnonzero(z_f >= n_stations)
        rows.add("single_source_site", len(z_c), -np.inf, 0.0, [
            (np.arange(len(z_c)), z_col[z_c], 1.0),
            (np.arange(len(z_c)), y_col_of_cand[z_f[z_c] - n_stations], -1.0),
        ])
    if sc.region_min_service_share > 0 and sizes["u"]:
        # per region and day: sum of unmet <= (1 - share) * sum of net demand
        region = network.hospitals["region"].to_numpy().astype(str)[u_h]
        named = np.flatnonzero(region != "")  # hospitals without a region are not grouped
        keys, r_of_u = np.unique(np.char.add(region[named], "|" + u_day[named].astype(str)),
                                 return_inverse=True)
        cap = np.bincount(r_of_u, weights=d[u_h[named], u_day[named]], minlength=len(keys))
        rows.add("region_service", len(keys), -np.inf,
                 (1.0 - sc.region_min_service_share) * cap, [(r_of_u, u_col[named], 1.0)])
    if sc.budget is not None and sizes["y"]:
        rows.add("budget", 1, -np.inf, sc.budget,
                 [(np.zeros(sizes["y"]), y_col_of_cand[y_cand], fixed_y)])
    if sc.max_new_sites is not None and sizes["y"]:
        rows.add("max_new_sites", 1, -np.inf, float(sc.max_new_sites),
                 [(np.zeros(sizes["y"]), y_col_of_cand[y_cand], 1.0)])

    a_row, a_col, a_val, row_lower, row_upper = rows.arrays()
    keep = a_val != 0
    return LinearModel(
        network=network, arcs=arcs, net_demand_m3=d,
        cost=cost, lower=lower, upper=upper, integer=integer,
        a_row=a_row[keep], a_col=a_col[keep], a_val=a_val[keep],
        row_lower=row_lower, row_upper=row_upper, blocks=blocks, row_blocks=rows.blocks,
        n_arc=arc_idx.astype(np.int64), n_day=n_day.astype(np.int64),
        q_arc=q_arc, q_day=q_day,
        u_hospital=u_h.astype(np.int64), u_day=u_day.astype(np.int64),
        y_candidate=y_cand.astype(np.int64), z_arc=z_arc.astype(np.int64), parts=parts,
        index={"s_hospital": s_h, "s_day": s_day, "g_producer": g_p, "g_day": g_day,
               "k_of_n": k_of},
    )
