"""Random but realistic scenario instances, for tests, benchmarks and demonstrations.

:func:`synthetic_tables` draws the tables of docs/input.md (``hospitals``, ``producers``,
``stations``, ``candidates``, and optionally ``demand`` and ``routes``) for an Iraq-like
region; :func:`write_synthetic_folder` writes them as a scenario folder (CSV tables plus
``scenario.toml``) that :func:`o2opt.read_network` reads.

The generator is vectorised with numpy, so a 5,000-hospital, 14-day instance takes a
fraction of a second. It depends on numpy, pandas and tomli_w only, and on no other o2opt
module, so that tests can use it to check the rest of the library from the outside.

What the instances look like
----------------------------
- Hospitals cluster around a few "cities" (heavier cities get more hospitals), with some
  scattered rural ones; ``region`` names the nearest city. Demand is log-normal, 5-300
  m³/day; about one hospital in five has onsite production (sometimes covering its whole
  demand); priority is 1, 2 or 3.
- With ``horizon_days > 1`` (and ``surge=True``) a ``demand`` table gives each hospital a
  daily demand following a surge wave of its city: a bell-shaped peak of random day,
  height and width, plus a little day-to-day noise.
- Producers (ASU or PSA plants) have total capacity ``supply_ratio`` times the mean daily
  total net demand; by default ``supply_ratio`` is drawn from 0.7-1.1, so some instances
  cannot serve everyone. Filling stations sit in cities with total filling capacity of
  0.9-1.4 times the peak daily need in cylinders.
- Candidates are possible new PSA plants near hospitals, with capacities of 50-600
  m³/day, fixed costs roughly proportional to capacity and, for about half of them, a
  filling capacity (the others are unlimited: an empty cell).

Examples
--------
>>> from o2opt.synthetic import synthetic_tables
>>> t = synthetic_tables(40, 3, 2, n_candidates=2, horizon_days=7, seed=3,
...                      unmet_penalty_per_m3=500.0)
>>> sorted(t)
['candidates', 'demand', 'hospitals', 'model', 'producers', 'stations']
>>> len(t["hospitals"]), len(t["demand"]), t["model"]
(40, 280, {'horizon_days': 7, 'unmet_penalty_per_m3': 500.0})
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["IRAQ_BBOX", "synthetic_tables", "write_synthetic_folder"]

#: ``(lat_min, lat_max, lon_min, lon_max)`` of an Iraq-like region, in degrees.
IRAQ_BBOX: tuple[float, float, float, float] = (29.5, 37.0, 39.0, 48.5)

_EARTH_RADIUS_KM = 6371.0088
_DEFAULT_CYLINDER_M3 = 6.8
_DEFAULT_CIRCUITY = 1.3

#: The ``[model]`` keys (docs/input.md); any other keyword argument is an error.
_MODEL_KEYS = frozenset({
    "horizon_days", "cylinder_m3", "cost_per_cylinder_km", "bulk_cost_per_m3_km",
    "unmet_penalty_per_m3", "allow_unmet", "demand_multiplier", "circuity",
    "max_delivery_km", "budget", "max_new_sites", "integer_cylinders", "routes_only",
    "solver", "time_limit_s", "mip_gap", "threads",
})

#: File names written by :func:`write_synthetic_folder` (and removed on ``overwrite``).
_FILES = ("hospitals.csv", "demand.csv", "producers.csv", "stations.csv", "candidates.csv",
          "routes.csv", "scenario.toml")


def synthetic_tables(
    n_hospitals: int,
    n_stations: int,
    n_producers: int,
    n_candidates: int = 0,
    horizon_days: int = 1,
    seed: int | np.random.Generator = 0,
    region_bbox: tuple[float, float, float, float] = IRAQ_BBOX,
    *,
    n_cities: int | None = None,
    supply_ratio: float | None = None,
    surge: bool = True,
    n_routes: int = 0,
    **model: Any,
) -> dict[str, Any]:
    """Draw a random, realistic scenario as the tables of docs/input.md.

    Parameters
    ----------
    n_hospitals : int
        Number of hospitals (at least 1).
    n_stations, n_producers : int
        Number of cylinder filling stations and of bulk producers.
    n_candidates : int, default 0
        Number of candidate sites for new plants.
    horizon_days : int, default 1
        Number of days; written to ``model["horizon_days"]``.
    seed : int or numpy.random.Generator, default 0
        Seed of the random draws; the same seed gives the same tables.
    region_bbox : tuple of float, default :data:`IRAQ_BBOX`
        ``(lat_min, lat_max, lon_min, lon_max)`` in degrees; every facility lies inside.
    n_cities : int, optional
        Number of city clusters; by default about ``sqrt(n_hospitals) / 1.5``, 1 to 25.
    supply_ratio : float, optional
        Total producer capacity over the mean daily total net demand (after onsite supply
        and ``demand_multiplier``). By default drawn uniformly from 0.7-1.1.
    surge : bool, default True
        With ``horizon_days > 1``, add a ``demand`` table with a surge wave per city.
        Otherwise every day has the hospitals' ``demand_m3_day``.
    n_routes : int, default 0
        Number of ``routes`` rows to add (about 70 % cylinder arcs, 30 % bulk arcs, each
        pair at most once). Each row gives a ``distance_km`` somewhat longer than the
        computed one, a ``cost_per_unit``, both or neither (empty cells).
    **model
        ``[model]`` keys of docs/input.md (``unmet_penalty_per_m3=500``, ``budget=1e6``, ...),
        copied to ``model``. ``cylinder_m3``, ``circuity`` and ``demand_multiplier`` also
        shape the sizing of stations, producers and routes.

    Returns
    -------
    dict
        ``hospitals``, ``producers``, ``stations`` and ``candidates`` DataFrames (possibly
        with no rows), ``demand`` when ``horizon_days > 1`` and ``surge``, ``routes`` when
        ``n_routes > 0``, and ``model``: a dict of ``[model]`` keys (always with
        ``horizon_days``). The tables use docs/input.md's column names, so
        ``o2opt.from_frames(**synthetic_tables(...))`` builds the network.

    Raises
    ------
    TypeError
        For a keyword argument that is not a ``[model]`` key.
    ValueError
        For a negative count, no hospital, ``horizon_days < 1`` or an empty bounding box.

    Examples
    --------
    >>> t = synthetic_tables(200, 8, 3, n_candidates=5, seed=42, budget=2e5)
    >>> h = t["hospitals"]
    >>> list(h.columns)
    ['id', 'name', 'region', 'lat', 'lon', 'demand_m3_day', 'onsite_m3_day', 'priority']
    >>> bool(h.demand_m3_day.between(5, 300).all()), sorted(h.priority.unique().tolist())
    (True, [1, 2, 3])
    >>> net = h.demand_m3_day.sum() - h.onsite_m3_day.clip(upper=h.demand_m3_day).sum()
    >>> bool(0.7 <= t["producers"].capacity_m3_day.sum() / net <= 1.1)
    True
    >>> t["model"]
    {'horizon_days': 1, 'budget': 200000.0}
    """
    unknown = sorted(set(model) - _MODEL_KEYS)
    if unknown:
        raise TypeError(f"synthetic_tables() got unexpected keyword argument(s) {unknown}: "
                        "not [model] keys (docs/input.md)")
    if "horizon_days" in model:
        raise TypeError("pass horizon_days as its own argument")
    if n_hospitals < 1 or min(n_stations, n_producers, n_candidates, n_routes) < 0:
        raise ValueError("need n_hospitals >= 1 and non-negative counts")
    if horizon_days < 1:
        raise ValueError("horizon_days must be at least 1")
    lat_min, lat_max, lon_min, lon_max = map(float, region_bbox)
    if not (lat_min < lat_max and lon_min < lon_max):
        raise ValueError(f"empty region_bbox {region_bbox!r}")

    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    cylinder_m3 = float(model.get("cylinder_m3", _DEFAULT_CYLINDER_M3))
    circuity = float(model.get("circuity", _DEFAULT_CIRCUITY))
    multiplier = float(model.get("demand_multiplier", 1.0))
    bbox = (lat_min, lat_max, lon_min, lon_max)

    # Cities: centres inside the box, Zipf-like weights, a spread in degrees each.
    k = n_cities if n_cities is not None else int(np.clip(round(math.sqrt(n_hospitals) / 1.5),
                                                          1, 25))
    k = max(1, int(k))
    c_lat = rng.uniform(lat_min + 0.1 * (lat_max - lat_min), lat_max - 0.1 * (lat_max - lat_min),
                        k)
    c_lon = rng.uniform(lon_min + 0.1 * (lon_max - lon_min), lon_max - 0.1 * (lon_max - lon_min),
                        k)
    weight = 1.0 / np.arange(1, k + 1) ** 0.9
    weight = rng.permutation(weight / weight.sum())
    spread = rng.uniform(0.05, 0.3, k)

    # Hospitals.
    city = rng.choice(k, size=n_hospitals, p=weight)
    rural = rng.random(n_hospitals) < 0.15
    h_lat, h_lon = _around(rng, c_lat[city], c_lon[city], spread[city], bbox)
    r_lat, r_lon = _uniform_points(rng, n_hospitals, bbox)
    h_lat, h_lon = np.where(rural, r_lat, h_lat), np.where(rural, r_lon, h_lon)
    # region: the nearest city (rural hospitals too), by a flat-earth distance
    nearest = np.argmin((h_lat[:, None] - c_lat[None, :]) ** 2
                        + ((h_lon[:, None] - c_lon[None, :]) * 0.85) ** 2, axis=1)
    demand = np.round(np.clip(rng.lognormal(math.log(40.0), 0.9, n_hospitals), 5.0, 300.0), 1)
    has_onsite = rng.random(n_hospitals) < 0.2
    onsite = np.where(has_onsite, np.round(demand * rng.uniform(0.2, 1.2, n_hospitals), 1), 0.0)
    priority = rng.choice(np.array([1, 2, 3]), size=n_hospitals, p=[0.6, 0.3, 0.1])
    h_ids = _ids("H", n_hospitals)
    hospitals = pd.DataFrame({
        "id": h_ids,
        "name": [f"Hospital {i + 1}" for i in range(n_hospitals)],
        "region": [f"City {c + 1}" for c in nearest],
        "lat": np.round(h_lat, 5), "lon": np.round(h_lon, 5),
        "demand_m3_day": demand, "onsite_m3_day": onsite, "priority": priority,
    })

    # Daily demand with a surge wave per city.
    tables: dict[str, Any] = {"hospitals": hospitals}
    if horizon_days > 1 and surge:
        days = np.arange(horizon_days)
        peak = rng.uniform(0, horizon_days - 1, k)
        width = rng.uniform(1.0, horizon_days / 2 + 1.0, k)
        height = rng.uniform(0.1, 0.8, k)
        wave = 1.0 + height[:, None] * np.exp(-0.5 * ((days[None, :] - peak[:, None])
                                                      / width[:, None]) ** 2)
        noise = rng.lognormal(0.0, 0.05, (n_hospitals, horizon_days))
        daily = np.round(demand[:, None] * wave[city] * noise, 1)
        tables["demand"] = pd.DataFrame({
            "hospital": np.repeat(h_ids, horizon_days),
            "day": np.tile(days, n_hospitals),
            "demand_m3": daily.ravel(),
        })
    else:
        daily = np.repeat(demand[:, None], horizon_days, axis=1)
    net = np.maximum(0.0, multiplier * daily - onsite[:, None]).sum(axis=0)  # per day
    mean_net, peak_net = float(net.mean()), float(net.max())

    # Filling stations, in cities, sized on the peak daily need in cylinders.
    s_city = rng.choice(k, size=n_stations, p=weight)
    s_lat, s_lon = _around(rng, c_lat[s_city], c_lon[s_city], spread[s_city] / 2, bbox)
    fills = rng.uniform(0.9, 1.4) * peak_net / cylinder_m3 * _shares(rng, n_stations)
    tables["stations"] = pd.DataFrame({
        "id": _ids("S", n_stations),
        "name": [f"Filling station {i + 1}" for i in range(n_stations)],
        "lat": np.round(s_lat, 5), "lon": np.round(s_lon, 5),
        "fill_capacity_cyl_day": np.maximum(5.0, np.round(fills)),
        "fill_cost_per_cyl": np.round(rng.uniform(0.5, 3.0, n_stations), 2),
    })

    # Producers, near cities but wider (industrial zones), sized on supply_ratio.
    ratio = rng.uniform(0.7, 1.1) if supply_ratio is None else float(supply_ratio)
    p_city = rng.choice(k, size=n_producers, p=weight)
    p_lat, p_lon = _around(rng, c_lat[p_city], c_lon[p_city], 2 * spread[p_city], bbox)
    caps = ratio * max(mean_net, 1.0) * _shares(rng, n_producers)
    kind = np.where(rng.random(n_producers) < 0.6, "ASU", "PSA")
    tables["producers"] = pd.DataFrame({
        "id": _ids("P", n_producers),
        "name": [f"Producer {i + 1}" for i in range(n_producers)],
        "kind": kind,
        "lat": np.round(p_lat, 5), "lon": np.round(p_lon, 5),
        "capacity_m3_day": np.maximum(1.0, np.round(caps, 1)),
        "cost_per_m3": np.round(np.where(kind == "ASU", rng.uniform(0.1, 0.4, n_producers),
                                         rng.uniform(0.3, 0.7, n_producers)), 3),
    })

    # Candidate PSA plants, near hospitals.
    near = rng.integers(0, n_hospitals, n_candidates)
    c_lat2, c_lon2 = _around(rng, h_lat[near], h_lon[near], np.full(n_candidates, 0.05), bbox)
    c_cap = np.round(np.exp(rng.uniform(math.log(50.0), math.log(600.0), n_candidates)), -1)
    c_fill = np.where(rng.random(n_candidates) < 0.5,
                      np.round(c_cap / cylinder_m3 * rng.uniform(0.8, 1.5, n_candidates)),
                      np.nan)
    tables["candidates"] = pd.DataFrame({
        "id": _ids("C", n_candidates),
        "name": [f"Candidate site {i + 1}" for i in range(n_candidates)],
        "kind": np.full(n_candidates, "PSA"),
        "lat": np.round(c_lat2, 5), "lon": np.round(c_lon2, 5),
        "capacity_m3_day": c_cap,
        "fixed_cost": np.round(c_cap * rng.uniform(300.0, 900.0, n_candidates), -3),
        "cost_per_m3": np.round(rng.uniform(0.2, 0.8, n_candidates), 3),
        "fill_capacity_cyl_day": c_fill,
    })

    if n_routes > 0:
        tables["routes"] = _routes(rng, tables, n_routes, circuity)
    tables["model"] = {"horizon_days": int(horizon_days), **model}
    return tables


def write_synthetic_folder(
    path: str | os.PathLike[str],
    n_hospitals: int,
    n_stations: int,
    n_producers: int,
    n_candidates: int = 0,
    horizon_days: int = 1,
    seed: int | np.random.Generator = 0,
    region_bbox: tuple[float, float, float, float] = IRAQ_BBOX,
    *,
    overwrite: bool = False,
    **kwargs: Any,
) -> Path:
    """Draw a scenario with :func:`synthetic_tables` and write it as a scenario folder.

    Writes ``hospitals.csv``, the other tables that have rows, and ``scenario.toml`` with
    a ``[model]`` table (keys whose value is ``None`` are left out, i.e. take the default).

    Parameters
    ----------
    path : str or path-like
        The folder; created if missing. It must be empty unless ``overwrite`` is true.
    n_hospitals, n_stations, n_producers, n_candidates, horizon_days, seed, region_bbox
        As for :func:`synthetic_tables`.
    overwrite : bool, default False
        Allow a non-empty folder; the scenario files in it are removed before writing, so
        that no stale table (say an old ``routes.csv``) survives.
    **kwargs
        ``n_cities``, ``supply_ratio``, ``surge``, ``n_routes`` and ``[model]`` keys, as
        for :func:`synthetic_tables`.

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    FileExistsError
        If the folder is not empty and ``overwrite`` is false.

    Examples
    --------
    >>> import tempfile, tomllib
    >>> from pathlib import Path
    >>> folder = write_synthetic_folder(Path(tempfile.mkdtemp()) / "s", 30, 2, 2,
    ...                                 horizon_days=3, seed=7, max_delivery_km=250.0)
    >>> sorted(p.name for p in folder.iterdir())
    ['demand.csv', 'hospitals.csv', 'producers.csv', 'scenario.toml', 'stations.csv']
    >>> tomllib.loads((folder / "scenario.toml").read_text())
    {'model': {'horizon_days': 3, 'max_delivery_km': 250.0}}
    """
    import tomli_w  # only needed for writing

    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"{folder} exists and is not a folder")
    if folder.is_dir() and any(folder.iterdir()):
        if not overwrite:
            raise FileExistsError(f"{folder} is not empty (pass overwrite=True)")
        for name in _FILES:
            (folder / name).unlink(missing_ok=True)
    tables = synthetic_tables(n_hospitals, n_stations, n_producers, n_candidates, horizon_days,
                              seed, region_bbox, **kwargs)
    model = tables.pop("model")
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        if name == "hospitals" or len(frame):
            frame.to_csv(folder / f"{name}.csv", index=False)
    toml = {"model": {key: value for key, value in model.items() if value is not None}}
    (folder / "scenario.toml").write_text(tomli_w.dumps(toml), encoding="utf-8")
    return folder


# --------------------------------------------------------------------------- helpers
def _ids(prefix: str, n: int) -> list[str]:
    """``['H1', 'H2', ...]`` zero-padded to a common width (``H01`` .. ``H10``)."""
    width = len(str(max(n, 1)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def _shares(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` random positive shares summing to 1, none tiny."""
    if n == 0:
        return np.empty(0)
    return rng.dirichlet(np.full(n, 3.0))


