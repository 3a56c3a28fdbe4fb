"""Check raw input against :mod:`o2opt.schema` and docs/input.md, collecting every problem.

:func:`check` converts each table to its declared dtypes, fills defaults and checks
bounds, ids, references and the ``[model]`` keys. It raises one
:class:`~o2opt.errors.InputError` listing all problems, each naming its file, column and
row, or returns a :class:`~o2opt.network.Network`. Its input, :class:`RawInput`, is what the
readers of :mod:`o2opt.io` produce; this module imports nothing from them (data flows
``io -> validate -> network``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import logging
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from o2opt.errors import InputError, Problem
from o2opt.network import Network, Scenario
from o2opt.schema import (
    DECISIONS,
    FACILITY_TABLES,
    MAX_QUANTITY,
    MODEL_KEYS,
    TABLES,
    Column,
    ModelKey,
    Table,
    magnitude_limit,
)

__all__ = ["RawInput", "check", "check_model", "check_solver_options", "closest", "recheck"]

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


@dataclass
class RawInput:
    """Input as read, before validation: what the readers of :mod:`o2opt.io` (and
    :meth:`o2opt.network.Network.replace`) hand to :func:`check`.

    ``tables`` maps a table name to its frame (strings when read from CSV), indexed
    ``0..n-1``; ``rows`` gives, for each table, where each of its rows came from
    (``"line 5"`` in a CSV file, ``"feature 3"`` in a GeoPackage layer, ``"row 2"`` of a
    DataFrame) for error messages; ``sources`` names where each table came from
    (``"hospitals.csv"``); ``model_lines`` gives the line of each ``[model]`` key in
    ``model_source``. ``unreadable`` names the tables given but not readable, and
    ``dropped_ids`` the ids of rows left out because they could not be parsed (both
    already reported; validation does not report references to them again).
    ``reported`` maps ``(table, column)`` to the rows whose problem in that column is
    already reported (a bad geometry gives no ``lat``/``lon``). ``stripped`` names the
    tables whose values are all strings already stripped of surrounding spaces (read from
    CSV), which validation need not strip again. ``checked`` names the tables taken from a
    valid network as they are (converted and checked then; only the checks across tables
    run again), and ``quiet`` says that the input's warnings were logged before.
    """

    tables: dict[str, pd.DataFrame]
    model: dict[str, Any]
    sources: dict[str, str]
    model_source: str = "scenario.toml"
    rows: dict[str, Sequence[str]] = field(default_factory=dict)
    model_lines: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)
    dropped_ids: dict[str, set[str]] = field(default_factory=dict)
    reported: dict[tuple[str, str], set[int]] = field(default_factory=dict)
    stripped: set[str] = field(default_factory=set)
    checked: set[str] = field(default_factory=set)
    quiet: bool = False

    def add(self, name: str, frame: pd.DataFrame, rows: Sequence[str]) -> None:
        """Store table ``name`` (re-indexed ``0..n-1``) and the origin of each row."""
        self.tables[name] = frame.reset_index(drop=True)
        self.rows[name] = rows


def check(raw: RawInput) -> Network:
    """Validate ``raw`` and return the typed :class:`Network`, or raise :class:`InputError`."""
    problems = list(raw.problems)
    tables: dict[str, pd.DataFrame] = {}
    bad: dict[str, np.ndarray] = {}
    for name, table in TABLES.items():
        if name in raw.checked:
            tables[name], bad[name] = raw.tables[name], np.zeros(len(raw.tables[name]), bool)
        else:
            tables[name], bad[name] = _check_table(table, raw.tables.get(name), raw, problems)
    scenario = _check_model(raw.model, raw.model_source, problems, raw.model_lines)
    refs = _References(tables, raw)
    _check_ids(tables, raw, problems)
    _check_demand(tables, bad["demand"], refs, raw, problems, scenario)
    _check_routes(tables, bad["routes"], refs, raw, problems)
    _check_availability(tables, bad["availability"], refs, raw, problems)
    _check_trucks(tables, raw, problems)
    _check_investment(tables, raw, problems)
    _check_options(tables, bad["options"], refs, raw, problems)
    _check_contents(tables, raw, problems)
    _check_net_demand(tables, raw, problems, scenario)
    if problems:
        raise InputError(problems)
    if not raw.quiet or not {"hospitals", "producers", "stations", "candidates"} <= raw.checked:
        from o2opt.plausibility import warn_implausible  # tables new or changed

        warn_implausible(tables, scenario, raw.sources, raw.rows)
    return Network._checked(scenario, **tables)


def recheck(network: Network, changes: Mapping[str, Any], source: str, *,
            valid: bool = True) -> Network:
    """``network`` with ``changes`` (tables by name, ``scenario``) checked again as a whole.

    The one path by which a :class:`~o2opt.network.Network` is changed or built other than
    from input: :meth:`Network.replace <o2opt.network.Network.replace>`,
    :meth:`~o2opt.network.Network.with_model`, ``Network(...)`` and
    :func:`dataclasses.replace`. Problems name ``"<table> (<source>)"`` and the row's
    position. ``valid``: ``network`` was checked before (not so in ``Network(...)``), so its
    unchanged tables are kept as they are (shared, not copied) and only the checks across
    tables (ids, references, duplicates) run on them again; warnings already given are not
    repeated.
    """
    names = [f.name for f in dataclasses.fields(Network)]
    unknown = [str(k) for k in changes if k not in names]
    if unknown:
        raise TypeError(f"a Network has no field {', '.join(map(repr, unknown))} "
                        f"(fields: {', '.join(names)})")
    given = {name: changes.get(name, getattr(network, name)) for name in names}
    scenario = given.pop("scenario")
    raw = RawInput(tables={}, model={}, sources={}, model_source=f"scenario ({source})")
    if isinstance(scenario, Scenario):
        raw.model = scenario.as_dict()
    else:
        raw.problems.append(Problem(raw.model_source, None, None,
                                    f"must be a Scenario, got {type(scenario).__name__}"))
    raw.quiet = valid and "demand" not in changes \
        and network.scenario.horizon_days == raw.model.get("horizon_days")
    for name, frame in given.items():
        where = raw.sources[name] = f"{name} ({source})"
        if isinstance(frame, pd.DataFrame):
            raw.tables[name] = frame
            if valid and name not in changes:
                raw.checked.add(name)
        else:
            raw.problems.append(Problem(where, None, None,
                                        f"must be a DataFrame, got {type(frame).__name__}"))
            raw.unreadable.add(name)
    return check(raw)


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
    """A value as stripped text: '' when missing, '7' for 7 or 7.0, bytes decoded as UTF-8
    (``b'H1'`` is ``'H1'``, not ``"b'H1'"``), else ``str(value)``."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bytes | bytearray | np.bytes_):
        return bytes(value).decode("utf-8", errors="backslashreplace").strip()
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
    return {"str": object, "float": np.float64, "int": np.int64, "bool": bool}[col.dtype]


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
    if col.dtype == "bool":
        return _convert_bool(col, values, frame, table, raw, source, problems, stripped)
    given = values.notna().to_numpy(dtype=bool)
    kind = _not_numeric(values) if given.any() else ""
    if kind:  # every row is bad; the empty ones say nothing
        _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(given),
                lambda i: f"must be a number, got {kind}: {_shown(values.iloc[i])}")
        empty = np.zeros(len(values)) if col.dtype == "int" else np.full(len(values), np.nan)
        return (pd.Series(empty, index=frame.index, dtype=_dtype(col)),
                np.ones(len(values), dtype=bool))
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
    limit = magnitude_limit(col.name, col.unit)
    bounds.append((np.abs(numbers) > limit, f"at most {limit:g} in absolute value (the "
                                            "magnitude limit of docs/input.md)"))
    for violates, rule in bounds:
        rows = np.flatnonzero(ok & violates & np.isfinite(numbers))
        _report(problems, source, col.name, raw, table.name, frame, rows,
                lambda i, rule=rule: f"{'is too large: ' if 'magnitude' in rule else ''}"
                                     f"must be {rule}, got {numbers[i]:g}")
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


