r"""Fleet extension: cylinders in circulation per filling point never exceed its fleet.

A cylinder sent on day :math:`t` on an arc with turnaround :math:`\tau` days
(:func:`turnaround_days`) occupies the fleet with weight :math:`w_k = \min(1, \tau - k)` on
days :math:`t + k`, :math:`k = 0 .. \lceil\tau\rceil - 1`, counted cyclically over the
horizon (steady state: the plan repeats). With a loss rate, each cylinder delivered before
day :math:`t` is missing from the fleet on day :math:`t`. Off unless a filling point has a
finite ``fleet_cylinders``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from o2opt.network import Scenario

if TYPE_CHECKING:
    from o2opt.model.builder import Context


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


def add_rows(ctx: Context) -> None:
    fleet = ctx.per_filler("fleet_cylinders")
    limited = np.isfinite(fleet)
    if not limited.any() or not len(ctx.col["n"]):
        return
    sc, n_days = ctx.sc, ctx.n_days
    sel = np.flatnonzero(limited[ctx.n_f])
    cols, day = ctx.col["n"][sel], ctx.n_day[sel]
    tau = turnaround_days(ctx.arcs.cylinder["km"].to_numpy(float)[ctx.n_arc[sel]], sc)
    points = np.flatnonzero(limited)
    row_of_point = np.full(len(fleet), -1, dtype=np.int64)
    row_of_point[points] = np.arange(len(points))
    base = row_of_point[ctx.n_f[sel]] * n_days
    r, c, w = [], [], []
    for k in range(int(np.ceil(tau.max())) if len(tau) else 0):
        weight = np.clip(tau - k, 0.0, 1.0)
        on = weight > 0
        r.append(base[on] + (day[on] + k) % n_days)
        c.append(cols[on])
        w.append(weight[on])
    if sc.cylinder_loss_rate > 0:
        for later in range(1, n_days):
            on = day < later
            r.append(base[on] + later)
            c.append(cols[on])
            w.append(np.full(int(on.sum()), sc.cylinder_loss_rate))
    if not sum(len(x) for x in c):  # limited points without a delivery arc: rows of 0 <= V
        return
    # a turnaround longer than the horizon wraps onto the same row: add those weights up
    pairs, where = np.unique(np.stack([np.concatenate(r), np.concatenate(c)]), axis=1,
                             return_inverse=True)
    summed = np.bincount(where.ravel(), weights=np.concatenate(w), minlength=pairs.shape[1])
    ctx.rows.add("fleet", len(points) * n_days, -np.inf, np.repeat(fleet[points], n_days),
                 [(pairs[0], pairs[1], summed)])
