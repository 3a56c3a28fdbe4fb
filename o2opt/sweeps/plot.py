"""Charts of decisions across scenarios.

Each function draws on ``ax`` (a new pyplot figure when omitted, shown by Jupyter; see
:func:`o2opt.charts.new_axes`) and returns the axes;
:func:`save_chart` writes a figure atomically.

Examples
--------
>>> import pandas as pd
>>> from o2opt.sweeps.decisions import opening_frequency
>>> r = pd.DataFrame({"status": ["optimal"] * 2, "opened": ["C1;C2", "C2"]})
>>> ax = plot_opening_frequency(opening_frequency(r))
>>> [t.get_text() for t in ax.get_yticklabels()]
['C1', 'C2']
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt.charts import plain
from o2opt.sweeps.decisions import RobustSiting, pareto_frontier
from o2opt.sweeps.store import write_atomic

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["plot_opening_frequency", "plot_pareto", "plot_robust", "save_chart"]


def _axes(ax: Axes | None, size: tuple[float, float]) -> Axes:
    if ax is not None:
        return ax
    from o2opt.charts import new_axes

    return new_axes(size)


def plot_pareto(results: pd.DataFrame, ax: Axes | None = None, *, x: str = "cost_fixed",
                y: str = "unmet_m3", by: str | list[str] | None = None) -> Axes:
    """Investment against unmet demand: every solved scenario as a dot, the frontier of
    each world (:func:`~o2opt.sweeps.decisions.pareto_frontier`) as a staircase, frontier
    points labelled with their budget when there is a ``budget`` column."""
    by = [by] if isinstance(by, str) else by
    frontier = pareto_frontier(results, x, y, by=by)
    ax = _axes(ax, (9.0, 4.5))
    if by is None:
        from o2opt.sweeps.run import parameter_columns

        by = [c for c in parameter_columns(results) if c not in ("budget", "max_new_sites")
              and c in frontier and frontier[c].nunique(dropna=False) > 1]
    groups = frontier.groupby(by, dropna=False, sort=False) if by else [((), frontier)]
    for key, g in groups:
        values: tuple[Any, ...] = key if isinstance(key, tuple) else (key,)
        name = ", ".join(f"{c}={'none' if pd.isna(v) or v == '' else v}"
                         for c, v in zip(by, values, strict=False))
        dots = ax.scatter(g[x], g[y], s=18, alpha=0.5)
        color = tuple(np.asarray(dots.get_facecolor())[0, :3])
        f = g[g["frontier"]]
        ax.step(f[x], f[y], where="post", color=color, lw=1.8, label=plain(name or "frontier"))
        ax.scatter(f[x], f[y], s=40, color=color, zorder=3)
        if "budget" in f:
            for budget, at_x, at_y in zip(f["budget"], f[x], f[y], strict=True):
                if pd.notna(budget):
                    ax.annotate(f"{budget:,.0f}", (at_x, at_y),
                                textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_xlabel("investment (fixed cost of opened sites)" if x == "cost_fixed" else plain(x))
    ax.set_ylabel("unmet demand (m³)" if y == "unmet_m3" else plain(y))
    ax.set_title("Investment against unmet demand" + (" (labels: budget)"
                                                      if "budget" in frontier else ""))
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    return ax


def plot_opening_frequency(frequency: pd.DataFrame, ax: Axes | None = None) -> Axes:
    """Share of scenarios opening each candidate
    (:func:`~o2opt.sweeps.decisions.opening_frequency`), as horizontal bars."""
    f = frequency.sort_values(["share", "candidate"], ascending=[True, False], kind="stable")
    ax = _axes(ax, (7.0, 0.8 + 0.3 * max(1, len(f))))
    pos = np.arange(len(f))  # positions, not the ids: categorical ticks would be parsed
    bars = ax.barh(pos, 100 * f["share"].fillna(0.0), color="#ff8c00")
    ax.set_yticks(pos, [plain(c) for c in f["candidate"]])
    ax.bar_label(bars, labels=[f"{o}/{n}" for o, n in zip(f["opened"], f["scenarios"],
                                                            strict=True)],
                 fontsize=7, padding=2)
    ax.set_xlim(0, 110)
    ax.set_xlabel("scenarios in which the site is opened (%)")
    ax.set_title("How often each candidate site is opened")
    ax.grid(True, axis="x", lw=0.3, alpha=0.5)
    return ax


def plot_robust(robust: RobustSiting, ax: Axes | None = None) -> Axes:
    """Worst-case and expected unmet demand of each plan; the chosen plan is marked ★."""
    p = robust.plans.iloc[::-1]
    ax = _axes(ax, (10.0, 1.2 + 0.45 * max(1, len(p))))
    pos = np.arange(len(p))
    names = [plain(("★ " if c else "") + (s.replace(";", ", ") if s else "(no new site)")
                   + f"  [{inv:,.0f}]")
             for s, c, inv in zip(p["sites"], p["chosen"], p["investment"], strict=True)]
    worst = p["worst_unmet_m3"].replace(np.inf, np.nan)
    expected = p["expected_unmet_m3"].replace(np.inf, np.nan)
    ax.barh(pos + 0.2, worst, height=0.4, color="#c0392b", label="worst case")
    ax.barh(pos - 0.2, expected, height=0.4, color="#2e86c1", label="expected")
    ax.set_yticks(pos, names, fontsize=8)
    ax.set_xlabel("unmet demand with the plan's sites fixed (m³)")
    what = {"worst": "worst-case", "expected": "expected"}[robust.criterion]
    ax.set_title(f"Robust siting (★ least {what} unmet)")
    ax.set_ylabel("plan [investment]")
    ax.grid(True, axis="x", lw=0.3, alpha=0.5)
    ax.legend(fontsize=8, loc="lower right")
    return ax


def save_chart(ax: Axes, path: str | os.PathLike[str], *, dpi: int = 130) -> Path:
    """Save the figure of ``ax`` (format from the file name), atomically."""
    path = Path(path)
    buffer = io.BytesIO()
    fig = ax.get_figure(root=True)
    fig.savefig(buffer, dpi=dpi,  # type: ignore[union-attr]  # an Axes always has a figure
                format=path.suffix.lstrip(".") or "png")
    write_atomic(path, buffer.getvalue())
    return path
