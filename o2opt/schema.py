"""The declared shape of every input table and of the ``[model]`` parameters.

One declaration per column — name, dtype, unit, default, bounds, description — used by
:mod:`o2opt.validate` to check and convert, by :mod:`o2opt.io` to write, and by the docs
(:func:`markdown`) to describe the input format. docs/input.md states the contract
these follow, and ``tests/test_docs_contract.py`` keeps the two in step.

Examples
--------
>>> TABLES["hospitals"].required
('id', 'lat', 'lon', 'demand_m3_day')
>>> TABLES["candidates"].column("fill_capacity_cyl_day").default
inf
>>> MODEL_KEYS["cylinder_m3"].default
6.8
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["DECISIONS", "FACILITY_TABLES", "MAX_MONEY", "MAX_QUANTITY", "MAX_THREADS",
           "MODEL_KEYS", "TABLES", "Column", "ModelKey", "Table", "magnitude_limit", "markdown"]

Dtype = Literal["str", "float", "int", "bool"]
REQUIRED = object()  # sentinel: the column has no default
#: Most solver threads accepted (HiGHS aborts the process on absurd counts such as 100000).
MAX_THREADS = 256
#: Largest absolute value of a quantity in the input (m3, cylinders, km, days, factors, ...),
#: and of a hospital's net demand on a day: far above any real figure, far below what the
#: solvers take for infinite (1e20) or cannot resolve to their tolerances.
MAX_QUANTITY = 1e9
#: Largest absolute value of a money figure in the input (costs, penalties, the budget);
#: the solver sees costs scaled down by a power of two (:func:`o2opt.solve.cost_scale`).
MAX_MONEY = 1e15


def magnitude_limit(name: str, unit: str = "") -> float:
    """The largest absolute value column or ``[model]`` key ``name`` may hold.

    Examples
    --------
    >>> magnitude_limit("fixed_cost", "money"), magnitude_limit("demand_m3_day", "m3/day")
    (1000000000000000.0, 1000000000.0)
    >>> magnitude_limit("unmet_penalty_per_m3")
    1000000000000000.0
    """
    money = "money" in unit or any(w in name for w in ("cost", "penalty", "budget"))
    return MAX_MONEY if money else MAX_QUANTITY


@dataclass(frozen=True)
class Column:
    """One column of an input table.

    ``minimum``/``maximum`` bound the value (inclusive); ``positive`` demands ``> 0``.
    ``default`` is :data:`REQUIRED` for a column that must be given.
    """

    name: str
    dtype: Dtype
    unit: str
    description: str
    default: Any = REQUIRED
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    allow_inf: bool = False

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class Table:
    """An input table: its file name, its columns and the column(s) that key its rows."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _id(what: str) -> Column:
    return Column("id", "str", "", f"unique id of the {what} (unique across all facility tables)")


def _lat() -> Column:
    return Column("lat", "float", "degree", "WGS84 latitude", minimum=-90, maximum=90)


def _lon() -> Column:
    return Column("lon", "float", "degree", "WGS84 longitude", minimum=-180, maximum=180)


def _name() -> Column:
    return Column("name", "str", "", "display name", default="")


#: Extension columns shared by stations and candidates (the filling points).
_FILLING_POINT_EXTENSIONS = (
    Column("fleet_cylinders", "float", "cylinders",
           "extension: cylinders this filling point owns (empty: unlimited, no fleet limit)",
           default=math.inf, minimum=0, allow_inf=True),
    Column("trucks", "float", "trucks", "truck extension: delivery trucks (empty: not modelled)",
           default=math.inf, minimum=0, allow_inf=True),
    Column("truck_capacity_cyl", "float", "cylinders/trip",
           "truck extension: cylinders one truck carries (required with trucks)",
           default=math.nan, positive=True),
    Column("truck_trips_day", "float", "trips/day",
           "truck extension: trips one truck makes per day", default=1.0, positive=True),
)

#: Investment columns of every row that can be opened or chosen (docs/model.md, "Investment"):
#: exactly one of ``fixed_cost`` or ``capex`` on such a row, and none on any other.
def _investment(fixed_cost_text: str) -> tuple[Column, ...]:
    return (
        Column("fixed_cost", "float", "money", fixed_cost_text, default=math.nan, minimum=0),
        Column("capex", "float", "money",
               "capital cost, spent once (instead of fixed_cost; see [model] discount_rate)",
               default=math.nan, minimum=0),
        Column("lifetime_years", "float", "years",
               "with capex: years over which the capital is repaid (empty: 10)",
               default=math.nan, positive=True),
        Column("opex_per_year", "float", "money/year",
               "with capex: running cost per year (empty: 0)", default=math.nan, minimum=0),
    )


