"""Check raw input against :mod:`o2opt.schema` and MODEL.md, collecting every problem.

:func:`check` converts each table to its declared dtypes, fills defaults and checks
bounds, ids, references and the ``[model]`` keys. It raises one
:class:`~o2opt.errors.InputError` listing all problems, each naming its file, column and
row, or returns a :class:`~o2opt.network.Network`.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from o2opt.errors import InputError, Problem
from o2opt.io import RawInput
from o2opt.network import Network, Scenario
from o2opt.schema import FACILITY_TABLES, MODEL_KEYS, TABLES, Column, ModelKey, Table

__all__ = ["check", "check_model", "closest"]

_MAX_PER_COLUMN = 20  # problems listed per column before summarising the rest


def closest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt ``word`` ('' when nothing is close).

    Examples
    --------
    >>> closest("horizon_day", ["horizon_days", "budget"])
    " (did you mean 'horizon_days'?)"
    """
    match = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check(raw: RawInput) -> Network:
    """Validate ``raw`` and return the typed :class:`Network`, or raise :class:`InputError`."""
    problems = list(raw.problems)
    tables = {name: _check_table(TABLES[name], raw.tables.get(name), raw, problems)
              for name in TABLES}
    scenario = _check_model(raw.model, raw.model_source, problems)
    _check_ids(tables, raw, problems)
    _check_demand(tables, raw, problems)
    _check_routes(tables, raw, problems)
    if problems:
        raise InputError(problems)
    return Network(scenario=scenario, **tables)


def check_model(model: Mapping[str, Any], source: str = "model") -> Scenario:
    """Validate ``[model]`` keys and return the :class:`Scenario`.

    Examples
    --------
    >>> check_model({"horizon_days": 3}).horizon_days
    3
    >>> check_model({"horizon_day": 3})
    Traceback (most recent call last):
    ...
    o2opt.errors.InputError: 1 problem in the input:
      - model, column horizon_day: unknown key (did you mean 'horizon_days'?)
    """
    problems: list[Problem] = []
    scenario = _check_model(model, source, problems)
    if problems:
        raise InputError(problems)
    return scenario


# --------------------------------------------------------------------------- tables
def _where(raw: RawInput, table: str, frame: pd.DataFrame, i: int) -> str:
    """Human description of row ``i``: 'line 5 (id H3)' for CSV, 'row 3 (id H3)' else."""
    label = f"line {i + 2}" if raw.csv else f"row {frame.index[i]}"
    key = "id" if "id" in frame.columns else TABLES[table].key[0]
    if key in frame.columns:
        value = frame[key].iloc[i]
        if isinstance(value, str) and value:
            label += f" ({key} {value})"
    return label


def _report(problems: list[Problem], source: str, column: str, raw: RawInput, table: str,
            frame: pd.DataFrame, rows: np.ndarray, message: Any) -> None:
    """Add one problem per offending row (``message(i)``), summarising past a limit."""
    for i in rows[:_MAX_PER_COLUMN]:
        problems.append(Problem(source, column, _where(raw, table, frame, int(i)), message(i)))
    if len(rows) > _MAX_PER_COLUMN:
        problems.append(Problem(source, column, None,
                                f"... and {len(rows) - _MAX_PER_COLUMN} more rows like these"))


def _is_blank(values: pd.Series) -> np.ndarray:
    as_str = values.astype("string").str.strip()
    return (values.isna() | (as_str == "")).to_numpy(dtype=bool)


def _check_table(table: Table, frame: pd.DataFrame | None, raw: RawInput,
                 problems: list[Problem]) -> pd.DataFrame:
    source = raw.sources.get(table.name, table.file)
    if frame is None:
        frame = pd.DataFrame()
    frame = frame.reset_index(drop=True) if raw.csv else frame
    missing = [c for c in table.required if c not in frame.columns]
    if missing and not (len(frame) == 0 and len(frame.columns) == 0 and table.name != "hospitals"):
        for name in missing:
            have = ", ".join(map(str, frame.columns)) or "none"
            problems.append(Problem(source, name, None,
                                    f"required column is missing (columns present: {have})"))
    out: dict[str, Any] = {}
    for col in table.columns:
        if col.name in frame.columns:
            out[col.name] = _convert(col, frame, table, raw, source, problems)
        elif col.required:
            out[col.name] = pd.Series(np.nan if col.dtype != "str" else "",
                                      index=frame.index, dtype=_dtype(col))
        else:
            out[col.name] = pd.Series(col.default, index=frame.index, dtype=_dtype(col))
    extra = {c: frame[c] for c in frame.columns if c not in out and c != "geometry"}
    result = pd.DataFrame({**out, **extra}, index=frame.index).reset_index(drop=True)
    return result


