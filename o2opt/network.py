"""The validated input: typed facility tables plus the frozen ``[model]`` parameters.

A :class:`Network` is what every later step reads. Build one with
:func:`o2opt.read_network` (a folder or GeoPackage) or :func:`o2opt.from_frames`
(DataFrames / GeoDataFrames), and change one with :meth:`Network.replace` or
:meth:`Network.with_model`. Every way of making a ``Network`` validates it, including
``Network(...)`` and :func:`dataclasses.replace`, so a ``Network`` in hand is always
consistent.

This module imports neither :mod:`o2opt.io` nor :mod:`o2opt.validate` when it is loaded
(data flows ``io -> validate -> network``); the methods that validate or write import them
when called.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["Network", "Scenario"]


@dataclass(frozen=True)
class Scenario:
    """The ``[model]`` parameters of a scenario (docs/input.md); every field has its default.

    Examples
    --------
    >>> s = Scenario(horizon_days=7)
    >>> s.horizon_days, s.cylinder_m3, s.allow_unmet
    (7, 6.8, True)
    >>> s.replace(budget=1e6).budget
    1000000.0
    """

    horizon_days: int = 1
    cylinder_m3: float = 6.8
    cost_per_cylinder_km: float = 0.05
    bulk_cost_per_m3_km: float = 0.002
    unmet_penalty_per_m3: float = 1000.0
    allow_unmet: bool = True
    demand_multiplier: float = 1.0
    circuity: float = 1.3
    max_delivery_km: float | None = None
    budget: float | None = None
    max_new_sites: int | None = None
    discount_rate: float = 0.08
    capital_budget: float | None = None
    currency: str | None = None
    integer_cylinders: bool = False
    routes_only: bool = False
    single_source: bool = False
    truck_speed_km_h: float = 40.0
    working_hours_day: float = 8.0
    hospital_dwell_days: float = 1.0
    cylinder_loss_rate: float = 0.0
    tanker_unload_days: float = 0.25
    cost_per_truck_km: float = 0.0
    integer_trucks: bool = False
    min_service_share: float = 0.0
    region_min_service_share: float = 0.0
    objective: str = "cost"
    shortage_sharing: str = "cost"
    marginal_values: bool = False
    solver: str = "highs"
    time_limit_s: float | None = None
    mip_gap: float | None = None
    threads: int | None = None

    def replace(self, **changes: Any) -> Scenario:
        """A copy with ``changes`` applied, checked like ``scenario.toml`` would be."""
        from o2opt.validate import check_model

        return check_model({**self.as_dict(), **changes}, source="Scenario.replace")

    def as_dict(self, *, skip_none: bool = False) -> dict[str, Any]:
        """The parameters as a plain dict (``skip_none`` drops unset optional keys)."""
        d = dataclasses.asdict(self)
        return {k: v for k, v in d.items() if v is not None} if skip_none else d


@dataclass(frozen=True, eq=False)
class Network:
    """A validated oxygen supply network.

    Attributes are pandas DataFrames with the columns declared in :mod:`o2opt.schema`
    (ids as strings, numbers as float64, missing optional values filled with defaults),
    and the :class:`Scenario`.

    Constructing one checks it as :func:`o2opt.from_frames` does (``Network(...)`` and
    :func:`dataclasses.replace` included), raising :class:`~o2opt.errors.InputError`; change
    a network with :meth:`replace` or :meth:`with_model`, which check the result. These
    share the tables they do not change with the original network (a table is converted
    and checked once; the checks across tables run again). Do not change a table in
    place: such a change is never checked. Pass the changed table to :meth:`replace`.

    Examples
    --------
    >>> import pandas as pd, o2opt
    >>> net = o2opt.from_frames(
    ...     hospitals=pd.DataFrame({"id": ["H1"], "lat": [33.3], "lon": [44.4],
    ...                             "demand_m3_day": [50.0]}))
    >>> net
    Network(1 hospitals, 0 producers, 0 stations, 0 candidates, 0 routes, 1 days)
    """

    hospitals: pd.DataFrame
    producers: pd.DataFrame
    stations: pd.DataFrame
    candidates: pd.DataFrame
    routes: pd.DataFrame
    demand: pd.DataFrame
    availability: pd.DataFrame
    options: pd.DataFrame
    scenario: Scenario = field(default_factory=Scenario)

    def __post_init__(self) -> None:
        # Network(...) and dataclasses.replace check everything (check() uses _checked)
        from o2opt.validate import recheck

        checked = recheck(self, {}, source="Network", valid=False)
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, getattr(checked, f.name))

    @classmethod
    def _checked(cls, scenario: Scenario, **tables: pd.DataFrame) -> Network:
        """A network of tables and scenario already validated (by
        :func:`o2opt.validate.check`, its only caller), without checking them again."""
        network = object.__new__(cls)
        object.__setattr__(network, "scenario", scenario)
        for name, frame in tables.items():
            object.__setattr__(network, name, frame)
        return network

    def __repr__(self) -> str:
        return (
            f"Network({len(self.hospitals)} hospitals, {len(self.producers)} producers, "
            f"{len(self.stations)} stations, {len(self.candidates)} candidates, "
            f"{len(self.routes)} routes, {self.scenario.horizon_days} days)"
        )

    def replace(self, *, source: str = "Network.replace", **changes: Any) -> Network:
        """A copy with tables or the ``scenario`` replaced, checked as a whole.

        The tables given are converted and checked like those of :func:`o2opt.from_frames`;
        the others are shared with this network; the checks across tables (unique ids,
        references, duplicate rows) and of the scenario run on the result.

        Parameters
        ----------
        source : str
            Names the change in error messages (``"hospitals (Network.replace)"``).
        **changes
            Tables by name (``hospitals=``, ``demand=``, ...: DataFrames) and
            ``scenario=`` (a :class:`Scenario`).

        Raises
        ------
        InputError
            When the result is not a valid network (a negative demand, a route to an
            unknown facility, an infinite capacity factor, ...).
        TypeError
            For a name that is not a field of a ``Network``.

        Examples
        --------
        >>> import pandas as pd, o2opt
        >>> net = o2opt.from_frames(hospitals=pd.DataFrame(
        ...     {"id": ["H1"], "lat": [33.3], "lon": [44.4], "demand_m3_day": [50.0]}))
        >>> net.replace(hospitals=net.hospitals.assign(demand_m3_day=80)).net_demand_m3()
        array([[80.]])
        >>> net.replace(hospitals=net.hospitals.assign(demand_m3_day=-1))
        Traceback (most recent call last):
        ...
        o2opt.errors.InputError: 1 problem in the input:
          - hospitals (Network.replace), column demand_m3_day, row 0 (id H1): must be >= 0, got -1
        """
        from o2opt.validate import recheck

        return recheck(self, changes, source=source)

    def with_model(self, **changes: Any) -> Network:
        """A copy of the network with ``[model]`` parameters changed (tables shared), checked
        by :meth:`replace`.

        Examples
        --------
        >>> import pandas as pd, o2opt
        >>> net = o2opt.from_frames(hospitals=pd.DataFrame(
        ...     {"id": ["H1"], "lat": [33.3], "lon": [44.4], "demand_m3_day": [50.0]}))
        >>> net.with_model(demand_multiplier=2).scenario.demand_multiplier
        2.0
        """
        return self.replace(scenario=self.scenario.replace(**changes), source="with_model")

    def tables(self) -> dict[str, pd.DataFrame]:
        """The input tables by name, as docs/input.md names them."""
        return {
            "hospitals": self.hospitals,
            "demand": self.demand,
            "producers": self.producers,
            "stations": self.stations,
            "candidates": self.candidates,
            "routes": self.routes,
            "availability": self.availability,
            "options": self.options,
        }

    def candidate_mask(self, kind: str) -> np.ndarray:
        """Which rows of ``kind`` ("producers", "stations" or "candidates") can be opened:
        every candidate plant, and producers and stations marked ``candidate``."""
        frame = getattr(self, kind)
        if kind == "candidates":
            return np.ones(len(frame), dtype=bool)
        return frame["candidate"].to_numpy(dtype=bool)

    def fixed_costs(self, kind: str) -> tuple[np.ndarray, np.ndarray]:
        """Fixed cost over the horizon and capex of each row of ``kind`` ("producers",
        "stations", "candidates" or "options"): see :func:`o2opt.costs.fixed_costs` (0
        on rows that cannot be opened)."""
        from o2opt.costs import fixed_costs

        sc = self.scenario
        return fixed_costs(getattr(self, kind), sc.discount_rate, sc.horizon_days)

    @property
    def has_investment(self) -> bool:
        """True when a version-2 investment input is given: candidate producers or
        stations, options, a capex, a forced decision, ``capital_budget`` or ``currency``.
        Without one, inputs and results are those of version 1 exactly."""
        sc = self.scenario
        if len(self.options) or sc.capital_budget is not None or sc.currency is not None:
            return True
        for kind in ("producers", "stations", "candidates", "options"):
            frame = getattr(self, kind)
            if kind in ("producers", "stations") and frame["candidate"].to_numpy(dtype=bool).any():
                return True
            if np.isfinite(frame["capex"].to_numpy(float)).any() \
                    or (frame["decision"] != "free").any():
                return True
        return False

    def gross_demand_m3(self) -> np.ndarray:
        """Demand ``demand[h, t]`` in m³ as given, before the multiplier and on-site supply,
        as a (hospitals × days) array: from the demand table when it has rows (a missing
        hospital-day is 0, days at or beyond ``horizon_days`` are ignored), else
        ``demand_m3_day`` on every day.

        Examples
        --------
        >>> import o2opt
        >>> net = o2opt.read_network(o2opt.datasets.demo_folder()).with_model(horizon_days=2)
        >>> net.gross_demand_m3().shape == (len(net.hospitals), 2)
        True
        """
        n_days = self.scenario.horizon_days
        h = self.hospitals
        if len(self.demand):
            gross = np.zeros((len(h), n_days))
            pos = pd.Index(h["id"]).get_indexer(self.demand["hospital"])
            day = self.demand["day"].to_numpy(dtype=np.int64)
            keep = day < n_days
            gross[pos[keep], day[keep]] = self.demand["demand_m3"].to_numpy()[keep]
            return gross
        return np.repeat(h["demand_m3_day"].to_numpy(dtype=float)[:, None], n_days, axis=1)

    def need_m3(self) -> np.ndarray:
        """Need in m³ as a (hospitals × days) array: ``demand_multiplier * demand[h, t]``
        with ``demand`` from :meth:`gross_demand_m3`, before on-site supply (the results'
        ``need_m3``; docs/model.md, "Need and demand").

        Examples
        --------
        >>> import pandas as pd, o2opt
        >>> net = o2opt.from_frames(hospitals=pd.DataFrame(
        ...     {"id": ["H1"], "lat": [33.3], "lon": [44.4], "demand_m3_day": [50.0],
        ...      "onsite_m3_day": [20.0]}), model={"demand_multiplier": 1.5})
        >>> net.need_m3(), net.net_demand_m3()
        (array([[75.]]), array([[55.]]))
        """
        return self.scenario.demand_multiplier * self.gross_demand_m3()

    def net_demand_m3(self) -> np.ndarray:
        """Net demand ``d[h, t]`` in m³ as a (hospitals × days) array, the results'
        ``demand_m3``: ``max(0, demand_multiplier * demand[h, t] - onsite_m3_day[h])``, the
        :meth:`need_m3` less on-site supply.
        """
        onsite = self.hospitals["onsite_m3_day"].to_numpy(dtype=float)[:, None]
        return np.maximum(0.0, self.need_m3() - onsite)

    def capacity_factor(self, kind: str) -> np.ndarray:
        """Available share of capacity per facility of ``kind`` ("producers", "stations"
        or "candidates") and day, from the availability table (1 where not listed).

        Examples
        --------
        >>> import pandas as pd, o2opt
        >>> net = o2opt.from_frames(
        ...     hospitals=pd.DataFrame({"id": ["H1"], "lat": [33.3], "lon": [44.4],
        ...                             "demand_m3_day": [50.0]}),
        ...     producers=pd.DataFrame({"id": ["P1"], "lat": [33.0], "lon": [44.0],
        ...                             "capacity_m3_day": [500.0]}),
        ...     availability=pd.DataFrame({"facility": ["P1"], "day": [1],
        ...                                "capacity_factor": [0.0]}),
        ...     model={"horizon_days": 3})
        >>> net.capacity_factor("producers").tolist()
        [[1.0, 0.0, 1.0]]
        """
        ids = getattr(self, kind)["id"]
        n_days = self.scenario.horizon_days
        factor = np.ones((len(ids), n_days))
        av = self.availability
        if len(av):
            pos = pd.Index(ids).get_indexer(av["facility"])
            day = av["day"].to_numpy(dtype=np.int64)
            keep = (pos >= 0) & (day < n_days)
            factor[pos[keep], day[keep]] = av["capacity_factor"].to_numpy(float)[keep]
        return factor

    def to_folder(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write the network as a scenario folder; see :func:`o2opt.io.write_folder`."""
        from o2opt.io import write_folder

        return write_folder(self, folder, overwrite=overwrite)
