"""Road networks: arc distances and travel times on a road graph instead of haversine × circuity.

The canonical model (docs/model.md) computes every arc as a great-circle distance times
``circuity``, unless ``routes.csv`` gives the arc. This module fills ``routes.csv`` from a
road network:

1. :func:`road_graph` turns a GeoDataFrame of road lines into an undirected
   :class:`networkx.Graph`. Every line vertex is a node (vertices that round to the same
   coordinates are one node, so lines that touch are connected); every segment is an edge
   with its length ``km`` and travel time ``hours`` (length / speed, speed by road class).
2. :func:`snap` attaches each facility to its nearest graph node and reports how far that
   node is, so facilities far off the network can be flagged.
3. :func:`road_routes` computes the road distance of every filling point → hospital and
   producer → station pair with **one** Dijkstra search per distinct source node (not one
   per pair), and returns the rows of a ``routes.csv`` table.
4. :func:`with_road_distances` returns a copy of a network whose routes table holds those
   rows, so :func:`o2opt.optimize` uses road km.

:func:`load_iraq_major_roads` loads a coarse, hand-drawn schematic of Iraq's major road
corridors that ships with o2opt for the bundled demo (illustrative, not surveyed geometry;
see ``data/iraq-roads/README.md``). The canonical model is unchanged: this module only
writes ``routes.csv`` rows, which docs/input.md already defines. See ``docs/roads.md``.

Examples
--------
>>> import o2opt
>>> from o2opt import roads
>>> graph = roads.road_graph(roads.load_iraq_major_roads())
>>> net = o2opt.read_network(o2opt.datasets.demo_folder())
>>> road_net = roads.with_road_distances(net, graph)
>>> road_net.scenario.routes_only, len(road_net.routes) > 0
(True, True)
>>> o2opt.optimize(road_net).status
'optimal'
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from o2opt.geo import haversine_km
from o2opt.network import Network

if TYPE_CHECKING:
    import geopandas as gpd
    import networkx as nx

__all__ = [
    "DEFAULT_SPEEDS_KM_H",
    "iraq_major_roads_path",
    "load_iraq_major_roads",
    "road_graph",
    "road_routes",
    "snap",
    "with_road_distances",
]

log = logging.getLogger(__name__)

#: Assumed average truck speeds (km/h) by OpenStreetMap ``highway`` class, used by
#: :func:`road_graph` when no other mapping is given. Rough figures; pass your own.
DEFAULT_SPEEDS_KM_H: Mapping[str, float] = MappingProxyType({
    "motorway": 100.0, "motorway_link": 50.0,
    "trunk": 80.0, "trunk_link": 45.0,
    "primary": 65.0, "primary_link": 40.0,
    "secondary": 55.0, "secondary_link": 35.0,
    "tertiary": 45.0, "tertiary_link": 30.0,
    "unclassified": 35.0, "residential": 25.0, "living_street": 10.0,
    "service": 20.0, "track": 20.0,
})

_LINE_TYPES = ("LineString", "MultiLineString", "LinearRing")
_BLOCK = 4_000_000  # point x node pairs per block in the brute-force nearest-node search


# --------------------------------------------------------------------------- the graph
def road_graph(
    lines: gpd.GeoDataFrame | gpd.GeoSeries,
    *,
    speed_km_h: Mapping[str, float] | None = None,
    class_column: str = "highway",
    default_speed_km_h: float = 50.0,
    speed_column: str | None = "speed_km_h",
    length_factor_column: str | None = "length_factor",
    decimals: int = 6,
) -> nx.Graph[int]:
    """Build an undirected road graph from road lines.

    Parameters
    ----------
    lines : GeoDataFrame or GeoSeries
        LineString or MultiLineString geometries in any CRS (converted to WGS84; without a
        CRS, coordinates must be longitude/latitude degrees). Missing and empty geometries
        are skipped; any other geometry type is an error.
    speed_km_h : mapping, optional
        Speed in km/h by road class (the value in ``class_column``). Default
        :data:`DEFAULT_SPEEDS_KM_H`.
    class_column : str
        Column holding the road class (OpenStreetMap's ``highway`` by default).
    default_speed_km_h : float
        Speed of a line whose class is missing or not in ``speed_km_h``.
    speed_column : str or None
        Column of per-line speeds in km/h. Where it holds a number, it wins over the class
        speed; empty or non-numeric values fall back to the class speed. ``None``: ignore.
    length_factor_column : str or None
        Column of per-line factors (> 0) multiplying the geodesic length, for schematic
        lines drawn with few vertices, which are shorter than the roads they stand for.
        Empty values mean 1. ``None``: ignore.
    decimals : int
        Vertices are merged when their longitude and latitude agree after rounding to this
        many decimals (6: about 0.1 m). Lines that share a vertex are connected; lines
        that cross without a shared vertex (bridges, flyovers) are not.

    Returns
    -------
    networkx.Graph
        Nodes are integers ``0..n-1`` with attributes ``lon`` and ``lat`` (degrees,
        rounded). Each edge is one segment between consecutive vertices, with attributes
        ``km`` (great-circle length, Earth radius 6371.0088 km as in docs/model.md, times the
        length factor), ``hours`` (``km / speed``), ``speed_km_h``, ``highway`` (the class,
        or ``None``) and ``line`` (index label of the line it came from). When several
        segments join the same two nodes, the fastest is kept (ties: the shortest).
        ``graph.graph["crs"]`` is ``"EPSG:4326"``.

    Raises
    ------
    TypeError
        ``lines`` is not a GeoDataFrame or GeoSeries.
    ValueError
        A geometry is not a line, coordinates are not degrees when there is no CRS, or a
        speed or length factor is not a positive finite number.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> lines = gpd.GeoDataFrame(
    ...     {"highway": ["motorway", "residential"]},
    ...     geometry=[LineString([(44.0, 33.0), (44.0, 33.5)]),
    ...               LineString([(44.0, 33.5), (44.1, 33.5)])], crs="EPSG:4326")
    >>> g = road_graph(lines)
    >>> g.number_of_nodes(), g.number_of_edges()
    (3, 2)
    >>> e = g.edges[0, 1]
    >>> round(e["km"], 2), round(e["hours"], 3), e["highway"]
    (55.6, 0.556, 'motorway')
    """
    import geopandas as gpd
    import networkx as nx
    import shapely

    if isinstance(lines, gpd.GeoSeries):
        lines = gpd.GeoDataFrame(geometry=lines)
    if not isinstance(lines, gpd.GeoDataFrame):
        raise TypeError(f"lines must be a GeoDataFrame or GeoSeries, got {type(lines).__name__}")
    geometry = _to_wgs84(lines.geometry)
    labels = lines.index.tolist()  # Python scalars, for messages and the 'line' attribute
    speed = _line_speeds(lines, speed_km_h, class_column, default_speed_km_h, speed_column)
    factor = _line_factors(lines, length_factor_column)
    classes = (lines[class_column].to_numpy(dtype=object) if class_column in lines.columns
               else np.full(len(lines), None, dtype=object))

    geoms = geometry.to_numpy()
    present = ~(pd.isna(geoms) | shapely.is_empty(geoms))
    kinds = shapely.get_type_id(geoms)
    line_kinds = {shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING,
                  shapely.GeometryType.LINEARRING}
    bad = present & ~np.isin(kinds, [int(k) for k in line_kinds])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"road lines must be {', '.join(_LINE_TYPES)}; row {labels[i]!r} "
                         f"is a {geoms[i].geom_type}")
    rows = np.flatnonzero(present)
    parts, part_row = shapely.get_parts(geoms[rows], return_index=True)
    part_row = rows[part_row]
    coords, part = shapely.get_coordinates(parts, return_index=True)
    graph: nx.Graph[int] = nx.Graph(crs="EPSG:4326")
    if len(coords) < 2:
        return graph

    # merge vertices that round to the same point (+ 0.0 turns -0.0 into 0.0)
    rounded = np.round(coords, decimals) + 0.0
    points, inverse = np.unique(rounded, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    a, b = inverse[:-1], inverse[1:]
    keep = (part[:-1] == part[1:]) & (a != b)
    a, b = a[keep], b[keep]
    row = part_row[part[:-1][keep]]
    km = haversine_km(points[a, 1], points[a, 0], points[b, 1], points[b, 0]) * factor[row]
    seg = pd.DataFrame({"u": np.minimum(a, b), "v": np.maximum(a, b), "km": km,
                        "hours": km / speed[row], "row": row})
    seg = (seg.sort_values(["hours", "km"], kind="stable")
              .drop_duplicates(["u", "v"], keep="first")
              .sort_values(["u", "v"], kind="stable"))
    # number the nodes that carry an edge 0..n-1, in (lon, lat) order
    used = np.unique(np.concatenate([seg["u"].to_numpy(), seg["v"].to_numpy()]))
    new_id = np.full(len(points), -1, dtype=np.int64)
    new_id[used] = np.arange(len(used))
    graph.add_nodes_from((int(new_id[p]), {"lon": float(points[p, 0]), "lat": float(points[p, 1])})
                         for p in used)
    r = seg["row"].to_numpy()
    graph.add_edges_from(
        (int(u), int(v), {"km": float(k), "hours": float(h), "speed_km_h": float(speed[i]),
                          "highway": _class_value(classes[i]),
                          "line": labels[i]})
        for u, v, k, h, i in zip(new_id[seg["u"].to_numpy()], new_id[seg["v"].to_numpy()],
                                 seg["km"].to_numpy(), seg["hours"].to_numpy(), r,
                                 strict=True))
    return graph


def _class_value(value: Any) -> Any:
    """A road class for the ``highway`` edge attribute: ``None`` when missing."""
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else value


def _to_wgs84(geometry: gpd.GeoSeries) -> gpd.GeoSeries:
    """``geometry`` in WGS84; without a CRS its coordinates must already be degrees."""
    if geometry.crs is None:
        bounds = geometry.total_bounds  # NaN when there is nothing to check
        if np.isfinite(bounds).all() and (abs(bounds[[0, 2]]).max() > 180
                                          or abs(bounds[[1, 3]]).max() > 90):
            raise ValueError("road lines have no CRS and their coordinates are not "
                             "longitude/latitude degrees; set the CRS first")
        return geometry
    if geometry.crs.equals("EPSG:4326"):
        return geometry
    return geometry.to_crs("EPSG:4326")


def _positive(value: float, what: str) -> float:
    v = float(value)
    if not (math.isfinite(v) and v > 0):
        raise ValueError(f"{what} must be a positive finite number, got {value!r}")
    return v


def _line_speeds(lines: pd.DataFrame, speed_km_h: Mapping[str, float] | None,
                 class_column: str, default: float, speed_column: str | None) -> np.ndarray:
    """Speed of each line, km/h: its own speed, else its class's, else the default."""
    table: dict[Hashable, float] = {
        k: _positive(v, f"speed of class {k!r}")
        for k, v in (DEFAULT_SPEEDS_KM_H if speed_km_h is None else speed_km_h).items()}
    speed = np.full(len(lines), _positive(default, "default_speed_km_h"))
    if class_column in lines.columns:
        by_class = np.array([table.get(c, np.nan) if isinstance(c, Hashable) else np.nan
                             for c in lines[class_column]], dtype=float)
        speed = np.where(np.isnan(by_class), speed, by_class)
    if speed_column is not None and speed_column in lines.columns:
        own = pd.to_numeric(lines[speed_column], errors="coerce").to_numpy(dtype=float)
        _check_column(lines, own, speed_column)
        speed = np.where(np.isnan(own), speed, own)
    return speed


def _line_factors(lines: pd.DataFrame, column: str | None) -> np.ndarray:
    if column is None or column not in lines.columns:
        return np.ones(len(lines))
    factor = pd.to_numeric(lines[column], errors="coerce").to_numpy(dtype=float)
    _check_column(lines, factor, column)
    return np.where(np.isnan(factor), 1.0, factor)


def _check_column(lines: pd.DataFrame, values: np.ndarray, column: str) -> None:
    bad = ~np.isnan(values) & ~(np.isfinite(values) & (values > 0))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"column {column!r}, row {lines.index.tolist()[i]!r}: must be a positive "
                         f"finite number, got {values[i]!r}")