def _dtype(col: Column) -> Any:
    return {"str": object, "float": np.float64, "int": np.int64}[col.dtype]


def _convert(col: Column, frame: pd.DataFrame, table: Table, raw: RawInput, source: str,
             problems: list[Problem]) -> pd.Series:
    values = frame[col.name]
    blank = _is_blank(values)
    if col.dtype == "str":
        text = values.astype(object).where(~blank, "").map(lambda v: str(v).strip())
        if col.required and blank.any():
            _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(blank),
                    lambda i: "is empty")
        return text.astype(object)
    if values.dtype == object or pd.api.types.is_string_dtype(values):
        cleaned = values.astype("string").str.strip().str.lower()
        if col.allow_inf:
            cleaned = cleaned.replace({"unlimited": "inf", "infinity": "inf"})
        numbers = pd.to_numeric(cleaned.where(~pd.Series(blank, index=values.index)),
                                errors="coerce")
        numbers = numbers.astype("float64").to_numpy(dtype=float, na_value=np.nan)
        unparsed = ~blank & np.isnan(numbers) & ~cleaned.isin(["nan"]).to_numpy(dtype=bool)
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        unparsed = np.zeros(len(values), dtype=bool)
    bad = np.zeros(len(values), dtype=bool)
    if unparsed.any():
        rows = np.flatnonzero(unparsed)
        _report(problems, source, col.name, raw, table.name, frame, rows,
                lambda i: f"is not a number: {values.iloc[i]!r}")
        bad |= unparsed
    nan = np.isnan(numbers) & ~unparsed
    missing = nan & (~blank | col.required)  # an explicit NaN is never a default
    if missing.any():
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(missing),
                lambda i: "is missing" if blank[i] else "is NaN; a number is required")
        bad |= missing
    numbers = np.where(blank & ~col.required, col.default, numbers).astype(float)
    inf = np.isinf(numbers) & ~(col.allow_inf & (numbers > 0))
    if inf.any():
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(inf),
                lambda i: f"must be finite, got {values.iloc[i]!r}")
        bad |= inf
    ok = ~bad & ~np.isnan(numbers)
    bounds = []
    if col.minimum is not None:
        bounds.append((numbers < col.minimum, f">= {col.minimum:g}"))
    if col.maximum is not None:
        bounds.append((numbers > col.maximum, f"<= {col.maximum:g}"))
    if col.positive:
        bounds.append((numbers <= 0, "> 0"))
    for violates, rule in bounds:
        rows = np.flatnonzero(ok & violates)
        _report(problems, source, col.name, raw, table.name, frame, rows,
                lambda i, rule=rule: f"must be {rule}, got {numbers[i]:g}")
        ok[rows] = False
    if col.dtype == "int":
        fractional = ok & (numbers != np.round(numbers))
        if fractional.any():
            _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(fractional),
                    lambda i: f"must be a whole number, got {numbers[i]:g}")
        return pd.Series(np.where(np.isfinite(numbers), numbers, 0).astype(np.int64),
                         index=frame.index)
    return pd.Series(numbers, index=frame.index, dtype=np.float64)


def _check_ids(tables: dict[str, pd.DataFrame], raw: RawInput, problems: list[Problem]) -> None:
    seen: dict[str, str] = {}
    for name in FACILITY_TABLES:
        frame = tables[name]
        source = raw.sources.get(name, TABLES[name].file)
        ids = frame["id"].to_numpy()
        for i, value in enumerate(ids):
            if not value:
                continue  # already reported as empty
            if value in seen:
                first = seen[value]
                where = "earlier in this table" if first == name else f"in {first}"
                problems.append(Problem(source, "id", _where(raw, name, frame, i),
                                        f"duplicate id {value!r} (already used {where})"))
            else:
                seen[value] = name


