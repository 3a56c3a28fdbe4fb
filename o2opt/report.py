"""The planning report: one self-contained HTML file for people who never open Python.

:func:`render_html` turns a solution into a single HTML page: the headline figures, need vs
supply vs gap by region (chart and table), the map, the new sites with their cost, the
hospitals left short, unmet demand by day (multi-day scenarios), the cost breakdown and the
assumptions (demand method and its parameters, ``[model]`` parameters, anything you add).

The file needs no network access to be read: images are inline base64 PNG, styles are
inline, there is no script, and a Content-Security-Policy forbids loading anything else.
Every piece of text that comes from the data (facility names, regions, parameters) is
HTML-escaped, so a hospital named ``<script>alert(1)</script>`` is shown as text.

From Python: ``Solution.to_html()`` or :func:`write_html`. From the command line, for a
result folder written by ``o2opt solve``::

    o2opt report RESULT_FOLDER --scenario SCENARIO_FOLDER --html report.html

Examples
--------
>>> import o2opt
>>> sol = o2opt.optimize(o2opt.read_network(o2opt.datasets.demo_folder()))
>>> page = sol.to_html(title="Demo")
>>> page.startswith("<!DOCTYPE html>") and "<script" not in page
True
"""

from __future__ import annotations

import base64
import html
import io
import json
import logging
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt import charts
from o2opt.errors import InputError, Problem

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

    from o2opt.network import Network

__all__ = ["ResultView", "compare_html", "read_result", "render_html", "report_folder",
           "save_figures",
           "save_text", "write_html"]

log = logging.getLogger(__name__)

#: Nothing but inline styles and data: images may load; no script, frame, font or fetch.
CSP = ("default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
       "base-uri 'none'; form-action 'none'")
