"""Maps of a solution: facilities by kind, delivery flows scaled by volume, unmet demand.

Draws on the ``ax`` given, else on a new pyplot figure so that Jupyter shows it (see
:func:`o2opt.charts.new_axes`); :func:`save_map` draws off screen.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt.charts import plain

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    from o2opt.charts import SolutionLike
    from o2opt.solution import Solution

__all__ = ["geodataframes", "plot_map", "save_map"]

KIND_STYLE: dict[str, dict[str, Any]] = {
    "producer": {"marker": "^", "color": "#1f4e79", "size": 110, "label": "producer"},
    "station": {"marker": "s", "color": "#2e8b57", "size": 60, "label": "filling station"},
    "candidate_open": {"marker": "*", "color": "#ff8c00", "size": 230,
                       "label": "new site (opened)"},
    "candidate_closed": {"marker": "*", "color": "none", "size": 150,
                         "label": "candidate (not opened)"},
}


def geodataframes(solution: SolutionLike) -> dict[str, gpd.GeoDataFrame]:
    """Facilities as points and flows as lines, in WGS84.

    Returns ``{"facilities", "deliveries", "bulk"}``; ``deliveries`` and ``bulk`` sum each
    arc over the days (columns ``m3`` and ``cost``), ``facilities`` has ``kind``
    (hospital, producer, station, candidate), and for hospitals ``demand_m3`` and
    ``unmet_m3`` over the horizon, for candidates ``opened``.
    """
    import geopandas as gpd
    import shapely

    net = solution.network
    frames = []
    for kind, table in (("hospital", net.hospitals), ("producer", net.producers),
                        ("station", net.stations), ("candidate", net.candidates)):
        frames.append(pd.DataFrame({"id": table["id"], "name": table["name"], "kind": kind,
                                    "lat": table["lat"], "lon": table["lon"]}))
    fac = pd.concat(frames, ignore_index=True)
    if solution.has_solution:
        served = solution.service.groupby("hospital", sort=False)[["demand_m3", "unmet_m3"]].sum()
        fac = fac.join(served, on="id")
        fac = fac.join(solution.sites.set_index("candidate")["opened"], on="id")
    facilities = gpd.GeoDataFrame(fac, geometry=gpd.points_from_xy(fac["lon"], fac["lat"]),
                                  crs="EPSG:4326")
    where = facilities.set_index("id")[["lon", "lat"]]

    def lines(flows: pd.DataFrame, a: str, b: str) -> gpd.GeoDataFrame:
        if solution.has_solution and len(flows):
            agg = flows.groupby([a, b], as_index=False, sort=False)[["m3", "cost"]].sum()
        else:
            agg = pd.DataFrame({a: [], b: [], "m3": [], "cost": []})
        pa, pb = where.loc[agg[a]].to_numpy(), where.loc[agg[b]].to_numpy()
        coords = np.stack([pa, pb], axis=1) if len(agg) else np.empty((0, 2, 2))
        return gpd.GeoDataFrame(agg, geometry=shapely.linestrings(coords), crs="EPSG:4326")

    return {
        "facilities": facilities,
        "deliveries": lines(solution.deliveries if solution.has_solution else pd.DataFrame(),
                            "source", "hospital"),
        "bulk": lines(solution.bulk if solution.has_solution else pd.DataFrame(),
                      "producer", "station"),
    }


def plot_map(solution: SolutionLike, ax: Axes | None = None, *, title: str | None = None,
             labels: bool = True, credit: str | None = None,
             boundaries: gpd.GeoDataFrame | None = None, short_names: int = 5) -> Axes:
    """Draw the solution on a map.

    Hospitals are circles sized by demand (net of on-site supply, ``service.csv``'s
    ``demand_m3``); hospitals with unmet demand are red, scaled by the share of that demand
    unmet. Deliveries are lines whose width grows with the volume carried;
    bulk supply to stations is dashed. Opened candidate sites are filled orange stars.

    Parameters
    ----------
    ax : matplotlib Axes, optional
        Where to draw; a new pyplot figure when omitted (shown by Jupyter).
    title : str, optional
        Defaults to the status, objective and unmet demand.
    labels : bool
        Label the regions (the ``region`` column of hospitals) at their centroid.
    credit : str, optional
        Attribution line at the bottom right (e.g. "© OpenStreetMap contributors").
    boundaries : GeoDataFrame, optional
        Region polygons (any CRS) drawn under the facilities, e.g.
        :func:`o2opt.datasets.iraq_governorates`. With ``labels``, each polygon is labelled
        with its ``name`` (else ``region``) column instead of the hospitals' regions. The
        legend entry reads ``boundaries.attrs["label"]`` (default "region boundaries").
        The outline of their union (the country, for governorates) is drawn heavier; its
        legend entry reads ``boundaries.attrs["outline_label"]``.
    short_names : int
        Write the names of this many hospitals with the largest unmet demand next to them
        (0: none). Names in Arabic script are joined and ordered right to left
        (:func:`o2opt.charts.shaped`).

    Returns
    -------
    matplotlib.axes.Axes
    """
    from matplotlib.lines import Line2D

    from o2opt.charts import new_axes

    if ax is None:
        ax = new_axes((9, 9))
    g = geodataframes(solution)
    fac, deliv, bulk = g["facilities"], g["deliveries"], g["bulk"]
    hosp = fac[fac["kind"] == "hospital"]

    if boundaries is not None and len(boundaries):
        shapes = boundaries.to_crs("EPSG:4326") if boundaries.crs is not None else boundaries
        shapes.plot(ax=ax, facecolor="#f4f4ef", edgecolor="#8c8c8c", linewidth=0.7, zorder=0)
        ax.plot(*_outline_xy(shapes.geometry.union_all()), color="#4d4d4d", linewidth=1.4,
                zorder=0.5)
        if labels:
            name_col = "name" if "name" in shapes else "region" if "region" in shapes else None
            if name_col is not None:
                points = shapes.representative_point()
                for name, x, y in zip(shapes[name_col], points.x, points.y, strict=True):
                    ax.annotate(plain(name), (x, y), fontsize=8,
                                color="#333333", ha="center", va="center", zorder=7,
                                bbox={"boxstyle": "round,pad=0.15", "fc": "white",
                                      "ec": "none", "alpha": 0.6})
    if len(bulk):
        width = 0.6 + 3.0 * bulk["m3"] / bulk["m3"].max()
        bulk.plot(ax=ax, color="#1f4e79", linewidth=width, linestyle="--", alpha=0.55, zorder=1)
    if len(deliv):
        width = 0.4 + 4.0 * deliv["m3"] / deliv["m3"].max()
        deliv.plot(ax=ax, color="#4a90d9", linewidth=width, alpha=0.6, zorder=2)

    demand = hosp.get("demand_m3", pd.Series(1.0, index=hosp.index)).fillna(0.0)
    unmet = hosp.get("unmet_m3", pd.Series(0.0, index=hosp.index)).fillna(0.0)
    size = 15 + 185 * np.sqrt(demand / max(float(demand.max()), 1e-9))
    short = unmet > 1e-6
    ax.scatter(hosp.loc[~short, "lon"], hosp.loc[~short, "lat"], s=size[~short], c="#7f7f7f",
               edgecolors="white", linewidths=0.5, zorder=3)
    share = (unmet / demand.where(demand > 0, 1.0)).clip(0, 1)
    ax.scatter(hosp.loc[short, "lon"], hosp.loc[short, "lat"], s=size[short],
               c=share[short], cmap="Reds", vmin=0, vmax=1, edgecolors="#8b0000",
               linewidths=0.8, zorder=4)
    if short_names > 0 and short.any():
        worst = unmet[short].sort_values(ascending=False, kind="stable").index[:short_names]
        for i in worst:
            name = hosp.at[i, "name"]
            ax.annotate(plain(name if isinstance(name, str) and name else hosp.at[i, "id"]),
                        (hosp.at[i, "lon"], hosp.at[i, "lat"]), xytext=(7, -3),
                        textcoords="offset points", fontsize=7.5, color="#8b0000",
                        ha="left", va="top", zorder=8,
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none",
                              "alpha": 0.75})
    for kind in ("producer", "station"):
        pts = fac[fac["kind"] == kind]
        st = KIND_STYLE[kind]
        ax.scatter(pts["lon"], pts["lat"], marker=st["marker"], s=st["size"], c=st["color"],
                   edgecolors="white", linewidths=0.8, zorder=5)
    cands = fac[fac["kind"] == "candidate"]
    opened = cands.get("opened", pd.Series(False, index=cands.index)).fillna(False).astype(bool)
    ax.scatter(cands.loc[opened, "lon"], cands.loc[opened, "lat"], marker="*",
               s=KIND_STYLE["candidate_open"]["size"], c=KIND_STYLE["candidate_open"]["color"],
               edgecolors="black", linewidths=0.7, zorder=6)
    ax.scatter(cands.loc[~opened, "lon"], cands.loc[~opened, "lat"], marker="*",
               s=KIND_STYLE["candidate_closed"]["size"], facecolors="none",
               edgecolors="#ff8c00", linewidths=1.0, zorder=6)

    if labels and boundaries is None and "region" in solution.network.hospitals:
        regions = solution.network.hospitals.groupby("region")[["lat", "lon"]].mean()
        for region, row in regions.iterrows():
            if region:
                ax.annotate(plain(region), (row["lon"], row["lat"]), fontsize=8,
                            color="#333333",
                            ha="center", va="bottom", xytext=(0, 6), textcoords="offset points",
                            zorder=7)

    handles: list[Artist] = [
        Line2D([], [], marker="o", ls="", color="#7f7f7f", label="hospital (size: demand)"),
        Line2D([], [], marker="o", ls="", color="#d62728", markeredgecolor="#8b0000",
               label="hospital with unmet demand"),
        *(Line2D([], [], marker=KIND_STYLE[k]["marker"], ls="",
                 markerfacecolor=KIND_STYLE[k]["color"],
                 markeredgecolor="#ff8c00" if k == "candidate_closed" else "white",
                 markersize=10, label=KIND_STYLE[k]["label"]) for k in KIND_STYLE),
        Line2D([], [], color="#4a90d9", lw=2.5, label="cylinder deliveries (width: m³)"),
        Line2D([], [], color="#1f4e79", lw=1.5, ls="--", label="bulk supply to stations"),
    ]
    if boundaries is not None and len(boundaries):
        from matplotlib.patches import Patch

        handles.append(Patch(facecolor="#f4f4ef", edgecolor="#8c8c8c",
                             label=plain(boundaries.attrs.get("label", "region boundaries"))))
        outline = boundaries.attrs.get("outline_label", "outline of the regions")
        handles.append(Line2D([], [], color="#4d4d4d", lw=1.4, label=plain(outline)))
    ax.legend(handles=handles, loc="best", fontsize=8, framealpha=0.9)
    if title is None:
        s = solution.summary()
        title = f"{s['status']}: cost {s['objective'] or 0:,.0f}"
        if s["unmet_m3"] is not None:
            title += f", unmet {s['unmet_m3']:,.0f} of {s['demand_m3']:,.0f} m³ demand"
    ax.set_title(plain(title))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    ax.set_aspect(1 / np.cos(np.radians(float(fac["lat"].mean()) if len(fac) else 0.0)))
    ax.grid(True, lw=0.3, alpha=0.5)
    if credit:
        ax.annotate(plain(credit), (1, 0), xycoords="axes fraction", ha="right", va="bottom",
                    fontsize=7, color="#555555", xytext=(-4, 4), textcoords="offset points")
    return ax


def _outline_xy(area: Any) -> tuple[list[float], list[float]]:
    """x and y of the outer rings of an area's polygons, parts separated by NaN (one plot
    call). Holes and slivers left between neighbouring shapes are not outlined."""
    import shapely

    xs: list[float] = []
    ys: list[float] = []
    parts = [p for p in shapely.get_parts(area) if p.geom_type == "Polygon" and not p.is_empty]
    total = sum(p.area for p in parts)
    for part in parts:
        if part.area < 1e-4 * total:
            continue
        x, y = np.asarray(part.exterior.coords).T
        xs += [*x, np.nan]
        ys += [*y, np.nan]
    return xs, ys


def save_map(solution: Solution, path: str | Path, **kwargs: Any) -> Path:
    """Save :func:`plot_map` as an image (format from the file name), drawn off screen."""
    from o2opt.charts import offscreen

    with offscreen():
        ax = plot_map(solution, **kwargs)
    ax.get_figure(root=True).savefig(path, dpi=130)  # type: ignore[union-attr]
    return Path(path)
