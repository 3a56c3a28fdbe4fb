"""Check raw input against :mod:`o2opt.schema` and docs/input.md, collecting every problem.

:func:`check` converts each table to its declared dtypes, fills defaults and checks
bounds, ids, references and the ``[model]`` keys. It raises one
:class:`~o2opt.errors.InputError` listing all problems, each naming its file, column and
row, or returns a :class:`~o2opt.network.Network`.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
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

log = logging.getLogger(__name__)

_MAX_PER_COLUMN = 20  # problems listed per column before summarising the rest
_MAX_INT = 2**53  # larger whole numbers are not exact in float64
_MAX_HINT_CHOICES = 5000  # "did you mean" is not searched among more ids than this


def closest(word: str, choices: Iterable[str]) -> str:
    """A "did you mean" hint for a misspelt ``word`` ('' when nothing is close).

    Choices whose length alone rules them out are skipped; among more than
    ``_MAX_HINT_CHOICES`` candidates no hint is searched (it would be slow and unhelpful).

    Examples
    --------
    >>> closest("horizon_day", ["horizon_days", "budget"])
    " (did you mean 'horizon_days'?)"
    """
    cutoff = 0.6
    n = len(word)
    near = [c for c in choices if 2 * min(n, len(c)) >= cutoff * (n + len(c))]
    if len(near) > _MAX_HINT_CHOICES:
        return ""
    match = difflib.get_close_matches(word, near, n=1, cutoff=cutoff)
    return f" (did you mean {match[0]!r}?)" if match else ""


def check(raw: RawInput) -> Network:
    """Validate ``raw`` and return the typed :class:`Network`, or raise :class:`InputError`."""
    problems = list(raw.problems)
    tables: dict[str, pd.DataFrame] = {}
    bad: dict[str, np.ndarray] = {}
    for name, table in TABLES.items():
        tables[name], bad[name] = _check_table(table, raw.tables.get(name), raw, problems)
    scenario = _check_model(raw.model, raw.model_source, problems, raw.model_lines)
    refs = _References(tables, raw)
    _check_ids(tables, raw, problems)
    _check_demand(tables, bad["demand"], refs, raw, problems, scenario)
    _check_routes(tables, bad["routes"], refs, raw, problems)
    _check_availability(tables, bad["availability"], refs, raw, problems)
    _check_trucks(tables, raw, problems)
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
      - model, key horizon_day: unknown key (did you mean 'horizon_days'?)
    """
    problems: list[Problem] = []
    scenario = _check_model(model, source, problems)
    if problems:
        raise InputError(problems)
    return scenario


# --------------------------------------------------------------------------- tables
def _where(raw: RawInput, table: str, frame: pd.DataFrame, i: int) -> str:
    """Where row ``i`` came from, with its key: 'line 5 (id H3)', 'row 3 (id H3)'."""
    rows = raw.rows.get(table)
    label = rows[i] if rows is not None and i < len(rows) else f"row {i}"
    key = "id" if "id" in frame.columns else TABLES[table].key[0]
    if key in frame.columns:
        value = _as_id(frame[key].iloc[i])
        if value:
            label += f" ({key} {value})"
    return label


def _as_id(value: Any) -> str:
    """A value as stripped text: '' when missing, '7' for 7 or 7.0, else ``str(value)``."""
    if isinstance(value, str):
        return value.strip()
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return ""
        if float(value).is_integer():
            return str(int(value))
    return str(value).strip()


def _report(problems: list[Problem], source: str, column: str, raw: RawInput, table: str,
            frame: pd.DataFrame, rows: np.ndarray, message: Any) -> None:
    """Add one problem per offending row (``message(i)``), summarising past a limit.

    Rows whose problem in ``column`` was reported while reading are left out.
    """
    done = raw.reported.get((table, column))
    if done:
        rows = np.array([i for i in rows if int(i) not in done], dtype=np.int64)
    for i in rows[:_MAX_PER_COLUMN]:
        problems.append(Problem(source, column, _where(raw, table, frame, int(i)), message(i)))
    if len(rows) > _MAX_PER_COLUMN:
        problems.append(Problem(source, column, None,
                                f"... and {len(rows) - _MAX_PER_COLUMN} more rows like these"))


