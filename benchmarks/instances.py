"""Turn published reference instances into o2opt scenario folders.

Two families of instances with published optima are converted into scenario folders
(CSV tables plus ``scenario.toml``, as ``docs/input.md`` describes), so that o2opt's optimum can be
compared with the published one:

* **OR-Library capacitated warehouse location** (Beasley; ``cap41`` .. ``cap134``, ``capa``,
  ``capb``, ``capc``). Warehouses become *candidates* (capacity, fixed cost), customers become
  *hospitals* (demand), and every (warehouse, customer) pair becomes a ``routes.csv`` row whose
  ``cost_per_unit`` is ``c_ij / d_j``: OR-Library's ``c_ij`` is the cost of serving *all* of
  customer ``j``'s demand from warehouse ``i`` and the fraction served may be split, so with
  ``cylinder_m3 = 1`` one "cylinder" is one unit of demand and the canonical objective equals
  ``sum_ij c_ij x_ij + sum_i f_i y_i``.

* **Transportation problems** (supply nodes -> demand nodes, no transshipment) given as DIMACS
  min-cost-flow files, and the GAMS/Dantzig ``TRNSPORT`` data. Supply nodes become *stations*
  (``fill_capacity_cyl_day`` = supply) fed free of charge by one producer with ample capacity,
  demand nodes become hospitals, and arc costs become ``routes.csv`` ``cost_per_unit``.

Which min-cost-flow instances map
---------------------------------
A DIMACS instance maps onto the canonical model exactly when it is a two-level transportation
problem (:func:`transportation_obstacle` returns ``None``):

* every arc runs from a supply node (supply > 0) to a demand node (supply < 0) -- the canonical
  model has no transshipment: a hospital cannot pass oxygen on and a station receives it only
  from producers;
* arc lower bounds are 0 (the canonical model has no minimum flows);
* arc capacities are non-binding, i.e. ``cap >= min(supply[tail], demand[head])`` (routes have
  no capacity);
* costs are non-negative (``routes.csv`` ``cost_per_unit`` must be ``>= 0``);
* total supply equals total demand (DIMACS balances every node exactly; with equal totals and
  non-negative costs the canonical ``<=`` supply / ``>=`` demand rows are tight anyway).

In ``BENCHMARK_DIR / "mincostflow"`` ``transport_2x3`` and ``transport_40x30`` map;
``pns_dimacs`` (nodes 2, 3 are transshipment nodes), ``pns_figure`` (nodes with supply also
receive flow, e.g. arc 1 -> 2, and arc 3 -> 6 leaves a demand node), ``netgen_8_08a`` (224 of
256 nodes are transshipment nodes; 4 source -> sink arcs also have binding capacities) and
``networkx_netgen-2`` (general network, 332 of 400 nodes are transshipment nodes) do not.
``dantzig_trnsport`` maps (supply <= a_i, demand >= b_j, unbalanced 950 vs 900: exactly the
canonical rows).

Only numpy, pandas, tomli_w and the standard library are used, so these converters can check
o2opt without depending on it.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import tomli_w

__all__ = [
    "BENCHMARK_DIR",
    "CFLP_SIZES",
    "DimacsSolution",
    "MinCostFlow",
    "NotTransportationError",
    "OrlibInstance",
    "Transportation",
    "dantzig_to_folder",
    "dimacs_to_transportation",
    "mincostflow_to_folder",
    "orlib_instances",
    "orlib_path",
    "orlib_to_folder",
    "published_optima",
    "read_dantzig_trnsport",
    "read_dimacs_min",
    "read_dimacs_sol",
    "read_orlib_cflp",
    "transportation_obstacle",
    "transportation_to_folder",
]

#: Folder holding the reference data (``orlib-cflp/``, ``mincostflow/``, ...): the environment
#: variable ``O2OPT_BENCHMARK_DIR``, else the copy in the repository, ``data/reference/benchmarks``.
BENCHMARK_DIR = Path(os.environ.get("O2OPT_BENCHMARK_DIR")
                     or Path(__file__).resolve().parents[1] / "data" / "reference" / "benchmarks")

#: Capacities that stand for the word ``capacity`` in capa/capb/capc (as in ``capopt.txt``).
CFLP_SIZES: dict[str, tuple[int, ...]] = {
    "capa": (8000, 10000, 12000, 14000),
    "capb": (5000, 6000, 7000, 8000),
    "capc": (5000, 5750, 6500, 7250),
}

_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


# --------------------------------------------------------------------------- helpers
def _fmt(values: np.ndarray | pd.Series | list[float]) -> list[str]:
    """Format floats so that they read back bit-for-bit (shortest round-trip ``repr``)."""
    return [repr(float(v)) for v in np.asarray(values, dtype=float)]


def _dummy_coords(k: int, row: int) -> tuple[list[float], list[float]]:
    """``k`` distinct valid (lat, lon) pairs on latitude band ``row`` (never used for costs)."""
    lat = [round(0.01 * row, 6)] * k
    lon = [round(-179.0 + 358.0 * (i + 0.5) / max(k, 1), 6) for i in range(k)]
    return lat, lon


def _write_model(folder: Path, model: dict[str, object]) -> None:
    (folder / "scenario.toml").write_text(tomli_w.dumps({"model": model}), encoding="utf-8")


def _tokens(path: str | Path) -> list[str]:
    """Whitespace tokens of a text file; NUL padding bytes count as whitespace."""
    text = Path(path).read_bytes().replace(b"\x00", b" ").decode("ascii")
    return text.split()


# --------------------------------------------------------------------------- OR-Library CFLP
@dataclass(frozen=True)
class OrlibInstance:
    """One OR-Library capacitated warehouse location instance.

    Attributes
    ----------
    name : str
        File stem, e.g. ``"cap41"`` or ``"capa"``.
    capacity_label : int or float or None
        The value substituted for the literal word ``capacity`` (capa/capb/capc), else None.
    capacity : numpy.ndarray
        ``(m,)`` warehouse capacities.
    fixed_cost : numpy.ndarray
        ``(m,)`` warehouse opening costs.
    demand : numpy.ndarray
        ``(n,)`` customer demands.
    cost : numpy.ndarray
        ``(m, n)`` cost ``c_ij`` of serving *all* of customer ``j``'s demand from warehouse ``i``.
    """

    name: str
    capacity_label: int | float | None
    capacity: np.ndarray
    fixed_cost: np.ndarray
    demand: np.ndarray
    cost: np.ndarray

    @property
    def m(self) -> int:
        """Number of warehouses."""
        return int(self.capacity.shape[0])

    @property
    def n(self) -> int:
        """Number of customers."""
        return int(self.demand.shape[0])

    @property
    def key(self) -> tuple[str, int | float | None]:
        """Key of this instance in :func:`published_optima`."""
        return (self.name, self.capacity_label)

    @property
    def label(self) -> str:
        """Display name, e.g. ``"cap41"`` or ``"capa-8000"``."""
        if self.capacity_label is None:
            return self.name
        return f"{self.name}-{self.capacity_label:g}"


def read_orlib_cflp(path: str | Path, capacity: float | None = None) -> OrlibInstance:
    """Parse an OR-Library ``capinfo`` file (cap41 .. cap134, capa, capb, capc).

    The layout is token based: ``m n``; for each warehouse ``capacity fixed_cost``; for each
    customer its demand followed by the ``m`` costs ``c_ij`` (wrapped over any number of lines).
    Tokens such as ``7500.`` are plain floats.

    Parameters
    ----------
    path : str or pathlib.Path
        The instance file.
    capacity : float, optional
        Value of the literal word ``capacity`` (capa: 8000/10000/12000/14000, capb:
        5000..8000, capc: 5000/5750/6500/7250). Numeric capacities in the file are kept as they
        are. Required when the file contains the word.

    Returns
    -------
    OrlibInstance
        The parsed instance.

    Raises
    ------
    ValueError
        If the file is truncated, has extra tokens, or contains ``capacity`` and no value was
        passed.

    Examples
    --------
    >>> inst = read_orlib_cflp(BENCHMARK_DIR / "orlib-cflp" / "cap41.txt")
    >>> inst.m, inst.n, float(inst.demand.sum())
    (16, 50, 58268.0)
    """
    path = Path(path)
    tokens = _tokens(path)
    if len(tokens) < 2:
        raise ValueError(f"{path}: too short for an OR-Library capacitated instance")
    m, n = int(tokens[0]), int(tokens[1])
    expected = 2 + 2 * m + n * (1 + m)
    if len(tokens) != expected:
        raise ValueError(f"{path}: expected {expected} tokens for m={m}, n={n}, "
                         f"found {len(tokens)}")
    caps = np.empty(m)
    fixed = np.empty(m)
    symbolic = False
    for i in range(m):
        word, f = tokens[2 + 2 * i], tokens[3 + 2 * i]
        if word.lower() == "capacity":
            if capacity is None:
                raise ValueError(f"{path}: warehouse {i + 1} has capacity 'capacity'; pass "
                                 "capacity=... (see CFLP_SIZES)")
            caps[i] = float(capacity)
            symbolic = True
        else:
            caps[i] = float(word)
        fixed[i] = float(f)
    body = np.array(tokens[2 + 2 * m:], dtype=float).reshape(n, 1 + m)
    label: int | float | None = None
    if symbolic and capacity is not None:
        label = int(capacity) if float(capacity).is_integer() else float(capacity)
    return OrlibInstance(name=path.stem, capacity_label=label, capacity=caps, fixed_cost=fixed,
                         demand=body[:, 0].copy(), cost=body[:, 1:].T.copy())


def published_optima(path: str | Path | None = None) -> dict[tuple[str, int | float | None], float]:
    """Parse OR-Library's ``capopt.txt``.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Defaults to ``BENCHMARK_DIR / "orlib-cflp" / "capopt.txt"``.

    Returns
    -------
    dict
        ``{(name, capacity): optimum}``; ``capacity`` is None for cap41..cap134 and the
        substituted capacity (int) for capa/capb/capc, whose value lines may continue without
        a name (``18438046.543 (capacity 10000)``).

    Examples
    --------
    >>> opt = published_optima()
    >>> opt[("cap41", None)], opt[("capb", 6000)]
    (1040444.375, 13361927.449)
    """
    path = Path(path) if path is not None else BENCHMARK_DIR / "orlib-cflp" / "capopt.txt"
    out: dict[tuple[str, int | float | None], float] = {}
    name: str | None = None
    line_re = re.compile(rf"^\s*(?:(cap\w+)(?:\.txt)?\s+)?({_NUMBER})\s*"
                         rf"(?:\(\s*capacity\s+({_NUMBER})\s*\))?\s*$", re.IGNORECASE)
    for line in Path(path).read_text(encoding="ascii").splitlines():
        match = line_re.match(line)
        if not match:
            continue  # header, blank line or note
        if match.group(1):
            name = match.group(1).lower()
        if name is None:
            continue
        cap: int | float | None = None
        if match.group(3):
            value = float(match.group(3))
            cap = int(value) if value.is_integer() else value
        out[(name, cap)] = float(match.group(2))
    return out


def orlib_path(name: str) -> Path:
    """Path of an OR-Library instance by name, e.g. ``orlib_path("cap41")``.

    Parameters
    ----------
    name : str
        Instance name without ``.txt``.

    Returns
    -------
    pathlib.Path
        ``BENCHMARK_DIR / "orlib-cflp" / f"{name}.txt"``.
    """
    return BENCHMARK_DIR / "orlib-cflp" / f"{name}.txt"


def orlib_instances(include_large: bool = False) -> list[tuple[str, int | None]]:
    """Keys ``(name, capacity)`` of the instances in ``capopt.txt``, in file order.

    Parameters
    ----------
    include_large : bool, default False
        Also list capa/capb/capc at each capacity (100 x 1000 instances).

    Returns
    -------
    list of tuple
        ``[("cap41", None), ..., ("capa", 8000), ...]``.

    Examples
    --------
    >>> len(orlib_instances()), len(orlib_instances(include_large=True))
    (37, 49)
    """
    keys = list(published_optima())
    return [k for k in keys if include_large or k[1] is None]  # type: ignore[misc]


def orlib_to_folder(instance: OrlibInstance, folder: str | Path) -> Path:
    """Write an OR-Library instance as an o2opt scenario folder.

    Writes ``candidates.csv`` (ids ``W1..Wm``, ``capacity_m3_day``, ``fixed_cost``),
    ``hospitals.csv`` (ids ``C1..Cn``, ``demand_m3_day``), ``routes.csv`` (one row per
    warehouse/customer pair, ``cost_per_unit = c_ij / d_j`` written with round-trip precision)
    and ``scenario.toml`` with ``cylinder_m3 = 1``, ``allow_unmet = false`` and
    ``routes_only = true``. Coordinates are distinct dummy values; no cost depends on them.

    A customer with zero demand is kept (it needs nothing); its routes get
    ``cost_per_unit = c_ij`` so that the cost stays defined and non-negative -- any flow to it
    only adds cost, so the optimum is unchanged.

    Parameters
    ----------
    instance : OrlibInstance
        From :func:`read_orlib_cflp`.
    folder : str or pathlib.Path
        Created if missing; existing files of the same names are overwritten.

    Returns
    -------
    pathlib.Path
        The folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    m, n = instance.m, instance.n
    w_ids = [f"W{i + 1}" for i in range(m)]
    c_ids = [f"C{j + 1}" for j in range(n)]
    lat, lon = _dummy_coords(m, 1)
    pd.DataFrame({"id": w_ids, "lat": lat, "lon": lon,
                  "capacity_m3_day": _fmt(instance.capacity),
                  "fixed_cost": _fmt(instance.fixed_cost)}
                 ).to_csv(folder / "candidates.csv", index=False)
    lat, lon = _dummy_coords(n, -1)
    pd.DataFrame({"id": c_ids, "lat": lat, "lon": lon,
                  "demand_m3_day": _fmt(instance.demand)}
                 ).to_csv(folder / "hospitals.csv", index=False)
    demand = instance.demand
    with np.errstate(divide="ignore", invalid="ignore"):
        unit = np.where(demand[None, :] > 0, instance.cost / demand[None, :], instance.cost)
    if not np.all(np.isfinite(unit)) or np.any(unit < 0):
        raise ValueError(f"{instance.label}: costs must be finite and non-negative")
    pd.DataFrame({"origin": np.repeat(w_ids, n), "destination": np.tile(c_ids, m),
                  "cost_per_unit": _fmt(unit.ravel())}
                 ).to_csv(folder / "routes.csv", index=False)
    _write_model(folder, {"cylinder_m3": 1.0, "allow_unmet": False, "routes_only": True})
    return folder


