"""Today's state from the stored reports: stock, burn rate, days of stock, staleness.

One entry per hospital, station and producer (``GET /api/status``):

- ``stock_cylinders``: the latest ``stock_cylinders`` report, or None;
- ``burn_m3_day``: the mean of the ``consumption_m3`` reports of the last 7 days (today and
  the 6 days before), or None;
- ``days_of_stock``: ``stock_cylinders × cylinder_m3 ÷ burn_m3_day``; None when either is None
  or the burn is 0;
- ``status``: the latest ``status`` report (``"up"``, ``"down"`` or the capacity factor),
  ``"up"`` when never reported;
- ``report_date``: the date of the latest report of any kind, or None;
- ``stale``: no report at all, or the latest more than 2 days before today.

(The Python API's entries also carry ``name``, ``lat``, ``lon`` and the latest
``occupied_beds``, which re-planning and the dashboard use.)
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.live.db import FacilityRow, ReportRow, ScenarioFile
from o2opt.live.reports import today as utc_today

__all__ = ["BURN_DAYS", "STALE_DAYS", "cylinder_m3", "facility_status", "region_summary"]

BURN_DAYS = 7
STALE_DAYS = 2


def cylinder_m3(engine: Engine) -> float:
    """``[model] cylinder_m3`` of the stored scenario (6.8 by default)."""
    with Session(engine) as session:
        toml = session.get(ScenarioFile, "scenario.toml")
    if toml is None:
        return 6.8
    model = tomllib.loads(toml.content.decode("utf-8")).get("model", {})
    return float(model.get("cylinder_m3", 6.8))


def _status_word(value: float) -> str | float:
    return "up" if value == 1.0 else "down" if value == 0.0 else value


def facility_status(engine: Engine, *, on: dt.date | None = None) -> list[dict[str, Any]]:
    """The state of every hospital, station and producer on ``on`` (default: today, UTC).

    Reports dated after ``on`` are not seen, so the state of a past day can be rebuilt.
    """
    on = on or utc_today()
    burn_from = on - dt.timedelta(days=BURN_DAYS - 1)
    cyl = cylinder_m3(engine)
    with Session(engine) as session:
        facilities = session.scalars(
            select(FacilityRow).where(FacilityRow.kind != "candidate")
            .order_by(FacilityRow.kind, FacilityRow.id)).all()
        rows = session.execute(
            select(ReportRow.facility, ReportRow.kind, ReportRow.date, ReportRow.value)
            .where(ReportRow.date <= on)
            .order_by(ReportRow.date, ReportRow.received_at)).all()
    latest: dict[tuple[str, str], tuple[dt.date, float]] = {}
    burn: dict[str, list[float]] = defaultdict(list)
    last_date: dict[str, dt.date] = {}
    for facility, kind, date, value in rows:  # ordered by date: later rows win
        latest[facility, kind] = (date, value)
        last_date[facility] = date
        if kind == "consumption_m3" and date >= burn_from:
            burn[facility].append(value)
    out = []
    for f in facilities:
        stock = latest.get((f.id, "stock_cylinders"))
        stock_cyl = stock[1] if stock else None
        rate = sum(burn[f.id]) / len(burn[f.id]) if burn.get(f.id) else None
        days = (stock_cyl * cyl / rate if stock_cyl is not None and rate else None)
        status = latest.get((f.id, "status"))
        beds = latest.get((f.id, "occupied_beds"))
        last = last_date.get(f.id)
        out.append({
            "facility": f.id, "kind": f.kind, "region": f.region, "name": f.name,
            "lat": f.lat, "lon": f.lon,
            "stock_cylinders": stock_cyl, "burn_m3_day": rate, "days_of_stock": days,
            "status": _status_word(status[1]) if status else "up",
            "report_date": last.isoformat() if last else None,
            "stale": last is None or (on - last).days > STALE_DAYS,
            "occupied_beds": beds[1] if beds else None,
        })
    return out


def region_summary(status: list[dict[str, Any]], need_m3_day: dict[str, float],
                   cyl_m3: float) -> list[dict[str, Any]]:
    """Needs, stock and problems by region, from :func:`facility_status` entries.

    ``need_m3_day`` gives each hospital's need (the burn rate where reported, else the
    scenario's demand).
    """
    regions: dict[str, dict[str, Any]] = {}
    for s in status:
        r = regions.setdefault(s["region"] or "(none)", {
            "region": s["region"] or "(none)", "hospitals": 0, "need_m3_day": 0.0,
            "stock_m3": 0.0, "down": 0, "stale": 0, "low_stock": 0})
        if s["kind"] == "hospital":
            r["hospitals"] += 1
            r["need_m3_day"] += need_m3_day.get(s["facility"], 0.0)
            if s["days_of_stock"] is not None and s["days_of_stock"] < 2:
                r["low_stock"] += 1
        if s["stock_cylinders"] is not None:
            r["stock_m3"] += s["stock_cylinders"] * cyl_m3
        r["down"] += s["status"] == "down"
        r["stale"] += bool(s["stale"])
    return sorted(regions.values(), key=lambda r: r["region"])