def _known(tables: dict[str, pd.DataFrame], *names: str) -> set[str]:
    return set().union(*(set(tables[n]["id"]) for n in names))


def _check_demand(tables: dict[str, pd.DataFrame], raw: RawInput,
                  problems: list[Problem]) -> None:
    demand = tables["demand"]
    if not len(demand):
        return
    source = raw.sources.get("demand", "demand.csv")
    hospitals = set(tables["hospitals"]["id"])
    unknown = ~demand["hospital"].isin(hospitals).to_numpy() & (demand["hospital"] != "").to_numpy()
    _report(problems, source, "hospital", raw, "demand", demand, np.flatnonzero(unknown),
            lambda i: f"names unknown hospital {demand['hospital'].iloc[i]!r}")
    dup = demand.duplicated(["hospital", "day"], keep="first").to_numpy()
    _report(problems, source, "day", raw, "demand", demand, np.flatnonzero(dup),
            lambda i: f"hospital {demand['hospital'].iloc[i]!r} has day "
                      f"{demand['day'].iloc[i]} more than once")


def _check_routes(tables: dict[str, pd.DataFrame], raw: RawInput,
                  problems: list[Problem]) -> None:
    routes = tables["routes"]
    if not len(routes):
        return
    source = raw.sources.get("routes", "routes.csv")
    fillers = _known(tables, "stations", "candidates")
    producers = _known(tables, "producers")
    hospitals = _known(tables, "hospitals")
    stations = _known(tables, "stations")
    everything = fillers | producers | hospitals
    origin = routes["origin"].to_numpy()
    dest = routes["destination"].to_numpy()
    for column, values in (("origin", origin), ("destination", dest)):
        unknown = np.array([bool(v) and v not in everything for v in values], dtype=bool)
        _report(problems, source, column, raw, "routes", routes, np.flatnonzero(unknown),
                lambda i, v=values: f"names unknown facility {v[i]!r}")
    cylinder = np.array([o in fillers and d in hospitals for o, d in zip(origin, dest)])
    bulk = np.array([o in producers and d in stations for o, d in zip(origin, dest)])
    known = np.array([o in everything and d in everything for o, d in zip(origin, dest)])
    wrong = known & ~cylinder & ~bulk
    _report(problems, source, "destination", raw, "routes", routes, np.flatnonzero(wrong),
            lambda i: f"arc {origin[i]!r} -> {dest[i]!r} is neither station/candidate -> "
                      "hospital nor producer -> station")
    dup = routes.duplicated(["origin", "destination"], keep="first").to_numpy()
    _report(problems, source, "destination", raw, "routes", routes, np.flatnonzero(dup),
            lambda i: f"arc {origin[i]!r} -> {dest[i]!r} is listed more than once")


# --------------------------------------------------------------------------- [model]
def _check_model(model: Mapping[str, Any], source: str, problems: list[Problem]) -> Scenario:
    values: dict[str, Any] = {}
    for key, value in model.items():
        spec = MODEL_KEYS.get(key)
        if spec is None:
            problems.append(Problem(source, key, None, f"unknown key{closest(key, MODEL_KEYS)}"))
            continue
        converted, error = _model_value(spec, value)
        if error:
            problems.append(Problem(source, key, None, error))
        else:
            values[key] = converted
    return Scenario(**values)


def _model_value(spec: ModelKey, value: Any) -> tuple[Any, str | None]:
    """``(converted value, None)``, or ``(None, what is wrong)``."""
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        if spec.optional:
            return None, None
        return None, f"must be set (default {spec.default!r})"
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"must be true or false, got {value!r}"
    if spec.kind == "str":
        text = str(value).strip().lower()
        if spec.choices and text not in spec.choices:
            hint = closest(text, spec.choices)
            return None, f"must be one of {', '.join(spec.choices)}, got {value!r}{hint}"
        return text, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"must be a number, got {value!r}"
    number = float(value)
    if not math.isfinite(number):
        return None, f"must be finite, got {value!r}"
    if spec.kind == "int":
        if number != round(number):
            return None, f"must be a whole number, got {value!r}"
        number = int(number)
    if spec.positive and number <= 0:
        return None, f"must be > 0, got {value!r}"
    if spec.minimum is not None and number < spec.minimum:
        return None, f"must be >= {spec.minimum:g}, got {value!r}"
    return number, None
