"""Scenario sets: what-if variations of a base network, declared as data.

A :class:`ScenarioSpec` says how one scenario differs from the base network: ``[model]``
keys (``budget``, ``demand_multiplier``, ...) and events on given days (an
:class:`Outage` of a facility, a :class:`CapacityChange`, a regional
:class:`DemandSurge`), plus, optionally, a fixed siting plan (``sites``). It is plain,
hashable data; its :attr:`~ScenarioSpec.id` is a hash of its content, so the same scenario
gets the same id in every run, on every machine. :func:`apply_scenario` turns a base
:class:`~o2opt.network.Network` and a spec into the network to solve.

Scenario sets are declared as a grid (:func:`grid`: every combination of the values given
per column) or as a table (:func:`read_scenarios` for ``scenarios.csv``,
:func:`scenarios_from_frame` for a DataFrame). Table columns:

===========================  ===============================================================
column                       cell
===========================  ===============================================================
``label``                    readable name (default: generated from the other cells)
``weight``                   weight of the scenario in expected values (default 1)
any ``[model]`` key          its value for the scenario; ``none`` unsets an optional key
``outage:<facility>``        days the producer, station or candidate is down: ``all``,
                             ``3``, ``0-6``, ``0-2+5`` (``,`` works too outside a grid)
``capacity:<facility>``      capacity factor, on every day (``0.5``) or some (``0.5@0-6``);
                             several separated by ``;``
``surge:<region>``           demand factor for the hospitals of that ``region``, on every
                             day (``1.5``) or some (``1.5@0-2``); several separated by ``;``
``sites``                    fix the siting plan: the candidates that are open
                             (``c1+c2``; ``none`` = open nothing)
===========================  ===============================================================

An empty cell leaves the base network's value. Events compose by multiplication: an
outage is a factor 0 and wins; two capacity changes on one facility-day multiply each other
and the base ``availability`` table.

Examples
--------
>>> specs = grid({"demand_multiplier": [1, 1.5], "outage:P1": ["", "0-2"]})
>>> [s.label for s in specs]
['demand_multiplier=1', 'demand_multiplier=1, outage:P1=0-2', 'demand_multiplier=1.5', \
'demand_multiplier=1.5, outage:P1=0-2']
>>> specs[1].outages
(Outage(facility='P1', days=(0, 1, 2)),)
>>> specs[1].id == ScenarioSpec(model={"demand_multiplier": 1.0},
...                             outages=[Outage("P1", [2, 1, 0])]).id
True
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import itertools
import json
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from o2opt.errors import InputError, Problem
from o2opt.network import Network
from o2opt.schema import MODEL_KEYS
from o2opt.validate import check_model, closest

__all__ = [
    "CapacityChange",
    "DemandSurge",
    "Outage",
    "ScenarioSpec",
    "apply_scenario",
    "check_scenarios",
    "grid",
    "read_scenarios",
    "scenarios_from_frame",
]

Days = tuple[int, ...] | None  # None: every day of the horizon
_EVENT_KINDS = ("outage", "capacity", "surge")
_FACILITY_KINDS = ("producers", "stations", "candidates")


# --------------------------------------------------------------------------- events
#: The last day any scenario can have (``horizon_days`` is at most its schema maximum).
MAX_DAY = int(MODEL_KEYS["horizon_days"].maximum or 0) - 1
#: The most scenarios a grid may declare (its columns' values multiplied).
MAX_GRID_SCENARIOS = 100_000


def _beyond_last_day(day: int) -> ValueError:
    return ValueError(f"day {day} is beyond the longest horizon o2opt plans "
                      f"(horizon_days <= {MAX_DAY + 1}: days 0-{MAX_DAY})")


def _days(days: Iterable[int] | None) -> Days:
    if days is None:
        return None
    if isinstance(days, range) and len(days) and max(days[0], days[-1]) > MAX_DAY:
        raise _beyond_last_day(max(days[0], days[-1]))  # before the range is listed
    out = tuple(sorted({int(d) for d in days}))
    if not out:
        raise ValueError("days is empty; use None for every day")
    if out[-1] > MAX_DAY:
        raise _beyond_last_day(out[-1])
    return out


@dataclass(frozen=True)
class Outage:
    """A producer, station or candidate is down (capacity factor 0) on ``days``.

    ``days=None`` means every day of the horizon.

    Examples
    --------
    >>> Outage("P1", [3, 1, 2])
    Outage(facility='P1', days=(1, 2, 3))
    """

    facility: str
    days: Days = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "facility", str(self.facility))
        object.__setattr__(self, "days", _days(self.days))


@dataclass(frozen=True)
class CapacityChange:
    """Every capacity of a producer, station or candidate is multiplied by ``factor`` on
    ``days`` (``None``: every day). ``factor`` 0 is an outage, above 1 an extra shift.

    Examples
    --------
    >>> CapacityChange("S1", 0.5, days=range(3))
    CapacityChange(facility='S1', factor=0.5, days=(0, 1, 2))
    """

    facility: str
    factor: float
    days: Days = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "facility", str(self.facility))
        object.__setattr__(self, "factor", float(self.factor))
        object.__setattr__(self, "days", _days(self.days))


@dataclass(frozen=True)
class DemandSurge:
    """The gross demand of every hospital whose ``region`` is ``region`` (every hospital for
    ``region="*"``: a national surge) is multiplied by ``factor`` on ``days`` (``None``:
    every day), before onsite production is netted off, like ``demand_multiplier``.

    Examples
    --------
    >>> DemandSurge("Baghdad", 1.5)
    DemandSurge(region='Baghdad', factor=1.5, days=None)
    """

    region: str
    factor: float
    days: Days = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "region", str(self.region))
        object.__setattr__(self, "factor", float(self.factor))
        object.__setattr__(self, "days", _days(self.days))


#: The ``region`` of a national surge (``surge:*`` in a scenario table).
NATIONAL = "*"


def _event_key(event: Outage | CapacityChange | DemandSurge
               ) -> tuple[str, bool, tuple[int, ...], float]:
    target = event.facility if not isinstance(event, DemandSurge) else event.region
    days = event.days
    return (target, days is None, days or (), getattr(event, "factor", 0.0))


# --------------------------------------------------------------------------- spec
def _model_value(key: str, value: Any) -> Any:
    """Normalise a ``[model]`` value by the key's kind (1 and 1.0 give the same id)."""
    spec = MODEL_KEYS.get(key)
    if spec is None or value is None or isinstance(value, str):
        return value
    if isinstance(value, np.generic):
        value = value.item()
    if spec.kind == "float" and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if (spec.kind == "int" and isinstance(value, float) and math.isfinite(value)
            and value == round(value)):
        return int(value)
    return value


