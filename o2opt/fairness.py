"""Warnings about how a shortage is shared: who is left with nothing, who far below the rest.

Whatever the ``[model] shortage_sharing`` policy, a plan that leaves hospitals or whole
regions with no oxygen, or with far less than the average service, says so:
:func:`shortage_warnings` (``summary.json`` key ``warnings``, ``Solution.warnings``, a box
at the top of the HTML report, and a logged warning when :func:`o2opt.optimize` returns).
The rules and thresholds are those of docs/model.md, "Shortage warnings":

- a hospital's (or region's) **service share** is ``1 - unmet_m3 / demand_m3`` over the
  horizon (of the demand, the need less the hospital's own plant, so that a hospital
  whose own plant covers its need is served);
- **left with nothing**: demand over the horizon but service share 0 (for a hospital,
  also: at least one day with demand and nothing of it met);
- **far below the average**: service share below :data:`FAR_BELOW` (half) of the overall
  service share, when the overall share is below 100 %.

Hospitals and regions without demand are not counted; hospitals with an empty
``region`` belong to no region. Nothing is warned about when every need is met.

Examples
--------
>>> import pandas as pd, o2opt
>>> net = o2opt.from_frames(
...     pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.09], "lon": [44.0, 44.0],
...                   "demand_m3_day": [100.0, 100.0], "region": ["north", "south"]}),
...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.0], "lon": [44.0],
...                            "fill_capacity_cyl_day": [1000.0]}),
...     producers=pd.DataFrame({"id": ["P1"], "lat": [33.0], "lon": [44.0],
...                             "capacity_m3_day": [100.0]}))
>>> [w["kind"] for w in o2opt.optimize(net, progress=False).warnings]
['hospitals_with_nothing', 'regions_with_nothing']
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from o2opt.charts import SolutionLike
    from o2opt.network import Network

__all__ = ["FAR_BELOW", "SUGGESTION", "TOP", "log_warnings", "not_logged", "service_shares",
           "shortage_warnings"]

log = logging.getLogger(__name__)

#: "Far below the average": a service share below this fraction of the overall share.
FAR_BELOW = 0.5
#: How many hospitals or regions a warning names (the worst first).
TOP = 10
#: What a warning suggests under ``shortage_sharing = "cost"``.
SUGGESTION = ('with shortage_sharing = "cost" the optimiser may leave the dearest hospitals '
              'with nothing to save transport: try [model] shortage_sharing = "even" to '
              "spread the shortage, or min_service_share / region_min_service_share to "
              "guarantee every hospital or region a share")
_NOTHING = 1e-6  # a service share at or below this is "nothing" (solver round-off)
_QUIET: contextvars.ContextVar[bool] = contextvars.ContextVar("o2opt_fairness_quiet",
                                                              default=False)


def service_shares(network: Network, service: pd.DataFrame
                   ) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Service shares over the horizon, per hospital and per region, and overall.

    Parameters
    ----------
    network : Network
        What was solved (hospital names and regions).
    service : DataFrame
        ``service.csv``: ``hospital``, ``day``, ``demand_m3`` (net), ``unmet_m3``.

    Returns
    -------
    hospitals : DataFrame
        Indexed by hospital id (hospitals with net demand only): ``name``, ``region``,
        ``demand_m3``, ``unmet_m3``, ``service_share`` and ``days_with_nothing`` (days with
        net demand and none of it met).
    regions : DataFrame
        Indexed by region (non-empty regions with net demand): ``hospitals``,
        ``demand_m3``, ``unmet_m3``, ``service_share``.
    overall : float
        The overall service share (1.0 when there is no net demand).
    """
    s = service.assign(hospital=service["hospital"].astype(str))
    demand = s["demand_m3"].to_numpy(float)
    unmet = np.minimum(s["unmet_m3"].to_numpy(float), demand)
    day_nothing = (demand > 0) & (unmet >= demand * (1.0 - _NOTHING))
    per_h = (pd.DataFrame({"hospital": s["hospital"], "demand_m3": demand, "unmet_m3": unmet,
                           "days_with_nothing": day_nothing})
             .groupby("hospital", sort=False).sum())
    per_h = per_h[per_h["demand_m3"] > 0]
    h = network.hospitals
    info = pd.DataFrame({"name": h["name"].fillna("").astype(str).to_numpy() if "name" in h
                         else "", "region": h["region"].fillna("").astype(str).to_numpy()},
                        index=h["id"].astype(str).to_numpy())
    per_h = info.reindex(per_h.index).fillna("").join(per_h)
    per_h["service_share"] = 1.0 - per_h["unmet_m3"] / per_h["demand_m3"]
    per_h["days_with_nothing"] = per_h["days_with_nothing"].astype(int)
    named = per_h[per_h["region"] != ""]
    per_r = named.groupby("region", sort=False).agg(
        hospitals=("demand_m3", "size"), demand_m3=("demand_m3", "sum"),
        unmet_m3=("unmet_m3", "sum"))
    per_r["service_share"] = 1.0 - per_r["unmet_m3"] / per_r["demand_m3"]
    total = float(per_h["demand_m3"].sum())
    overall = 1.0 - float(per_h["unmet_m3"].sum()) / total if total > 0 else 1.0
    return per_h, per_r, overall