#: Whether a candidate is forced: free (the optimiser decides), open or closed.
DECISIONS = ("free", "open", "closed")


def _decision() -> Column:
    return Column("decision", "str", "",
                  "candidates only: free (default), open (forced open, e.g. under "
                  "construction) or closed (ruled out)", default="free")


def _candidate_columns(what: str) -> tuple[Column, ...]:
    return (
        Column("candidate", "bool", "",
               f"true: a possible new {what}, used only if opened", default=False),
        *_investment(f"candidates only: cost of opening the {what}, over the horizon "
                     "(or give capex)"),
        _decision(),
    )


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "hospitals",
            "Places that consume oxygen (the only required table).",
            (
                _id("hospital"),
                _lat(),
                _lon(),
                Column("demand_m3_day", "float", "m3/day", "oxygen need per day", minimum=0),
                _name(),
                Column("region", "str", "", "governorate or other region label", default=""),
                Column(
                    "onsite_m3_day", "float", "m3/day",
                    "own production (e.g. a PSA plant) netted off demand", default=0.0, minimum=0,
                ),
                Column(
                    "priority", "float", "", "weight on the unmet-demand penalty",
                    default=1.0, minimum=0,
                ),
                Column("stock_capacity_m3", "float", "m3",
                       "storage extension: full-cylinder stock the hospital can hold "
                       "(0: none)", default=0.0, minimum=0),
                Column("initial_stock_m3", "float", "m3",
                       "storage extension: stock at the start of day 0 (at most "
                       "stock_capacity_m3)", default=0.0, minimum=0),
                Column("safety_stock_m3", "float", "m3",
                       "storage extension: target stock at every day's end (at most "
                       "stock_capacity_m3; each m3 short costs the unmet penalty)", default=0.0,
                       minimum=0),
                Column("lox_tank_m3", "float", "m3",
                       "tanker extension: liquid-oxygen tank at the hospital, as m3 of gas "
                       "(0: none)", default=0.0, minimum=0),
                Column("vaporiser_m3_day", "float", "m3/day",
                       "tanker extension: most gas the vaporiser delivers a day",
                       default=math.inf, minimum=0, allow_inf=True),
                Column("initial_lox_m3", "float", "m3",
                       "tanker extension: tank content at the start of day 0 (at most "
                       "lox_tank_m3)", default=0.0,
                       minimum=0),
                Column(
                    "min_service_share", "float", "",
                    "extension: share of each day's net demand that must be met "
                    "(empty: the [model] min_service_share)", default=math.nan, minimum=0,
                    maximum=1,
                ),
            ),
            ("id",),
        ),
        Table(
            "demand",
            "Demand per hospital and day; replaces demand_m3_day when it has rows.",
            (
                Column("hospital", "str", "", "hospital id"),
                Column("day", "int", "day", "day index 0..horizon_days-1", minimum=0),
                Column("demand_m3", "float", "m3", "oxygen need on that day", minimum=0),
            ),
            ("hospital", "day"),
        ),
        Table(
            "producers",
            "Existing bulk oxygen sources (air-separation plants, large PSA plants).",
            (
                _id("producer"),
                _lat(),
                _lon(),
                Column("capacity_m3_day", "float", "m3/day", "production capacity", minimum=0),
                _name(),
                Column("kind", "str", "", "e.g. ASU or PSA", default=""),
                Column("cost_per_m3", "float", "money/m3", "production cost", default=0.0,
                       minimum=0),
                Column("tank_capacity_m3", "float", "m3",
                       "storage extension: liquid-oxygen tank, as m3 of gas (0: none)",
                       default=0.0, minimum=0),
                Column("initial_tank_m3", "float", "m3",
                       "storage extension: tank content at the start of day 0 (at most "
                       "tank_capacity_m3)", default=0.0,
                       minimum=0),
                Column("tankers", "float", "tankers",
                       "tanker extension: liquid-oxygen tankers delivering to hospital "
                       "tanks (0: none)", default=0.0, minimum=0),
                Column("tanker_capacity_m3", "float", "m3/trip",
                       "tanker extension: one tanker load, as m3 of gas (required with "
                       "tankers)", default=math.nan, positive=True),
                *_candidate_columns("producer"),
            ),
            ("id",),
        ),
        Table(
            "stations",
            "Cylinder filling stations, supplied in bulk by producers.",
            (
                _id("station"),
                _lat(),
                _lon(),
                Column("fill_capacity_cyl_day", "float", "cylinders/day", "filling capacity",
                       minimum=0),
                _name(),
                Column("fill_cost_per_cyl", "float", "money/cylinder",
                       "cost of filling one cylinder", default=0.0, minimum=0),
                *_FILLING_POINT_EXTENSIONS,
                *_candidate_columns("station"),
            ),
            ("id",),
        ),
        Table(
            "candidates",
            "Possible new plants that produce and fill cylinders themselves.",
            (
                _id("candidate"),
                _lat(),
                _lon(),
                Column("capacity_m3_day", "float", "m3/day", "production capacity if opened",
                       minimum=0),
                _name(),
                Column("kind", "str", "", "e.g. PSA", default=""),
                Column("cost_per_m3", "float", "money/m3", "production cost", default=0.0,
                       minimum=0),
                Column("fill_capacity_cyl_day", "float", "cylinders/day",
                       "filling capacity (empty: unlimited)", default=math.inf, minimum=0,
                       allow_inf=True),
                *_FILLING_POINT_EXTENSIONS,
                *_investment("cost of opening the site, over the horizon (required unless "
                             "capex is given)"),
                _decision(),
            ),
            ("id",),
        ),
        Table(
            "options",
            "Capacity options (off when absent): ways to add capacity to a producer, station, "
            "plant or hospital; at most one per facility, an option of a candidate only if it "
            "is opened.",
            (
                Column("facility", "str", "", "producer, station, candidate or hospital id"),
                Column("option", "str", "", "option name, unique per facility"),
                Column("extra_capacity", "float", "m3/day or cylinders/day",
                       "capacity added: m3/day for producers, plants (capacity_m3_day) and "
                       "hospitals (onsite_m3_day); cylinders/day for stations", minimum=0),
                *_investment("cost of the option over the horizon (or give capex)"),
                Column("decision", "str", "",
                       "free (default), open (forced: chosen) or closed (ruled out)",
                       default="free"),
            ),
            ("facility", "option"),
        ),
        Table(
            "availability",
            "Extension (off when absent): share of a producer's, station's or candidate's "
            "capacity available on a day (0 = outage); a missing facility-day is 1.",
            (
                Column("facility", "str", "", "producer, station or candidate id"),
                Column("day", "int", "day", "day index 0..horizon_days-1", minimum=0),
                Column("capacity_factor", "float", "", "multiplies every capacity of the "
                       "facility on that day", minimum=0),
            ),
            ("facility", "day"),
        ),
        Table(
            "routes",
            "Explicit arcs: replace the computed distance or cost of an arc, or list the arcs "
            "that exist when routes_only is true.",
            (
                Column("origin", "str", "", "filling point (cylinder arc) or producer (bulk arc)"),
                Column("destination", "str", "", "hospital (cylinder arc) or station (bulk arc)"),
                Column("distance_km", "float", "km", "replaces the computed distance",
                       default=math.nan, minimum=0),
                Column("cost_per_unit", "float", "money/unit",
                       "replaces the transport cost of one cylinder (cylinder arc) or one m3 "
                       "(bulk arc)", default=math.nan, minimum=0),
            ),
            ("origin", "destination"),
        ),
    )
}