# --------------------------------------------------------------------------- min-cost flow
class NotTransportationError(ValueError):
    """A min-cost-flow instance that is not a two-level transportation problem."""


@dataclass(frozen=True)
class MinCostFlow:
    """A DIMACS min-cost-flow instance.

    Attributes
    ----------
    name : str
        File stem.
    n_nodes : int
        Number of nodes (1-based ids ``1..n_nodes``).
    supply : dict of int to float
        Node supply (> 0) or demand (< 0); nodes not listed have 0.
    arcs : pandas.DataFrame
        Columns ``tail, head, low, cap, cost``, one row per ``a`` line, in file order.
    """

    name: str
    n_nodes: int
    supply: dict[int, float]
    arcs: pd.DataFrame


@dataclass(frozen=True)
class DimacsSolution:
    """A DIMACS min-cost-flow solution file.

    Attributes
    ----------
    objective : float
        Value of the ``s`` line.
    flows : pandas.DataFrame
        Columns ``tail, head, flow`` from the ``f`` lines (possibly empty).
    """

    objective: float
    flows: pd.DataFrame


@dataclass(frozen=True)
class Transportation:
    """A transportation problem: ship from sources (<= supply) to sinks (>= demand).

    Attributes
    ----------
    name : str
        Instance name.
    supply : dict of str to float
        Source id -> supply.
    demand : dict of str to float
        Sink id -> demand.
    cost : pandas.DataFrame
        Columns ``source, sink, cost`` (cost per unit shipped), one row per existing arc.
    """

    name: str
    supply: dict[str, float]
    demand: dict[str, float]
    cost: pd.DataFrame


