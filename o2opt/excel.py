"""A solution as one Excel workbook: summary, costs, regions and every result table.

Needs ``openpyxl`` (``pip install 'o2opt[excel]'``). Text that a spreadsheet would run as a
formula — a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as a
hostile or unlucky facility name may — is written with a leading apostrophe (``'=1+1``), so
Excel and LibreOffice show it as text and never evaluate it. Numbers are written as numbers.

Examples
--------
>>> neutralise("=HYPERLINK(\\"http://x\\")")
'\\'=HYPERLINK("http://x")'
>>> neutralise("Basra"), neutralise(-3.5)
('Basra', -3.5)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from o2opt.charts import SolutionLike

__all__ = ["FORMULA_START", "neutralise", "write_excel"]

#: A text cell starting with one of these is prefixed with an apostrophe.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Result tables written as sheets, when the solution has them.
TABLES = ("service", "deliveries", "bulk", "tankers", "sites", "utilization")


def neutralise(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text that starts like a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out.columns = [neutralise(str(c)) for c in out.columns]
    for col in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[col]) or pd.api.types.is_bool_dtype(out[col])):
            out[col] = out[col].map(neutralise).astype(object)
    return out


def _summary_rows(solution: SolutionLike) -> pd.DataFrame:
    rows = []
    for key, value in solution.summary().items():
        if key == "cost":
            continue  # its own sheet
        if isinstance(value, dict):
            rows += [(f"{key}.{k}", v) for k, v in value.items()]
        elif isinstance(value, list | tuple):  # (warnings: their messages)
            rows.append((key, "; ".join(str(v.get("message", v)) if isinstance(v, dict)
                                        else str(v) for v in value)))
        else:
            rows.append((key, value))
    return pd.DataFrame(rows, columns=["item", "value"]).assign(
        value=lambda f: f["value"].map(
            lambda v: v if v is None or isinstance(v, int | float | bool | str)
            else json.dumps(v, default=str)))


def write_excel(solution: SolutionLike, path: str | os.PathLike[str]) -> Path:
    """Write ``solution`` to an ``.xlsx`` workbook at ``path`` (through a temporary file).

    Sheets: ``summary`` (``summary.json`` as item/value rows), ``cost`` (the objective's
    parts), ``regions`` (:func:`o2opt.charts.region_summary`) and, when the solution has a
    plan, one sheet per result table (``service``, ``deliveries``, ``bulk``, ``tankers``
    with the tanker extension, ``sites``, ``utilization``). Formula-like text is neutralised
    (:func:`neutralise`).

    Raises
    ------
    ImportError
        openpyxl is not installed.
    """
    try:
        import openpyxl  # noqa: F401
    except ImportError as e:
        raise ImportError("Solution.to_excel needs openpyxl: pip install 'o2opt[excel]'") from e
    from o2opt import charts

    sheets: dict[str, pd.DataFrame] = {"summary": _summary_rows(solution)}
    cost = solution.cost if solution.has_solution else {}
    sheets["cost"] = pd.DataFrame({"part": list(cost), "cost": [float(v) for v in cost.values()]})
    if solution.has_solution:
        sheets["regions"] = charts.region_summary(solution)
        for name in TABLES:
            table = getattr(solution, name, None)
            if isinstance(table, pd.DataFrame) and (len(table) or name != "tankers"):
                sheets[name] = table
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp.xlsx")
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                _safe(frame).to_excel(writer, sheet_name=name, index=False)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path