@dataclass(frozen=True)
class ScenarioSpec:
    """How one scenario differs from the base network.

    Parameters
    ----------
    model : mapping
        ``[model]`` keys to change (``None`` unsets an optional key such as ``budget``).
    outages, capacity_changes, surges : sequence
        Events; see :class:`Outage`, :class:`CapacityChange`, :class:`DemandSurge`.
    sites : sequence of str, optional
        Fix the siting plan: exactly these candidates are open (their fixed cost is
        paid), flows are re-optimised. ``None`` (default): the model chooses the sites.
    label : str
        Readable name; generated from the content when empty.
    weight : float
        Weight in expected values (robust siting); not part of the id.

    Two specs with the same content are equal and have the same :attr:`id`, whatever
    their label, weight and the order their events were given in.

    Examples
    --------
    >>> s = ScenarioSpec(model={"budget": 2e6}, outages=[Outage("P1", [0, 1])])
    >>> s.label
    'budget=2000000, outage:P1=0-1'
    >>> s.id
    '7d2282d7a20bf874'
    >>> s == ScenarioSpec(model={"budget": 2_000_000}, outages=[Outage("P1", [1, 0])],
    ...                   label="other name")
    True
    """

    model: Mapping[str, Any] = field(default_factory=dict)
    outages: Sequence[Outage] = ()
    capacity_changes: Sequence[CapacityChange] = ()
    surges: Sequence[DemandSurge] = ()
    sites: Sequence[str] | None = None
    label: str = field(default="", compare=False)
    weight: float = field(default=1.0, compare=False)

    def __post_init__(self) -> None:
        items = self.model.items() if isinstance(self.model, Mapping) else self.model
        model = _FrozenModel((str(k), _model_value(str(k), v)) for k, v in items)
        object.__setattr__(self, "model", model)
        merged: dict[str, Days] = {}  # several outages of one facility: the union of days
        for o in self.outages:
            if o.facility in merged and merged[o.facility] is None:
                continue
            merged[o.facility] = (None if o.days is None
                                  else _days((*(merged.get(o.facility) or ()), *o.days)))
        object.__setattr__(self, "outages",
                           tuple(sorted((Outage(f, d) for f, d in merged.items()),
                                        key=_event_key)))
        object.__setattr__(self, "capacity_changes",
                           tuple(sorted(self.capacity_changes, key=_event_key)))
        object.__setattr__(self, "surges", tuple(sorted(self.surges, key=_event_key)))
        if self.sites is not None:
            if isinstance(self.sites, str):
                raise TypeError("sites must be a sequence of candidate ids, not a string")
            object.__setattr__(self, "sites", tuple(sorted({str(s) for s in self.sites})))
        object.__setattr__(self, "weight", float(self.weight))
        if not self.label:
            object.__setattr__(self, "label", _label(self.cells(readable=True)))

    def content(self) -> dict[str, Any]:
        """The content the :attr:`id` hashes: only what is set, as plain JSON data."""
        out: dict[str, Any] = {}
        if self.model:
            out["model"] = dict(self.model)
        if self.outages:
            out["outages"] = [[o.facility, _json_days(o.days)] for o in self.outages]
        if self.capacity_changes:
            out["capacity"] = [[c.facility, c.factor, _json_days(c.days)]
                               for c in self.capacity_changes]
        if self.surges:
            out["surges"] = [[s.region, s.factor, _json_days(s.days)] for s in self.surges]
        if self.sites is not None:
            out["sites"] = list(self.sites)
        return out

    @property
    def id(self) -> str:
        """16 hex digits of the SHA-256 of :meth:`content` (stable across runs)."""
        text = json.dumps(self.content(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def cells(self, *, readable: bool = False) -> dict[str, str]:
        """The scenario as the cells of a ``scenarios.csv`` row (column → text).

        Numbers are written exactly (they read back to the same scenario); with ``readable``
        (the default label) to at most 6 significant digits: ``budget=1908.5``, not
        ``budget=1908.5019464103118``.

        Examples
        --------
        >>> ScenarioSpec(capacity_changes=[CapacityChange("S1", 0.5, [2, 3])],
        ...              surges=[DemandSurge("North", 2)]).cells()
        {'capacity:S1': '0.5@2-3', 'surge:North': '2'}
        """
        fmt = _readable_value if readable else _format_value
        out = {k: fmt(v) for k, v in self.model.items()}
        for o in self.outages:
            out[f"outage:{o.facility}"] = _format_days(o.days)
        for kind, events, target in (("capacity", self.capacity_changes, "facility"),
                                     ("surge", self.surges, "region")):
            for e in events:
                col = f"{kind}:{getattr(e, target)}"
                cell = fmt(e.factor) + ("" if e.days is None
                                                  else "@" + _format_days(e.days))
                out[col] = f"{out[col]};{cell}" if col in out else cell
        if self.sites is not None:
            out["sites"] = "+".join(self.sites) if self.sites else "none"
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): :meth:`content` plus ``label`` and ``weight``."""
        return {**self.content(), "label": self.label, "weight": self.weight}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioSpec:
        """Inverse of :meth:`to_dict`.

        Examples
        --------
        >>> s = ScenarioSpec(model={"budget": 1.0}, surges=[DemandSurge("N", 2, [0])])
        >>> ScenarioSpec.from_dict(s.to_dict()) == s
        True
        """
        return cls(
            model=data.get("model", {}),
            outages=[Outage(f, d) for f, d in data.get("outages", ())],
            capacity_changes=[CapacityChange(f, x, d) for f, x, d in data.get("capacity", ())],
            surges=[DemandSurge(r, x, d) for r, x, d in data.get("surges", ())],
            sites=data.get("sites"),
            label=data.get("label", ""),
            weight=data.get("weight", 1.0),
        )

    def replace(self, **changes: Any) -> ScenarioSpec:
        """A copy with fields changed (the label is regenerated unless given).

        Examples
        --------
        >>> ScenarioSpec(model={"budget": 0.0}).replace(sites=["C1"]).label
        'budget=0, sites=C1'
        """
        changes.setdefault("label", "")
        return dataclasses.replace(self, **changes)

    def combine(self, other: ScenarioSpec) -> ScenarioSpec:
        """Both specs at once (a table row crossed with a grid point).

        Raises
        ------
        ValueError
            When both set the same ``[model]`` key or both fix the sites.

        Examples
        --------
        >>> a = ScenarioSpec(outages=[Outage("P1")], label="P1 down")
        >>> a.combine(ScenarioSpec(model={"budget": 5.0})).label
        'P1 down, budget=5'
        """
        both = set(dict(self.model)) & set(dict(other.model))
        if both:
            raise ValueError(f"both set {', '.join(sorted(both))}")
        if self.sites is not None and other.sites is not None:
            raise ValueError("both fix the sites")
        return ScenarioSpec(
            model={**dict(self.model), **dict(other.model)},
            outages=(*self.outages, *other.outages),
            capacity_changes=(*self.capacity_changes, *other.capacity_changes),
            surges=(*self.surges, *other.surges),
            sites=self.sites if self.sites is not None else other.sites,
            label=", ".join(x for x in (self.label, other.label) if x),
            weight=self.weight * other.weight,
        )


class _FrozenModel(Mapping[str, Any]):
    """Read-only, hashable ``[model]`` changes, sorted by key (``dict(spec.model)`` works)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, Any]]):
        self._items = tuple(sorted(items))

    def __getitem__(self, key: str) -> Any:
        return dict(self._items)[key]

    def __iter__(self) -> Iterator[str]:
        return (k for k, _ in self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self) == dict(other)

    def __repr__(self) -> str:
        return repr(dict(self._items))

    def __reduce__(self) -> tuple[type[_FrozenModel], tuple[tuple[tuple[str, Any], ...]]]:
        return (_FrozenModel, (self._items,))