def read_dimacs_min(path: str | Path) -> MinCostFlow:
    """Parse a DIMACS ``.min`` file (``p min N M``, ``n id supply``, ``a u v low cap cost``).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.min`` file. Comment (``c``) and blank lines are skipped.

    Returns
    -------
    MinCostFlow
        The instance.

    Raises
    ------
    ValueError
        On a missing problem line, an unknown line type or a wrong arc count.

    Examples
    --------
    >>> mcf = read_dimacs_min(BENCHMARK_DIR / "mincostflow" / "transport_2x3.min")
    >>> mcf.n_nodes, len(mcf.arcs), mcf.supply[2]
    (5, 6, 30.0)
    """
    path = Path(path)
    n_nodes: int | None = None
    n_arcs = 0
    supply: dict[int, float] = {}
    arcs: list[tuple[int, int, float, float, float]] = []
    for lineno, line in enumerate(path.read_text(encoding="ascii").splitlines(), start=1):
        parts = line.split()
        if not parts or parts[0] == "c":
            continue
        kind = parts[0]
        if kind == "p":
            if len(parts) != 4 or parts[1] != "min":
                raise ValueError(f"{path}:{lineno}: expected 'p min NODES ARCS'")
            n_nodes, n_arcs = int(parts[2]), int(parts[3])
        elif kind == "n":
            supply[int(parts[1])] = supply.get(int(parts[1]), 0.0) + float(parts[2])
        elif kind == "a":
            tail, head = int(parts[1]), int(parts[2])
            low, cap, cost = (float(x) for x in parts[3:6])
            arcs.append((tail, head, low, cap, cost))
        else:
            raise ValueError(f"{path}:{lineno}: unknown line type {kind!r}")
    if n_nodes is None:
        raise ValueError(f"{path}: no 'p min' line")
    if len(arcs) != n_arcs:
        raise ValueError(f"{path}: problem line says {n_arcs} arcs, found {len(arcs)}")
    frame = pd.DataFrame(arcs, columns=["tail", "head", "low", "cap", "cost"])
    frame = frame.astype({"tail": np.int64, "head": np.int64, "low": float, "cap": float,
                          "cost": float})
    return MinCostFlow(name=path.stem, n_nodes=n_nodes, supply=supply, arcs=frame)