def shortage_warnings(solution: SolutionLike, *, top: int = TOP) -> list[dict[str, Any]]:
    """The shortage warnings of a plan (empty without a plan, or when every need is met).

    Each warning is a dict: ``kind`` (``hospitals_with_nothing``,
    ``hospitals_with_a_day_of_nothing``, ``regions_with_nothing``,
    ``hospitals_far_below_average``, ``regions_far_below_average``), ``count``, the
    ``items`` named (up to ``top``, worst first: ``id``, ``name``, ``region``,
    ``service_share``, ``unmet_m3``), and a ``message`` in words that says how many, names
    them and, under ``shortage_sharing = "cost"``, what to try.
    """
    if not solution.has_solution or not len(solution.service):
        return []
    hospitals, regions, overall = service_shares(solution.network, solution.service)
    if overall >= 1.0 - _NOTHING:
        return []
    out: list[dict[str, Any]] = []
    suggestion = SUGGESTION if solution.network.scenario.shortage_sharing == "cost" else ""

    def add(kind: str, rows: pd.DataFrame, what: str, by: list[str], ascending: list[bool]
            ) -> None:
        if not len(rows):
            return
        worst = rows.sort_values(by, ascending=ascending, kind="stable").head(top)
        region = kind.startswith("regions")
        items = [{"id": str(i), "name": "" if region else str(r["name"]),
                  "region": str(i) if region else str(r["region"]),
                  "service_share": float(r["service_share"]), "unmet_m3": float(r["unmet_m3"])}
                 for i, r in worst.iterrows()]
        names = ", ".join(_label(item, region) for item in items)
        more = f" and {len(rows) - len(items)} more" if len(rows) > len(items) else ""
        out.append({"kind": kind, "count": len(rows), "items": items,
                    "message": f"{what}: {names}{more}.", "suggestion": suggestion})

    nothing = hospitals["service_share"] <= _NOTHING
    n_h = int(nothing.sum())
    add("hospitals_with_nothing", hospitals[nothing],
        f"{n_h} hospital{'s' if n_h != 1 else ''} with demand got no oxygen over the "
        "horizon", ["unmet_m3"], [False])
    some_day = ~nothing & (hospitals["days_with_nothing"] > 0)
    n_d = int(some_day.sum())
    add("hospitals_with_a_day_of_nothing", hospitals[some_day],
        f"{n_d} more hospital{'s' if n_d != 1 else ''} got no oxygen on at least one day",
        ["days_with_nothing", "service_share"], [False, True])
    empty = regions["service_share"] <= _NOTHING
    n_r = int(empty.sum())
    add("regions_with_nothing", regions[empty],
        f"{n_r} region{'s' if n_r != 1 else ''} got no oxygen at all", ["unmet_m3"], [False])
    threshold = FAR_BELOW * overall
    average = f"half the overall service share of {100 * overall:.1f} %"
    low = ~nothing & (hospitals["service_share"] < threshold)
    n_l = int(low.sum())
    add("hospitals_far_below_average", hospitals[low],
        f"{n_l}{' other' if n_h else ''} hospital{'s' if n_l != 1 else ''} got less than "
        f"{average}",
        ["service_share"], [True])
    low_r = ~empty & (regions["service_share"] < threshold)
    n_lr = int(low_r.sum())
    add("regions_far_below_average", regions[low_r],
        f"{n_lr}{' other' if n_r else ''} region{'s' if n_lr != 1 else ''} got less than "
        f"{average}",
        ["service_share"], [True])
    return out


def _label(item: dict[str, Any], region: bool) -> str:
    """``H1 (name, region) 0 %`` for a hospital, ``Kirkuk 0 %`` for a region."""
    share = f"{100 * item['service_share']:.0f} %"
    if region:
        return f"{item['id']} {share}"
    extra = ", ".join(x for x in (item["name"], item["region"]) if x and x != item["id"])
    return f"{item['id']}{f' ({extra})' if extra else ''} {share}"


def log_warnings(warnings: list[dict[str, Any]]) -> None:
    """Log each warning's message, then the suggestion once (``logging.WARNING``, logger
    ``o2opt.fairness``); nothing inside :func:`not_logged`."""
    if _QUIET.get():
        return
    for warning in warnings:
        log.warning("warning: %s", warning["message"])
    suggestions = dict.fromkeys(w["suggestion"] for w in warnings if w.get("suggestion"))
    for suggestion in suggestions:
        log.warning("warning: %s", suggestion)


@contextlib.contextmanager
def not_logged() -> Iterator[None]:
    """Within this block, :func:`o2opt.optimize` does not log shortage warnings: for the
    solves a function makes on its own account (the as-is plan and the re-solves of
    :func:`o2opt.compare_investment`, the relaxed plan that explains an infeasible one),
    whose shortages are not the plan's. ``Solution.warnings`` is unchanged."""
    token = _QUIET.set(True)
    try:
        yield
    finally:
        _QUIET.reset(token)
