"""Charts of a solution: need, supply and gap by region; cost breakdown; unmet demand by day.

Every chart draws on the ``ax`` you give and returns the Axes. Without ``ax`` it makes a new
figure with pyplot (the pandas and geopandas convention), so Jupyter shows it under the cell
without ``%matplotlib inline``; in a script call ``plt.show()`` or :func:`save_figure`. Inside
:func:`offscreen` new figures are plain :class:`matplotlib.figure.Figure` objects that pyplot
does not keep (what the report and the command line use).

The numbers behind the charts come from :func:`region_summary` and :func:`daily_by_region`,
plain DataFrames you can also tabulate.

Examples
--------
>>> import o2opt
>>> from o2opt import charts
>>> sol = o2opt.optimize(o2opt.read_network(o2opt.datasets.demo_folder()))
>>> table = charts.region_summary(sol)
>>> list(table.columns)[:5]
['region', 'hospitals', 'need_m3', 'onsite_m3', 'demand_m3']
>>> ax = charts.plot_gap_by_region(sol)
>>> ax.get_title()
'Oxygen need, supply and gap by region'
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from o2opt.network import Network

__all__ = [
    "COLORS",
    "daily_by_region",
    "new_axes",
    "offscreen",
    "plot_cost_breakdown",
    "plot_daily_unmet",
    "plot_gap_by_region",
    "plot_unmet_heatmap",
    "region_summary",
    "save_figure",
    "shaped",
]

COLORS = {"onsite": "#b9b9b9", "delivered": "#4a90d9", "unmet": "#d62728",
          "capacity": "#1b1b1b", "need": "#555555", "demand": "#555555"}
COST_LABELS = {"unmet_penalty": "penalty on unmet demand", "transport": "transport",
               "production": "production", "filling": "cylinder filling",
               "fixed": "new plants (daily capital + O&M)"}
UNASSIGNED = "(no region)"


class SolutionLike(Protocol):
    """What the charts and the report read from a solution (a :class:`~o2opt.Solution`, or
    a result read back from a folder by :func:`o2opt.report.read_result`)."""

    network: Network
    status: str

    @property
    def has_solution(self) -> bool: ...
    @property
    def service(self) -> pd.DataFrame: ...
    @property
    def sites(self) -> pd.DataFrame: ...
    @property
    def deliveries(self) -> pd.DataFrame: ...
    @property
    def bulk(self) -> pd.DataFrame: ...
    @property
    def cost(self) -> dict[str, float]: ...
    def summary(self) -> dict[str, Any]: ...


def plain(text: object) -> str:
    """Text for matplotlib with ``$`` escaped, so data never turns into mathtext, and
    right-to-left script laid out for display (:func:`shaped`).

    The one helper every chart of o2opt passes ids, names, labels and titles through
    (:mod:`o2opt.plot`, :mod:`o2opt.sweeps.plot`, the report's figures): an id such as
    ``C$frac$`` is drawn as written instead of going to matplotlib's math parser.

    Examples
    --------
    >>> print(plain("C$1$"))
    C\\$1\\$
    """
    return shaped(str(text)).replace("$", r"\$")


_RTL = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


def shaped(text: str) -> str:
    """Arabic (and other right-to-left) text in the form matplotlib can draw.

    matplotlib neither joins Arabic letters nor orders right-to-left runs: it would draw
    isolated letters backwards. The letters are replaced by their joined presentation forms
    (``arabic-reshaper``) and put in visual order (``python-bidi``); the default font,
    DejaVu Sans, has those glyphs. Text without right-to-left characters is unchanged.

    Examples
    --------
    >>> shaped("Basra")
    'Basra'
    >>> shaped("بغداد") != "بغداد"
    True
    """
    if not _RTL.search(text):
        return text
    import arabic_reshaper

    try:
        from bidi import get_display
    except ImportError:  # python-bidi < 0.5
        from bidi.algorithm import get_display

    return str(get_display(arabic_reshaper.reshape(text)))


_OFFSCREEN: ContextVar[bool] = ContextVar("o2opt_charts_offscreen", default=False)


@contextmanager
def offscreen() -> Iterator[None]:
    """New figures made inside this block are detached from pyplot (not shown, not kept).

    For code that only saves images (reports, the command line, a server): no pyplot
    backend is involved and nothing accumulates in ``plt.get_fignums()``. Per thread and
    per asyncio task (a :class:`contextvars.ContextVar`).
    """
    token = _OFFSCREEN.set(True)
    try:
        yield
    finally:
        _OFFSCREEN.reset(token)


def new_axes(figsize: tuple[float, float]) -> Axes:
    """Axes on a new figure: a pyplot figure (shown by Jupyter), or a detached
    :class:`~matplotlib.figure.Figure` inside :func:`offscreen`."""
    if _OFFSCREEN.get():
        from matplotlib.figure import Figure

        return Figure(figsize=figsize, layout="constrained").add_subplot()
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize, layout="constrained")[1]


_new_ax = new_axes


def _hospital_regions(network: Network) -> pd.Series:
    h = network.hospitals
    region = h["region"] if "region" in h else pd.Series("", index=h.index)
    region = region.fillna("").astype(str).replace("", UNASSIGNED)
    return pd.Series(region.to_numpy(), index=h["id"].astype(str).to_numpy())


def _facility_regions(network: Network, table: pd.DataFrame) -> pd.Series:
    """Region of each row of a facility table: its own ``region`` column when present and
    filled, else the region of the nearest hospital (approximate)."""
    if not len(table):
        return pd.Series([], dtype=str)
    own = (table["region"].fillna("").astype(str) if "region" in table
           else pd.Series("", index=table.index))
    h = network.hospitals
    if len(h):
        lat, lon = np.radians(h["lat"].to_numpy(float)), np.radians(h["lon"].to_numpy(float))
        tl = np.radians(table["lat"].to_numpy(float))[:, None]
        tn = np.radians(table["lon"].to_numpy(float))[:, None]
        d = (np.sin((lat - tl) / 2) ** 2
             + np.cos(tl) * np.cos(lat) * np.sin((lon - tn) / 2) ** 2)
        nearest = _hospital_regions(network).to_numpy()[np.argmin(d, axis=1)]
    else:
        nearest = np.full(len(table), UNASSIGNED)
    return pd.Series(np.where(own.to_numpy() != "", own.to_numpy(), nearest),
                     index=table["id"].astype(str).to_numpy())


def region_summary(solution: SolutionLike) -> pd.DataFrame:
    """Need, on-site supply, demand, deliveries, unmet demand and local filling capacity by
    region.

    All figures are m³ summed over the horizon (divide by ``horizon_days`` for a daily
    average), in the words of ``service.csv``: ``need_m3`` is the need (demand ×
    ``demand_multiplier``, before on-site supply); ``onsite_m3`` the part of it the
    hospitals' own plants cover; ``demand_m3`` = ``need_m3`` − ``onsite_m3`` the (net)
    demand left to supply, which ``delivered_m3`` + ``unmet_m3`` meet. ``unmet_share`` is
    ``unmet_m3`` / ``demand_m3``, the share of demand unmet, as in
    :func:`plot_unmet_heatmap`. ``local_fill_m3`` is what filling stations and opened new
    plants located in the region can fill (regions of stations and candidates come from
    their ``region`` column when present, else from the nearest hospital). Sorted by need,
    largest first.

    Returns
    -------
    DataFrame
        ``region``, ``hospitals``, ``need_m3``, ``onsite_m3``, ``demand_m3``,
        ``delivered_m3``, ``unmet_m3``, ``unmet_share``, ``hospitals_short``,
        ``local_fill_m3``.
    """
    net = solution.network
    sc = net.scenario
    days = sc.horizon_days
    per_h = _hospital_totals(solution)
    per_h["region"] = _hospital_regions(net).reindex(per_h.index).to_numpy()
    per_h["short"] = per_h["unmet_m3"] > 1e-6
    out = per_h.reset_index().groupby("region", sort=False).agg(
        hospitals=("hospital", "size"), need_m3=("need_m3", "sum"),
        onsite_m3=("onsite_m3", "sum"), demand_m3=("demand_m3", "sum"),
        delivered_m3=("delivered_m3", "sum"), unmet_m3=("unmet_m3", "sum"),
        hospitals_short=("short", "sum"))
    out["unmet_share"] = np.where(out["demand_m3"] > 0, out["unmet_m3"] / out["demand_m3"]
                                  .where(out["demand_m3"] > 0, 1.0), 0.0)
    # filling capacity located in each region
    fill = pd.Series(0.0, index=out.index)
    if len(net.stations):
        st = pd.Series(net.stations["fill_capacity_cyl_day"].to_numpy(float) * sc.cylinder_m3
                       * days, index=_facility_regions(net, net.stations).to_numpy())
        fill = fill.add(st.groupby(level=0).sum(), fill_value=0.0)
    if len(net.candidates) and solution.has_solution:
        opened = solution.sites.set_index(solution.sites["candidate"].astype(str))["opened"]
        cand = net.candidates
        is_open = opened.reindex(cand["id"].astype(str)).fillna(False).to_numpy(bool)
        cap = np.minimum(cand["capacity_m3_day"].to_numpy(float),
                         cand["fill_capacity_cyl_day"].to_numpy(float) * sc.cylinder_m3)
        cs = pd.Series(np.where(is_open, cap * days, 0.0),
                       index=_facility_regions(net, cand).to_numpy())
        fill = fill.add(cs.groupby(level=0).sum(), fill_value=0.0)
    out["local_fill_m3"] = fill.reindex(out.index).fillna(0.0)
    out = out.reset_index().sort_values("need_m3", ascending=False, kind="stable")
    out["hospitals_short"] = out["hospitals_short"].astype(int)
    return out[["region", "hospitals", "need_m3", "onsite_m3", "demand_m3", "delivered_m3",
                "unmet_m3", "unmet_share", "hospitals_short", "local_fill_m3"]
               ].reset_index(drop=True)


#: The service columns :func:`_hospital_totals` sums, in ``service.csv``'s words.
_SERVICE_TOTALS = ("need_m3", "onsite_m3", "demand_m3", "delivered_m3", "unmet_m3")


def _hospital_totals(solution: SolutionLike) -> pd.DataFrame:
    """``need_m3``, ``onsite_m3``, ``demand_m3``, ``delivered_m3`` and ``unmet_m3`` of each
    hospital summed over the horizon (index: hospital id as text, in the hospitals' order).

    They come from the solution's service table; a result folder written before
    ``service.csv`` had ``need_m3`` gets the need from the network and ``onsite_m3`` =
    need − ``demand_m3``. Without a plan, nothing is delivered and all demand is unmet.
    """
    net = solution.network
    ids = net.hospitals["id"].astype(str).to_numpy()
    out = pd.DataFrame(index=pd.Index(ids, name="hospital"))
    need = net.need_m3().sum(axis=1)
    service = solution.service if solution.has_solution else pd.DataFrame()
    if len(service):
        have = [c for c in _SERVICE_TOTALS if c in service]
        s = service.groupby(service["hospital"].astype(str))[have].sum()
        out = out.join(s).fillna(0.0)
        if "need_m3" not in out:  # (an older result folder)
            out["need_m3"] = need
        if "onsite_m3" not in out:
            out["onsite_m3"] = np.maximum(0.0, out["need_m3"] - out["demand_m3"])
    else:
        out["need_m3"], out["demand_m3"] = need, net.net_demand_m3().sum(axis=1)
        out["onsite_m3"] = np.maximum(0.0, need - out["demand_m3"])
        out["delivered_m3"], out["unmet_m3"] = 0.0, out["demand_m3"]
    return out[list(_SERVICE_TOTALS)]


def daily_by_region(solution: SolutionLike) -> pd.DataFrame:
    """Demand (net of on-site supply), deliveries and unmet demand per region and day (m³).

    Returns
    -------
    DataFrame
        ``region``, ``day``, ``demand_m3``, ``delivered_m3``, ``unmet_m3``.
    """
    if not solution.has_solution:
        return pd.DataFrame(columns=["region", "day", "demand_m3", "delivered_m3", "unmet_m3"])
    regions = _hospital_regions(solution.network)
    s = solution.service
    s = s.assign(region=regions.reindex(s["hospital"].astype(str)).fillna(UNASSIGNED)
                 .to_numpy())
    return (s.groupby(["region", "day"], as_index=False)[
        ["demand_m3", "delivered_m3", "unmet_m3"]].sum())


def _unit_label(solution: SolutionLike) -> tuple[float, str]:
    days = solution.network.scenario.horizon_days
    return (1.0, "m³ per day") if days == 1 else (float(days), "m³ per day (average)")


def plot_gap_by_region(solution: SolutionLike, ax: Axes | None = None, *,
                       top: int | None = None, title: str | None = None) -> Axes:
    """Need, supply and gap by region: horizontal bars, largest need on top.

    Each bar is a region's need, split into what on-site plants cover (grey), what is
    delivered in cylinders (blue) and what is left unmet (red); blue and red together are
    the region's demand, and the label gives the share of that demand unmet (as in
    :func:`region_summary` and :func:`plot_unmet_heatmap`). A black tick marks the
    filling capacity located in the region (stations plus opened new plants), so a gap
    next to a short tick is a local supply problem. Daily averages over the horizon.

    Parameters
    ----------
    top : int, optional
        Show only the ``top`` regions by need.
    """
    table = region_summary(solution)
    if top is not None:
        table = table.head(top)
    div, unit = _unit_label(solution)
    table = table.iloc[::-1]  # largest on top
    if ax is None:
        ax = _new_ax((8.5, 0.34 * len(table) + 1.6))
    y = np.arange(len(table))
    onsite = table["onsite_m3"].to_numpy() / div
    deliv = table["delivered_m3"].to_numpy() / div
    unmet = table["unmet_m3"].to_numpy() / div
    ax.barh(y, onsite, color=COLORS["onsite"], label="on-site plants")
    ax.barh(y, deliv, left=onsite, color=COLORS["delivered"], label="delivered (cylinders)")
    ax.barh(y, unmet, left=onsite + deliv, color=COLORS["unmet"], label="unmet")
    ax.scatter(table["local_fill_m3"].to_numpy() / div, y, marker="|", s=160,
               color=COLORS["capacity"], linewidths=2, zorder=3,
               label="filling capacity in region")
    share = table["unmet_share"].to_numpy()  # of demand, as in the table and the heatmap
    for yi, (u, total, sh) in enumerate(zip(unmet, onsite + deliv + unmet, share,
                                            strict=True)):
        if u > 1e-6 and total > 0:
            ax.annotate(f"{100 * sh:.0f}% of demand unmet", (total, yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize=7,
                        color=COLORS["unmet"])
    ax.set_yticks(y, [plain(r) for r in table["region"]], fontsize=8)
    ax.set_xlabel(unit)
    ax.set_title(plain(title or "Oxygen need, supply and gap by region"))
    ax.legend(loc="lower right", fontsize=7, framealpha=0.9)
    ax.grid(True, axis="x", lw=0.3, alpha=0.6)
    ax.set_axisbelow(True)
    ax.margins(x=0.12)
    return ax


def plot_cost_breakdown(solution: SolutionLike, ax: Axes | None = None, *,
                        include_penalty: bool = False, title: str | None = None) -> Axes:
    """The objective split into its parts (docs/model.md, "Results"), as labelled horizontal bars.

    By default only the money parts are drawn (transport, production, filling, new plants);
    the penalty on unmet demand — a modelling weight, not money spent, and often far larger —
    is stated under the chart. With ``include_penalty`` it is drawn too, hatched.
    """
    from matplotlib.ticker import FuncFormatter

    cost = solution.cost if solution.has_solution else {}
    if ax is None:
        ax = _new_ax((7.5, 2.6 if not include_penalty else 3.0))
    parts = [p for p in COST_LABELS if include_penalty or p != "unmet_penalty"]
    values = np.array([float(cost.get(p, 0.0) or 0.0) for p in parts])
    palette = {"unmet_penalty": "#f2b8b8", "transport": "#4a90d9", "production": "#6aa84f",
               "filling": "#8e7cc3", "fixed": "#ff8c00"}
    y = np.arange(len(parts))[::-1]
    bars = ax.barh(y, values, color=[palette[p] for p in parts])
    if include_penalty:
        bars[0].set_hatch("///")
        bars[0].set_edgecolor(COLORS["unmet"])
    top = float(values.max()) if len(values) and values.max() > 0 else 1.0
    for yi, v in zip(y, values, strict=True):
        ax.annotate(f"{v:,.0f}", (v, yi), xytext=(4, 0), textcoords="offset points",
                    va="center", fontsize=8)
    ax.set_yticks(y, [COST_LABELS[p] for p in parts], fontsize=8)
    ax.set_xlim(0, top * 1.25)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    days = solution.network.scenario.horizon_days
    ax.set_xlabel(f"cost over {days} day{'s' if days != 1 else ''} (scenario currency)")
    spent = sum(float(cost.get(p, 0.0) or 0.0) for p in COST_LABELS if p != "unmet_penalty")
    ax.set_title(plain(title or f"Cost breakdown: {spent:,.0f} spent"))
    if not include_penalty:
        penalty = float(cost.get("unmet_penalty", 0.0) or 0.0)
        ax.annotate(f"plus a penalty of {penalty:,.0f} on unmet demand (a modelling weight, "
                    "not spending)", (0, 0), xycoords="axes fraction", xytext=(0, -34),
                    textcoords="offset points", fontsize=7.5, color=COLORS["unmet"],
                    va="top")
    ax.grid(True, axis="x", lw=0.3, alpha=0.6)
    ax.set_axisbelow(True)
    return ax


def plot_daily_unmet(solution: SolutionLike, ax: Axes | None = None, *, top: int = 8,
                     title: str | None = None) -> Axes:
    """Unmet demand per day, stacked by region (the ``top`` regions, the rest as "other"),
    with the national demand (net of on-site supply) as a grey line on the right-hand axis."""
    daily = daily_by_region(solution)
    if ax is None:
        ax = _new_ax((9, 3.8))
    n_days = solution.network.scenario.horizon_days
    days = np.arange(n_days)
    if len(daily):
        unmet = daily.pivot_table(index="day", columns="region", values="unmet_m3",
                                  aggfunc="sum").reindex(days).fillna(0.0)
        demand = daily.groupby("day")["demand_m3"].sum().reindex(days).fillna(0.0)
    else:
        unmet, demand = pd.DataFrame(index=days), pd.Series(0.0, index=days)
    order = unmet.sum().sort_values(ascending=False)
    order = order[order > 1e-6]
    keep = list(order.index[:top])
    stack = unmet[keep].copy()
    rest = [c for c in order.index if c not in keep]
    if rest:
        stack["other"] = unmet[rest].sum(axis=1)
    if stack.shape[1]:
        import matplotlib as mpl

        tab10 = mpl.colormaps["tab10"]
        palette = [tab10(i) for i in range(tab10.N) if i != 7]  # no grey
        colors = [palette[i % len(palette)] for i in range(len(keep))] + (
            ["#b0b0b0"] if rest else [])
        ax.stackplot(days, stack.T.to_numpy(), labels=[plain(c) for c in stack.columns],
                     colors=colors, alpha=0.85)
        ax.legend(loc="upper left", fontsize=7, ncols=2, framealpha=0.9)
    else:
        ax.annotate("no unmet demand on any day", (0.5, 0.5), xycoords="axes fraction",
                    ha="center", color="#2e8b57")
    twin = ax.twinx()
    twin.plot(days, demand.to_numpy(), color=COLORS["demand"], lw=1.2, ls="--",
              label="demand (right axis)")
    twin.set_ylabel("demand, m³ per day", color=COLORS["demand"], fontsize=8)
    twin.set_ylim(bottom=0)
    twin.legend(loc="upper right", fontsize=7)
    ax.set_xlim(0, max(n_days - 1, 1))
    ax.set_ylim(bottom=0)
    ax.set_xlabel("day")
    ax.set_ylabel("unmet demand, m³ per day")
    ax.set_title(plain(title or "Unmet oxygen demand by day and region"))
    ax.grid(True, lw=0.3, alpha=0.6)
    return ax


def plot_unmet_heatmap(solution: SolutionLike, ax: Axes | None = None, *,
                       title: str | None = None) -> Axes:
    """Share of each region's demand (net of on-site supply) left unmet, by day: when and
    where supply runs short (the daily view of :func:`region_summary`'s ``unmet_share``).
    Regions with no shortage on any day are left out."""
    daily = daily_by_region(solution)
    if ax is None:
        ax = _new_ax((9, 4.2))
    n_days = solution.network.scenario.horizon_days
    if len(daily):
        share = (daily.assign(share=np.where(daily["demand_m3"] > 0, daily["unmet_m3"]
                                             / daily["demand_m3"].where(daily["demand_m3"] > 0,
                                                                        1.0), 0.0))
                 .pivot_table(index="region", columns="day", values="share", aggfunc="sum")
                 .reindex(columns=range(n_days)).fillna(0.0))
        share = share[share.max(axis=1) > 1e-6]
        share = share.loc[share.sum(axis=1).sort_values(ascending=False).index]
    else:
        share = pd.DataFrame()
    if len(share):
        import matplotlib as mpl

        cmap = mpl.colormaps["Reds"].with_extremes(bad="white")
        values = np.ma.masked_less_equal(share.to_numpy() * 100, 1e-6)  # no shortage: white
        im = ax.imshow(values, aspect="auto", cmap=cmap, vmin=0, vmax=100,
                       interpolation="nearest")
        ax.set_yticks(range(len(share)), [plain(r) for r in share.index], fontsize=8)
        ax.figure.colorbar(im, ax=ax, label="% of demand unmet", shrink=0.9)
    else:
        ax.annotate("no unmet demand on any day", (0.5, 0.5), xycoords="axes fraction",
                    ha="center", color="#2e8b57")
        ax.set_yticks([])
    ax.set_xlabel("day")
    ax.set_title(plain(title or "When and where supply runs short"))
    return ax


def save_figure(ax_or_fig: Axes | Figure, path: str | Path, *, dpi: int = 130) -> Path:
    """Save the figure of an Axes (or a Figure) to ``path`` (format from the suffix)."""
    from matplotlib.figure import Figure

    fig = ax_or_fig if isinstance(ax_or_fig, Figure) else ax_or_fig.get_figure(root=True)
    fig.savefig(path, dpi=dpi)  # type: ignore[union-attr]  # an Axes always has a figure
    return Path(path)