def read_dimacs_sol(path: str | Path) -> DimacsSolution:
    """Parse a DIMACS min-cost-flow solution file (``s VALUE``, ``f u v FLOW``).

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.sol`` file.

    Returns
    -------
    DimacsSolution
        Objective and flows.

    Raises
    ------
    ValueError
        If there is no ``s`` line.

    Examples
    --------
    >>> read_dimacs_sol(BENCHMARK_DIR / "mincostflow" / "transport_40x30.sol").objective
    42667.0
    """
    path = Path(path)
    objective: float | None = None
    flows: list[tuple[int, int, float]] = []
    for line in path.read_text(encoding="ascii").splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "s":
            objective = float(parts[1])
        elif parts[0] == "f":
            flows.append((int(parts[1]), int(parts[2]), float(parts[3])))
    if objective is None:
        raise ValueError(f"{path}: no 's' (objective) line")
    return DimacsSolution(objective, pd.DataFrame(flows, columns=["tail", "head", "flow"]))


def transportation_obstacle(mcf: MinCostFlow) -> str | None:
    """Why a min-cost-flow instance does not map onto the canonical model (None if it does).

    Parameters
    ----------
    mcf : MinCostFlow
        From :func:`read_dimacs_min`.

    Returns
    -------
    str or None
        A reason (transshipment, lower bounds, binding capacities, negative costs, unbalanced
        supply), or None for a two-level transportation problem.

    Examples
    --------
    >>> mcf = read_dimacs_min(BENCHMARK_DIR / "mincostflow" / "pns_dimacs.min")
    >>> print(transportation_obstacle(mcf).split("; ")[0])
    transshipment: 3 arcs leave a node without supply (e.g. 2 -> 3)
    >>> transportation_obstacle(read_dimacs_min(
    ...     BENCHMARK_DIR / "mincostflow" / "transport_2x3.min")) is None
    True
    """
    arcs = mcf.arcs
    sup = np.array([mcf.supply.get(int(t), 0.0) for t in arcs["tail"]])
    dem = np.array([-mcf.supply.get(int(h), 0.0) for h in arcs["head"]])
    reasons: list[str] = []
    bad_tail = np.flatnonzero(sup <= 0)
    if len(bad_tail):
        k = bad_tail[0]
        reasons.append(f"transshipment: {len(bad_tail)} arcs leave a node without supply "
                       f"(e.g. {arcs['tail'].iloc[k]} -> {arcs['head'].iloc[k]})")
    bad_head = np.flatnonzero(dem <= 0)
    if len(bad_head):
        k = bad_head[0]
        reasons.append(f"transshipment: {len(bad_head)} arcs enter a node without demand "
                       f"(e.g. {arcs['tail'].iloc[k]} -> {arcs['head'].iloc[k]})")
    if (arcs["low"] != 0).any():
        reasons.append(f"{int((arcs['low'] != 0).sum())} arcs have a non-zero lower bound")
    two_level = (sup > 0) & (dem > 0)
    binding = two_level & (arcs["cap"].to_numpy() < np.minimum(sup, dem))
    if binding.any():
        reasons.append(f"{int(binding.sum())} arc capacities are binding "
                       "(cap < min(supply, demand))")
    if (arcs["cost"] < 0).any():
        reasons.append(f"{int((arcs['cost'] < 0).sum())} arcs have negative cost")
    total_s = sum(v for v in mcf.supply.values() if v > 0)
    total_d = -sum(v for v in mcf.supply.values() if v < 0)
    if not math.isclose(total_s, total_d, rel_tol=0, abs_tol=1e-9):
        reasons.append(f"unbalanced: supply {total_s:g} != demand {total_d:g}")
    return "; ".join(reasons) if reasons else None


