"""The dashboard page (``GET /``): server-rendered, self-contained HTML with an SVG map.

Nothing on the page is fetched from elsewhere: styles are inline, the map is SVG drawn from
the stored scenario (governorate or region boundaries when the scenario folder has
``governorates.geojson`` or ``regions.geojson``), so it works on a ministry's network with no
internet. The layout collapses to one column on a phone.
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import math
from typing import Any

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.live.db import PlanRow, ReportRow
from o2opt.live.reports import today as utc_today
from o2opt.live.scenario import stored_scenario
from o2opt.live.state import cylinder_m3, facility_status, region_summary

__all__ = ["LOW_STOCK_DAYS", "regions_now", "render_dashboard"]

#: days of stock below which a hospital is flagged (red); amber below twice this
LOW_STOCK_DAYS = 2.0

_CSS = """
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;
background:#f6f7f9}header{background:#0b4f6c;color:#fff;padding:12px 18px}
header h1{margin:0;font-size:1.3rem}header p{margin:4px 0 0;font-size:.85rem;opacity:.9}
main{display:grid;grid-template-columns:minmax(0,1.2fr) minmax(0,1fr);gap:14px;padding:14px}
section{background:#fff;border-radius:8px;padding:12px 14px;box-shadow:0 1px 2px #0002}
h2{font-size:1.05rem;margin:0 0 8px}table{border-collapse:collapse;width:100%;font-size:.85rem}
th,td{padding:4px 6px;border-bottom:1px solid #e3e6ea;text-align:right}
th:first-child,td:first-child{text-align:left}th{background:#eef1f4}
.cards{display:flex;flex-wrap:wrap;gap:10px;grid-column:1/-1}
.card{background:#fff;border-radius:8px;padding:10px 14px;min-width:140px;flex:1;
box-shadow:0 1px 2px #0002}.card b{display:block;font-size:1.4rem}
.card span{font-size:.8rem;color:#555}.low{background:#fde2e1;color:#8a1c17;font-weight:600}
.warn{background:#fff4d6}.down{color:#8a1c17;font-weight:600}.muted{color:#777}
svg{width:100%;height:auto;max-height:70vh;background:#eaf2f7;border-radius:6px}
.scroll{overflow-x:auto}
@media (max-width:760px){main{grid-template-columns:minmax(0,1fr);padding:8px}
.card{min-width:110px}}
"""


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, float | int):
        return f"{value:,.{digits}f}"
    return html.escape(str(value))


def _need(status: list[dict[str, Any]], engine: Engine) -> dict[str, float]:
    """Each hospital's need: its burn rate where reported, else the scenario's demand."""
    files = stored_scenario(engine)
    need: dict[str, float] = {}
    if "hospitals.csv" in files:
        table = pd.read_csv(io.BytesIO(files["hospitals.csv"]), dtype={"id": str})
        if "demand_m3_day" in table:
            need = dict(zip(table["id"].astype(str), table["demand_m3_day"].astype(float),
                            strict=True))
    for s in status:
        if s["kind"] == "hospital" and s["burn_m3_day"] is not None:
            need[s["facility"]] = s["burn_m3_day"]
    return need


def regions_now(engine: Engine) -> list[dict[str, Any]]:
    """Needs, stock and problems by region today (``GET /api/status/regions``)."""
    status = facility_status(engine)
    return region_summary(status, _need(status, engine), cylinder_m3(engine))


def _latest_plan(engine: Engine) -> tuple[PlanRow | None, pd.DataFrame]:
    with Session(engine) as session:
        row = session.scalars(select(PlanRow).where(PlanRow.status == "done")
                              .order_by(PlanRow.finished_at.desc()).limit(1)).first()
        if row is None:
            return None, pd.DataFrame()
        session.expunge(row)
    text = row.deliveries_csv or ""
    table = (pd.read_csv(io.StringIO(text), dtype={"source": str, "hospital": str})
             if text.strip() else pd.DataFrame(columns=["source", "hospital", "day", "m3"]))
    return row, table


def _service(plan: PlanRow | None) -> pd.DataFrame | None:
    text = plan.service_csv if plan is not None else None
    return pd.read_csv(io.StringIO(text), dtype={"hospital": str}) if text else None


def _boundaries(engine: Engine) -> list[list[tuple[float, float]]]:
    files = stored_scenario(engine)
    for name in ("governorates.geojson", "regions.geojson"):
        if name in files:
            rings = []
            for feature in json.loads(files[name]).get("features", []):
                geom = feature.get("geometry") or {}
                polys = ([geom["coordinates"]] if geom.get("type") == "Polygon"
                         else geom.get("coordinates", []) if geom.get("type") == "MultiPolygon"
                         else [])
                rings += [[(float(x), float(y)) for x, y, *_ in poly[0]] for poly in polys]
            return rings
    return []


def _map_svg(status: list[dict[str, Any]], deliveries: pd.DataFrame,
             rings: list[list[tuple[float, float]]]) -> str:
    points = [(s["lon"], s["lat"]) for s in status] + [p for r in rings for p in r]
    if not points:
        return "<p class=muted>No facilities.</p>"
    lons, lats = zip(*points, strict=True)
    x0, x1, y0, y1 = min(lons), max(lons), min(lats), max(lats)
    pad = 0.03 * max(x1 - x0, y1 - y0, 0.1)
    x0, x1, y0, y1 = x0 - pad, x1 + pad, y0 - pad, y1 + pad
    # equirectangular at the middle latitude: distances look right away from the equator
    kx = math.cos(math.radians((y0 + y1) / 2))
    width, height = 600.0, 600.0 * (y1 - y0) / max((x1 - x0) * kx, 1e-9)

    def xy(lon: float, lat: float) -> str:
        return f"{(lon - x0) / (x1 - x0) * width:.1f},{(y1 - lat) / (y1 - y0) * height:.1f}"

    parts = [f'<svg viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
             'aria-label="Map of facilities and the latest plan\'s deliveries">']
    for ring in rings:
        parts.append('<polygon fill="#fff" stroke="#9aa7b1" stroke-width="0.8" points="'
                     + " ".join(xy(*p) for p in ring) + '"/>')
    where = {s["facility"]: (s["lon"], s["lat"]) for s in status}
    if len(deliveries):
        day0 = deliveries[deliveries["day"] == deliveries["day"].min()]
        flows = day0.groupby(["source", "hospital"], as_index=False)["m3"].sum()
        top = float(flows["m3"].max()) or 1.0
        for f in flows.itertuples(index=False):
            if f.source in where and f.hospital in where:
                w = 0.6 + 3.0 * float(f.m3) / top
                parts.append(f'<polyline fill="none" stroke="#0b4f6c" stroke-opacity="0.55" '
                             f'stroke-width="{w:.2f}" points="{xy(*where[f.source])} '
                             f'{xy(*where[f.hospital])}"/>')
    colours = {"producer": "#6a3d9a", "station": "#1f78b4"}
    for s in status:
        if s["kind"] == "hospital":
            days = s["days_of_stock"]
            colour = ("#d7301f" if days is not None and days < LOW_STOCK_DAYS else
                      "#fdae61" if days is not None and days < 2 * LOW_STOCK_DAYS else
                      "#1a9850")
            r = 6.0
        else:
            colour, r = colours.get(s["kind"], "#333"), 7.0
        if s["status"] == "down":
            colour = "#000"
        title = html.escape(f"{s['facility']} {s['name'] or ''} ({s['kind']}, {s['status']})")
        cx, cy = xy(s["lon"], s["lat"]).split(",")
        parts.append(f'<circle cx="{cx}" cy="{cy}" r="{r}" fill="{colour}" stroke="#fff" '
                     f'stroke-width="0.8"><title>{title}</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _needs_chart(rows: list[tuple[str, float, float | None]]) -> str:
    """Horizontal bars by region: need (grey) and planned delivery (blue), m³/day."""
    if not rows:
        return ""
    top = max(max(need, planned or 0.0) for _, need, planned in rows) or 1.0
    bar, gap, label_w, width = 9, 8, 120, 600
    height = len(rows) * (2 * bar + gap) + 24
    parts = [f'<svg viewBox="0 0 {width} {height}" role="img" '
             'aria-label="Need and planned delivery by region, m³/day">']
    for i, (region, need, planned) in enumerate(rows):
        y = 4 + i * (2 * bar + gap)
        parts.append(f'<text x="{label_w - 6}" y="{y + bar + 3}" text-anchor="end" '
                     f'font-size="11">{html.escape(region)}</text>')
        for k, (value, colour) in enumerate(((need, "#b8c2cc"), (planned, "#0b4f6c"))):
            if value is None:
                continue
            w = (width - label_w - 60) * value / top
            parts.append(f'<rect x="{label_w}" y="{y + k * bar}" width="{w:.1f}" '
                         f'height="{bar - 1}" fill="{colour}"><title>{html.escape(region)}: '
                         f'{value:,.0f} m³/day</title></rect>')
            parts.append(f'<text x="{label_w + w + 4:.1f}" y="{y + k * bar + bar - 2}" '
                         f'font-size="9">{value:,.0f}</text>')
    parts.append(f'<text x="{label_w}" y="{height - 4}" font-size="10" fill="#555">'
                 'grey: need; blue: planned delivery (m³/day, mean over the plan)</text></svg>')
    return "".join(parts)


def render_dashboard(engine: Engine, *, now: dt.datetime | None = None) -> str:
    """The dashboard page as one HTML string."""
    from o2opt.live.db import utc_now

    now = now or utc_now()
    status = facility_status(engine)
    need = _need(status, engine)
    cyl = cylinder_m3(engine)
    regions = region_summary(status, need, cyl)
    plan, deliveries = _latest_plan(engine)
    with Session(engine) as session:
        last_report = session.scalar(select(func.max(ReportRow.received_at)))
    hospitals = [s for s in status if s["kind"] == "hospital"]
    total_need = sum(need.get(s["facility"], 0.0) for s in hospitals)
    down = [s for s in status if s["status"] == "down"]
    stale = [s for s in status if s["stale"]]
    summary = (plan.summary or {}) if plan else {}
    days = max(1, int(summary.get("horizon_days") or 1))
    service = _service(plan)

    cards = [
        (f"{len(hospitals):,}", "hospitals"),
        (_fmt(total_need, 0), "need, m³/day"),
        (_fmt(summary.get("delivered_m3", 0) / days, 0) if plan else "–",
         "planned delivery, m³/day"),
        (_fmt(summary.get("unmet_m3", 0) / days, 0) if plan else "–",
         "planned shortfall, m³/day"),
        (f"{len(down)}", "facilities down"),
        (f"{len(stale)}", "stale reporters"),
    ]
    card_html = "".join(f'<div class=card><b>{v}</b><span>{html.escape(k)}</span></div>'
                        for v, k in cards)
    per_day = (service.groupby("hospital")[["delivered_m3", "unmet_m3"]].sum() / days
               if service is not None else None)
    region_rows, chart_rows = [], []
    for r in regions:
        members = [s["facility"] for s in hospitals if (s["region"] or "(none)") == r["region"]]
        mine = per_day.reindex(members).fillna(0.0) if per_day is not None else None
        planned = float(mine["delivered_m3"].sum()) if mine is not None else None
        gap = float(mine["unmet_m3"].sum()) if mine is not None else None
        if r["hospitals"]:
            chart_rows.append((r["region"], r["need_m3_day"], planned))
        region_rows.append(
            f"<tr><td>{html.escape(r['region'])}</td><td>{r['hospitals']}</td>"
            f"<td>{_fmt(r['need_m3_day'], 0)}</td><td>{_fmt(planned, 0)}</td>"
            f"<td{' class=low' if gap else ''}>{_fmt(gap, 0)}</td>"
            f"<td>{_fmt(r['stock_m3'], 0)}</td><td{' class=low' if r['low_stock'] else ''}>"
            f"{r['low_stock']}</td><td{' class=down' if r['down'] else ''}>{r['down']}</td>"
            f"<td>{r['stale']}</td></tr>")
    ranked = sorted((s for s in hospitals if s["days_of_stock"] is not None),
                    key=lambda s: s["days_of_stock"])[:25]
    stock_rows = "".join(
        f"<tr{' class=low' if s['days_of_stock'] < LOW_STOCK_DAYS else ' class=warn' if s['days_of_stock'] < 2 * LOW_STOCK_DAYS else ''}>"  # noqa: E501
        f"<td>{html.escape(s['facility'])} <span class=muted>{html.escape(s['name'] or '')}"
        f"</span></td><td>{_fmt(s['stock_cylinders'], 0)}</td><td>{_fmt(s['burn_m3_day'])}"
        f"</td><td>{_fmt(s['days_of_stock'])}</td><td>{s['report_date'] or '–'}</td></tr>"
        for s in ranked) or "<tr><td colspan=5 class=muted>No stock and consumption reports "\
                            "yet.</td></tr>"
    stale_rows = "".join(
        f"<tr><td>{html.escape(s['facility'])} <span class=muted>"
        f"{html.escape(s['name'] or '')}</span></td><td>{s['kind']}</td>"
        f"<td>{html.escape(s['region'] or '')}</td><td>{s['report_date'] or 'never'}</td></tr>"
        for s in stale[:40]) or "<tr><td colspan=4 class=muted>None.</td></tr>"
    more_stale = (f"<p class=muted>… and {len(stale) - 40} more.</p>" if len(stale) > 40
                  else "")
    plan_status = html.escape(str(summary.get("status")))
    plan_line = (f"Latest plan #{plan.id}, from {plan.start_date.isoformat()}, made "
                 f"{plan.finished_at:%Y-%m-%d %H:%M} UTC ({plan_status})"
                 if plan and plan.finished_at else "No plan yet: POST /api/plan")
    updated = (f"last report received {last_report:%Y-%m-%d %H:%M} UTC" if last_report
               else "no reports yet")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>o2opt live: oxygen needs and supply</title><style>{_CSS}</style></head>
<body><header><h1>Oxygen needs and supply</h1>
<p>As of {now:%Y-%m-%d %H:%M} UTC (today {utc_today().isoformat()}); {updated}.
{plan_line}.</p></header>
<main><div class=cards>{card_html}</div>
<section><h2>Map: facilities and the latest plan's deliveries (first day)</h2>
{_map_svg(status, deliveries, _boundaries(engine))}
<p class=muted>Hospitals: green ≥ {2 * LOW_STOCK_DAYS:g} days of stock or unknown, amber
below, red below {LOW_STOCK_DAYS:g}; stations blue, producers purple, down black.</p></section>
<section><h2>Needs against supply by region</h2>{_needs_chart(chart_rows)}
<h2>Gaps by region</h2><div class=scroll><table><tr><th>Region</th><th>Hospitals</th>
<th>Need m³/day</th><th>Planned m³/day</th><th>Short m³/day</th><th>Stock m³</th>
<th>Low stock</th><th>Down</th><th>Stale</th></tr>{''.join(region_rows)}</table></div>
</section>
<section><h2>Days of stock (lowest first)</h2><div class=scroll><table><tr><th>Hospital</th>
<th>Cylinders</th>
<th>Burn m³/day</th><th>Days</th><th>Reported</th></tr>{stock_rows}</table></div>
</section>
<section><h2>Stale reporters (no report for over 2 days)</h2><div class=scroll><table><tr>
<th>Facility</th>
<th>Kind</th><th>Region</th><th>Last report</th></tr>{stale_rows}</table></div>{more_stale}
</section>
</main></body></html>
"""