#: Tables whose ``id`` column names a facility (ids are unique across all of them).
FACILITY_TABLES = ("hospitals", "producers", "stations", "candidates")


@dataclass(frozen=True)
class ModelKey:
    """One key of the ``[model]`` table of ``scenario.toml``."""

    name: str
    kind: Literal["int", "float", "bool", "str"]
    default: Any
    description: str
    minimum: float | None = None
    maximum: float | None = None
    positive: bool = False
    optional: bool = False  # ``None`` (absent) is a valid value
    choices: tuple[str, ...] = field(default=())


MODEL_KEYS: dict[str, ModelKey] = {
    k.name: k
    for k in (
        ModelKey("horizon_days", "int", 1, "number of days D (at most ten years)",
                 positive=True, maximum=3660),
        ModelKey("cylinder_m3", "float", 6.8, "m3 of gas per cylinder (J size: 6.8)",
                 positive=True),
        ModelKey("cost_per_cylinder_km", "float", 0.05,
                 "delivery cost of one cylinder per km, filling point to hospital", minimum=0),
        ModelKey("bulk_cost_per_m3_km", "float", 0.002,
                 "cost of moving 1 m3 from producer to station per km", minimum=0),
        ModelKey("unmet_penalty_per_m3", "float", 1000.0,
                 "cost of 1 m3 of unmet demand, times the hospital's priority", minimum=0),
        ModelKey("allow_unmet", "bool", True, "false: unmet demand is forbidden"),
        ModelKey("demand_multiplier", "float", 1.0, "scales every demand figure", minimum=0),
        ModelKey("circuity", "float", 1.3, "road km per great-circle km", positive=True),
        ModelKey("max_delivery_km", "float", None, "cylinder arcs longer than this do not exist",
                 positive=True, optional=True),
        ModelKey("budget", "float", None,
                 "upper bound on the fixed cost of opened candidates and chosen options",
                 minimum=0, optional=True),
        ModelKey("max_new_sites", "int", None,
                 "upper bound on the number of opened candidates (of every table)",
                 minimum=0, optional=True),
        ModelKey("discount_rate", "float", 0.08,
                 "yearly rate at which capex is annualised (capital recovery factor)",
                 minimum=0),
        ModelKey("capital_budget", "float", None,
                 "upper bound on the capex of everything opened or chosen", minimum=0,
                 optional=True),
        ModelKey("currency", "str", None, "label of the money unit (e.g. IQD, USD)",
                 optional=True),
        ModelKey("integer_cylinders", "bool", False, "cylinder counts integral"),
        ModelKey("routes_only", "bool", False, "only the arcs listed in routes.csv exist"),
        ModelKey("single_source", "bool", False,
                 "extension: each hospital served by one filling point at most"),
        ModelKey("truck_speed_km_h", "float", 40.0,
                 "fleet extension: average delivery speed", positive=True),
        ModelKey("working_hours_day", "float", 8.0,
                 "fleet extension: driving hours per day", positive=True),
        ModelKey("hospital_dwell_days", "float", 1.0,
                 "fleet extension: days a cylinder stays at the hospital", minimum=0),
        ModelKey("cylinder_loss_rate", "float", 0.0,
                 "fleet extension: share of delivered cylinders never returned", minimum=0),
        ModelKey("tanker_unload_days", "float", 0.25,
                 "tanker extension: days a tanker spends filling a hospital tank",
                 minimum=0),
        ModelKey("cost_per_truck_km", "float", 0.0,
                 "truck extension: cost of one truck per km driven (round trip)", minimum=0),
        ModelKey("integer_trucks", "bool", False, "truck extension: whole truck trips"),
        ModelKey("min_service_share", "float", 0.0,
                 "equity extension: share of every hospital's daily net demand to meet",
                 minimum=0, maximum=1),
        ModelKey("region_min_service_share", "float", 0.0,
                 "equity extension: share of each region's daily net demand to meet",
                 minimum=0, maximum=1),
        ModelKey("objective", "str", "cost",
                 "cost: the canonical objective; lexicographic: first minimise "
                 "priority-weighted unmet demand, then cost holding it",
                 choices=("cost", "lexicographic")),
        ModelKey("shortage_sharing", "str", "cost",
                 "cost: one penalty per unmet m3; even: the unmet share of each "
                 "hospital-day's net demand in four segments at 1, 2, 4, 8 times the penalty",
                 choices=("cost", "even")),
        ModelKey("marginal_values", "bool", False,
                 "with integer variables, also solve the LP with them fixed and write the "
                 "marginal values of capacities and demand (always written for an LP)"),
        ModelKey("solver", "str", "highs", "solver: highs or cbc", choices=("highs", "cbc")),
        ModelKey("time_limit_s", "float", None, "solver time limit in seconds", positive=True,
                 optional=True),
        ModelKey("mip_gap", "float", None, "relative MIP gap at which to stop", minimum=0,
                 optional=True),
        ModelKey("threads", "int", None, "solver threads, and how many independent days are "
                 f"solved at once, 1 to {MAX_THREADS} (default: one per core)", positive=True,
                 maximum=MAX_THREADS, optional=True),
    )
}


def markdown() -> str:
    """Describe every table and ``[model]`` key as Markdown (used to build ``docs/input.md``).

    Examples
    --------
    >>> "| demand_m3_day | float | m3/day | required |" in markdown()
    True
    """
    out: list[str] = []
    for table in TABLES.values():
        out += [f"### `{table.file}`", "", table.description, "",
                "| column | dtype | unit | default | description |", "|---|---|---|---|---|"]
        for c in table.columns:
            default = "required" if c.required else ("empty" if c.default == "" else c.default)
            out.append(f"| {c.name} | {c.dtype} | {c.unit} | {default} | {c.description} |")
        out.append("")
    out += ["### `scenario.toml`, table `[model]`", "",
            "| key | type | default | description |", "|---|---|---|---|"]
    for k in MODEL_KEYS.values():
        default = "none" if k.default is None else str(k.default).lower()
        out.append(f"| {k.name} | {k.kind} | {default} | {k.description} |")
    return "\n".join(out) + "\n"