def dimacs_to_transportation(mcf: MinCostFlow) -> Transportation:
    """Convert a two-level DIMACS instance to a :class:`Transportation` problem.

    Supply node ``k`` becomes source ``S{k}``, demand node ``k`` sink ``D{k}``; parallel arcs
    collapse to the cheapest (capacities are non-binding, so only the cheapest is ever used).

    Parameters
    ----------
    mcf : MinCostFlow
        From :func:`read_dimacs_min`.

    Returns
    -------
    Transportation
        The same problem with string ids.

    Raises
    ------
    NotTransportationError
        With the reason from :func:`transportation_obstacle` if the instance does not map.
    """
    reason = transportation_obstacle(mcf)
    if reason is not None:
        raise NotTransportationError(f"{mcf.name}: {reason}")
    supply = {f"S{k}": float(v) for k, v in sorted(mcf.supply.items()) if v > 0}
    demand = {f"D{k}": float(-v) for k, v in sorted(mcf.supply.items()) if v < 0}
    cost = pd.DataFrame({"source": "S" + mcf.arcs["tail"].astype(str),
                         "sink": "D" + mcf.arcs["head"].astype(str),
                         "cost": mcf.arcs["cost"].astype(float)})
    cost = cost.groupby(["source", "sink"], as_index=False, sort=False)["cost"].min()
    return Transportation(name=mcf.name, supply=supply, demand=demand, cost=cost)