_TRUE = ("true", "yes", "1", "1.0", "y")
_FALSE = ("false", "no", "0", "0.0", "n")


def _convert_bool(col: Column, values: pd.Series, frame: pd.DataFrame, table: Table,
                  raw: RawInput, source: str, problems: list[Problem],
                  stripped: bool) -> tuple[pd.Series, np.ndarray]:
    """A true/false column: ``true``/``false`` (any case), ``yes``/``no``, 1/0 or booleans;
    empty takes the default."""
    text = np.array([t.lower() for t in _text(values, stripped)], dtype=object)
    true, false = np.isin(text, _TRUE), np.isin(text, _FALSE)
    blank = text == ""
    bad = ~(true | false | blank)
    _report(problems, source, col.name, raw, table.name, frame, np.flatnonzero(bad),
            lambda i: f"must be true or false, got {values.iloc[i]!r}")
    out = np.where(blank, bool(col.default), true)
    return pd.Series(out.astype(bool), index=frame.index, dtype=bool), bad


def _shown(value: Any) -> str:
    """``value`` as the user wrote it: ``True``, not ``np.True_``."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def _not_numeric(values: pd.Series) -> str:
    """What a column of a type no number column takes holds ('' when it may hold numbers):
    booleans (True is not 1 m3), complex numbers or categories."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return "a category"
    if pd.api.types.is_bool_dtype(dtype):
        return "a boolean"
    if pd.api.types.is_complex_dtype(dtype):
        return "a complex number"
    return ""


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