BOUNDARY_FILES = ("governorates.geojson", "regions.geojson")

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans Arabic",
Arial,sans-serif;margin:0;color:#1d1d1d;background:#fafaf8;line-height:1.45}
main{max-width:1100px;margin:0 auto;padding:24px 28px 48px}
h1{font-size:1.7em;margin:0 0 4px}h2{font-size:1.25em;margin:34px 0 8px;
border-bottom:2px solid #e3e3de;padding-bottom:4px}
.sub{color:#555;margin:0 0 18px}.note{color:#555;font-size:.9em}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(190px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e3e3de;border-radius:8px;padding:12px 14px}
.card .v{font-size:1.45em;font-weight:650}.card .k{color:#555;font-size:.85em}
.card.bad .v{color:#b3261e}.card.good .v{color:#1e7b34}
figure{margin:12px 0;background:#fff;border:1px solid #e3e3de;border-radius:8px;padding:8px}
figure img{max-width:100%;height:auto;display:block;margin:0 auto}
figcaption{color:#555;font-size:.85em;padding:4px 6px}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.88em;margin:8px 0}
th,td{border:1px solid #e3e3de;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f0f0eb}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.short td{background:#fff3f2}
pre{background:#fff;border:1px solid #e3e3de;border-radius:6px;padding:8px;
white-space:pre-wrap;word-break:break-word;font-size:.8em}
footer{margin-top:40px;color:#666;font-size:.82em}
"""


# --------------------------------------------------------------------------- result folders
class ResultView:
    """A solved result read back from a result folder, with the network it was solved from.

    It offers what the charts, the map and the report read from a
    :class:`~o2opt.solution.Solution`: ``network``, ``status``, ``has_solution``,
    ``cost``, ``summary()`` and the result tables.
    """

    def __init__(self, network: Network, summary: Mapping[str, Any],
                 tables: Mapping[str, pd.DataFrame]):
        self.network = network
        self._summary = dict(summary)
        self.status = str(summary.get("status", "no_solution"))
        self.mip_gap = summary.get("mip_gap")
        self.message = str(summary.get("message", ""))
        self.seconds = dict(summary.get("seconds") or {})
        self.deliveries = tables.get("deliveries", pd.DataFrame())
        self.bulk = tables.get("bulk", pd.DataFrame())
        self.service = tables.get("service", pd.DataFrame())
        self.sites = tables.get("sites", pd.DataFrame(columns=["candidate", "opened"]))
        self.utilization = tables.get("utilization", pd.DataFrame())
        self._shortfalls = tables.get("shortfalls")

    def shortfalls(self) -> pd.DataFrame | None:
        """The reasons of ``shortfalls.csv`` (None when the folder has none)."""
        return self._shortfalls

    def __repr__(self) -> str:
        return f"<ResultView {self.status}, {self.network!r}>"

    @property
    def has_solution(self) -> bool:
        return self.status in ("optimal", "feasible")

    @property
    def objective(self) -> float | None:
        value = self._summary.get("objective")
        return None if value is None else float(value)

    @property
    def cost(self) -> dict[str, float]:
        return {k: float(v) for k, v in (self._summary.get("cost") or {}).items()
                if v is not None} if self.has_solution else {}

    def summary(self) -> dict[str, Any]:
        return dict(self._summary)


_ID_COLUMNS = {"deliveries": ("source", "hospital"), "bulk": ("producer", "station"),
               "service": ("hospital",), "sites": ("candidate",),
               "utilization": ("facility", "kind", "unit")}


def read_summary(result_folder: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``summary.json`` of a result folder, as a dict.

    Raises
    ------
    InputError
        The folder is missing or not a folder, it holds no ``summary.json``, or that file
        is not UTF-8 JSON holding an object.
    """
    folder = Path(result_folder)
    file = folder / "summary.json"

    def problem(message: str) -> InputError:
        return InputError([Problem(str(file if folder.is_dir() else folder), None, None,
                                   message)])

    if not folder.exists():
        raise problem("the result folder does not exist")
    if not folder.is_dir():
        raise problem("is not a folder: give the result folder written by o2opt solve")
    if not file.is_file():
        raise problem("missing: not an o2opt result folder" if not file.exists()
                      else "is not a regular file")
    try:
        summary = json.loads(file.read_bytes().decode("utf-8"))
    except UnicodeDecodeError as e:
        raise problem(f"is not UTF-8 text (byte {e.start}): is it an o2opt result?") from None
    except json.JSONDecodeError as e:
        raise problem(f"is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno})"
                      ) from None
    except OSError as e:
        raise problem(f"cannot be read: {e.strerror or e}") from None
    if not isinstance(summary, dict):
        raise problem(f"must hold a JSON object, got a JSON {type(summary).__name__}")
    for key, kinds in _SUMMARY_TYPES.items():
        value = summary.get(key)
        if value is not None and not (isinstance(value, kinds) and not isinstance(value, bool)):
            raise problem(f"{key!r} must be a JSON {_SUMMARY_NAMES[key]}, got {value!r}"[:300])
    return summary


#: What the keys of summary.json that the report reads hold (each may be null).
_SUMMARY_TYPES: dict[str, type | tuple[type, ...]] = {
    "status": str, "message": str, "scenario": str, "objective": (int, float),
    "mip_gap": (int, float), "cost": dict, "seconds": dict, "opened": list,
    **dict.fromkeys(("need_m3", "onsite_m3", "demand_m3", "delivered_m3", "unmet_m3"),
                    (int, float))}
_SUMMARY_NAMES = {"status": "string", "message": "string", "scenario": "string",
                  "objective": "number", "mip_gap": "number", "cost": "object",
                  "seconds": "object", "opened": "list",
                  **dict.fromkeys(("need_m3", "onsite_m3", "demand_m3", "delivered_m3",
                                   "unmet_m3"), "number")}


def read_result(result_folder: str | os.PathLike[str], network: Network) -> ResultView:
    """Read a result folder (``summary.json`` and the CSV tables) for ``network``.

    Raises
    ------
    InputError
        The folder or its ``summary.json`` is missing or unreadable (:func:`read_summary`).
    ValueError
        The result does not belong to ``network`` (other hospitals or horizon), or a table
        of its plan is missing or lacks a column.
    """
    folder = Path(result_folder)
    summary = read_summary(folder)
    tables = {}
    for name, ids in _ID_COLUMNS.items():
        file = folder / f"{name}.csv"
        if file.is_file():
            tables[name] = pd.read_csv(file, dtype=dict.fromkeys(ids, str),
                                       keep_default_na=False, na_values=[""])
    if (folder / "shortfalls.csv").is_file():  # why each hospital is short (optional)
        tables["shortfalls"] = pd.read_csv(folder / "shortfalls.csv", keep_default_na=False,
                                           dtype={"hospital": str, "reason": str,
                                                  "detail": str}, na_values=[""])
    view = ResultView(network, summary, tables)
    if view.has_solution:
        _check_result_tables(folder, tables, None)
        service = view.service
        got = set(service["hospital"].astype(str)) if len(service) else set()
        want = set(network.hospitals["id"].astype(str))
        days = int(service["day"].max()) + 1 if len(service) else 0
        if got != want or days != network.scenario.horizon_days:
            unknown = sorted(got - want)
            example = f" (hospital {unknown[0]!r} is not in the scenario)" if unknown else ""
            raise ValueError(
                f"{folder} was not solved from this scenario: its service.csv has "
                f"{len(got)} hospitals over {days} days, the scenario {len(want)} hospitals "
                f"over {network.scenario.horizon_days} days{example}")
        _check_result_tables(folder, tables, network)
    return view


#: The columns of each result table that the report reads (docs/model.md, "Result files").
RESULT_COLUMNS = {
    "deliveries": ("source", "hospital", "day", "cylinders", "m3", "km", "cost",
                   "transport_cost", "filling_cost", "production_cost"),
    "bulk": ("producer", "station", "day", "m3", "km", "cost", "transport_cost",
             "production_cost"),
    "service": ("hospital", "day", "demand_m3", "delivered_m3", "unmet_m3", "need_m3",
                "onsite_m3"),
    "sites": ("candidate", "opened", "fixed_cost"),
    "utilization": ("facility", "kind", "day", "used", "capacity", "unit", "share"),
}
#: Columns added in version 0.x (``CHANGELOG.md``): a result folder written before them is
#: still read (the charts take the need from the scenario), so they are checked only when there.
ADDED_RESULT_COLUMNS = frozenset({"transport_cost", "filling_cost", "production_cost",
                                  "need_m3", "onsite_m3"})


def _check_result_tables(folder: Path, tables: dict[str, pd.DataFrame],
                         network: Network | None) -> None:
    """Raise ValueError unless every result table of a plan was read with its columns and
    with values o2opt solve writes (a damaged table gave a traceback or a report with parts
    silently empty): finite numbers, whole days from 0, known kinds and units; and, given
    the ``network``, ids of its facilities and days of its horizon."""
    words: dict[str, set[str]] = {"kind": {"producer", "station", "candidate"},
                                  "unit": {"m3", "cylinders"}, "opened": {"True", "False"}}
    if network is not None:
        ids = {k: set(getattr(network, k)["id"].astype(str))
               for k in ("hospitals", "producers", "stations", "candidates")}
        options = network.options
        # sites.csv names candidates of every table and options as FACILITY/OPTION
        sites = (ids["candidates"] | ids["producers"] | ids["stations"]
                 | set(options["facility"].astype(str) + "/" + options["option"].astype(str)))
        words |= {"hospital": ids["hospitals"], "producer": ids["producers"],
                  "station": ids["stations"], "candidate": sites,
                  "source": ids["stations"] | ids["candidates"],
                  "facility": ids["producers"] | ids["stations"] | ids["candidates"]}
    for name, columns in RESULT_COLUMNS.items():
        file = folder / f"{name}.csv"
        if name not in tables:
            raise ValueError(f"{file} is missing: the result folder is incomplete")
        table = tables[name]
        lacking = [c for c in columns
                   if c not in table.columns and c not in ADDED_RESULT_COLUMNS]
        columns = tuple(c for c in columns if c in table.columns)
        if lacking:
            raise ValueError(f"{file} lacks the column(s) {', '.join(lacking)}: it is not "
                             "the table o2opt solve wrote")
        for column in columns:
            values = table[column]
            if column in words:
                bad = ~values.astype(str).isin(words[column]).to_numpy()
            elif column in _ID_COLUMNS[name]:
                continue  # ids: checked against the network
            else:
                numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
                bad = ~np.isfinite(numbers)
                if column == "share":  # empty when the capacity is 0
                    bad &= values.notna().to_numpy()
                if column == "day":
                    whole = np.isfinite(numbers) & (np.round(numbers) == numbers)
                    last = network.scenario.horizon_days - 1 if network else np.inf
                    bad |= ~whole | (numbers < 0) | (numbers > last)
            if bad.any():
                i = int(np.flatnonzero(bad)[0])
                value = values.iloc[i]
                value = value.item() if isinstance(value, np.generic) else value
                raise ValueError(f"{file}, column {column}, line {i + 2}: unexpected value "
                                 f"{value!r}: it is not the table o2opt solve wrote for this "
                                 "scenario")


def report_folder(result_folder: str | os.PathLike[str], html_path: str | os.PathLike[str],
                  scenario: str | os.PathLike[str], *,
                  boundaries: str | os.PathLike[str] | None = None,
                  figures: str | os.PathLike[str] | None = None,
                  **kwargs: Any) -> Path:
    """Write the HTML report for a result folder solved from the ``scenario`` folder.

    Parameters
    ----------
    boundaries : path, optional
        A vector file of region polygons with a ``name`` (or ``region``) column. By default
        ``governorates.geojson`` or ``regions.geojson`` in the scenario folder, if present.
    figures : path, optional
        Also save the map and charts as PNG files in this folder.
    **kwargs
        Passed to :func:`render_html` (``title``, ``credit``, ``assumptions``).
    """
    from o2opt.io import read_network

    network = read_network(scenario)
    view = read_result(result_folder, network)
    shapes = _read_boundaries(Path(scenario), boundaries)
    if figures is not None:
        save_figures(view, figures, boundaries=shapes, credit=kwargs.get("credit"))
    kwargs.setdefault("assumptions", {"result folder": str(Path(result_folder)),
                                      "scenario folder": str(Path(scenario))})
    return write_html(view, html_path, boundaries=shapes, **kwargs)


def _read_boundaries(scenario: Path, given: str | os.PathLike[str] | None
                     ) -> gpd.GeoDataFrame | None:
    import geopandas as gpd

    if given is not None:
        frame = gpd.read_file(given)
    else:
        found = [scenario / f for f in BOUNDARY_FILES if (scenario / f).is_file()]
        if not found:
            from o2opt import datasets

            # the bundled demo is a subset of the bundled Iraq data: same governorates
            if scenario.is_dir() and scenario.resolve() == datasets.demo_folder().resolve():
                return datasets.iraq_governorates()
            return None
        frame = gpd.read_file(found[0])
        if found[0].name == "governorates.geojson":
            frame = frame.rename(columns={"governorate": "name"})
    if "name" not in frame and "region" not in frame:
        log.warning("boundaries have no 'name' or 'region' column; drawn without labels")
    frame.attrs.setdefault("label", "region boundaries (approximate)")
    return frame


# --------------------------------------------------------------------------- figures
def _figures(solution: charts.SolutionLike, *, boundaries: gpd.GeoDataFrame | None,
             credit: str | None) -> dict[str, Axes]:
    from o2opt.plot import plot_map

    out: dict[str, Axes] = {}
    if solution.has_solution:
        with charts.offscreen():  # saved or embedded, never shown: keep pyplot out of it
            out["map"] = plot_map(solution, boundaries=boundaries, credit=credit)
            out["gap"] = charts.plot_gap_by_region(solution)
            out["cost"] = charts.plot_cost_breakdown(solution)
            if solution.network.scenario.horizon_days > 1:
                out["daily"] = charts.plot_daily_unmet(solution)
                out["heatmap"] = charts.plot_unmet_heatmap(solution)
    return out


def save_figures(solution: charts.SolutionLike, folder: str | os.PathLike[str], *,
                 boundaries: gpd.GeoDataFrame | None = None, credit: str | None = None,
                 dpi: int = 130) -> list[Path]:
    """Save the report's map and charts as PNG files (``map.png``, ``gap.png``, …)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return [charts.save_figure(ax, folder / f"{name}.png", dpi=dpi)
            for name, ax in _figures(solution, boundaries=boundaries, credit=credit).items()]


def _png(ax: Axes, dpi: int = 100) -> str:
    buffer = io.BytesIO()
    fig = ax.get_figure(root=True)  # never None: an Axes always has a figure
    fig.savefig(buffer, format="png", dpi=dpi)  # type: ignore[union-attr]
    return base64.b64encode(buffer.getvalue()).decode("ascii")


# --------------------------------------------------------------------------- HTML helpers
def _e(value: object) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _n(value: object, digits: int = 0) -> str:
    try:
        x = float(value)  # type: ignore[arg-type]  # any object: float() raises for others
    except (TypeError, ValueError):
        return _e(value)
    if not np.isfinite(x):
        return "–"
    return f"{x:,.{digits}f}"


def _table(rows: Iterable[Sequence[object]], header: Sequence[str], *,
           numeric: Sequence[bool], table_id: str, row_class: Sequence[str] | None = None
           ) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{_e(row_class[i])}"' if row_class and row_class[i] else ""
        cells = "".join(f'<td class="n">{c}</td>' if num else f'<td dir="auto">{c}</td>'
                        for c, num in zip(row, numeric, strict=True))
        body.append(f"<tr{cls}>{cells}</tr>")
    if not body:
        body.append(f'<tr><td colspan="{len(header)}">none</td></tr>')
    return (f'<table id="{_e(table_id)}"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table>")


def _figure(ax: Axes, fig_id: str, alt: str, caption: str) -> str:
    return (f'<figure id="{_e(fig_id)}"><img alt="{_e(alt)}" '
            f'src="data:image/png;base64,{_png(ax)}"><figcaption>{caption}</figcaption>'
            "</figure>")


def _card(value: str, key: str, tone: str = "") -> str:
    return (f'<div class="card {tone}"><div class="v">{value}</div>'
            f'<div class="k">{key}</div></div>')


def _rows(frame: pd.DataFrame) -> Iterator[Any]:
    """``frame.itertuples()``: each field has its column's type (pandas-stubs can only
    type the fields of such a row as "any scalar")."""
    return iter(frame.itertuples())


# --------------------------------------------------------------------------- sections
def _demand_methods(network: Network) -> list[tuple[str, str, int]]:
    """(method, params JSON, number of rows) recorded in the hospitals and demand tables."""
    found: list[tuple[str, str, int]] = []
    for table, what in ((network.demand, "demand.csv rows"), (network.hospitals, "hospitals")):
        if len(table) and "demand_method" in table:
            params = (table["demand_params"] if "demand_params" in table
                      else pd.Series("", index=table.index))
            grouped = (pd.DataFrame({"m": table["demand_method"].astype(str),
                                     "p": params.fillna("").astype(str)})
                       .groupby(["m", "p"], sort=False).size())
            for (method, par), count in zip(grouped.index.tolist(), grouped.tolist(),
                                            strict=True):
                found.append((f"{method} ({what})", par, int(count)))
    return found


def _inline(value: object, depth: int = 0) -> str:
    """A parameter value as short text: mappings as ``key value; key value``."""
    if isinstance(value, Mapping):
        sep = "; " if depth == 0 else ", "
        return sep.join(f"{k}: {_inline(v, depth + 1)}" if depth == 0 and isinstance(v, Mapping)
                        else f"{k} {_inline(v, depth + 1)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_inline(v, depth + 1) for v in value)
    return str(value)


def _params_table(params: str, table_id: str) -> str:
    """Rows ``parameter | value`` for a ``demand_params`` JSON string (escaped)."""
    try:
        parsed = json.loads(params)
    except (TypeError, ValueError):
        return f"<pre>{_e(params)}</pre>"
    if not isinstance(parsed, Mapping):
        return f"<pre>{_e(params)}</pre>"
    rows = []
    for key, value in parsed.items():
        if isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()):
            rows += [(_e(f"{key}: {k}"), _e(_inline(v, 1))) for k, v in value.items()]
        else:
            rows.append((_e(key), _e(_inline(value, 1))))
    return _table(rows, ["parameter", "value"], numeric=[False, False], table_id=table_id)


def render_html(solution: charts.SolutionLike, *, title: str | None = None,
                boundaries: gpd.GeoDataFrame | None = None, credit: str | None = None,
                assumptions: Mapping[str, object] | None = None,
                top_hospitals: int = 20) -> str:
    """The planning report as one self-contained HTML document (a string).

    Parameters
    ----------
    solution : Solution or ResultView
        What to report.
    title : str, optional
        Page title (default "Medical oxygen supply plan").
    boundaries : GeoDataFrame, optional
        Region polygons for the map (e.g. :func:`o2opt.datasets.iraq_governorates`).
    credit : str, optional
        Data attribution shown on the map and in the footer (default: the OpenStreetMap
        credit when hospitals have ``source == "osm"``, as in the bundled Iraq data).
    assumptions : mapping, optional
        Extra assumptions to list (e.g. the surge scenario's parameters).
    top_hospitals : int
        How many hospitals with unmet demand to list.
    """
    net = solution.network
    sc = net.scenario
    days = sc.horizon_days
    per = "per day" if days == 1 else "per day (average over the horizon)"
    summary = solution.summary()
    if credit is None and "source" in net.hospitals and (net.hospitals["source"] == "osm").any():
        from o2opt.datasets import OSM_CREDIT

        credit = OSM_CREDIT  # ODbL: OpenStreetMap names and locations need the credit
    title = title or "Medical oxygen supply plan"
    parts: list[str] = []
    status_line = (f"Status <b>{_e(solution.status)}</b> · solver {_e(summary.get('solver'))}"
                   f" · {len(net.hospitals):,} hospitals · {days} day{'s' if days != 1 else ''}")
    if summary.get("mip_gap") is not None:
        status_line += f" · MIP gap {float(summary['mip_gap']):.2g}"
    parts.append(f"<h1>{_e(title)}</h1><p class=\"sub\">{status_line}</p>")

    if not solution.has_solution:
        parts.append(f'<section id="headline"><h2>No plan found</h2><p>{_e(summary.get("message"))}'
                     "</p></section>")
        parts.append(_assumptions(net, assumptions))
        return _page(title, parts, credit)

    parts.append(_warnings_box(solution))
    regions = charts.region_summary(solution)
    # the headline states summary.json's figures (a result folder of an older o2opt has no
    # need_m3 or onsite_m3: those come from the region table, which reads the same service)
    need, onsite, demand, delivered, unmet = (
        float(summary[k]) if summary.get(k) is not None else float(regions[k].sum())
        for k in ("need_m3", "onsite_m3", "demand_m3", "delivered_m3", "unmet_m3"))
    short = int(regions["hospitals_short"].sum())
    cost = solution.cost
    spent = sum(v for k, v in cost.items() if k != "unmet_penalty")
    sites = _sites_table(solution)
    capex = (float(pd.to_numeric(sites["capex_usd"], errors="coerce").sum())
             if "capex_usd" in sites and len(sites) else None)
    unmet_share = unmet / demand if demand > 0 else 0.0

    cards = [
        _card(_n(need / days), f"m³ of oxygen needed {per}"),
        _card(_n(onsite / days), f"m³ of that need from hospitals' own plants {per}"),
        _card(_n(demand / days), f"m³ demand to supply {per} (need less own plants)"),
        _card(_n(delivered / days), f"m³ delivered in cylinders {per} "
                                    f"({100 * delivered / demand if demand else 0:.1f} % of "
                                    "demand)"),
        _card(_n(unmet / days), f"m³ unmet {per} ({100 * unmet_share:.1f} % of demand, "
                                f"{short} hospital{'s' if short != 1 else ''} short)",
              "bad" if unmet > 1e-6 else "good"),
        _card(str(len(sites)), "new plants opened"
              + (f" (capital US$ {capex:,.0f})" if capex is not None else "")),
        _card(_n(spent / days), f"spending {per} (transport, production, filling, "
                                "new plants)"),
    ]
    worst = regions.sort_values("unmet_m3", ascending=False).head(3)
    worst = worst[worst["unmet_m3"] > 1e-6]
    if len(worst):
        gaps = "; ".join(f"{_e(r.region)} {_n(r.unmet_m3 / days)} m³/day "
                         f"({100 * r.unmet_share:.0f} % of demand)" for r in _rows(worst))
        headline = f"<p>Largest gaps: {gaps}.</p>"
    else:
        headline = "<p>Every hospital's need is met on every day.</p>"
    parts.append(f'<section id="headline"><h2>Headline figures</h2>'
                 f'<div class="cards">{"".join(cards)}</div>{headline}</section>')

    figs = _figures(solution, boundaries=boundaries, credit=credit)
    boundary_note = ""
    if boundaries is not None:
        boundary_note = f" Shaded areas: {_e(boundaries.attrs.get('label', 'region boundaries'))}."
    parts.append('<section id="map-section"><h2>Map</h2>' + _figure(
        figs["map"], "map", "Map of hospitals, producers, filling stations, new plants, "
        "deliveries and unmet demand",
        "Hospitals are circles sized by demand (need less own plants); red ones are left "
        "short, darker the larger the share of demand unmet. Blue lines are cylinder "
        "deliveries (width: volume), dashed lines bulk supply to filling stations; orange "
        "stars are new plants (hollow: candidates not opened)." + boundary_note) + "</section>")

    rows, classes = [], []
    for r in _rows(regions):
        rows.append((_e(r.region), _n(r.hospitals), _n(r.need_m3 / days),
                     _n(r.onsite_m3 / days), _n(r.demand_m3 / days), _n(r.delivered_m3 / days),
                     _n(r.unmet_m3 / days), f"{100 * r.unmet_share:.1f}",
                     _n(r.local_fill_m3 / days)))
        classes.append("short" if r.unmet_m3 > 1e-6 else "")
    rows.append(("<b>total</b>", _n(regions["hospitals"].sum()), _n(need / days),
                 _n(onsite / days), _n(demand / days), _n(delivered / days), _n(unmet / days),
                 f"{100 * unmet_share:.1f}", _n(regions["local_fill_m3"].sum() / days)))
    classes.append("")
    parts.append(
        '<section id="regions"><h2>Needs, supply and gap by region</h2>'
        + _figure(figs["gap"], "gap-chart", "Bar chart of need, supply and gap by region",
                  "Each bar is a region's need: grey from hospitals' own plants, blue "
                  "delivered, red unmet; blue and red together are its demand (need less own "
                  "plants), and the label the share of demand unmet. The black tick is the "
                  "filling capacity located in the region (stations and opened new plants).")
        + _table(rows, ["region", "hospitals", f"need, m³ {per}", "own plants, m³",
                        "demand, m³", "delivered, m³", "unmet, m³", "unmet, % of demand",
                        "filling capacity in region, m³"], numeric=[False] + [True] * 8,
                 table_id="region-table", row_class=classes)
        + "</section>")

    site_rows = []
    for s in sites.itertuples():
        site_rows.append((_e(s.candidate), _e(s.name), _e(s.region), _e(s.kind),
                          _n(s.capacity_m3_day), _n(s.used_m3_day),
                          _n(s.fixed_cost, 2),
                          _n(getattr(s, "capex_usd", getattr(s, "capex", np.nan)))))
    parts.append(
        '<section id="sites"><h2>New sites</h2>'
        f"<p>{len(sites)} of {len(net.candidates)} candidate sites opened"
        + (f", within a budget of {_n(sc.budget, 2)} (fixed cost over the horizon)"
           if sc.budget is not None else "") + ".</p>"
        + _table(site_rows, ["id", "name", "region", "kind", "capacity, m³/day",
                             f"used, m³ {per}", "fixed cost over the horizon",
                             "capital cost, US$" if "capex_usd" in sites
                             else f"capital cost{_unit(sc.currency)}"],
                 numeric=[False] * 4 + [True] * 4, table_id="sites-table")
        + "</section>")
    parts.append(_investment_section(solution))

    parts.append(_short_hospitals(solution, top_hospitals, days))
    parts.append(_why_short(solution))
    if "daily" in figs:
        parts.append(
            '<section id="daily"><h2>Unmet demand by day</h2>'
            + _figure(figs["daily"], "daily-chart", "Unmet demand per day by region",
                      "Stacked areas: unmet demand by region; dashed line: national demand "
                      "(need less own plants, right axis).")
            + _figure(figs["heatmap"], "heatmap-chart", "Share of demand unmet by region "
                      "and day", "When and where supply runs short: the share of each "
                      "region's demand (need less own plants) left unmet, by day; over the "
                      "horizon it is the region table's unmet, % of demand.")
            + _daily_table(solution) + "</section>")
    parts.append(_capacity_value_section(solution))
    cost_rows = [(_e(charts.COST_LABELS.get(k, k)), _n(v), _n(v / days))
                 for k, v in cost.items()]
    cost_rows.append(("<b>objective</b>", _n(sum(cost.values())), _n(sum(cost.values()) / days)))
    parts.append(
        '<section id="costs"><h2>Costs</h2>'
        + _figure(figs["cost"], "cost-chart", "Cost breakdown bar chart",
                  "The penalty on unmet demand is a modelling weight that makes the optimiser "
                  "serve need first, not money spent.")
        + _table(cost_rows, ["part", "over the horizon", "per day"],
                 numeric=[False, True, True], table_id="cost-table")
        + "</section>")
    parts.append(_assumptions(net, assumptions))
    return _page(title, parts, credit)


def _sites_table(solution: charts.SolutionLike) -> pd.DataFrame:
    net = solution.network
    days = net.scenario.horizon_days
    s = solution.sites
    if not len(s):
        return pd.DataFrame(columns=["candidate", "name", "region", "kind", "capacity_m3_day",
                                     "used_m3_day", "fixed_cost"])
    plant = s["kind"].eq("plant") if "kind" in s else True  # (investment: every kind)
    opened = s.loc[s["opened"].astype(bool) & plant, "candidate"].astype(str)
    cand = net.candidates.assign(id=net.candidates["id"].astype(str)).set_index("id")
    out = cand.loc[pd.Index(opened)].reset_index().rename(columns={"id": "candidate"})
    regions = charts._facility_regions(net, net.candidates)
    out["region"] = regions.reindex(out["candidate"]).to_numpy()
    used = pd.Series(0.0, index=out["candidate"])
    util = getattr(solution, "utilization", None)
    if util is not None and len(util):
        u = util[util["kind"] == "candidate"].groupby("facility")["used"].sum() / days
        used = u.reindex(out["candidate"]).fillna(0.0)
    out["used_m3_day"] = used.to_numpy()
    for col in ("name", "kind"):
        if col not in out:
            out[col] = ""
    cols = ["candidate", "name", "region", "kind", "capacity_m3_day", "used_m3_day",
            "fixed_cost"] + [c for c in ("capex_usd", "capex") if c in out][:1]
    return out[cols].fillna({"name": "", "kind": ""})


def _unit(currency: str | None) -> str:
    return f", {currency}" if currency else ""


def _investment_section(solution: charts.SolutionLike) -> str:
    """The "Investment" section: for each site opened and option chosen, its capex,
    lifetime, discount rate, annuity, opex and the share of a year charged over the
    horizon, as figures and in words (:func:`o2opt.costs.investment_breakdown`). Empty
    without investment input."""
    from o2opt.costs import investment_breakdown

    net, s = solution.network, solution.sites
    if "kind" not in s or not net.has_investment:
        return ""
    sc = net.scenario
    days = sc.horizon_days
    built = s.loc[s["opened"].astype(bool), "candidate"].astype(str)
    table = investment_breakdown(net, built)
    unit = _unit(sc.currency)
    rows = [(_e(r.id), _e(r.kind), _n(r.capex), "–" if np.isnan(r.lifetime_years)
             else f"{r.lifetime_years:g}", "–" if np.isnan(r.discount_rate)
             else f"{100 * r.discount_rate:.2f} %", _n(r.annuity_per_year, 2),
             _n(r.opex_per_year, 2), _n(r.annualised_cost_per_year, 2), _n(r.fixed_cost, 2))
            for r in _rows(table)]
    capex = float(table["capex"].fillna(0.0).sum())
    yearly = float(table["annualised_cost_per_year"].sum())
    fixed = float(table["fixed_cost"].sum())
    rows.append(("<b>total</b>", "", _n(capex), "", "", "", "", _n(yearly, 2), _n(fixed, 2)))
    money = f"in {_e(sc.currency)}" if sc.currency else "in the scenario's money unit"
    budget = ""
    if sc.capital_budget is not None:
        budget = (f" Capital spent: {_n(capex)} of a capital budget of "
                  f"{_n(sc.capital_budget)}.")
    words = "".join(f"<li><b>{_e(r.id)}</b>: {_e(r.explanation)}.</li>" for r in _rows(table))
    return (
        '<section id="investment"><h2>Investment</h2>'
        f"<p>Money is {money}. Each site opened or option chosen costs, per year, the annuity "
        "that repays its capital cost (capex) over its lifetime at the discount rate "
        "(capex × capital recovery factor r / (1 − (1 + r)<sup>−lifetime</sup>)) plus its "
        f"running cost (opex); this plan covers {days}/365 of a year, so it is charged "
        f"that share of the yearly cost.{budget}</p>"
        + _table(rows, ["id", "kind", f"capex{unit}", "lifetime, years", "discount rate",
                        f"annuity per year{unit}", f"opex per year{unit}",
                        f"annualised cost per year{unit}",
                        f"charged over {days} day{'s' if days != 1 else ''}{unit}"],
                 numeric=[False, False] + [True] * 7, table_id="investment-table")
        + f'<ul id="investment-words">{words}</ul></section>')


def _short_hospitals(solution: charts.SolutionLike, top: int, days: int) -> str:
    net = solution.network
    s = solution.service
    per_h = s.groupby(s["hospital"].astype(str))[["demand_m3", "unmet_m3"]].sum()
    per_h = per_h[per_h["unmet_m3"] > 1e-6].sort_values("unmet_m3", ascending=False)
    h = net.hospitals.assign(id=net.hospitals["id"].astype(str)).set_index("id")
    rows = []
    for hid, r in per_h.head(top).iterrows():
        rows.append((_e(hid), _e(h.at[hid, "name"] if "name" in h else ""),
                     _e(h.at[hid, "region"] if "region" in h else ""),
                     _n(r["demand_m3"] / days), _n(r["unmet_m3"] / days),
                     f"{100 * r['unmet_m3'] / r['demand_m3'] if r['demand_m3'] else 0:.0f}"))
    more = (f"<p class=\"note\">{len(per_h) - top} more hospitals are short.</p>"
            if len(per_h) > top else "")
    return ('<section id="hospitals"><h2>Hospitals left short</h2>'
            + _table(rows, ["id", "name", "region", "demand, m³/day", "unmet, m³/day",
                            "unmet, % of demand"], numeric=[False] * 3 + [True] * 3,
                     table_id="hospital-table")
            + more + "</section>")


def _why_short(solution: charts.SolutionLike, top: int = 15) -> str:
    """The "Why hospitals are short" section: the ``top`` hospitals by unmet m³, each with
    the reason of its largest shortfall in words (:mod:`o2opt.explain`). Empty when nothing
    is unmet or the reasons are not at hand (a result folder without ``shortfalls.csv``)."""
    from o2opt.explain import REASONS

    shortfalls = getattr(solution, "shortfalls", None)
    table = shortfalls() if callable(shortfalls) else None
    if table is None or not len(table):
        return ""
    table = table.assign(hospital=table["hospital"].astype(str))
    total = table.groupby("hospital")["unmet_m3"].agg(["sum", "size"])
    worst = table.sort_values("unmet_m3", ascending=False).drop_duplicates("hospital")
    worst = worst.set_index("hospital").loc[total["sum"].nlargest(top).index]
    rows = []
    for hid, r in worst.iterrows():
        codes = set(table.loc[table["hospital"] == hid, "reason"])
        other = f" (other days: {', '.join(sorted(codes - {r['reason']}))})" \
            if len(codes) > 1 else ""
        rows.append((_e(hid), _n(total.at[hid, "size"]), _n(total.at[hid, "sum"]),
                     _e(REASONS.get(r["reason"], r["reason"])),
                     _e(f"Day {int(r['day'])}: {r['detail']}{other}")))
    more = len(total) - len(rows)
    note = f'<p class="note">{more} more hospitals are short.</p>' if more > 0 else ""
    return ('<section id="why-short"><h2>Why hospitals are short</h2>'
            "<p>The largest shortfalls and what holds each back, checked against the plan: "
            "a capacity is named only when it is used in full that day.</p>"
            + _table(rows, ["id", "days short", "unmet, m³", "reason", "in detail"],
                     numeric=[False, True, True, False, False], table_id="why-short-table")
            + note + "</section>")


def _warnings_box(solution: charts.SolutionLike) -> str:
    """A red box listing the shortage warnings (:func:`o2opt.fairness.shortage_warnings`):
    hospitals and regions left with nothing or far below the average service; empty when
    there are none."""
    from o2opt.fairness import shortage_warnings

    warnings = shortage_warnings(solution)
    if not warnings:
        return ""
    items = "".join(f"<li>{_e(w['message'])}</li>" for w in warnings)
    suggestions = dict.fromkeys(w["suggestion"] for w in warnings if w["suggestion"])
    advice = "".join(f"<p>{_e(s[:1].upper() + s[1:])}.</p>" for s in suggestions)
    return ('<section id="warnings" role="alert" style="background:#fff3f2;border:2px solid '
            '#b3261e;border-radius:8px;padding:4px 16px;margin:12px 0">'
            '<h2 style="border:0;margin:10px 0 4px;color:#b3261e">Warning: hospitals or '
            f"regions left with little or no oxygen</h2><ul>{items}</ul>{advice}"
            '<p class="note">Service share: the part of a hospital\'s or region\'s demand '
            "(need less own plants) met over the horizon; \"far below\" is less than half the "
            "overall share.</p>"
            "</section>")


def _capacity_value_section(solution: charts.SolutionLike, top: int = 10) -> str:
    """"Where extra capacity is worth most": the ``top`` facilities by marginal value summed
    over the horizon (:func:`o2opt.marginal.capacity_value`), or how to get the values."""
    from o2opt.marginal import NO_MARGINAL_VALUES, capacity_value

    head = '<section id="capacity-value"><h2>Where extra capacity is worth most</h2>'
    util = getattr(solution, "utilization", None)
    if util is None or "marginal_value" not in util:
        why = NO_MARGINAL_VALUES[:1].upper() + NO_MARGINAL_VALUES[1:]
        return head + f"<p>{_e(why)}.</p></section>"
    table = capacity_value(util, top)
    if not len(table):
        return head + ("<p>No capacity limits the plan: one more unit of any facility's "
                       "capacity would not lower the cost.</p></section>")
    money = solution.network.scenario.currency or "money"
    days = solution.network.scenario.horizon_days
    per = {"cylinders": "cylinder/day", "m3": "m³/day"}
    rows = [(_e(r.facility), _e(r.kind), _e(f"{money} per {per.get(str(r.unit), r.unit)}"),
             _n(r.days_binding), _n(r.max_marginal_value, 2), _n(r.marginal_value, 2))
            for r in _rows(table)]
    horizon = "the day" if days == 1 else f"every one of the {days} days"
    return (head + "<p>What one more unit of daily capacity would save, from the marginal "
            "values of the plan (the duals of its linear program): per extra cylinder/day "
            "of a filling station, per extra m³/day of a producer or new plant, on "
            f"{horizon} of the horizon. Where demand is left unmet, most of a value is the "
            "unmet penalty avoided (a modelling weight, not money spent). Valid for small "
            "changes; a larger one can change which limit binds.</p>"
            + _table(rows, ["facility", "kind", "unit", "days at capacity",
                            "largest value on a day", "value over the horizon"],
                     numeric=[False, False, False, True, True, True],
                     table_id="capacity-value-table")
            + "</section>")


def _daily_table(solution: charts.SolutionLike) -> str:
    daily = charts.daily_by_region(solution)
    by_day = daily.groupby("day")[["demand_m3", "unmet_m3"]].sum()
    short = by_day[by_day["unmet_m3"] > 1e-6]
    if not len(short):
        return "<p>No unmet demand on any day.</p>"
    peak = int(by_day.index[int(by_day["unmet_m3"].to_numpy().argmax())])  # first worst day
    worst_day = daily[daily["day"] == peak].sort_values("unmet_m3", ascending=False).head(3)
    names = ", ".join(f"{_e(r.region)} ({_n(r.unmet_m3)} m³)" for r in _rows(worst_day)
                      if r.unmet_m3 > 1e-6)
    return (f"<p>Supply first runs short on day {int(short.index.min())} and last on day "
            f"{int(short.index.max())}; the worst day is day {peak} with "
            f"{_n(by_day.at[peak, 'unmet_m3'])} m³ unmet of {_n(by_day.at[peak, 'demand_m3'])}"
            f" m³ demand, mostly in {names}.</p>")


def _assumptions(net: Network, extra: Mapping[str, object] | None) -> str:
    out = ['<section id="assumptions"><h2>Assumptions</h2><h3>Demand</h3>']
    methods = _demand_methods(net)
    if methods:
        for i, (method, params, count) in enumerate(methods):
            out.append(f"<p><b>{_e(method)}</b>: {count:,} rows.</p>")
            if params:
                out.append(_params_table(params, f"demand-params-{i}"))
    else:
        out.append("<p>Demand as given in the scenario input (the estimation method is not "
                   "recorded there).</p>")
    h = net.hospitals
    if "source" in h:
        counts = h["source"].astype(str).value_counts()
        listed = ", ".join(f"{_e(k)}: {v:,}" for k, v in counts.items())
        out.append(f"<p>Hospitals by data source: {listed}.</p>")
    model_rows = [(_e(k), _e(v)) for k, v in net.scenario.as_dict().items()]
    out.append("<h3>Model parameters</h3>")
    out.append(_table(model_rows, ["[model] key", "value"], numeric=[False, False],
                      table_id="model-table"))
    if extra:
        out.append("<h3>Scenario</h3>")
        out.append(_table([(_e(k), _e(v if not isinstance(v, Mapping)
                                      else json.dumps(v, ensure_ascii=False)))
                           for k, v in extra.items()], ["assumption", "value"],
                          numeric=[False, False], table_id="scenario-table"))
    out.append("</section>")
    return "".join(out)


def _page(title: str, parts: list[str], credit: str | None) -> str:
    from o2opt import __version__

    foot = (f"Made with o2opt {_e(__version__)}. Volumes are m³ of oxygen gas; money is in the "
            "scenario's currency.")
    if credit:
        foot += f" {_e(credit)}."
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        + "".join(parts) + f"<footer>{foot}</footer></main></body></html>\n")


def write_html(solution: charts.SolutionLike, path: str | os.PathLike[str],
               **kwargs: Any) -> Path:
    """Write :func:`render_html` to ``path`` (UTF-8), through a temporary file."""
    return save_text(render_html(solution, **kwargs), path)


def save_text(text: str, path: str | os.PathLike[str]) -> Path:
    """Write ``text`` (UTF-8) to ``path`` through a temporary file renamed into place."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
    log.info("wrote %s (%.0f kB)", path, len(text) / 1024)
    return path


def compare_html(solutions: Sequence[charts.SolutionLike], labels: Sequence[str] | None = None,
                 path: str | os.PathLike[str] | None = None, **kwargs: Any) -> str:
    """Several solutions side by side on one self-contained HTML page: see
    :func:`o2opt.side_by_side.compare_html`."""
    from o2opt.side_by_side import compare_html as compare

    return compare(solutions, labels, path, **kwargs)