def read_dantzig_trnsport(path: str | Path | None = None) -> Transportation:
    """Parse the GAMS TRNSPORT (Dantzig) CSV: ``section,key1,key2,value`` rows.

    Cost per case is ``f * d_ij / 1000`` (thousands of dollars; ``f`` = freight in dollars per
    case per thousand miles, ``d`` in thousands of miles). The stated optimum is 153.675.

    Parameters
    ----------
    path : str or pathlib.Path, optional
        Defaults to ``BENCHMARK_DIR / "mincostflow" / "dantzig_trnsport.txt"``.

    Returns
    -------
    Transportation
        Sources seattle, san-diego; sinks new-york, chicago, topeka.

    Examples
    --------
    >>> tp = read_dantzig_trnsport()
    >>> tp.supply, round(float(tp.cost["cost"].iloc[0]), 6)
    ({'seattle': 350.0, 'san-diego': 600.0}, 0.225)
    """
    path = Path(path) if path is not None else (BENCHMARK_DIR / "mincostflow"
                                                / "dantzig_trnsport.txt")
    supply: dict[str, float] = {}
    demand: dict[str, float] = {}
    distance: list[tuple[str, str, float]] = []
    freight: float | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        section, key1, key2, value = (x.strip() for x in line.split(","))
        if section == "supply":
            supply[key1] = float(value)
        elif section == "demand":
            demand[key1] = float(value)
        elif section == "distance":
            distance.append((key1, key2, float(value)))
        elif section == "freight":
            freight = float(value)
        else:
            raise ValueError(f"{path}: unknown section {section!r}")
    if freight is None:
        raise ValueError(f"{path}: no freight row")
    cost = pd.DataFrame(distance, columns=["source", "sink", "distance"])
    cost["cost"] = freight * cost.pop("distance") / 1000.0
    return Transportation(name=path.stem, supply=supply, demand=demand, cost=cost)