def _report_unknown(problems: list[Problem], source: str, column: str, raw: RawInput,
                    name: str, frame: pd.DataFrame, known: set[str],
                    says: Callable[[str], str]) -> None:
    """Report every non-empty ``frame[column]`` id not in ``known``: ``says(id)`` and the
    closest known id. One hash lookup per row in C (70,000 rows in a national demand table)."""
    ids = frame[column].to_numpy()
    unknown = (ids != "") & (pd.Index(list(known), dtype=object)
                             .get_indexer(pd.Index(ids, dtype=object)) < 0)
    _report(problems, source, column, raw, name, frame, np.flatnonzero(unknown),
            lambda i: f"{says(str(ids[i]))}{closest(str(ids[i]), known)}")


def _check_demand(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                  raw: RawInput, problems: list[Problem], scenario: Scenario) -> None:
    demand = tables["demand"]
    if not len(demand):
        return
    source = raw.sources.get("demand", "demand.csv")
    hospital = demand["hospital"].to_numpy()
    if "hospitals" not in refs.unsure:
        _report_unknown(problems, source, "hospital", raw, "demand", demand,
                        refs.known("hospitals"), lambda h: f"names unknown hospital {h!r}")
    late = int(((demand["day"] >= scenario.horizon_days) & ~bad).sum())
    if late and not raw.quiet:
        log.warning("%s: %d row(s) have a day >= horizon_days (%d) and are ignored "
                    "(days count from 0)", source, late, scenario.horizon_days)
    _report(problems, source, "day", raw, "demand", demand,
            _duplicated(demand, ["hospital", "day"], bad),
            lambda i: f"hospital {hospital[i]!r} has day {demand['day'].iloc[i]} more than "
                      "once")


def _check_net_demand(tables: dict[str, pd.DataFrame], raw: RawInput,
                      problems: list[Problem], scenario: Scenario) -> None:
    """``demand_multiplier`` times the largest demand stays within :data:`MAX_QUANTITY`."""
    name = "demand" if len(tables["demand"]) else "hospitals"
    column = "demand_m3" if name == "demand" else "demand_m3_day"
    values = tables[name][column].to_numpy(float)
    values = np.where(np.abs(values) <= MAX_QUANTITY, values, 0.0)  # the others: reported
    if not len(values) or scenario.demand_multiplier * values.max() <= MAX_QUANTITY:
        return
    i = int(values.argmax())
    line = raw.model_lines.get("demand_multiplier") if raw.model_lines else None
    where = f"{raw.sources.get(name, TABLES[name].file)} {_where(raw, name, tables[name], i)}"
    problems.append(Problem(
        raw.model_source, "demand_multiplier", f"line {line}" if line else None,
        f"{scenario.demand_multiplier:g} times the demand {values[i]:g} of {where} is "
        f"{scenario.demand_multiplier * values[i]:g} m3 a day, beyond the magnitude limit "
        f"{MAX_QUANTITY:g} of docs/input.md"))


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


_CAPEX_ONLY = ("lifetime_years", "opex_per_year")


