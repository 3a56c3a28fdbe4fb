"""Distances and arcs: which filling point can deliver to which hospital, at what cost.

Distances are great-circle (haversine, Earth radius 6371.0088 km) times ``circuity``,
unless ``routes.csv`` gives the arc. Cylinder arcs are found block by block, so memory
stays bounded whatever the network size, and only pairs within ``max_delivery_km`` are
kept.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from o2opt.network import Network

__all__ = ["EARTH_RADIUS_KM", "Arcs", "build_arcs", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088
_BLOCK_PAIRS = 4_000_000  # pairs per block when scanning filling points x hospitals


def haversine_km(lat1: np.ndarray | float, lon1: np.ndarray | float,
                 lat2: np.ndarray | float, lon2: np.ndarray | float) -> np.ndarray:
    """Great-circle distance in km between points given in degrees (broadcasts).

    Examples
    --------
    >>> round(float(haversine_km(33.3152, 44.3661, 30.5085, 47.7804)), 1)  # Baghdad-Basra
    448.6
    """
    phi1, lam1, phi2, lam2 = (np.radians(np.asarray(a, dtype=float))
                              for a in (lat1, lon1, lat2, lon2))
    return _haversine(phi1, lam1, np.cos(phi1), phi2, lam2, np.cos(phi2))


def _haversine(phi1: np.ndarray, lam1: np.ndarray, cos1: np.ndarray, phi2: np.ndarray,
               lam2: np.ndarray, cos2: np.ndarray) -> np.ndarray:
    """:func:`haversine_km` from radians and the cosines of the latitudes."""
    a = np.sin((phi2 - phi1) / 2) ** 2 + cos1 * cos2 * np.sin((lam2 - lam1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


@dataclass(frozen=True)
class Arcs:
    """The arcs of a network.

    ``cylinder``: one row per filling-point → hospital arc with ``source`` (id),
    ``hospital`` (id), ``source_pos`` (position among filling points: stations first, then
    candidates), ``hospital_pos``, ``km`` and ``transport_per_cyl``.
    ``bulk``: one row per producer → station arc with ``producer``, ``station``,
    ``producer_pos``, ``station_pos``, ``km`` and ``transport_per_m3``.
    """

    cylinder: pd.DataFrame
    bulk: pd.DataFrame


def build_arcs(network: Network) -> Arcs:
    """Compute the cylinder and bulk arcs of ``network`` (docs/model.md, "Arcs").

    Examples
    --------
    >>> import pandas as pd, o2opt
    >>> net = o2opt.from_frames(
    ...     hospitals=pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 36.0],
    ...                             "lon": [44.0, 44.0], "demand_m3_day": [10.0, 10.0]}),
    ...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
    ...                            "fill_capacity_cyl_day": [100.0]}),
    ...     model={"max_delivery_km": 100})
    >>> build_arcs(net).cylinder[["source", "hospital"]].values.tolist()
    [['S1', 'H1']]
    """
    sc = network.scenario
    fillers = pd.concat([network.stations[["id", "lat", "lon"]],
                         network.candidates[["id", "lat", "lon"]]], ignore_index=True)
    hospitals = network.hospitals
    producers, stations = network.producers, network.stations
    routes = network.routes

    if sc.routes_only:
        cyl = _empty_pairs()
        bulk = _empty_pairs()
    else:
        cyl = _pairs_within(fillers, hospitals, sc.circuity, sc.max_delivery_km)
        bulk = _pairs_within(producers, stations, sc.circuity, None)
    cyl = _apply_routes(cyl, routes, fillers, hospitals, sc.circuity)
    bulk = _apply_routes(bulk, routes, producers, stations, sc.circuity)

    cyl_cost = np.where(np.isnan(cyl["cost"]), sc.cost_per_cylinder_km * cyl["km"], cyl["cost"])
    bulk_cost = np.where(np.isnan(bulk["cost"]), sc.bulk_cost_per_m3_km * bulk["km"],
                         bulk["cost"])
    cylinder = pd.DataFrame({
        "source": fillers["id"].to_numpy()[cyl["a"]],
        "hospital": hospitals["id"].to_numpy()[cyl["b"]],
        "source_pos": cyl["a"], "hospital_pos": cyl["b"], "km": cyl["km"],
        "transport_per_cyl": cyl_cost,
    })
    bulk_arcs = pd.DataFrame({
        "producer": producers["id"].to_numpy()[bulk["a"]],
        "station": stations["id"].to_numpy()[bulk["b"]],
        "producer_pos": bulk["a"], "station_pos": bulk["b"], "km": bulk["km"],
        "transport_per_m3": bulk_cost,
    })
    return Arcs(cylinder=cylinder, bulk=bulk_arcs)


Pairs = dict[str, np.ndarray]  # a, b (positions), km, cost (NaN: computed from km)


def _empty_pairs() -> Pairs:
    return {"a": np.empty(0, np.int64), "b": np.empty(0, np.int64),
            "km": np.empty(0), "cost": np.empty(0)}


def _pairs_within(origins: pd.DataFrame, dests: pd.DataFrame, circuity: float,
                  max_km: float | None) -> Pairs:
    """All origin × destination pairs with road km ≤ ``max_km`` (every pair when ``None``),
    ordered by origin, then destination.

    A great circle is at least as long as its change of latitude, so only destinations in
    the band ``|Δlat| ≤ max_km / (circuity R)`` around an origin can be within reach: they
    are found by binary search in the destinations sorted by latitude, and the distance is
    computed for them alone, in blocks of at most ``_BLOCK_PAIRS`` pairs.
    """
    n_o, n_d = len(origins), len(dests)
    if n_o == 0 or n_d == 0:
        return _empty_pairs()
    lat_o, lon_o = origins["lat"].to_numpy(float), origins["lon"].to_numpy(float)
    lat_d, lon_d = dests["lat"].to_numpy(float), dests["lon"].to_numpy(float)
    if max_km is None:
        lo, hi, by_lat = np.zeros(n_o, np.int64), np.full(n_o, n_d), np.arange(n_d)
    else:
        # the band in degrees, widened by a hair so that rounding never drops a pair
        band = np.degrees(max_km / (circuity * EARTH_RADIUS_KM)) * (1 + 1e-9) + 1e-9
        by_lat = np.argsort(lat_d, kind="stable")
        lat_sorted = lat_d[by_lat]
        lo = np.searchsorted(lat_sorted, lat_o - band, side="left")
        hi = np.searchsorted(lat_sorted, lat_o + band, side="right")
    phi_o, lam_o, phi_d, lam_d = (np.radians(x) for x in (lat_o, lon_o, lat_d, lon_d))
    cos_o, cos_d = np.cos(phi_o), np.cos(phi_d)  # once per point, not once per pair
    ends = np.cumsum(hi - lo)
    cuts = np.searchsorted(ends, np.arange(_BLOCK_PAIRS, ends[-1], _BLOCK_PAIRS), "right")
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start, stop in zip(np.r_[0, cuts], np.r_[cuts, n_o], strict=True):
        if stop <= start:
            continue
        count = hi[start:stop] - lo[start:stop]
        a = np.repeat(np.arange(start, stop), count)
        first = np.cumsum(count) - count  # each origin's first pair in this block
        b = by_lat[np.arange(len(a)) - np.repeat(first - lo[start:stop], count)]
        km = circuity * _haversine(phi_o[a], lam_o[a], cos_o[a], phi_d[b], lam_d[b], cos_d[b])
        if max_km is not None:
            keep = km <= max_km
            a, b, km = a[keep], b[keep], km[keep]
            order = np.lexsort((b, a))  # by destination within each origin, as documented
            a, b, km = a[order], b[order], km[order]
        parts.append((a, b, km))
    if not parts:
        return _empty_pairs()
    a, b, km = (np.concatenate(x) for x in zip(*parts, strict=True))
    return {"a": a.astype(np.int64), "b": b.astype(np.int64), "km": km,
            "cost": np.full(len(a), np.nan)}


def _apply_routes(pairs: Pairs, routes: pd.DataFrame, origins: pd.DataFrame,
                  dests: pd.DataFrame, circuity: float) -> Pairs:
    """Add the routes.csv arcs between ``origins`` and ``dests``, replacing computed ones."""
    if not len(routes) or not len(origins) or not len(dests):
        return pairs
    a = pd.Index(origins["id"]).get_indexer(routes["origin"])
    b = pd.Index(dests["id"]).get_indexer(routes["destination"])
    mine = (a >= 0) & (b >= 0)
    if not mine.any():
        return pairs
    a, b = a[mine], b[mine]
    dist = routes["distance_km"].to_numpy(float)[mine]
    computed = circuity * haversine_km(origins["lat"].to_numpy(float)[a],
                                       origins["lon"].to_numpy(float)[a],
                                       dests["lat"].to_numpy(float)[b],
                                       dests["lon"].to_numpy(float)[b])
    km = np.where(np.isnan(dist), computed, dist)
    cost = routes["cost_per_unit"].to_numpy(float)[mine]
    n_d = len(dests)
    keep = ~np.isin(pairs["a"] * n_d + pairs["b"], a * n_d + b)
    merged = {k: np.concatenate([pairs[k][keep], v])
              for k, v in (("a", a), ("b", b), ("km", km), ("cost", cost))}
    order = np.lexsort((merged["b"], merged["a"]))
    return {k: v[order] for k, v in merged.items()}
