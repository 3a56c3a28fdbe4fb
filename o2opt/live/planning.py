"""Re-planning from today's state: the stored scenario, adjusted by what facilities reported.

:func:`network_from_state` makes the network a plan starting today is solved on:

- **Demand** of a hospital: the mean reported consumption of the last 7 days where there is
  one; else, where the latest report is ``occupied_beds``, beds × the general ward's oxygen
  use per occupied bed (:data:`o2opt.demand.WARDS`, occupancy 1 since the beds are
  occupied); else the scenario's demand. Consumption is taken as the hospital's whole use,
  so its on-site plant is still subtracted, and ``demand_multiplier`` still applies.
- **Hospital stock**: the latest ``stock_cylinders`` × ``cylinder_m3`` is the hospital's
  stock at the start of day 0 (the storage extension), whether or not the scenario gave it
  stock capacity (its capacity is raised to hold the stock).
- **Station stock**: full cylinders at a station add to what it can deliver on day 0: its
  filling capacity on day 0 rises by the stock, fed by a stock "producer" at the station
  (``STATION~stock``, no cost, available on day 0 only).
- **Status**: a producer or station reported ``down`` has capacity factor 0 over the whole
  horizon, a factor scales its capacity (multiplying the scenario's own availability); a
  hospital's status scales its on-site plant.

The plan is stored with this state (``plans.state``), so it can be reproduced and compared
with what happened.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.demand import WARDS
from o2opt.io import from_frames
from o2opt.live.db import PlanRow, utc_now
from o2opt.live.reports import today as utc_today
from o2opt.live.scenario import scenario_network
from o2opt.live.state import facility_status
from o2opt.network import Network

__all__ = ["finish_plan", "network_from_state", "plan_now", "start_plan"]

log = logging.getLogger(__name__)

#: m³/day of oxygen per occupied bed (general ward, every bed occupied)
M3_DAY_PER_OCCUPIED_BED = dataclasses.replace(WARDS["general"], occupancy=1.0).m3_day_per_bed


def network_from_state(engine: Engine, *, on: dt.date | None = None
                       ) -> tuple[Network, dict[str, Any]]:
    """The network to plan on from ``on`` (default today), and the state it was made from."""
    on = on or utc_today()
    base = scenario_network(engine)
    sc = base.scenario
    days = sc.horizon_days
    status = {s["facility"]: s for s in facility_status(engine, on=on)}

    hospitals = base.hospitals.copy()
    scenario_daily = base.gross_demand_m3()  # hospitals × days, gross, before the multiplier
    demand_rows, sources = [], {}
    for i, hid in enumerate(hospitals["id"].astype(str)):
        s = status.get(hid, {})
        if s.get("burn_m3_day") is not None:
            row, source = np.full(days, s["burn_m3_day"]), "consumption"
        elif s.get("occupied_beds") is not None:
            row = np.full(days, s["occupied_beds"] * M3_DAY_PER_OCCUPIED_BED)
            source = "occupied_beds"
        else:
            row, source = scenario_daily[i], "scenario"
        sources[hid] = source
        demand_rows.append(row)
    demand = pd.DataFrame({
        "hospital": np.repeat(hospitals["id"].astype(str).to_numpy(), days),
        "day": np.tile(np.arange(days), len(hospitals)),
        "demand_m3": np.concatenate(demand_rows) if demand_rows else np.zeros(0)})

    cyl = sc.cylinder_m3
    stock_m3 = np.array([(status.get(h, {}).get("stock_cylinders") or 0.0) * cyl
                         for h in hospitals["id"].astype(str)])
    if stock_m3.any() or "initial_stock_m3" in hospitals:
        initial = hospitals.get("initial_stock_m3", pd.Series(0.0, index=hospitals.index))
        reported = np.array([status.get(h, {}).get("stock_cylinders") is not None
                             for h in hospitals["id"].astype(str)])
        hospitals["initial_stock_m3"] = np.where(reported, stock_m3, initial.to_numpy(float))
        capacity = hospitals.get("stock_capacity_m3", pd.Series(0.0, index=hospitals.index))
        hospitals["stock_capacity_m3"] = np.maximum(capacity.to_numpy(float),
                                                    hospitals["initial_stock_m3"])
    if "onsite_m3_day" in hospitals:
        factor = np.array([_factor(status.get(h, {})) for h in hospitals["id"].astype(str)])
        hospitals["onsite_m3_day"] = hospitals["onsite_m3_day"].to_numpy(float) * factor

    producers, stations = base.producers.copy(), base.stations.copy()
    factors: dict[str, float] = {}
    for table in (producers, stations):
        for fid in table["id"].astype(str):
            f = _factor(status.get(fid, {}))
            if f != 1.0:
                factors[fid] = f
    availability = _availability(base, factors, days)
    station_stock = {sid: status.get(sid, {}).get("stock_cylinders") or 0.0
                     for sid in stations["id"].astype(str)}
    routes = base.routes
    extra_producers, extra_avail, extra_routes = [], [], []
    for k, sid in enumerate(stations["id"].astype(str)):
        stock = station_stock[sid]
        if stock <= 0:
            continue
        fill = float(stations["fill_capacity_cyl_day"].iloc[k])
        stations.loc[stations.index[k], "fill_capacity_cyl_day"] = fill + stock
        pid = f"{sid}~stock"
        extra_producers.append({"id": pid, "lat": float(stations["lat"].iloc[k]),
                                "lon": float(stations["lon"].iloc[k]),
                                "capacity_m3_day": stock * cyl, "name": f"stock at {sid}"})
        station_factor = factors.get(sid, 1.0)
        later = station_factor * fill / (fill + stock)
        extra_avail += [{"facility": sid, "day": t, "capacity_factor": later}
                        for t in range(1, days)]
        extra_avail += [{"facility": pid, "day": t, "capacity_factor": 0.0}
                        for t in range(1, days)]
        if sc.routes_only:
            extra_routes.append({"origin": pid, "destination": sid, "distance_km": 0.0})
    if extra_producers:
        producers = pd.concat([producers, pd.DataFrame(extra_producers)], ignore_index=True)
        extra = pd.DataFrame(extra_avail, columns=["facility", "day", "capacity_factor"])
        # a station's later-day factor (status × fill share) replaces its status factor
        availability = (extra if availability is None else
                        pd.concat([availability, extra], ignore_index=True)
                        .drop_duplicates(["facility", "day"], keep="last"))
        if extra_routes:
            routes = pd.concat([routes, pd.DataFrame(extra_routes)], ignore_index=True)
    network = from_frames(
        hospitals, producers=producers, stations=stations, candidates=base.candidates,
        routes=routes, demand=demand, availability=availability,
        model=sc.as_dict(skip_none=True))
    state = {
        "start_date": on.isoformat(),
        "demand_m3_day": {h: float(r[0]) if len(r) else 0.0
                          for h, r in zip(hospitals["id"].astype(str), demand_rows,
                                          strict=True)},
        "demand_source": sources,
        "hospital_stock_m3": {h: float(v) for h, v in
                              zip(hospitals["id"].astype(str), stock_m3, strict=True) if v},
        "station_stock_cylinders": {s: v for s, v in station_stock.items() if v},
        "capacity_factors": factors,
        "status": list(status.values()),
    }
    return network, state


def _factor(entry: dict[str, Any]) -> float:
    status = entry.get("status", "up")
    return 1.0 if status == "up" else 0.0 if status == "down" else float(status)


def _availability(network: Network, factors: dict[str, float], days: int
                  ) -> pd.DataFrame | None:
    table = network.availability
    have = table is not None and len(table)
    if not factors and not have:
        return table if have else None
    rows = [{"facility": f, "day": t, "capacity_factor": v}
            for f, v in factors.items() for t in range(days)]
    extra = pd.DataFrame(rows, columns=["facility", "day", "capacity_factor"])
    if not have:
        return extra
    base = table[["facility", "day", "capacity_factor"]].copy()
    base["day"] = pd.to_numeric(base["day"]).astype(int)
    merged = base.merge(extra, on=["facility", "day"], how="outer", suffixes=("", "_status"))
    merged["capacity_factor"] = (merged["capacity_factor"].fillna(1.0)
                                 * merged["capacity_factor_status"].fillna(1.0))
    return merged[["facility", "day", "capacity_factor"]]


def start_plan(engine: Engine, *, requested_by: str, on: dt.date | None = None) -> int:
    """Record a new plan as running; return its id."""
    on = on or utc_today()
    with Session(engine) as session, session.begin():
        row = PlanRow(status="running", start_date=on, created_at=utc_now(),
                      requested_by=requested_by, state={})
        session.add(row)
        session.flush()
        return row.id


def finish_plan(engine: Engine, plan_id: int, *, on: dt.date | None = None,
                **optimize_options: Any) -> dict[str, Any]:
    """Solve plan ``plan_id`` from the state on ``on`` and store the result; its summary."""
    from o2opt import optimize

    on = on or utc_today()
    state: dict[str, Any] = {}
    try:
        network, state = network_from_state(engine, on=on)
        solution = optimize(network, **{"progress": False, **optimize_options})
        summary = solution.summary()
        deliveries = solution.deliveries.to_csv(index=False)
        service = solution.service.to_csv(index=False)
        status, error = "done", None
    except Exception as e:  # stored, so that a poller learns why
        log.exception("plan %d failed", plan_id)
        summary, status, error, deliveries, service = None, "failed", str(e), None, None
    with Session(engine) as session, session.begin():
        row = session.get(PlanRow, plan_id)
        assert row is not None
        row.status, row.summary, row.error = status, _jsonable(summary), error
        row.deliveries_csv, row.service_csv = deliveries, service
        row.state, row.finished_at = _jsonable(state), utc_now()
    return plan_summary(engine, plan_id)


def plan_summary(engine: Engine, plan_id: int) -> dict[str, Any]:
    """What the API answers for a plan: its summary fields plus ``plan_id`` and ``status``."""
    with Session(engine) as session:
        row = session.get(PlanRow, plan_id)
        if row is None:
            raise KeyError(plan_id)
        out: dict[str, Any] = dict(row.summary or {})
        out.update(plan_id=row.id, plan_status=row.status, start_date=row.start_date.isoformat(),
                   created_at=row.created_at.isoformat())
        if row.status == "running":
            out["status"] = "running"
        if row.error:
            out["error"] = row.error
        return out


def plan_now(engine: Engine, *, requested_by: str = "cli", on: dt.date | None = None,
             **optimize_options: Any) -> dict[str, Any]:
    """Make and store a plan from today's state, in this process; its summary."""
    plan_id = start_plan(engine, requested_by=requested_by, on=on)
    return finish_plan(engine, plan_id, on=on, **optimize_options)


def _jsonable(value: Any) -> Any:
    """``value`` with numpy scalars and non-finite floats made JSON-safe."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value