def _is_text(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def _text(values: pd.Series, stripped: bool = False) -> np.ndarray:
    """Each value as stripped text ('' when missing) in a new object array (see
    :func:`_as_id`); ``stripped``: the values are all strings, stripped already (CSV input)."""
    if stripped:
        return values.to_numpy(dtype=object, copy=True)
    if isinstance(values.dtype, pd.StringDtype):  # only strings and NA
        return np.array([v.strip() for v in values.to_numpy(dtype=object, na_value="")],
                        dtype=object)
    return np.array([_as_id(v) for v in values.to_numpy(dtype=object)], dtype=object)


def _check_table(table: Table, frame: pd.DataFrame | None, raw: RawInput,
                 problems: list[Problem]) -> tuple[pd.DataFrame, np.ndarray]:
    """The table converted to its declared columns and dtypes, plus its extra columns; and
    which rows have a bad or missing key (``table.key``) value.

    ``frame`` is ``None`` for a table not given or not readable (already reported): it has
    no rows. A frame without any column (an empty file) has no rows unless it is the
    required hospitals table.
    """
    source = raw.sources.get(table.name, table.file)
    if frame is None:
        frame = pd.DataFrame()
    elif len(frame.columns) or table.name == "hospitals":
        frame = _unique_columns(frame, source, problems)
        _check_columns(table, frame, source, problems)
    frame = _dates_as_values(table, frame.reset_index(drop=True))
    out: dict[str, Any] = {}
    bad_key = np.zeros(len(frame), dtype=bool)
    for col in table.columns:
        if col.name in frame.columns:
            out[col.name], bad = _convert(col, frame, table, raw, source, problems)
            if col.name in table.key:
                bad_key |= bad
        elif col.required:
            bad_key |= col.name in table.key
            out[col.name] = pd.Series(np.nan if col.dtype != "str" else "",
                                      index=frame.index, dtype=_dtype(col))
        else:
            out[col.name] = pd.Series(col.default, index=frame.index, dtype=_dtype(col))
    extra = {c: frame[c] for c in frame.columns if c not in out and c != "geometry"}
    result = pd.DataFrame({**out, **extra}, index=frame.index).reset_index(drop=True)
    return result, bad_key


def _dates_as_values(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its number columns of dates, time spans or periods as plain values, so
    that each such value is reported as not a number (pandas reads a date as nanoseconds
    since 1970 and a period as its ordinal, which would pass as a demand or a capacity)."""
    dated = [c.name for c in table.columns
             if c.dtype != "str" and c.name in frame.columns
             and (pd.api.types.is_datetime64_any_dtype(frame[c.name].dtype)
                  or pd.api.types.is_timedelta64_dtype(frame[c.name].dtype)
                  or isinstance(frame[c.name].dtype, pd.PeriodDtype))]
    return frame.astype(dict.fromkeys(dated, object)) if dated else frame


def _unique_columns(frame: pd.DataFrame, source: str, problems: list[Problem]) -> pd.DataFrame:
    """``frame`` with the first of each repeated column name (a problem for the others)."""
    repeated = frame.columns.duplicated()
    for name in dict.fromkeys(frame.columns[repeated]):
        problems.append(Problem(source, str(name), None, "is given more than once"))
    return frame.loc[:, ~repeated] if repeated.any() else frame


def _check_columns(table: Table, frame: pd.DataFrame, source: str,
                   problems: list[Problem]) -> None:
    """A problem for each required column that is missing, with a hint if one is close."""
    present = [str(c) for c in frame.columns]
    for name in table.required:
        if name in present:
            continue
        hint = closest(name, [c for c in present if c not in table.names])
        if not hint:
            hint = f" (columns present: {', '.join(present) or 'none'})"
        problems.append(Problem(source, name, None, f"required column is missing{hint}"))


def _dtype(col: Column) -> Any:
    return {"str": object, "float": np.float64, "int": np.int64}[col.dtype]


def _convert(col: Column, frame: pd.DataFrame, table: Table, raw: RawInput, source: str,
             problems: list[Problem]) -> tuple[pd.Series, np.ndarray]:
    """Column ``col`` in its dtype with defaults filled, and which rows had a problem."""
    values = frame[col.name]
    stripped = table.name in raw.stripped
    if col.dtype == "str":
        text = _text(values, stripped)
        empty = text == "" if col.required else np.zeros(len(text), dtype=bool)
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(empty),
                lambda i: "is empty")
        return pd.Series(text, index=frame.index, dtype=object), empty
    if _is_text(values):
        blank, numbers, unparsed = _parse(_text(values, stripped), col.allow_inf)
    else:
        blank = values.isna().to_numpy(dtype=bool)
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
        bad[rows] = True
    if col.dtype == "int":
        fractional = ok & (numbers != np.round(numbers))
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(fractional),
                lambda i: f"must be a whole number, got {numbers[i]:g}")
        huge = ok & ~fractional & (np.abs(numbers) >= _MAX_INT)
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(huge),
                lambda i: f"is too large, got {numbers[i]:g}")
        bad |= fractional | huge
        whole = ok & ~bad
        return pd.Series(np.where(whole, numbers, 0).astype(np.int64), index=frame.index), bad
    return pd.Series(numbers, index=frame.index, dtype=np.float64), bad


def _parse(text: np.ndarray, allow_inf: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which of ``text`` (stripped strings, in an object array it may change) are blank, their
    numbers (NaN when blank or not a number) and which are not numbers.

    Case does not matter ('NaN', 'INF'); with ``allow_inf``, 'unlimited' and 'infinity' are
    infinite. The values are lowered only if that changes one of them, which is exactly
    when it changes their joined text (no character gets shorter, and capital sigma, the
    only one lowered by its context, always changes). A column of whole numbers written
    in plain digits is read by numpy, several times faster, to the same numbers:
    :func:`pandas.to_numeric` reads it as int64 too.
    """
    joined = "".join(text)
    if joined.lower() != joined:
        text = np.array([t.lower() for t in text], dtype=object)
        joined = "".join(text)
    blank = text == ""
    if allow_inf and ("unlimited" in joined or "infinity" in joined):
        text[np.isin(text, ["unlimited", "infinity"])] = "inf"
    numbers = None
    if joined.isdigit() and joined.isascii() and not blank.any():
        # a number beyond int64 (OverflowError here) is left to pandas
        with contextlib.suppress(OverflowError, ValueError):
            numbers = text.astype(np.int64).astype(float)
    if numbers is None:
        numbers = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    unparsed = ~blank & np.isnan(numbers) & (text != "nan")
    return blank, numbers, unparsed


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


class _References:
    """The ids that demand and route rows may name, per facility table.

    A table whose ids cannot all be known (unreadable, or without its ``id`` column) is
    *unsure*: references into it are not checked, since its own problem is reported.
    Rows left out while reading (ragged CSV rows) still count as known ids.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], raw: RawInput):
        self.ids = {name: set(tables[name]["id"]) - {""} | raw.dropped_ids.get(name, set())
                    for name in FACILITY_TABLES}
        self.unsure = set(raw.unreadable) & set(FACILITY_TABLES)
        for name in FACILITY_TABLES:
            frame = raw.tables.get(name)
            if frame is not None and (len(frame.columns) or name == "hospitals") \
                    and "id" not in frame.columns:
                self.unsure.add(name)

    def known(self, *names: str) -> set[str]:
        return set().union(*(self.ids[n] for n in names))


def _duplicated(frame: pd.DataFrame, columns: list[str], bad: np.ndarray) -> np.ndarray:
    """Rows (positions) repeating the ``columns`` values of an earlier good row."""
    good = np.flatnonzero(~bad)
    repeated = frame.iloc[good].duplicated(columns, keep="first").to_numpy(dtype=bool)
    return good[repeated]


def _check_demand(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                  raw: RawInput, problems: list[Problem], scenario: Scenario) -> None:
    demand = tables["demand"]
    if not len(demand):
        return
    source = raw.sources.get("demand", "demand.csv")
    hospital = demand["hospital"].to_numpy()
    if "hospitals" not in refs.unsure:
        known = refs.known("hospitals")
        # one hash lookup per row in C (70,000 rows in a national demand table)
        unknown = (hospital != "") & (pd.Index(list(known), dtype=object)
                                      .get_indexer(hospital.astype(object)) < 0)
        _report(problems, source, "hospital", raw, "demand", demand, np.flatnonzero(unknown),
                lambda i: f"names unknown hospital {hospital[i]!r}{closest(hospital[i], known)}")
    late = int(((demand["day"] >= scenario.horizon_days) & ~bad).sum())
    if late:
        log.warning("%s: %d row(s) have a day >= horizon_days (%d) and are ignored "
                    "(days count from 0)", source, late, scenario.horizon_days)
    _report(problems, source, "day", raw, "demand", demand,
            _duplicated(demand, ["hospital", "day"], bad),
            lambda i: f"hospital {hospital[i]!r} has day {demand['day'].iloc[i]} more than "
                      "once")


def _check_trucks(tables: dict[str, pd.DataFrame], raw: RawInput,
                  problems: list[Problem]) -> None:
    """Truck and tanker extensions: a vehicle count needs the vehicle's load."""
    for name, count, load in (("stations", "trucks", "truck_capacity_cyl"),
                              ("candidates", "trucks", "truck_capacity_cyl"),
                              ("producers", "tankers", "tanker_capacity_m3")):
        frame = tables[name]
        if not len(frame):
            continue
        n = frame[count].to_numpy(float)
        need = np.isfinite(n) & (n > 0) & np.isnan(frame[load].to_numpy(float))
        _report(problems, raw.sources.get(name, TABLES[name].file), load, raw, name, frame,
                np.flatnonzero(need), lambda i, c=count: f"is required where {c} is given")


def _check_availability(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                        raw: RawInput, problems: list[Problem]) -> None:
    av = tables["availability"]
    if not len(av):
        return
    source = raw.sources.get("availability", "availability.csv")
    facility = av["facility"].to_numpy()
    kinds = ("producers", "stations", "candidates")
    if not refs.unsure & set(kinds):
        known = refs.known(*kinds)
        unknown = np.array([bool(f) and f not in known for f in facility], dtype=bool)
        _report(problems, source, "facility", raw, "availability", av, np.flatnonzero(unknown),
                lambda i: f"names {facility[i]!r}, which is not a producer, station or "
                          f"candidate{closest(facility[i], known)}")
    _report(problems, source, "day", raw, "availability", av,
            _duplicated(av, ["facility", "day"], bad),
            lambda i: f"facility {facility[i]!r} has day {av['day'].iloc[i]} more than once")


def _check_routes(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                  raw: RawInput, problems: list[Problem]) -> None:
    routes = tables["routes"]
    if not len(routes):
        return
    source = raw.sources.get("routes", "routes.csv")
    origin = routes["origin"].to_numpy()
    dest = routes["destination"].to_numpy()
    if not refs.unsure:
        _check_arcs(routes, origin, dest, refs, source, raw, problems)
    _report(problems, source, "destination", raw, "routes", routes,
            _duplicated(routes, ["origin", "destination"], bad),
            lambda i: f"arc {origin[i]!r} -> {dest[i]!r} is listed more than once")


def _check_arcs(routes: pd.DataFrame, origin: np.ndarray, dest: np.ndarray, refs: _References,
                source: str, raw: RawInput, problems: list[Problem]) -> None:
    """Every route names known facilities and is a cylinder arc or a bulk arc."""
    fillers = refs.known("stations", "candidates")
    producers = refs.known("producers")
    hospitals = refs.known("hospitals")
    stations = refs.known("stations")
    everything = fillers | producers | hospitals
    for column, values in (("origin", origin), ("destination", dest)):
        unknown = np.array([bool(v) and v not in everything for v in values], dtype=bool)
        _report(problems, source, column, raw, "routes", routes, np.flatnonzero(unknown),
                lambda i, v=values: f"names unknown facility {v[i]!r}"
                                    f"{closest(v[i], everything)}")
    pairs = list(zip(origin, dest, strict=True))
    cylinder = np.array([o in fillers and d in hospitals for o, d in pairs], dtype=bool)
    bulk = np.array([o in producers and d in stations for o, d in pairs], dtype=bool)
    known = np.array([o in everything and d in everything for o, d in pairs], dtype=bool)
    wrong = known & ~cylinder & ~bulk
    _report(problems, source, "destination", raw, "routes", routes, np.flatnonzero(wrong),
            lambda i: f"arc {origin[i]!r} -> {dest[i]!r} is neither station/candidate -> "
                      "hospital nor producer -> station")


# --------------------------------------------------------------------------- [model]
def _check_model(model: Mapping[str, Any], source: str, problems: list[Problem],
                 lines: Mapping[str, int] | None = None) -> Scenario:
    """The :class:`Scenario` of ``model``; a problem for each bad key (at its line if known)."""
    values: dict[str, Any] = {}
    for key, value in model.items():
        row = f"line {lines[key]}" if lines and key in lines else None
        spec = MODEL_KEYS.get(key)
        if spec is None:
            problems.append(Problem(source, str(key), row,
                                    f"unknown key{closest(str(key), MODEL_KEYS)}"))
            continue
        converted, error = _model_value(spec, value)
        if error:
            problems.append(Problem(source, key, row, error))
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
    if spec.maximum is not None and number > spec.maximum:
        return None, f"must be <= {spec.maximum:g}, got {value!r}"
    return number, None