def _json_days(days: Days) -> list[int] | None:
    return None if days is None else list(days)


def _format_value(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    return str(value)


def _readable_value(value: Any) -> str:
    """Like :func:`_format_value`, floats to at most 6 significant digits (large ones as
    whole numbers): for labels, not for round trips.

    >>> _readable_value(1908.5019464103118), _readable_value(1234567.89), _readable_value(0.5)
    ('1908.5', '1234568', '0.5')
    """
    if isinstance(value, float) and math.isfinite(value) and not value.is_integer():
        return str(round(value)) if abs(value) >= 1e5 else f"{value:.6g}"
    return _format_value(value)


def _format_days(days: Days) -> str:
    """``(0, 1, 2, 5)`` → ``'0-2+5'``; ``None`` → ``'all'``."""
    if days is None:
        return "all"
    parts, start = [], days[0]
    for prev, cur in zip(days, (*days[1:], None), strict=True):
        if cur is None or cur != prev + 1:
            parts.append(str(start) if start == prev else f"{start}-{prev}")
            if cur is not None:
                start = cur
    return "+".join(parts)


def _label(cells: Mapping[str, str]) -> str:
    return ", ".join(f"{k}={v}" for k, v in cells.items()) or "base"


# --------------------------------------------------------------------------- cells
def _parse_days(text: str) -> Days:
    """``'all'`` → ``None``; ``'0-2+5'`` or ``'0-2,5'`` → ``(0, 1, 2, 5)``."""
    text = text.strip().lower()
    if text == "all":
        return None
    days: set[int] = set()
    for part in text.replace(",", "+").split("+"):
        lo, sep, hi = part.strip().partition("-")
        try:
            a = int(lo)
            b = int(hi) if sep else a
        except ValueError:
            raise ValueError(f"days must be 'all', a day like 3, a range like 0-6, or "
                             f"several joined by + (0-2+5), got {text!r}") from None
        if a < 0 or b < a:
            raise ValueError(f"day range {part.strip()!r} must run from a day >= 0 upwards")
        if b > MAX_DAY:  # checked before the range is expanded
            raise _beyond_last_day(b)
        days.update(range(a, b + 1))
    return _days(days)


def _parse_factors(text: str) -> list[tuple[float, Days]]:
    """``'0.5'`` → ``[(0.5, None)]``; ``'0.5@0-2;2@5'`` → two entries."""
    out = []
    for part in text.split(";"):
        if not part.strip():
            continue
        factor, at, days = part.partition("@")
        try:
            x = float(factor)
        except ValueError:
            raise ValueError(f"must be a factor like 0.5 or 0.5@0-6, got {part.strip()!r}"
                             ) from None
        if not math.isfinite(x) or x < 0:
            raise ValueError(f"factor must be a finite number >= 0, got {factor.strip()!r}")
        out.append((x, _parse_days(days) if at else None))
    if not out:
        raise ValueError("is empty")
    return out


def _cell_model_value(key: str, text: str) -> Any:
    """Text → typed value for ``check_model`` (which reports what is still wrong)."""
    kind = MODEL_KEYS[key].kind
    low = text.strip().lower()
    if low == "none":
        return None
    if kind == "bool":
        return {"true": True, "yes": True, "1": True,
                "false": False, "no": False, "0": False}.get(low, text)
    if kind in ("int", "float"):
        try:
            return float(low)
        except ValueError:
            return text
    return text.strip()


def _is_empty(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _spec_from_cells(cells: Mapping[str, Any], source: str, row: str,
                     problems: list[Problem]) -> ScenarioSpec | None:
    """One table row → spec; problems (file, column, row) are appended, ``None`` returned."""
    model: dict[str, Any] = {}
    outages, capacity, surges = [], [], []
    sites, label, weight = None, "", 1.0
    given: dict[str, str] = {}
    n_problems = len(problems)
    for column, value in cells.items():
        if _is_empty(value):
            continue
        text = _format_value(value) if not isinstance(value, str) else value.strip()
        kind, colon, target = column.partition(":")
        try:
            if column == "label":
                label = text
                continue
            if column == "weight":
                weight = float(text)
                if not math.isfinite(weight) or weight < 0:
                    raise ValueError(f"must be a finite number >= 0, got {text!r}")
                continue
            if column in MODEL_KEYS:
                model[column] = (_cell_model_value(column, text) if isinstance(value, str)
                                 else _model_value(column, value))
            elif column == "sites":
                sites = [] if text.lower() == "none" else [
                    s.strip() for s in text.replace(",", "+").split("+") if s.strip()]
            elif colon and kind == "outage" and target:
                outages.append(Outage(target, _parse_days(text)))
            elif colon and kind == "capacity" and target:
                capacity += [CapacityChange(target, x, d) for x, d in _parse_factors(text)]
            elif colon and kind == "surge" and target:
                surges += [DemandSurge(target, x, d) for x, d in _parse_factors(text)]
            else:  # reported once per column by _check_columns
                continue
            # the label: numbers given as numbers to 6 significant digits, text as typed
            given[column] = text if isinstance(value, str) else _readable_value(value)
        except ValueError as e:
            problems.append(Problem(source, column, row, str(e)))
    if len(problems) > n_problems:
        return None
    return ScenarioSpec(model=model, outages=outages, capacity_changes=capacity, surges=surges,
                        sites=sites, label=label or _label(given), weight=weight)


def _check_columns(columns: Sequence[str], source: str, problems: list[Problem]) -> None:
    known = ["label", "weight", "sites", *MODEL_KEYS]
    for column in columns:
        kind, colon, target = str(column).partition(":")
        if column in known or (colon and kind in _EVENT_KINDS and target):
            continue
        if colon and kind in _EVENT_KINDS:  # "surge:" with nothing after the colon
            what = "region" if kind == "surge" else "facility"
            message = f"names no {what}: write {kind}:<{what}>"
        elif colon:
            hint = closest(kind, _EVENT_KINDS)
            message = f"unknown event kind {kind!r}{hint}: use outage:, capacity: or surge:"
        else:
            message = (f"unknown column{closest(str(column), known)}: columns are label, "
                       "weight, sites, [model] keys, outage:<facility>, capacity:<facility> "
                       "and surge:<region>")
        problems.append(Problem(source, str(column), None, message))


def scenarios_from_frame(frame: pd.DataFrame, network: Network | None = None, *,
                         source: str = "scenarios (DataFrame)",
                         rows: Sequence[str] | None = None) -> list[ScenarioSpec]:
    """Scenario specs from a table, one row per scenario (columns: see the module).

    Parameters
    ----------
    frame : DataFrame
        Cells as text or Python values; empty cells (``""``, ``None``, NaN) keep the base
        value.
    network : Network, optional
        Check facility ids, regions, candidate ids, days and ``[model]`` values against it
        (see :func:`check_scenarios`).
    source, rows : str, sequence of str
        How problems name the table and its rows (default: ``row <index label>``).

    Raises
    ------
    InputError
        Listing every problem (column, row), including two rows declaring the same
        scenario.

    Examples
    --------
    >>> t = pd.DataFrame({"label": ["base", "surge"], "surge:North": ["", "1.5@0-2"]})
    >>> [s.surges for s in scenarios_from_frame(t)]
    [(), (DemandSurge(region='North', factor=1.5, days=(0, 1, 2)),)]
    """
    problems: list[Problem] = []
    _check_columns(list(frame.columns), source, problems)
    rows = list(rows) if rows is not None else [f"row {i}" for i in frame.index]
    specs: list[ScenarioSpec] = []
    where: dict[str, str] = {}
    records = frame.to_dict("records")
    for record, row in zip(records, rows, strict=True):
        # a column not named by a string is reported by _check_columns and skipped here
        spec = _spec_from_cells({str(c): v for c, v in record.items()}, source, row, problems)
        if spec is None:
            continue
        if spec.id in where:
            problems.append(Problem(source, None, row, f"declares the same scenario as "
                                    f"{where[spec.id]} (id {spec.id})"))
            continue
        where[spec.id] = row
        specs.append(spec)
        if network is not None:
            problems += _spec_problems(network, spec, source, row)
    if problems:
        raise InputError(problems)
    if not specs:
        raise InputError([Problem(source, None, None, "declares no scenario")])
    return specs


def read_scenarios(path: str | Path, network: Network | None = None) -> list[ScenarioSpec]:
    """Read ``scenarios.csv`` (UTF-8, comma-separated, one row per scenario).

    Problems name the file, column and line. See :func:`scenarios_from_frame`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "scenarios.csv"
    >>> _ = f.write_text("label,budget,outage:P1\\nbase,,\\nP1 down,1e6,0-6\\n")
    >>> [(s.label, dict(s.model)) for s in read_scenarios(f)]
    [('base', {}), ('P1 down', {'budget': 1000000.0})]
    >>> _ = f.write_text("label,budgett\\nx,5\\n")
    >>> read_scenarios(f)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    o2opt.errors.InputError: 1 problem in the input:
      - scenarios.csv, column budgett: unknown column (did you mean 'budget'?): ...
    """
    from o2opt.io import _file_state

    path = Path(path)
    source = path.name
    state = _file_state(path)
    if state != "file":  # a device or a pipe would be read forever
        why = "cannot be read: it does not exist" if state == "absent" else state
        raise InputError([Problem(source, None, None, why)])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise InputError([Problem(source, None, None, f"cannot be read: {e}")]) from None
    reader = csv.reader(text.splitlines(keepends=True))
    header: list[str] | None = None
    body: list[list[str]] = []
    lines: list[str] = []
    problems: list[Problem] = []
    for record in reader:
        if not any(cell.strip() for cell in record):
            continue
        if header is None:
            header = [c.strip() for c in record]
            continue
        line = f"line {reader.line_num}"
        if len(record) != len(header) and any(c.strip() for c in record[len(header):]):
            problems.append(Problem(source, None, line, f"has {len(record)} fields, the "
                                    f"header has {len(header)}"))
            continue
        body.append((record + [""] * len(header))[:len(header)])
        lines.append(line)
    if header is None:
        raise InputError([Problem(source, None, None, "is empty: it needs a header row")])
    dupes = sorted({c for c in header if header.count(c) > 1})
    problems += [Problem(source, c, "line 1", "column appears more than once") for c in dupes]
    if problems:
        raise InputError(problems)
    frame = pd.DataFrame(body, columns=header, dtype=object)
    return scenarios_from_frame(frame, network, source=source, rows=lines)


def grid(values: Mapping[str, Sequence[Any]], network: Network | None = None
         ) -> list[ScenarioSpec]:
    """Every combination of the values given per column (columns as in a scenario table).

    The last column varies fastest. An empty string (or ``None``) is "no change".

    Examples
    --------
    >>> [s.label for s in grid({"budget": [0, 1e6], "max_new_sites": [1, 2]})]
    ['budget=0, max_new_sites=1', 'budget=0, max_new_sites=2', \
'budget=1000000, max_new_sites=1', 'budget=1000000, max_new_sites=2']
    """
    columns = list(values)
    lists = [list(values[c]) for c in columns]
    if math.prod(map(len, lists)) > MAX_GRID_SCENARIOS:
        sizes = " x ".join(str(len(v)) for v in lists)
        raise InputError([Problem("--grid", None, None, f"declares {sizes} = "
                                  f"{math.prod(map(len, lists)):,} scenarios; at most "
                                  f"{MAX_GRID_SCENARIOS:,} (split the sweep)")])
    combos = list(itertools.product(*lists))
    frame = pd.DataFrame(combos, columns=columns, dtype=object)
    rows = [", ".join(f"{c}={v}" for c, v in zip(columns, combo, strict=True))
            for combo in combos]
    return scenarios_from_frame(frame, network, source="--grid", rows=rows)


# --------------------------------------------------------------------------- checks
def _spec_problems(network: Network, spec: ScenarioSpec, source: str, row: str
                   ) -> list[Problem]:
    """Everything wrong with ``spec`` for ``network`` (ids, regions, days, model values)."""
    problems: list[Problem] = []
    n_days: int | None = network.scenario.horizon_days
    try:
        n_days = check_model({**network.scenario.as_dict(), **dict(spec.model)}).horizon_days
    except InputError as e:
        problems += [dataclasses.replace(p, source=source, row=row) for p in e.problems]
        if any(p.column == "horizon_days" for p in e.problems):
            n_days = None  # unknown: days cannot be checked
    kind_of = {i: k for k in (*_FACILITY_KINDS, "hospitals")
               for i in getattr(network, k)["id"]}
    facilities = [i for i, k in kind_of.items() if k != "hospitals"]
    regions = sorted({r for r in network.hospitals["region"] if r})

    def check_days(column: str, days: Days) -> None:
        if days is not None and n_days is not None and days[-1] >= n_days:
            span = "day 0 only" if n_days == 1 else f"days 0-{n_days - 1}"
            problems.append(Problem(source, column, row, f"day {days[-1]} is beyond the "
                                    f"horizon (horizon_days = {n_days}: {span})"))

    events: list[Outage | CapacityChange] = [*spec.outages, *spec.capacity_changes]
    for event in events:
        column = f"{'outage' if isinstance(event, Outage) else 'capacity'}:{event.facility}"
        kind = kind_of.get(event.facility)
        if kind is None:
            problems.append(Problem(source, column, row, f"{event.facility!r} is not a "
                                    f"producer, station or candidate"
                                    f"{closest(event.facility, facilities)}"))
        elif kind == "hospitals":
            problems.append(Problem(source, column, row, f"{event.facility!r} is a hospital; "
                                    "events apply to producers, stations and candidates "
                                    "(use surge:<region> for demand)"))
        check_days(column, event.days)
    for surge in spec.surges:
        column = f"surge:{surge.region}"
        if surge.region not in regions and surge.region != NATIONAL:
            listed = ", ".join(regions[:12]) or "none: the hospitals table has no region"
            problems.append(Problem(source, column, row, f"no hospital has region "
                                    f"{surge.region!r}{closest(surge.region, regions)} "
                                    f"(regions: {listed})"))
        check_days(column, surge.days)
    if spec.sites is not None:
        known = set(network.candidates["id"])
        for site in spec.sites:
            if site not in known:
                problems.append(Problem(source, "sites", row, f"{site!r} is not a candidate"
                                        f"{closest(site, sorted(known))}"))
    return problems


def check_scenarios(network: Network, specs: Iterable[ScenarioSpec], *,
                    source: str = "scenarios") -> None:
    """Raise :class:`~o2opt.errors.InputError` listing every problem of ``specs`` for
    ``network``: unknown facilities, regions or candidates, days beyond the horizon, bad
    ``[model]`` values, the same scenario twice.

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> check_scenarios(net, [ScenarioSpec(outages=[Outage("p-bagdad-asu")])])
    Traceback (most recent call last):
    ...
    o2opt.errors.InputError: 1 problem in the input:
      - scenarios, column outage:p-bagdad-asu, scenario 0 (outage:p-bagdad-asu=all): \
'p-bagdad-asu' is not a producer, station or candidate (did you mean 'p-baghdad-asu'?)
    """
    problems: list[Problem] = []
    seen: dict[str, str] = {}
    for i, spec in enumerate(specs):
        row = f"scenario {i} ({spec.label})"
        if spec.id in seen:
            problems.append(Problem(source, None, row, f"is the same scenario as "
                                    f"{seen[spec.id]} (id {spec.id})"))
        seen.setdefault(spec.id, row)
        problems += _spec_problems(network, spec, source, row)
    if problems:
        raise InputError(problems)


# --------------------------------------------------------------------------- apply
def apply_scenario(network: Network, spec: ScenarioSpec) -> Network:
    """The network of scenario ``spec``: the base ``network`` with its changes applied.

    - ``[model]`` keys: :meth:`Network.with_model`.
    - Outages and capacity changes: rows of the ``availability`` table (extension of
      docs/model.md), multiplied into any base row of the same facility-day.
    - Demand surges: the ``demand_m3`` rows of the region's hospitals on those days are
      multiplied; without a ``demand`` table, ``demand_m3_day`` is multiplied when the
      surge lasts the whole horizon, otherwise a ``demand`` table equal to
      ``demand_m3_day`` on every day is written first (same net demand, exactly).
    - ``sites``: candidates not in the plan are removed (with their routes and
      availability rows), the plan's candidates get ``fixed_cost`` 0, and ``budget`` and
      ``max_new_sites`` are unset. Opening a free site never raises the cost, so the
      optimum equals the optimum with exactly the plan open, minus the plan's fixed cost
      (which :func:`o2opt.sweeps.sweep` adds back).

    Raises
    ------
    InputError
        When ``spec`` does not fit ``network`` (see :func:`check_scenarios`).

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> down = apply_scenario(net, ScenarioSpec(outages=[Outage("p-baghdad-asu")]))
    >>> down.capacity_factor("producers")[:, 0].tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    problems = _spec_problems(network, spec, "scenario", spec.label)
    if problems:
        raise InputError(problems)
    scenario = network.scenario.replace(**dict(spec.model)) if spec.model else network.scenario
    n_days = scenario.horizon_days
    changes: dict[str, Any] = {}
    events = [(o.facility, 0.0, o.days) for o in spec.outages]
    events += [(c.facility, c.factor, c.days) for c in spec.capacity_changes]
    if events:
        changes["availability"] = _availability(network.availability, events, n_days)
    if spec.surges:
        changes.update(_surge(network, spec.surges, n_days))
    if spec.sites is not None:
        changes.update(_fix_sites(network, spec.sites, changes.get("availability")))
        scenario = scenario.replace(budget=None, max_new_sites=None)
    if not changes and scenario == network.scenario:
        return network
    # checked as a whole: a surge or capacity change can overflow to an infinite value
    return network.replace(scenario=scenario, **changes, source=f"scenario {spec.label}")


def _availability(base: pd.DataFrame, events: list[tuple[str, float, Days]],
                  n_days: int) -> pd.DataFrame:
    factor = {(f, int(d)): float(a) for f, d, a in
              zip(base["facility"], base["day"], base["capacity_factor"], strict=True)}
    for facility, x, days in events:
        for d in range(n_days) if days is None else days:
            factor[(facility, d)] = factor.get((facility, d), 1.0) * x
    keys = list(factor)
    return pd.DataFrame({
        "facility": pd.Series([k[0] for k in keys], dtype=object),
        "day": np.array([k[1] for k in keys], dtype=np.int64),
        "capacity_factor": np.array([factor[k] for k in keys], dtype=float),
    })


def _surge(net: Network, surges: Sequence[DemandSurge], n_days: int) -> dict[str, pd.DataFrame]:
    hospitals = net.hospitals
    region_of = dict(zip(hospitals["id"], hospitals["region"], strict=True))
    if not len(net.demand) and all(s.days is None for s in surges):
        h = hospitals.copy()
        for s in surges:
            h.loc[(h["region"] == s.region) | (s.region == NATIONAL), "demand_m3_day"] *= s.factor
        return {"hospitals": h}
    if len(net.demand):
        demand = net.demand.copy()
    else:  # the same demand on every day, written out, so that days can differ
        demand = pd.DataFrame({
            "hospital": pd.Series(np.repeat(hospitals["id"].to_numpy(object), n_days),
                                  dtype=object),
            "day": np.tile(np.arange(n_days, dtype=np.int64), len(hospitals)),
            "demand_m3": np.repeat(hospitals["demand_m3_day"].to_numpy(float), n_days),
        })
    region = demand["hospital"].map(region_of).to_numpy(object)
    day = demand["day"].to_numpy(np.int64)
    values = demand["demand_m3"].to_numpy(float).copy()
    for s in surges:
        hit = (region == s.region) | (s.region == NATIONAL)
        if s.days is not None:
            hit &= np.isin(day, s.days)
        values[hit] *= s.factor
    demand["demand_m3"] = values
    return {"demand": demand}


def _fix_sites(net: Network, sites: Sequence[str], availability: pd.DataFrame | None
               ) -> dict[str, pd.DataFrame]:
    cands = net.candidates
    keep = cands["id"].isin(sites).to_numpy()
    dropped = set(cands["id"][~keep])
    fixed = cands[keep].reset_index(drop=True)
    fixed["fixed_cost"] = 0.0
    fixed[["capex", "lifetime_years", "opex_per_year"]] = np.nan  # built: no cost at all
    av = net.availability if availability is None else availability
    routes = net.routes
    return {
        "candidates": fixed,
        "routes": routes[~routes["origin"].isin(dropped).to_numpy()].reset_index(drop=True),
        "availability": av[~av["facility"].isin(dropped).to_numpy()].reset_index(drop=True),
    }