# --------------------------------------------------------------------------- snapping
def snap(graph: nx.Graph[Any], lat: Any, lon: Any) -> tuple[np.ndarray, np.ndarray]:
    """The nearest graph node of each point, and how far it is.

    Parameters
    ----------
    graph : networkx.Graph
        Nodes with ``lat`` and ``lon`` attributes in degrees (or ``y`` and ``x``, as
        OSMnx writes them for unprojected graphs).
    lat, lon : float or array-like
        Points in WGS84 degrees.

    Returns
    -------
    nodes : numpy.ndarray
        The nearest node of each point (int64 when node ids are integers, else object).
    km : numpy.ndarray
        Great-circle distance from each point to its node (Earth radius 6371.0088 km).
        Nearest means nearest on the sphere; ties go to either node.

    Notes
    -----
    Points and nodes are mapped to 3-D unit vectors, where the nearest chord is the
    nearest great circle. With SciPy installed the search uses
    :class:`scipy.spatial.cKDTree` (``O((n + m) log m)``); without it, a blocked
    brute-force search over all nodes.

    Examples
    --------
    >>> import networkx as nx
    >>> g = nx.Graph()
    >>> g.add_node("a", lat=33.0, lon=44.0)
    >>> g.add_node("b", lat=34.0, lon=44.0)
    >>> nodes, km = snap(g, [33.1, 33.9], [44.0, 44.0])
    >>> nodes.tolist(), km.round(2).tolist()
    (['a', 'b'], [11.12, 11.12])
    """
    lat = np.atleast_1d(np.asarray(lat, dtype=float))
    lon = np.atleast_1d(np.asarray(lon, dtype=float))
    if lat.shape != lon.shape or lat.ndim != 1:
        raise ValueError("lat and lon must be scalars or 1-D arrays of the same length")
    if not (np.isfinite(lat).all() and np.isfinite(lon).all()):
        raise ValueError("lat and lon must be finite")
    ids, node_lat, node_lon = _node_coordinates(graph)
    if len(ids) == 0:
        raise ValueError("the road graph has no nodes")
    if len(lat) == 0:
        return ids[:0], np.empty(0)
    pos = _nearest(_unit(lat, lon), _unit(node_lat, node_lon))
    return ids[pos], haversine_km(lat, lon, node_lat[pos], node_lon[pos])


