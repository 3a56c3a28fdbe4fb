r"""Fleet extension: cylinders in circulation per filling point never exceed its fleet.

A cylinder sent on day :math:`t` on an arc with turnaround :math:`\tau` days
(:func:`turnaround_days`) occupies the fleet with weight :math:`w_k = \min(1, \tau - k)` on
days :math:`t + k`, :math:`k = 0 .. \lceil\tau\rceil - 1`, counted cyclically over the
horizon (steady state: the plan repeats); the weights that wrap onto the same day are summed
in closed form (:func:`folded_weight`), so the rows grow with the horizon, not with
:math:`\tau`. With a loss rate, each cylinder delivered before
day :math:`t` is missing from the fleet on day :math:`t`. Off unless a filling point has a
finite ``fleet_cylinders``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from o2opt.model.blocks import Block, Cylinders
from o2opt.network import Scenario

if TYPE_CHECKING:
    from o2opt.model.builder import Context


@dataclass(frozen=True, eq=False)
class Fleet(Block):
    """The fleet rows: cylinders in circulation per filling point and day, counted
    cyclically over the horizon (a cylinder sent on one day is away on the next ones)."""

    name: ClassVar[str] = "fleet"
    row_names: ClassVar[tuple[str, ...]] = ("fleet",)
    couples_days: ClassVar[bool] = True


#: The longest turnaround (days) o2opt models; longer ones are input errors.
MAX_TURNAROUND_DAYS = 1e6


def turnaround_days(km: np.ndarray, scenario: Scenario) -> np.ndarray:
    """Days a cylinder is away from its filling point on a trip of ``km`` (one way):
    the round trip at ``truck_speed_km_h`` over ``working_hours_day``, plus the dwell.

    Examples
    --------
    >>> turnaround_days(np.array([160.0]), Scenario()).tolist()  # 320 km / 320 km a day + 1
    [2.0]
    """
    with np.errstate(over="ignore", divide="ignore"):  # inf: refused by check_turnaround
        drive = 2 * km / (scenario.truck_speed_km_h * scenario.working_hours_day)
    return drive + scenario.hospital_dwell_days


def folded_weight(x: np.ndarray, n_days: int) -> np.ndarray:
    r"""The weight a cylinder puts on the days :math:`k, k + D, k + 2D, \dots` after it
    left, where :math:`x = \tau - k` and :math:`D` = ``n_days``:
    :math:`\sum_{m \ge 0} \min(1, \max(0, x - mD)) = \lfloor x / D \rfloor +
    \min(1, x \bmod D)` for :math:`x > 0`, else 0.

    A turnaround longer than the horizon wraps onto the same days (steady state); summed in
    closed form, the rows get at most ``n_days`` entries per column whatever :math:`\tau`.

    Examples
    --------
    >>> folded_weight(np.array([3.0, 2.0, 0.5, -1.0]), 2).tolist()  # tau = 3 over 2 days
    [2.0, 1.0, 0.5, 0.0]
    """
    laps = np.floor(np.maximum(x, 0.0) / n_days)
    return np.where(x > 0, laps + np.minimum(1.0, x - laps * n_days), 0.0)


def check_turnaround(tau: np.ndarray, what: str = "hospital_dwell_days") -> None:
    """Raise :class:`~o2opt.errors.InputError` for a turnaround that is not finite or longer
    than :data:`MAX_TURNAROUND_DAYS` (the solver would see such weights as infinite)."""
    if not len(tau) or (np.isfinite(tau).all() and tau.max() <= MAX_TURNAROUND_DAYS):
        return
    from o2opt.errors import InputError, Problem

    worst = float(np.nan_to_num(tau, nan=np.inf).max())
    raise InputError([Problem("model", None, None, (
        f"a turnaround of {worst:.3g} days (round trip at truck_speed_km_h over "
        f"working_hours_day, plus {what}) is longer than {MAX_TURNAROUND_DAYS:.0e} days; "
        "check those keys"))])


def add_rows(ctx: Context) -> None:
    ctx.put(Fleet())
    fleet = ctx.per_filler("fleet_cylinders")
    limited = np.isfinite(fleet)
    n = ctx.get(Cylinders).n
    if not limited.any() or not len(n):
        return
    sc, n_days = ctx.sc, ctx.n_days
    sel = np.flatnonzero(limited[ctx.n_f])
    cols, day = n[sel], ctx.n_day[sel]
    tau = turnaround_days(ctx.arcs.cylinder["km"].to_numpy(float)[ctx.n_arc[sel]], sc)
    points = np.flatnonzero(limited)
    row_of_point = np.full(len(fleet), -1, dtype=np.int64)
    row_of_point[points] = np.arange(len(points))
    base = row_of_point[ctx.n_f[sel]] * n_days
    check_turnaround(tau)
    r, c, w = [], [], []
    for k in range(min(int(np.ceil(tau.max())), n_days) if len(tau) else 0):
        weight = folded_weight(tau - k, n_days)
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
    # the loss rate adds to the rows of the turnaround: add those weights up
    pairs, where = np.unique(np.stack([np.concatenate(r), np.concatenate(c)]), axis=1,
                             return_inverse=True)
    summed = np.bincount(where.ravel(), weights=np.concatenate(w), minlength=pairs.shape[1])
    ctx.rows.add("fleet", len(points) * n_days, -np.inf, np.repeat(fleet[points], n_days),
                 [(pairs[0], pairs[1], summed)])