def _uniform_points(rng: np.random.Generator, n: int,
                    bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    lat_min, lat_max, lon_min, lon_max = bbox
    return rng.uniform(lat_min, lat_max, n), rng.uniform(lon_min, lon_max, n)


def _around(rng: np.random.Generator, lat: np.ndarray, lon: np.ndarray, sigma: np.ndarray,
            bbox: tuple[float, float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Normal scatter of ``sigma`` degrees around each point, clipped to the box."""
    lat_min, lat_max, lon_min, lon_max = bbox
    n = len(lat)
    out_lat = np.clip(lat + sigma * rng.standard_normal(n), lat_min, lat_max)
    out_lon = np.clip(lon + sigma * rng.standard_normal(n), lon_min, lon_max)
    return out_lat, out_lon


def _haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray,
                  lon2: np.ndarray) -> np.ndarray:
    lat1, lon1, lat2, lon2 = (np.radians(a) for a in (lat1, lon1, lat2, lon2))
    a = (np.sin((lat2 - lat1) / 2) ** 2
         + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2)
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _routes(rng: np.random.Generator, tables: dict[str, Any], n_routes: int,
            circuity: float) -> pd.DataFrame:
    """Distinct cylinder and bulk arcs with overridden distances and/or costs."""
    fillers = pd.concat([tables["stations"][["id", "lat", "lon"]],
                         tables["candidates"][["id", "lat", "lon"]]], ignore_index=True)
    hospitals, producers = tables["hospitals"], tables["producers"]
    stations = tables["stations"]
    n_cyl_pairs = len(fillers) * len(hospitals)
    n_bulk_pairs = len(producers) * len(stations)
    n_bulk = min(n_bulk_pairs, n_routes - min(n_cyl_pairs, math.ceil(0.7 * n_routes)))
    n_cyl = min(n_cyl_pairs, n_routes - n_bulk)
    parts = []
    for origins, dests, n, rate in ((fillers, hospitals, n_cyl, (0.04, 0.08)),
                                    (producers, stations, n_bulk, (0.0015, 0.003))):
        if n == 0:
            continue
        pair = rng.choice(len(origins) * len(dests), size=n, replace=False)
        a, b = np.divmod(pair, len(dests))
        km = circuity * _haversine_km(origins["lat"].to_numpy(float)[a],
                                      origins["lon"].to_numpy(float)[a],
                                      dests["lat"].to_numpy(float)[b],
                                      dests["lon"].to_numpy(float)[b])
        distance = np.round(km * rng.uniform(1.0, 1.3, n), 1)
        cost = np.round(distance * rng.uniform(*rate, n), 4)
        parts.append(pd.DataFrame({
            "origin": origins["id"].to_numpy()[a],
            "destination": dests["id"].to_numpy()[b],
            "distance_km": np.where(rng.random(n) < 0.7, distance, np.nan),
            "cost_per_unit": np.where(rng.random(n) < 0.4, cost, np.nan),
        }))
    if not parts:
        return pd.DataFrame({"origin": [], "destination": [], "distance_km": [],
                             "cost_per_unit": []})
    return pd.concat(parts, ignore_index=True)