def transportation_to_folder(tp: Transportation, folder: str | Path) -> Path:
    """Write a transportation problem as an o2opt scenario folder.

    One producer ``P0`` (capacity = total supply, which never binds) feeds every source through
    a zero-cost bulk route; each source is a station with ``fill_capacity_cyl_day`` = its
    supply; each sink is a hospital with ``demand_m3_day`` = its demand; each arc is a
    ``routes.csv`` row with ``cost_per_unit`` = arc cost. ``scenario.toml`` sets
    ``cylinder_m3 = 1``, ``allow_unmet = false``, ``routes_only = true``.

    Parameters
    ----------
    tp : Transportation
        The problem.
    folder : str or pathlib.Path
        Created if missing.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    ValueError
        If ids clash, an arc names an unknown node or a cost is negative.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    sources, sinks = list(tp.supply), list(tp.demand)
    producer = "P0"
    while producer in tp.supply or producer in tp.demand:
        producer = "_" + producer
    if set(sources) & set(sinks):
        raise ValueError(f"{tp.name}: ids used as both source and sink: "
                         f"{sorted(set(sources) & set(sinks))}")
    arcs = tp.cost
    if not (arcs["source"].isin(sources).all() and arcs["sink"].isin(sinks).all()):
        raise ValueError(f"{tp.name}: an arc names an unknown source or sink")
    if (arcs["cost"] < 0).any():
        raise ValueError(f"{tp.name}: negative arc costs do not map (cost_per_unit >= 0)")
    total = float(sum(tp.supply.values()))
    pd.DataFrame({"id": [producer], "lat": [0.5], "lon": [0.0], "capacity_m3_day": _fmt([total])}
                 ).to_csv(folder / "producers.csv", index=False)
    lat, lon = _dummy_coords(len(sources), 1)
    pd.DataFrame({"id": sources, "lat": lat, "lon": lon,
                  "fill_capacity_cyl_day": _fmt([tp.supply[s] for s in sources])}
                 ).to_csv(folder / "stations.csv", index=False)
    lat, lon = _dummy_coords(len(sinks), -1)
    pd.DataFrame({"id": sinks, "lat": lat, "lon": lon,
                  "demand_m3_day": _fmt([tp.demand[d] for d in sinks])}
                 ).to_csv(folder / "hospitals.csv", index=False)
    bulk = pd.DataFrame({"origin": producer, "destination": sources,
                         "cost_per_unit": _fmt(np.zeros(len(sources)))})
    cyl = pd.DataFrame({"origin": arcs["source"].to_numpy(), "destination": arcs["sink"].to_numpy(),
                        "cost_per_unit": _fmt(arcs["cost"])})
    pd.concat([bulk, cyl], ignore_index=True).to_csv(folder / "routes.csv", index=False)
    _write_model(folder, {"cylinder_m3": 1.0, "allow_unmet": False, "routes_only": True})
    return folder


def mincostflow_to_folder(mcf: MinCostFlow, folder: str | Path) -> Path:
    """Write a two-level DIMACS min-cost-flow instance as an o2opt scenario folder.

    Parameters
    ----------
    mcf : MinCostFlow
        From :func:`read_dimacs_min`.
    folder : str or pathlib.Path
        Created if missing.

    Returns
    -------
    pathlib.Path
        The folder (see :func:`transportation_to_folder`).

    Raises
    ------
    NotTransportationError
        If the instance is not a two-level transportation problem.
    """
    return transportation_to_folder(dimacs_to_transportation(mcf), folder)


def dantzig_to_folder(folder: str | Path, path: str | Path | None = None) -> Path:
    """Write the Dantzig TRNSPORT problem as an o2opt scenario folder (optimum 153.675).

    Parameters
    ----------
    folder : str or pathlib.Path
        Created if missing.
    path : str or pathlib.Path, optional
        The CSV (default: the copy in ``BENCHMARK_DIR``).

    Returns
    -------
    pathlib.Path
        The folder.
    """
    return transportation_to_folder(read_dantzig_trnsport(path), folder)
