"""Reports from files: o2opt's own CSV/JSON, and DHIS2 ``dataValueSets`` exports.

o2opt's CSV has the columns ``facility, date, kind, value``; its JSON is the list that
``POST /api/reports`` takes. DHIS2, where many ministries keep facility data, exports
``dataValueSets`` as JSON (``{"dataValues": [{"dataElement", "period", "orgUnit",
"value"}, ...]}``) or CSV (columns ``dataelement, period, orgunit, ..., value``). A small
TOML mapping file says which data element is which report kind and which org unit is which
facility::

    [data_elements]          # DHIS2 data element uid → report kind
    "o2StockCyl01" = "stock_cylinders"
    "o2Consumed01" = "consumption_m3"

    [org_units]              # DHIS2 org unit uid → o2opt facility id
    "ImspTQPwCqd" = "H1"

Data values whose data element or org unit is not in the mapping are skipped and counted
(a DHIS2 export holds far more than oxygen). Periods must be days (``YYYYMMDD``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tomllib
from pathlib import Path
from typing import Any

from o2opt.errors import InputError, Problem

__all__ = ["dhis2_reports", "read_reports"]


def _number_or_text(value: str) -> Any:
    text = value.strip()
    try:
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text else number


def _read_text(path: Path) -> str:
    """The text of ``path`` (UTF-8, a byte-order mark dropped), or an InputError naming it."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(str(path), None, None, f"cannot be read: {e}")]) from None


def read_reports(path: str | Path) -> list[dict[str, Any]]:
    """The reports in an o2opt CSV (``facility, date, kind, value``) or JSON file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r.csv"
    >>> _ = p.write_text("facility,date,kind,value\\nH1,2026-12-01,stock_cylinders,40\\n")
    >>> read_reports(p)
    [{'facility': 'H1', 'date': '2026-12-01', 'kind': 'stock_cylinders', 'value': 40}]
    """
    path = Path(path)
    text = _read_text(path)
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except ValueError as e:
            raise InputError([Problem(str(path), None, None, f"is not JSON: {e}")]) from None
        if not isinstance(data, list):
            raise InputError([Problem(str(path), None, None, "must hold a JSON list")])
        return data
    rows = list(csv.DictReader(io.StringIO(text)))
    missing = {"facility", "date", "kind", "value"} - set(rows[0] if rows else
                                                           _header(text))
    if missing:
        raise InputError([Problem(str(path), c, None, "column is missing")
                          for c in sorted(missing)])
    return [{"facility": r["facility"].strip(), "date": r["date"].strip(),
             "kind": r["kind"].strip(), "value": _number_or_text(r["value"] or "")}
            for r in rows]


def _header(text: str) -> list[str]:
    first = text.splitlines()[0] if text.strip() else ""
    return [c.strip() for c in first.split(",")] if first else []


def dhis2_reports(export: str | Path, mapping: str | Path) -> tuple[list[dict[str, Any]], int]:
    """Reports from a DHIS2 ``dataValueSets`` export (JSON or CSV) through ``mapping``.

    Returns the reports and the number of data values skipped (not in the mapping).

    Examples
    --------
    >>> import json, tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "map.toml").write_text('[data_elements]\\n"DE1" = "stock_cylinders"\\n'
    ...                                 '[org_units]\\n"OU1" = "H1"\\n')
    >>> _ = (d / "x.json").write_text(json.dumps({"dataValues": [
    ...     {"dataElement": "DE1", "period": "20261201", "orgUnit": "OU1", "value": "40"},
    ...     {"dataElement": "OTHER", "period": "20261201", "orgUnit": "OU1", "value": "7"}]}))
    >>> dhis2_reports(d / "x.json", d / "map.toml")
    ([{'facility': 'H1', 'date': '2026-12-01', 'kind': 'stock_cylinders', 'value': 40}], 1)
    """
    export, mapping = Path(export), Path(mapping)
    try:
        spec = tomllib.loads(_read_text(mapping))
    except tomllib.TOMLDecodeError as e:
        raise InputError([Problem(str(mapping), None, None, f"cannot be read: {e}")]) from None
    elements, units = spec.get("data_elements"), spec.get("org_units")
    if not isinstance(elements, dict) or not isinstance(units, dict):
        raise InputError([Problem(str(mapping), None, None,
                                  "needs tables [data_elements] and [org_units]")])
    text = _read_text(export)
    if export.suffix.lower() == ".json":
        try:
            values = json.loads(text).get("dataValues", [])
        except (ValueError, AttributeError) as e:
            raise InputError([Problem(str(export), None, None,
                                      f"is not a dataValueSets JSON: {e}")]) from None
        rows = [(v.get("dataElement"), v.get("period"), v.get("orgUnit"), v.get("value"))
                for v in values if isinstance(v, dict)]
    else:
        table = list(csv.DictReader(io.StringIO(text)))
        lower = [{k.strip().lower(): (v or "") for k, v in r.items() if k} for r in table]
        rows = [(r.get("dataelement"), r.get("period"), r.get("orgunit"), r.get("value"))
                for r in lower]
    reports, skipped, problems = [], 0, []
    for i, (element, period, unit, value) in enumerate(rows):
        if element not in elements or unit not in units:
            skipped += 1
            continue
        try:
            date = dt.datetime.strptime(str(period), "%Y%m%d").date().isoformat()
        except ValueError:
            problems.append(Problem(str(export), "period", f"data value {i}",
                                    f"{period!r} is not a day (YYYYMMDD)"))
            continue
        reports.append({"facility": units[unit], "date": date, "kind": elements[element],
                        "value": _number_or_text(str(value))})
    if problems:
        raise InputError(problems)
    return reports, skipped