def _node_coordinates(graph: nx.Graph[Any]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    nodes = list(graph.nodes(data=True))
    ids = _id_array([n for n, _ in nodes])
    lat = np.empty(len(nodes))
    lon = np.empty(len(nodes))
    for i, (n, d) in enumerate(nodes):
        try:
            lat[i] = d["lat"] if "lat" in d else d["y"]
            lon[i] = d["lon"] if "lon" in d else d["x"]
        except KeyError:
            raise ValueError(f"road graph node {n!r} has no lat/lon (or y/x) "
                             "attributes") from None
    return ids, lat, lon


def _id_array(ids: list[Hashable]) -> np.ndarray:
    """Node ids as an array: int64 when they are all integers, else object."""
    if all(isinstance(i, int | np.integer) and not isinstance(i, bool) for i in ids):
        return np.asarray(ids, dtype=np.int64)
    out = np.empty(len(ids), dtype=object)
    for k, i in enumerate(ids):  # element by element: tuples must stay tuples
        out[k] = i
    return out


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    la, lo = np.radians(lat), np.radians(lon)
    return np.column_stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)])


def _nearest(points: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """Index of the nearest row of ``nodes`` for each row of ``points`` (3-D)."""
    try:
        from scipy.spatial import cKDTree
    except ImportError:  # pragma: no cover - exercised by monkeypatching in the tests
        return _nearest_brute(points, nodes)
    return np.asarray(cKDTree(nodes).query(points, k=1)[1], dtype=np.int64)


def _nearest_brute(points: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    step = max(1, _BLOCK // len(nodes))
    out = np.empty(len(points), dtype=np.int64)
    for start in range(0, len(points), step):
        out[start:start + step] = np.argmax(points[start:start + step] @ nodes.T, axis=1)
    return out


# --------------------------------------------------------------------------- routes
def road_routes(
    network: Network,
    graph: nx.Graph[Any],
    *,
    max_km: float | None = None,
    weight: str = "km",
    max_snap_km: float | None = None,
    access_speed_km_h: float = 30.0,
) -> pd.DataFrame:
    """Road distances and travel times of every filling point → hospital and producer →
    station pair, as ``routes.csv`` rows.

    Every facility is snapped to its nearest node (:func:`snap`). Then **one** Dijkstra
    search runs from each distinct node that a filling point or producer snaps to
    (:func:`networkx.dijkstra_predecessor_and_distance`), and every pair starting there is
    read off that search; no search is ever made per pair. The searches for filling
    points stop at ``max_km`` (minus the origin's snap distance) when ``weight="km"``.

    Parameters
    ----------
    network : Network
        The facilities (stations and candidates are the filling points).
    graph : networkx.Graph
        A road graph as :func:`road_graph` builds: node attributes ``lat``/``lon``, edge
        attributes ``km`` and ``hours`` (non-negative numbers). A ``DiGraph`` is searched
        in its edges' direction.
    max_km : float, optional
        Longest cylinder arc kept, in km including the snap legs. Default: the scenario's
        ``max_delivery_km`` (no limit when unset); ``math.inf`` for no limit. Bulk arcs
        (producer → station) are never cut, as in docs/model.md.
    weight : {"km", "hours"}
        What the shortest path minimises: distance, or travel time. The other column is
        measured along the same path.
    max_snap_km : float, optional
        Facilities farther than this from every node get no routes (a warning names how
        many). Default: every facility is snapped, however far.
    access_speed_km_h : float
        Speed on the snap legs, for ``hours``.

    Returns
    -------
    pandas.DataFrame
        One row per reachable pair: ``origin``, ``destination``, ``distance_km`` (origin
        snap km + road km + destination snap km), ``hours`` (road hours + snap km /
        ``access_speed_km_h``), ``origin_snap_km``, ``destination_snap_km``. Cylinder arcs
        come first (filling points, then hospitals, in table order), then bulk arcs.
        Pairs with no road path (different components of the graph), cylinder pairs beyond
        ``max_km``, and facilities beyond ``max_snap_km`` have no row.

    Notes
    -----
    Snap legs are straight great-circle lines, without circuity: a facility off a coarse
    network pays its distance to the nearest node at both ends, even when the two
    facilities are close to each other. Cost: ``k`` Dijkstra searches, ``k`` the number of
    distinct origin nodes (at most the number of filling points plus producers), each
    ``O(E + V log V)``, plus one lookup per pair.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, o2opt
    >>> from shapely import LineString
    >>> lines = gpd.GeoDataFrame(
    ...     {"highway": ["trunk"]}, geometry=[LineString([(44.0, 33.0), (44.0, 34.0)])],
    ...     crs="EPSG:4326")
    >>> net = o2opt.from_frames(
    ...     hospitals=pd.DataFrame({"id": ["H1"], "lat": [34.0], "lon": [44.0],
    ...                             "demand_m3_day": [10.0]}),
    ...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.0], "lon": [44.0],
    ...                            "fill_capacity_cyl_day": [100.0]}))
    >>> r = road_routes(net, road_graph(lines))
    >>> r[["origin", "destination"]].values.tolist(), r["distance_km"].round(1).tolist()
    ([['S1', 'H1']], [111.2])
    >>> r["hours"].round(2).tolist()
    [1.39]
    """
    if weight not in ("km", "hours"):
        raise ValueError(f"weight must be 'km' or 'hours', got {weight!r}")
    access = _positive(access_speed_km_h, "access_speed_km_h")
    limit = network.scenario.max_delivery_km if max_km is None else float(max_km)
    limit = math.inf if limit is None else limit
    if math.isnan(limit) or limit < 0:
        raise ValueError(f"max_km must be >= 0, got {max_km!r}")
    _check_edges(graph)

    cols = ["id", "lat", "lon"]
    fillers = pd.concat([network.stations[cols], network.candidates[cols]], ignore_index=True)
    facilities = pd.concat([fillers, network.hospitals[cols], network.producers[cols]],
                           ignore_index=True).drop_duplicates("id")
    ids = facilities["id"].to_numpy()
    if len(ids):
        nodes, snap_km = snap(graph, facilities["lat"].to_numpy(float),
                              facilities["lon"].to_numpy(float))
    else:
        nodes, snap_km = np.empty(0, dtype=object), np.empty(0)
    on_net = np.ones(len(ids), dtype=bool)
    if max_snap_km is not None:
        on_net = snap_km <= float(max_snap_km)
        if not on_net.all():
            far = ids[~on_net]
            log.warning("%d facilities are more than %g km from the road graph and get no "
                        "road routes: %s", len(far), max_snap_km,
                        ", ".join(map(str, far[:10])) + (" ..." if len(far) > 10 else ""))
    where = {i: k for k, i in enumerate(ids) if on_net[k]}

    def side(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        pos = np.array([where.get(i, -1) for i in frame["id"]], dtype=np.int64)
        pos = pos[pos >= 0]
        return ids[pos], nodes[pos], snap_km[pos]

    pairs = ((side(fillers), side(network.hospitals), limit),
             (side(network.producers), side(network.stations), math.inf))

    # group the origins by node: one search per node, deep enough for all of them
    at_node: dict[Hashable, list[tuple[int, int]]] = {}
    cutoffs: dict[Hashable, float | None] = {}
    for g, ((_, o_nodes, o_snap), (d_ids, _, _), lim) in enumerate(pairs):
        if not len(d_ids):
            continue
        for k, (node, s) in enumerate(zip(o_nodes.tolist(), o_snap, strict=True)):
            if s > lim:
                continue  # cannot reach anything within the limit
            need = None if (weight != "km" or math.isinf(lim)) else (lim - s) * (1 + 1e-12)
            if node in cutoffs:
                old = cutoffs[node]
                need = None if old is None or need is None else max(old, need)
            cutoffs[node] = need
            at_node.setdefault(node, []).append((g, k))

    adj = dict(graph.adjacency())  # plain dict lookups when walking back along paths
    targets = list(dict.fromkeys(pairs[0][1][1].tolist() + pairs[1][1][1].tolist()))
    other = "hours" if weight == "km" else "km"
    found: list[dict[int, pd.DataFrame]] = [{}, {}]
    for node, cutoff in cutoffs.items():  # each search is used, then dropped (memory)
        dist, along = _search(graph, adj, node, cutoff, weight, targets)
        for g in sorted({g for g, _ in at_node[node]}):
            (o_ids, _, o_snap), (d_ids, d_nodes, d_snap), lim = pairs[g]
            d_list = d_nodes.tolist()
            road = {weight: np.array([dist.get(n, np.nan) for n in d_list]),
                    other: np.array([along.get(n, np.nan) for n in d_list])}
            for k in (k for gg, k in at_node[node] if gg == g):
                s = o_snap[k]
                km = s + road["km"] + d_snap
                ok = ~np.isnan(km) & (km <= lim)
                found[g][k] = pd.DataFrame({
                    "origin": o_ids[k], "destination": d_ids[ok], "distance_km": km[ok],
                    "hours": road["hours"][ok] + (s + d_snap[ok]) / access,
                    "origin_snap_km": s, "destination_snap_km": d_snap[ok]})
    frames = [f[k] for f in found for k in sorted(f)]
    columns = ["origin", "destination", "distance_km", "hours", "origin_snap_km",
               "destination_snap_km"]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("origin", "destination")
                                          else float) for c in columns})
    out = pd.concat(frames, ignore_index=True)[columns]
    log.info("road routes: %d pairs from %d Dijkstra searches", len(out), len(cutoffs))
    return out


def _check_edges(graph: nx.Graph[Any]) -> None:
    """Every edge has non-negative finite ``km`` and ``hours`` (networkx would silently
    count a missing weight as 1)."""
    for u, v, d in graph.edges(data=True):
        for key in ("km", "hours"):
            x = d.get(key)
            if not (isinstance(x, int | float | np.number) and math.isfinite(x) and x >= 0):
                raise ValueError(f"road graph edge ({u!r}, {v!r}) needs a non-negative "
                                 f"number {key!r}, got {x!r}")


def _search(graph: nx.Graph[Any], adj: Mapping[Hashable, Mapping[Hashable, Any]],
            source: Hashable, cutoff: float | None, weight: str,
            targets: list[Hashable]) -> tuple[dict[Hashable, float], dict[Hashable, float]]:
    """One Dijkstra search from ``source``: ``weight`` to every node reached, and the other
    attribute (``hours`` or ``km``) summed along one shortest path to each of ``targets``
    that was reached. ``adj`` is ``dict(graph.adjacency())``."""
    import networkx as nx

    pred, dist = nx.dijkstra_predecessor_and_distance(graph, source, cutoff=cutoff,
                                                      weight=weight)
    other = "hours" if weight == "km" else "km"
    multi = graph.is_multigraph()
    along: dict[Hashable, float] = {source: 0.0}
    for node in targets:
        if node not in dist:
            continue
        chain = []
        while node not in along:  # walk up the predecessor tree to a node already done
            chain.append(node)
            node = pred[node][0]
        total = along[node]
        for child in reversed(chain):
            data = adj[pred[child][0]][child]
            if multi:  # the parallel edge the search used: least weight
                data = min(data.values(), key=lambda d: d[weight])
            total += data[other]
            along[child] = total
    return dist, along


def with_road_distances(
    network: Network,
    graph: nx.Graph[Any],
    *,
    max_km: float | None = None,
    weight: str = "km",
    routes_only: bool | None = True,
    max_snap_km: float | None = None,
    access_speed_km_h: float = 30.0,
) -> Network:
    """A copy of ``network`` whose arcs use road distances from ``graph``.

    The rows of :func:`road_routes` are added to the routes table (with their ``hours``,
    ``origin_snap_km`` and ``destination_snap_km`` as extra columns, which the model
    ignores). Rows already in the routes table keep their values and win: a given
    ``distance_km`` stays, an empty one is filled with the road distance, and a given
    ``cost_per_unit`` stays. The result is validated again, like any input.

    Parameters
    ----------
    network : Network
    graph : networkx.Graph
        See :func:`road_routes`.
    max_km, weight, max_snap_km, access_speed_km_h
        Passed to :func:`road_routes`. ``max_km`` defaults to the scenario's
        ``max_delivery_km``: routes.csv arcs exist whatever ``max_delivery_km`` says, so
        the limit is applied here, to road km.
    routes_only : bool or None
        Value of ``routes_only`` in the result. ``True`` (default): only the listed arcs
        exist, so the arcs are exactly the pairs reachable by road (within ``max_km`` for
        cylinder arcs), every arc uses road km, and a hospital with no road route to any
        filling point can only be left unmet (a warning names how many). ``False``: road
        rows replace the computed arcs they cover, and pairs without a road row keep
        haversine × ``circuity`` (within ``max_delivery_km``). ``None``: keep the
        network's setting.

    Returns
    -------
    Network

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, o2opt
    >>> from shapely import LineString
    >>> lines = gpd.GeoDataFrame(geometry=[LineString([(44.0, 33.0), (44.0, 34.0)])],
    ...                          crs="EPSG:4326")
    >>> net = o2opt.from_frames(
    ...     hospitals=pd.DataFrame({"id": ["H1"], "lat": [34.0], "lon": [44.0],
    ...                             "demand_m3_day": [68.0]}),
    ...     stations=pd.DataFrame({"id": ["S1"], "lat": [33.0], "lon": [44.0],
    ...                            "fill_capacity_cyl_day": [100.0]}),
    ...     producers=pd.DataFrame({"id": ["P1"], "lat": [33.0], "lon": [44.0],
    ...                             "capacity_m3_day": [1000.0]}))
    >>> road_net = with_road_distances(net, road_graph(lines))
    >>> road_net.routes[["origin", "destination", "distance_km"]].round(1).values.tolist()
    [['S1', 'H1', 111.2], ['P1', 'S1', 0.0]]
    >>> sol = o2opt.optimize(road_net)  # 10 cylinders x 111.19 km x 0.05
    >>> round(sol.objective, 2)
    55.6
    """
    from o2opt.io import from_frames

    road = road_routes(network, graph, max_km=max_km, weight=weight, max_snap_km=max_snap_km,
                       access_speed_km_h=access_speed_km_h)
    old = network.routes
    if len(old):
        key = ["origin", "destination"]
        road_key = pd.MultiIndex.from_frame(road[key])
        old_key = pd.MultiIndex.from_frame(old[key])
        pos = road_key.get_indexer(old_key)
        old = old.copy()
        fill = (pos >= 0) & old["distance_km"].isna().to_numpy()
        old.loc[fill, "distance_km"] = road["distance_km"].to_numpy()[pos[fill]]
        road = road[~road_key.isin(old_key)]
        routes = pd.concat([old, road], ignore_index=True) if len(road) else old
    else:
        routes = road
    model = network.scenario.as_dict(skip_none=True)
    if routes_only is not None:
        model["routes_only"] = bool(routes_only)
    tables = network.tables()
    tables["routes"] = routes.reset_index(drop=True)
    new = from_frames(tables.pop("hospitals"), **tables, model=model)  # type: ignore[arg-type]  # tables only, never columns=
    if new.scenario.routes_only and len(new.hospitals):
        fillers = set(new.stations["id"]) | set(new.candidates["id"])
        served = set(new.routes.loc[new.routes["origin"].isin(fillers), "destination"])
        lost = [h for h in new.hospitals["id"] if h not in served]
        if lost:
            log.warning("%d hospitals have no road route to any filling point; their "
                        "demand can only be left unmet: %s", len(lost),
                        ", ".join(lost[:10]) + (" ..." if len(lost) > 10 else ""))
    return new


# --------------------------------------------------------------------------- bundled data
def iraq_major_roads_path() -> Path:
    """Path of the bundled schematic Iraq road network (``major_roads.geojson``).

    Examples
    --------
    >>> iraq_major_roads_path().name
    'major_roads.geojson'
    """
    name = Path("iraq-roads") / "major_roads.geojson"
    packaged = Path(str(resources.files("o2opt"))) / "_data" / name
    if packaged.is_file():
        return packaged
    source_tree = Path(__file__).resolve().parents[1] / "data" / name
    if source_tree.is_file():
        return source_tree
    raise FileNotFoundError("the Iraq road network is not installed "
                            "(expected o2opt/_data/iraq-roads/major_roads.geojson)")


def load_iraq_major_roads() -> gpd.GeoDataFrame:
    """A coarse schematic of Iraq's major road corridors, for the bundled demo.

    **Approximate and illustrative**: polylines drawn by hand through the coordinates of
    the towns each corridor connects (all 18 governorate capitals, plus junctions), not
    surveyed geometry. Columns: ``name``, ``highway`` (``motorway``, ``trunk``,
    ``primary``, ``secondary``), ``speed_km_h`` (assumed), ``length_factor`` (assumed
    ratio of road length to the drawn polyline), ``via`` (the towns, in order) and the
    line geometry in WGS84. See ``data/iraq-roads/README.md``.

    Examples
    --------
    >>> roads = load_iraq_major_roads()
    >>> sorted(roads["highway"].unique())
    ['motorway', 'primary', 'secondary', 'trunk']
    >>> g = road_graph(roads)
    >>> import networkx as nx
    >>> nx.is_connected(g)
    True
    """
    import geopandas as gpd

    return gpd.read_file(iraq_major_roads_path())