def _check_investment(tables: dict[str, pd.DataFrame], raw: RawInput,
                      problems: list[Problem]) -> None:
    """Investment columns (docs/model.md, "Investment"): a row that can be opened or chosen gives
    exactly one of ``fixed_cost`` or ``capex`` (lifetime and running cost only with capex);
    a row that cannot gives none of them and no ``decision``."""
    for name in ("candidates", "producers", "stations", "options"):
        frame = tables[name]
        if not len(frame):
            continue
        source = raw.sources.get(name, TABLES[name].file)
        openable = (frame["candidate"].to_numpy(dtype=bool) if name in ("producers", "stations")
                    else np.ones(len(frame), dtype=bool))
        fixed = np.isfinite(frame["fixed_cost"].to_numpy(float))
        capex = np.isfinite(frame["capex"].to_numpy(float))

        def report(column: str, rows: np.ndarray, message: str, name: str = name,
                   frame: pd.DataFrame = frame, source: str = source) -> None:
            _report(problems, source, column, raw, name, frame, rows, lambda i: message)

        reported = raw.reported.get((name, "fixed_cost"), set()) \
            | raw.reported.get((name, "capex"), set())
        given_bad = np.zeros(len(frame), dtype=bool)
        given_bad[list(reported)] = True  # a value that was not a number: reported already
        present = [str(c) for c in raw.tables[name].columns]
        if openable.any() and "fixed_cost" not in present and "capex" not in present:
            hint = closest("fixed_cost", [c for c in present if c not in TABLES[name].names])
            problems.append(Problem(source, "fixed_cost", None,
                                    f"required column is missing (or give capex){hint}"))
            given_bad[:] = True
        report("capex", np.flatnonzero(openable & fixed & capex),
               "give fixed_cost or capex, not both")
        report("fixed_cost", np.flatnonzero(openable & ~fixed & ~capex & ~given_bad),
               "is required (or give capex)")
        for column in _CAPEX_ONLY:
            given = np.isfinite(frame[column].to_numpy(float))
            report(column, np.flatnonzero(openable & given & ~capex & ~given_bad),
                   "is given only with capex")
        what = name[:-1]
        for column in ("fixed_cost", "capex", *_CAPEX_ONLY):
            given = np.isfinite(frame[column].to_numpy(float))
            report(column, np.flatnonzero(~openable & given),
                   f"is given on a {what} that is not a candidate (set candidate = true)")
        decision = np.array([str(d).lower() for d in frame["decision"]], dtype=object)
        decision[decision == ""] = "free"
        unknown = ~np.isin(decision, DECISIONS)
        report_each = np.flatnonzero(unknown)
        _report(problems, source, "decision", raw, name, frame, report_each,
                lambda i, d=decision: f"must be one of {', '.join(DECISIONS)}, got {d[i]!r}")
        report("decision", np.flatnonzero(~openable & ~unknown & (decision != "free")),
               f"is given on a {what} that is not a candidate (set candidate = true)")
        frame["decision"] = decision
        if name == "producers":
            for column in ("tank_capacity_m3", "tankers"):
                extension = frame[column].to_numpy(float) > 0
                report(column, np.flatnonzero(openable & extension),
                       "a candidate producer cannot have a tank or tankers in this version")


def _check_options(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                   raw: RawInput, problems: list[Problem]) -> None:
    """Each option names a known producer, station, candidate or hospital, once per name."""
    options = tables["options"]
    if not len(options):
        return
    source = raw.sources.get("options", "options.csv")
    facility = options["facility"].to_numpy()
    if not refs.unsure:
        _report_unknown(problems, source, "facility", raw, "options", options,
                        refs.known(*FACILITY_TABLES), lambda f: f"names unknown facility {f!r}")
    producers = tables["producers"]
    stored = producers.loc[(producers["tank_capacity_m3"] > 0) | (producers["tankers"] > 0),
                           "id"]
    _report(problems, source, "facility", raw, "options", options,
            np.flatnonzero(np.isin(facility, stored.to_numpy())),
            lambda i: f"producer {facility[i]!r} has a tank or tankers: options of such a "
                      "producer are not supported in this version")
    option = options["option"].to_numpy()
    _report(problems, source, "option", raw, "options", options,
            _duplicated(options, ["facility", "option"], bad),
            lambda i: f"facility {facility[i]!r} has option {option[i]!r} more than once")


def _check_contents(tables: dict[str, pd.DataFrame], raw: RawInput,
                    problems: list[Problem]) -> None:
    """Storage and tanker extensions: what a store holds at the start, and the safety stock
    it keeps, fit in it (docs/model.md: a store of capacity 0 is no store at all)."""
    for name, content, capacity in (("hospitals", "initial_stock_m3", "stock_capacity_m3"),
                                    ("hospitals", "safety_stock_m3", "stock_capacity_m3"),
                                    ("hospitals", "initial_lox_m3", "lox_tank_m3"),
                                    ("producers", "initial_tank_m3", "tank_capacity_m3")):
        frame = tables[name]
        if not len(frame):
            continue
        value, room = frame[content].to_numpy(float), frame[capacity].to_numpy(float)
        over = np.flatnonzero(value > room)
        _report(problems, raw.sources.get(name, TABLES[name].file), content, raw, name, frame,
                over, lambda i, v=value, r=room, c=capacity:
                f"is {v[i]:g}, above {c} {r[i]:g}")


