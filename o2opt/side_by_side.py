"""Several solutions side by side on one self-contained HTML page (:func:`compare_html`).

Same rules as the planning report (:mod:`o2opt.report`): inline PNG images and styles, no
script, a Content-Security-Policy that forbids loading anything, and every piece of text from
the data HTML-escaped. Also reachable as ``o2opt.report.compare_html``.

Examples
--------
>>> import o2opt
>>> net = o2opt.read_network(o2opt.datasets.demo_folder())
>>> base, surge = o2opt.optimize(net), o2opt.optimize(net.with_model(demand_multiplier=1.5))
>>> page = compare_html([base, surge], labels=["today", "1.5x surge"], maps=False)
>>> "1.5x surge" in page and "<script" not in page
True
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt import charts
from o2opt.report import _card, _e, _figure, _n, _page, _table, save_text

if TYPE_CHECKING:
    import geopandas as gpd
    from matplotlib.axes import Axes

__all__ = ["compare_html", "compare_table", "sweep_solutions"]

GRID = ('<div style="display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));'
        'gap:12px">')


def compare_table(solutions: Sequence[charts.SolutionLike], labels: Sequence[str]
                  ) -> pd.DataFrame:
    """The headline figures of each solution, one column per label (daily averages)."""
    rows: dict[str, dict[str, Any]] = {}
    for sol, label in zip(solutions, labels, strict=True):
        s = sol.summary()
        days = sol.network.scenario.horizon_days
        col: dict[str, Any] = {"status": sol.status}
        if sol.has_solution:
            reg = charts.region_summary(sol)
            demand = float(reg["demand_m3"].sum())
            unmet = float(reg["unmet_m3"].sum())
            cost = sol.cost
            col.update({
                "need, m³/day": float(reg["need_m3"].sum()) / days,
                "on-site plants, m³/day": float(reg["onsite_m3"].sum()) / days,
                "demand, m³/day": demand / days,
                "delivered, m³/day": float(reg["delivered_m3"].sum()) / days,
                "unmet, m³/day": unmet / days,
                "unmet, % of demand": 100 * unmet / demand if demand > 0 else 0.0,
                "hospitals short": int(reg["hospitals_short"].sum()),
                "new plants opened": ", ".join(map(str, s.get("opened") or [])) or "none",
                "spending per day": sum(v for k, v in cost.items()
                                        if k != "unmet_penalty") / days,
                "objective": s.get("objective"),
            })
        rows[label] = col
    return pd.DataFrame(rows)


def _costs(solutions: Sequence[charts.SolutionLike], labels: Sequence[str]) -> pd.DataFrame:
    return pd.DataFrame({label: {charts.COST_LABELS.get(k, k): float(v)
                                 for k, v in sol.cost.items()}
                         for sol, label in zip(solutions, labels, strict=True)
                         if sol.has_solution}).fillna(0.0)


def _unmet_by_region(solutions: Sequence[charts.SolutionLike], labels: Sequence[str]
                     ) -> pd.DataFrame:
    cols = {}
    for sol, label in zip(solutions, labels, strict=True):
        if sol.has_solution:
            reg = charts.region_summary(sol).set_index("region")
            cols[label] = reg["unmet_m3"] / sol.network.scenario.horizon_days
    table = pd.DataFrame(cols).fillna(0.0)
    return table.loc[table.max(axis=1).sort_values(ascending=False, kind="stable").index]


def _bars(table: pd.DataFrame, xlabel: str, title: str) -> Axes:
    """Grouped horizontal bars: one group per row, one colour per column."""
    rows, cols = table.index, table.columns
    ax = charts.new_axes((9, 0.9 + 0.22 * len(rows) * max(1, len(cols)) ** 0.5 + 0.3))
    y = np.arange(len(rows))[::-1]
    height = 0.8 / max(1, len(cols))
    for i, col in enumerate(cols):
        ax.barh(y + 0.4 - height * (i + 0.5), table[col].to_numpy(float), height=height,
                label=charts.plain(col))
    ax.set_yticks(y, [charts.plain(r) for r in rows], fontsize=8)
    ax.set_xlabel(xlabel)
    ax.set_title(title)
    ax.legend(fontsize=8, loc="lower right")
    ax.grid(True, axis="x", lw=0.3, alpha=0.6)
    ax.set_axisbelow(True)
    return ax


def _cell(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number):
        return _e(value)
    return _n(value, 0 if isinstance(value, int | np.integer) else 1)


def _side_by_side(table: pd.DataFrame, table_id: str, first: str) -> str:
    rows = [[_e(idx), *(_cell(v) for v in row)] for idx, row in
            zip(table.index, table.itertuples(index=False), strict=True)]
    numeric = [False] + [True] * len(table.columns)
    return _table(rows, [first, *map(str, table.columns)], numeric=numeric, table_id=table_id)


def compare_html(solutions: Sequence[charts.SolutionLike], labels: Sequence[str] | None = None,
                 path: str | os.PathLike[str] | None = None, *, title: str | None = None,
                 maps: bool = True, boundaries: gpd.GeoDataFrame | None = None) -> str:
    """One self-contained HTML page comparing several solutions side by side.

    Sections: headline figures per solution (cards), a summary table (one column per
    solution), the cost parts (chart and table), unmet demand by region (chart and table,
    regions short in any solution first) and, with ``maps``, the maps side by side.

    Parameters
    ----------
    solutions : sequence of Solution or ResultView
        What to compare (for a sweep: :func:`sweep_solutions`).
    labels : sequence of str, optional
        A name per solution (default "solution 1", "solution 2", …); must be unique.
    path : path, optional
        Also write the page there (UTF-8, through a temporary file).
    boundaries : GeoDataFrame, optional
        Region polygons under the maps (e.g. :func:`o2opt.datasets.iraq_governorates`).

    Returns
    -------
    str
        The HTML document.
    """
    solutions = list(solutions)
    if not solutions:
        raise ValueError("compare_html needs at least one solution")
    labels = [str(x) for x in labels] if labels is not None else [
        f"solution {i + 1}" for i in range(len(solutions))]
    if len(labels) != len(solutions) or len(set(labels)) != len(labels):
        raise ValueError(f"give one unique label per solution: {len(solutions)} solutions, "
                         f"labels {labels}")
    title = title or "Comparison of oxygen supply plans"
    summary = compare_table(solutions, labels)
    parts = [f"<h1>{_e(title)}</h1><p class=\"sub\">{len(solutions)} plans: "
             f"{_e(', '.join(labels))}. Daily averages over each horizon.</p>"]
    cards = []
    for sol, label in zip(solutions, labels, strict=True):
        col = summary[label]
        if sol.has_solution:
            unmet = float(col["unmet, m³/day"])
            cards.append(_card(_n(unmet), f"{_e(label)}: m³ unmet per day "
                               f"({float(col['unmet, % of demand']):.1f} % of demand, "
                               f"{int(col['hospitals short'])} hospitals short)",
                               "bad" if unmet > 1e-6 else "good"))
        else:
            cards.append(_card(_e(sol.status), f"{_e(label)}: no plan", "bad"))
    parts.append(f'<section id="summary"><h2>Summary</h2><div class="cards">{"".join(cards)}'
                 f"</div>{_side_by_side(summary, 'summary-table', 'figure')}</section>")
    solved = [(s, lab) for s, lab in zip(solutions, labels, strict=True) if s.has_solution]
    if solved:
        sols, labs = [s for s, _ in solved], [lab for _, lab in solved]
        with charts.offscreen():
            costs = _costs(sols, labs)
            money = costs.drop(index=charts.COST_LABELS["unmet_penalty"], errors="ignore")
            parts.append(
                '<section id="costs"><h2>Costs</h2>'
                + _figure(_bars(money, "cost over the horizon (scenario currency)",
                                "Spending by part"), "cost-chart", "spending by part",
                          "Money parts of the objective; the penalty on unmet demand (a "
                          "modelling weight) is in the table only.")
                + _side_by_side(costs, "cost-table", "part") + "</section>")
            by_region = _unmet_by_region(sols, labs)
            shown = by_region[by_region.max(axis=1) > 1e-6]
            chart = (_figure(_bars(shown, "unmet, m³ per day", "Unmet demand by region"),
                             "unmet-chart", "unmet demand by region",
                             "Regions short in at least one plan.") if len(shown)
                     else "<p>No region is short in any plan.</p>")
            parts.append('<section id="regions"><h2>Unmet demand by region</h2>' + chart
                         + _side_by_side(by_region, "region-table", "region") + "</section>")
            if maps:
                from o2opt.plot import plot_map

                figs = []
                for i, (sol, label) in enumerate(solved):
                    ax = plot_map(sol, charts.new_axes((7, 7)),
                                  boundaries=boundaries, title=label)
                    figs.append(_figure(ax, f"map-{i + 1}", f"map: {label}", _e(label)))
                parts.append(f'<section id="maps"><h2>Maps</h2>{GRID}{"".join(figs)}</div>'
                             "</section>")
    page = _page(title, parts, None)
    if path is not None:
        save_text(page, path)
    return page


def sweep_solutions(network: Any, scenarios: Any, **options: Any
                    ) -> tuple[list[Any], list[str]]:
    """Solve each scenario of a sweep in this process and return ``(solutions, labels)``
    for :func:`compare_html` (a handful of scenarios; for many use :func:`o2opt.sweeps.sweep`
    and its tables).

    ``scenarios`` is what :func:`o2opt.sweeps.sweep` takes (a list of
    :class:`~o2opt.sweeps.ScenarioSpec` or a scenarios table); ``options`` go to
    :func:`o2opt.optimize`.
    """
    from o2opt.pipeline import optimize
    from o2opt.sweeps.scenarios import apply_scenario, scenarios_from_frame

    specs = (scenarios_from_frame(scenarios, network) if isinstance(scenarios, pd.DataFrame)
             else list(scenarios))
    sols = [optimize(apply_scenario(network, spec), **options) for spec in specs]
    return sols, [spec.label for spec in specs]
