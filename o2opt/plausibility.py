"""Warnings for input that is valid but probably wrong (:class:`~o2opt.PlausibilityWarning`).

Run when a network is read or built (:func:`o2opt.read_network`, :func:`o2opt.from_frames`,
:meth:`o2opt.Network.replace`), after the checks that raise :class:`~o2opt.InputError`. Each
warning names the table, the row and the id, and says what to look at:

- a facility far outside the cluster of the others (more than ``FAR_FACTOR`` times the
  90th-percentile distance of all facilities from their median point, and more than
  ``FAR_MIN_KM``): a typing error, a missing coordinate written as 0, another country;
- a facility whose latitude and longitude look swapped: outside the box of the others (the
  facilities within twice that 90th-percentile distance, plus a 10 % margin), but inside it
  with the two exchanged;
- a filling station whose daily capacity in cylinders, times ``cylinder_m3``, is more than
  ``CAPACITY_FACTOR`` times the largest producer's m³ per day: a capacity in m³ typed into
  ``fill_capacity_cyl_day``.

Networks of fewer than ``MIN_FACILITIES`` (10) facilities are not judged. Turn them into
errors with ``warnings.simplefilter("error", o2opt.PlausibilityWarning)``,
or off with ``"ignore"``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from o2opt.errors import PlausibilityWarning

if TYPE_CHECKING:
    from o2opt.network import Scenario

__all__ = ["CAPACITY_FACTOR", "FAR_FACTOR", "FAR_MIN_KM", "MIN_FACILITIES",
           "plausibility_warnings"]

FAR_FACTOR = 4.0
FAR_MIN_KM = 300.0
CAPACITY_FACTOR = 10.0
_POINTS = ("hospitals", "producers", "stations", "candidates")
#: Networks with fewer facilities (worked examples, tests) are not judged: a handful of
#: points has no cluster to stand out from, nor a scale to compare a capacity with.
MIN_FACILITIES = 10


def _km(lat: np.ndarray, lon: np.ndarray, lat0: float, lon0: float) -> np.ndarray:
    p, p0 = np.radians(lat), np.radians(lat0)
    a = (np.sin((p - p0) / 2) ** 2
         + np.cos(p) * np.cos(p0) * np.sin(np.radians(lon - lon0) / 2) ** 2)
    return 2 * 6371.0088 * np.arcsin(np.sqrt(np.clip(a, 0, 1)))


def plausibility_warnings(tables: Mapping[str, pd.DataFrame], scenario: Scenario,
                          sources: Mapping[str, str],
                          rows: Mapping[str, Sequence[str]]) -> list[str]:
    """The warnings for valid ``tables`` (messages; see the module). Pure: emits nothing."""
    out: list[str] = []
    where = []
    for name in _POINTS:
        t = tables.get(name)
        if t is not None and len(t) and "lat" in t and "lon" in t:
            where += [(name, i, str(t["id"].iloc[i])) for i in range(len(t))]
    if len(where) >= MIN_FACILITIES:
        lat = np.concatenate([tables[n]["lat"].to_numpy(float) for n in _POINTS
                              if n in tables and len(tables[n]) and "lat" in tables[n]])
        lon = np.concatenate([tables[n]["lon"].to_numpy(float) for n in _POINTS
                              if n in tables and len(tables[n]) and "lon" in tables[n]])
        ok = np.isfinite(lat) & np.isfinite(lon)
        lat0, lon0 = float(np.median(lat[ok])), float(np.median(lon[ok]))
        dist = _km(lat, lon, lat0, lon0)
        limit = max(FAR_FACTOR * float(np.quantile(dist[ok], 0.9)), FAR_MIN_KM)
        q90 = float(np.quantile(dist[ok], 0.9))
        core = ok & (dist <= 2 * q90)
        if core.sum() >= 3:
            lo_lat, hi_lat = lat[core].min(), lat[core].max()
            lo_lon, hi_lon = lon[core].min(), lon[core].max()
            m_lat, m_lon = 0.1 * (hi_lat - lo_lat), 0.1 * (hi_lon - lo_lon)
            box = (lo_lat - m_lat, hi_lat + m_lat, lo_lon - m_lon, hi_lon + m_lon)
            inside = (lat >= box[0]) & (lat <= box[1]) & (lon >= box[2]) & (lon <= box[3])
            swapped = ((lon >= box[0]) & (lon <= box[1]) & (lat >= box[2]) & (lat <= box[3]))
            for k in np.flatnonzero(ok & ~inside & (swapped | (dist > limit))):
                name, i, ident = where[k]
                at = f"{_origin(name, i, sources, rows)} (id {ident})"
                if swapped[k]:
                    out.append(f"{at}: lat {lat[k]:g}, lon {lon[k]:g} looks swapped: the point "
                               f"({lon[k]:g}, {lat[k]:g}) lies among the other facilities")
                else:
                    out.append(f"{at}: lat {lat[k]:g}, lon {lon[k]:g} is {dist[k]:,.0f} km "
                               f"from the median of the facilities, far outside the others "
                               f"(90 % lie within {q90:,.0f} km): check it")
    stations, producers = tables.get("stations"), tables.get("producers")
    if (len(where) >= MIN_FACILITIES and stations is not None and producers is not None
            and len(stations) and len(producers)
            and "fill_capacity_cyl_day" in stations and "capacity_m3_day" in producers):
        largest = float(np.nanmax(producers["capacity_m3_day"].to_numpy(float)))
        m3 = stations["fill_capacity_cyl_day"].to_numpy(float) * scenario.cylinder_m3
        if np.isfinite(largest) and largest > 0:
            for i in map(int, np.flatnonzero(m3 > CAPACITY_FACTOR * largest)):
                cyl = float(stations["fill_capacity_cyl_day"].iloc[i])
                out.append(
                    f"{_origin('stations', i, sources, rows)} (id {stations['id'].iloc[i]}): "
                    f"fill_capacity_cyl_day {cyl:,.0f} cylinders × {scenario.cylinder_m3:g} m³"
                    f" = {m3[i]:,.0f} m³/day, more than {CAPACITY_FACTOR:g} × the largest "
                    f"producer ({largest:,.0f} m³/day): is it m³ rather than cylinders?")
    return out


def _origin(name: str, i: int, sources: Mapping[str, str],
            rows: Mapping[str, Sequence[str]]) -> str:
    src = sources.get(name, name)
    row = rows.get(name)
    return f"{src}, {row[i]}" if row is not None and i < len(row) else f"{src}, row {i + 1}"


def warn_implausible(tables: Mapping[str, pd.DataFrame], scenario: Scenario,
                     sources: Mapping[str, str], rows: Mapping[str, Sequence[str]]) -> None:
    """Emit :func:`plausibility_warnings` as :class:`~o2opt.PlausibilityWarning`."""
    for message in plausibility_warnings(tables, scenario, sources, rows):
        warnings.warn(message, PlausibilityWarning, stacklevel=4)