def _check_availability(tables: dict[str, pd.DataFrame], bad: np.ndarray, refs: _References,
                        raw: RawInput, problems: list[Problem]) -> None:
    av = tables["availability"]
    if not len(av):
        return
    source = raw.sources.get("availability", "availability.csv")
    facility = av["facility"].to_numpy()
    kinds = ("producers", "stations", "candidates")
    if not refs.unsure & set(kinds):
        _report_unknown(problems, source, "facility", raw, "availability", av,
                        refs.known(*kinds), lambda f: f"names {f!r}, which is not a producer, "
                                                      "station or candidate")
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
    if isinstance(value, np.generic):  # np.int64(3), np.float32(0.5), np.bool_(True)
        value = value.item()
    if value is None or (isinstance(value, str) and value.strip().lower() in ("none", "")):
        if spec.optional:
            return None, None
        return None, f"must be set (default {spec.default!r})"
    if spec.kind == "bool":
        if isinstance(value, bool):
            return value, None
        return None, f"must be true or false, got {value!r}"
    if spec.kind == "str":
        text = str(value).strip()
        if not spec.choices:  # a free label (currency) is kept as written
            return text, None
        text = text.lower()
        if text not in spec.choices:
            hint = closest(text, spec.choices)
            return None, f"must be one of {', '.join(spec.choices)}, got {value!r}{hint}"
        return text, None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, f"must be a number, got {value!r}"
    try:
        number = float(value)
    except OverflowError:  # an integer beyond float's range (TOML integers are unbounded)
        digits = int(int(value).bit_length() * math.log10(2)) + 1
        return None, f"is far out of range (a whole number of about {digits} digits)"
    if not math.isfinite(number):
        return None, f"must be finite, got {value!r}"
    limit = magnitude_limit(spec.name)
    if abs(number) > limit:
        return None, (f"is too large: must be at most {limit:g} in absolute value (the "
                      f"magnitude limit of docs/input.md), got {value!r}")
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


# --------------------------------------------------------------------------- solver options
#: The solver options and the ``[model]`` keys that give their defaults.
SOLVER_OPTIONS = ("solver", "backend", "time_limit_s", "mip_gap", "threads")
BACKENDS = ("highspy", "pulp")


def check_solver_options(options: Mapping[str, Any], *, source: str = "solver options",
                         names: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Validate solver options as ``scenario.toml`` validates the same ``[model]`` keys.

    The one check behind every entry point: ``[model]`` in ``scenario.toml`` and
    ``model=``, the command line's ``--solver``, ``--backend``, ``--time-limit``,
    ``--mip-gap`` and ``--threads``, and :func:`o2opt.optimize` / :func:`o2opt.solve.solve`.
    ``None`` means "not given" (the scenario's value applies). ``backend`` is
    ``highspy`` or ``pulp``; ``highspy`` runs HiGHS only.

    Parameters
    ----------
    options : mapping
        Some of ``solver``, ``backend``, ``time_limit_s``, ``mip_gap``, ``threads``.
    source : str
        Where the options came from, for the problems (``"command line"``).
    names : mapping, optional
        The name of each option in that source (``{"threads": "--threads"}``).

    Returns
    -------
    dict
        The options converted (``threads`` an int, ``time_limit_s`` a float, ...).

    Raises
    ------
    InputError
        Listing every bad option.

    Examples
    --------
    >>> check_solver_options({"threads": 2, "mip_gap": "1e-4"})
    Traceback (most recent call last):
    ...
    o2opt.errors.InputError: 1 problem in the input:
      - solver options, key mip_gap: must be a number, got '1e-4'
    >>> check_solver_options({"threads": np.int64(2), "solver": "CBC"})
    {'threads': 2, 'solver': 'cbc'}
    """
    names = names or {}
    problems: list[Problem] = []
    out: dict[str, Any] = {}
    for key, value in options.items():
        name = names.get(key, key)
        if key not in SOLVER_OPTIONS:
            problems.append(Problem(source, name, None,
                                    f"unknown option{closest(key, SOLVER_OPTIONS)}"))
        elif value is None:
            out[key] = None
        elif key == "backend":
            text = str(value).strip().lower()
            if text not in BACKENDS:
                problems.append(Problem(source, name, None, f"must be one of "
                                        f"{', '.join(BACKENDS)}, got {value!r}"))
            out[key] = text
        else:
            out[key], error = _model_value(MODEL_KEYS[key], value)
            if error:
                problems.append(Problem(source, name, None, error))
    if out.get("solver") == "cbc" and out.get("backend") == "highspy":
        problems.append(Problem(source, names.get("backend", "backend"), None,
                                "highspy runs HiGHS only; use backend pulp for cbc"))
    if problems:
        raise InputError(problems)
    return out
