"""Road networks (o2opt.roads): graph building, snapping, one search per source, and the
check of issue #6: road-network distances equal networkx shortest paths on the same graph."""

from __future__ import annotations

import importlib.util
import itertools
import math
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely import LineString, MultiLineString, Point

import o2opt
from o2opt import roads

REPO = Path(__file__).resolve().parents[1]
R = 6371.0088
DEG_KM = R * math.pi / 180  # one degree of latitude


def hav(lat1, lon1, lat2, lon2):
    """Independent haversine (km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * R * math.asin(math.sqrt(a))


def frame(ids, lats, lons, **cols):
    return pd.DataFrame({"id": list(ids), "lat": list(lats), "lon": list(lons), **cols})


def make_network(fillers, hospitals, producers=(), stations_are=None, **model):
    """fillers/hospitals/producers: lists of (id, lat, lon); fillers are stations."""
    s = frame(*zip(*fillers, strict=True), fill_capacity_cyl_day=[100.0] * len(fillers))
    h = frame(*zip(*hospitals, strict=True), demand_m3_day=[68.0] * len(hospitals))
    p = (frame(*zip(*producers, strict=True), capacity_m3_day=[1e4] * len(producers))
         if producers else None)
    return o2opt.from_frames(h, stations=s, producers=p, model=model)


def lines_gdf(coords_list, **cols):
    return gpd.GeoDataFrame(cols, geometry=[LineString(c) for c in coords_list],
                            crs="EPSG:4326")


# --------------------------------------------------------------------------- road_graph
def test_graph_nodes_edges_and_attributes():
    g = roads.road_graph(lines_gdf(
        [[(44.0, 33.0), (44.0, 33.5)], [(44.0, 33.5), (44.5, 33.5)],
         [(44.2, 33.4), (44.2, 33.6)]],  # crosses the second line without a shared vertex
        highway=["motorway", "unknown-class", None]))
    assert g.number_of_nodes() == 5 and g.number_of_edges() == 3
    assert nx.number_connected_components(g) == 2
    by_class = {d["highway"]: d for _, _, d in g.edges(data=True)}
    assert by_class["motorway"]["km"] == pytest.approx(0.5 * DEG_KM)
    assert by_class["motorway"]["speed_km_h"] == 100.0
    assert by_class["motorway"]["hours"] == pytest.approx(0.5 * DEG_KM / 100)
    assert by_class["unknown-class"]["speed_km_h"] == 50.0  # default_speed_km_h
    assert by_class[None]["speed_km_h"] == 50.0
    assert by_class["unknown-class"]["km"] == pytest.approx(hav(33.5, 44.0, 33.5, 44.5))
    for n, d in g.nodes(data=True):
        assert isinstance(n, int) and set(d) == {"lat", "lon"}
    assert g.graph["crs"] == "EPSG:4326"


def test_graph_speeds_factors_parallel_edges_and_tolerance():
    lines = lines_gdf(
        [[(44.0, 33.0), (44.0, 34.0)], [(44.0, 33.0), (44.0, 34.0 + 1e-9)],  # parallel
         [(44.0, 34.0), (45.0, 34.0)]],
        highway=["trunk", "primary", "primary"], speed_km_h=[None, 120.0, "n/a"],
        length_factor=[1.0, 1.0, 1.5])
    g = roads.road_graph(lines, speed_km_h={"trunk": 70.0, "primary": 40.0})
    assert g.number_of_nodes() == 3 and g.number_of_edges() == 2  # 1e-9 deg: same node
    a, b, c = sorted(g.nodes, key=lambda n: (g.nodes[n]["lon"], g.nodes[n]["lat"]))
    fast = g.edges[a, b]
    assert fast["speed_km_h"] == 120.0 and fast["line"] == 1  # its own speed; the faster
    assert fast["hours"] == pytest.approx(DEG_KM / 120)
    east = g.edges[b, c]
    assert east["speed_km_h"] == 40.0  # non-numeric own speed: the class speed
    assert east["km"] == pytest.approx(1.5 * hav(34, 44, 34, 45))
    coarse = roads.road_graph(lines_gdf([[(44.0, 33.0), (44.0, 34.0)],
                                         [(44.0004, 34.0), (45.0, 34.0)]]), decimals=3)
    assert nx.is_connected(coarse)  # 44.0004 rounds to 44.0 at 3 decimals


def test_graph_any_crs_multilines_and_errors():
    wgs = lines_gdf([[(44.0, 33.0), (44.3, 33.2), (44.6, 33.1)]])
    utm = roads.road_graph(wgs.to_crs("EPSG:32638"))
    g = roads.road_graph(wgs)
    assert sorted(d["km"] for *_, d in utm.edges(data=True)) == pytest.approx(
        sorted(d["km"] for *_, d in g.edges(data=True)), rel=1e-6)
    multi = gpd.GeoSeries([MultiLineString([[(44, 33), (44, 34)], [(45, 33), (45, 34)]]),
                           None, LineString()], crs="EPSG:4326")
    gm = roads.road_graph(multi)  # parts are not joined end to start; blanks skipped
    assert gm.number_of_edges() == 2 and nx.number_connected_components(gm) == 2
    with pytest.raises(ValueError, match="row 1 is a Point"):
        roads.road_graph(gpd.GeoSeries([LineString([(0, 0), (1, 1)]), Point(0, 0)]))
    with pytest.raises(ValueError, match="no CRS"):
        roads.road_graph(gpd.GeoSeries([LineString([(500000, 3600000), (510000, 3600000)])]))
    with pytest.raises(ValueError, match="speed_km_h.*row 0"):
        roads.road_graph(lines_gdf([[(44, 33), (44, 34)]], speed_km_h=[0.0]))
    with pytest.raises(ValueError, match="speed of class"):
        roads.road_graph(wgs, speed_km_h={"trunk": -1.0})
    with pytest.raises(TypeError):
        roads.road_graph(pd.DataFrame({"a": [1]}))
    assert roads.road_graph(gpd.GeoSeries([], crs="EPSG:4326")).number_of_nodes() == 0


# --------------------------------------------------------------------------- snap
coords = st.tuples(st.floats(29.0, 37.5), st.floats(38.5, 48.5))


@settings(max_examples=60, deadline=None)
@given(nodes=st.lists(coords, min_size=1, max_size=30),
       points=st.lists(coords, min_size=1, max_size=20))
def test_snap_picks_the_nearest_node(nodes, points):
    g = nx.Graph()
    for i, (la, lo) in enumerate(nodes):
        g.add_node(("n", i), lat=la, lon=lo)
    lat, lon = np.array(points).T
    picked, km = roads.snap(g, lat, lon)
    for (la, lo), node, d in zip(points, picked, km, strict=True):
        best = min(hav(la, lo, *nodes[i]) for i in range(len(nodes)))
        assert isinstance(node, tuple)
        assert d == pytest.approx(hav(la, lo, g.nodes[node]["lat"], g.nodes[node]["lon"]))
        assert d == pytest.approx(best, abs=1e-6)
    # the brute-force search (used without SciPy) agrees
    brute = roads._nearest_brute(roads._unit(lat, lon), roads._unit(*np.array(nodes).T))
    assert np.allclose(km, [hav(la, lo, *nodes[i])
                            for (la, lo), i in zip(points, brute, strict=True)], atol=1e-6)


def test_snap_osmnx_style_and_errors():
    g = nx.Graph()
    g.add_node(7, y=33.0, x=44.0)
    g.add_node(8, y=34.0, x=44.0)
    nodes, km = roads.snap(g, 33.2, 44.0)
    assert nodes.dtype == np.int64 and nodes.tolist() == [7]
    assert km[0] == pytest.approx(0.2 * DEG_KM)
    with pytest.raises(ValueError, match="no nodes"):
        roads.snap(nx.Graph(), 33.0, 44.0)
    with pytest.raises(ValueError, match="finite"):
        roads.snap(g, [np.nan], [44.0])


# --------------------------------------------------------------------------- routes
@st.composite
def graph_and_network(draw):
    """A random graph with arbitrary edge km/hours, random facilities and a limit."""
    n = draw(st.integers(1, 14))
    m = draw(st.integers(0, n * (n - 1) // 2))
    seed = draw(st.integers(0, 2**16))
    directed = draw(st.booleans())
    rng = np.random.default_rng(seed)
    g = nx.gnm_random_graph(n, m, seed=seed, directed=directed)
    for v in g.nodes:
        g.nodes[v].update(lat=float(rng.uniform(30, 36)), lon=float(rng.uniform(40, 47)))
    for u, v in g.edges:
        g.edges[u, v].update(km=float(rng.uniform(1, 300)), hours=float(rng.uniform(0.1, 5)))
    pts = [(float(rng.uniform(30, 36)), float(rng.uniform(40, 47))) for _ in range(10)]
    nf, nh, npr = (draw(st.integers(1, 3)), draw(st.integers(1, 4)), draw(st.integers(0, 2)))
    fillers = [(f"S{i}", *pts[i]) for i in range(nf)]
    hospitals = [(f"H{i}", *pts[3 + i]) for i in range(nh)]
    producers = [(f"P{i}", *pts[7 + i]) for i in range(npr)]
    limit = draw(st.none() | st.floats(0, 1500))
    return g, make_network(fillers, hospitals, producers), limit


def expected_routes(net, g, limit, weight, access=30.0):
    """Pair by pair with nx.shortest_path_length / nx.shortest_path (what road_routes
    must equal)."""
    other = "hours" if weight == "km" else "km"
    allf = pd.concat([net.stations, net.hospitals, net.producers])
    node, snap = roads.snap(g, allf["lat"], allf["lon"])
    node, snap = dict(zip(allf["id"], node, strict=True)), dict(zip(allf["id"], snap,
                                                                    strict=True))
    out = {}
    for origins, dests, lim in ((net.stations, net.hospitals, limit),
                                (net.producers, net.stations, None)):
        for o in origins["id"]:
            for d in dests["id"]:
                try:
                    best = nx.shortest_path_length(g, node[o], node[d], weight=weight)
                except nx.NetworkXNoPath:
                    continue
                path = nx.shortest_path(g, node[o], node[d], weight=weight)
                along = sum(g.edges[u, v][other] for u, v in itertools.pairwise(path))
                road = {weight: best, other: along}
                km = snap[o] + road["km"] + snap[d]
                if lim is not None and km > lim:
                    continue
                out[o, d] = (km, road["hours"] + (snap[o] + snap[d]) / access)
    return out


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=graph_and_network(), weight=st.sampled_from(["km", "hours"]))
def test_road_routes_equal_networkx_shortest_paths(case, weight):
    g, net, limit = case
    got = roads.road_routes(net, g, max_km=limit, weight=weight)
    want = expected_routes(net, g, limit, weight)
    got_pairs = {(o, d): (k, h) for o, d, k, h in
                 got[["origin", "destination", "distance_km", "hours"]].itertuples(index=False)}
    # pairs within a rounding error of the limit may go either way
    edge = {p for p, (k, _) in {**got_pairs, **want}.items()
            if limit is not None and p[0].startswith("S") and abs(k - limit) < 1e-6}
    assert set(got_pairs) - edge == set(want) - edge
    for p in set(want) - edge:
        assert got_pairs[p] == pytest.approx(want[p], rel=1e-9, abs=1e-9)
    allf = pd.concat([net.stations, net.hospitals, net.producers]).set_index("id")
    _, snap_km = roads.snap(g, allf["lat"], allf["lon"])
    snap_km = dict(zip(allf.index, snap_km, strict=True))
    assert got["origin_snap_km"].tolist() == pytest.approx(got["origin"].map(snap_km).tolist())
    assert got["destination_snap_km"].tolist() == pytest.approx(
        got["destination"].map(snap_km).tolist())


@st.composite
def road_lines(draw):
    """Random road lines on a coarse grid (so that lines share vertices)."""
    n_lines = draw(st.integers(1, 8))
    lines, classes = [], []
    for _ in range(n_lines):
        k = draw(st.integers(2, 5))
        pts = draw(st.lists(st.tuples(st.integers(0, 6), st.integers(0, 6)),
                            min_size=k, max_size=k))
        lines.append([(44 + 0.1 * x, 33 + 0.1 * y) for x, y in pts])
        classes.append(draw(st.sampled_from(["motorway", "trunk", "primary", "track"])))
    return lines_gdf(lines, highway=classes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=road_lines(), seed=st.integers(0, 2**16), weight=st.sampled_from(["km", "hours"]))
def test_road_graph_routes_equal_networkx_shortest_paths(lines, seed, weight):
    g = roads.road_graph(lines)
    if g.number_of_nodes() == 0:
        return
    rng = np.random.default_rng(seed)
    pts = [(float(33 + rng.uniform(-0.1, 0.7)), float(44 + rng.uniform(-0.1, 0.7)))
           for _ in range(6)]
    net = make_network([("S0", *pts[0]), ("S1", *pts[1])],
                       [("H0", *pts[2]), ("H1", *pts[3]), ("H2", *pts[4])], [("P0", *pts[5])])
    got = roads.road_routes(net, g, weight=weight)
    want = expected_routes(net, g, None, weight)
    assert set(zip(got["origin"], got["destination"], strict=True)) == set(want)
    for o, d, k, h in got[["origin", "destination", "distance_km", "hours"]].itertuples(
            index=False):
        assert (k, h) == pytest.approx(want[o, d], rel=1e-9, abs=1e-9)


def test_one_dijkstra_search_per_source_node(monkeypatch):
    g = nx.path_graph(30)
    for v in g.nodes:
        g.nodes[v].update(lat=33.0, lon=40.0 + 0.2 * v)
    for u, v in g.edges:
        g.edges[u, v].update(km=hav(33, 40 + 0.2 * u, 33, 40 + 0.2 * v), hours=0.3)
    # 6 stations on 3 distinct nodes, 20 hospitals, 2 producers on 1 node (one shared)
    fillers = [(f"S{i}", 33.0, 40.0 + 0.2 * (i // 2) * 5) for i in range(6)]
    hospitals = [(f"H{i}", 33.01, 40.0 + 0.2 * i) for i in range(20)]
    producers = [("P0", 33.0, 41.0), ("P1", 33.0, 41.0)]
    net = make_network(fillers, hospitals, producers)
    calls = []
    real = nx.dijkstra_predecessor_and_distance

    def counting(graph, source, cutoff=None, weight="weight"):
        calls.append((source, cutoff))
        return real(graph, source, cutoff=cutoff, weight=weight)

    def forbidden(*args, **kwargs):
        raise AssertionError("pairwise shortest path called")

    monkeypatch.setattr(nx, "dijkstra_predecessor_and_distance", counting)
    for name in ("shortest_path_length", "dijkstra_path_length", "single_source_dijkstra",
                 "single_source_dijkstra_path_length", "bidirectional_dijkstra"):
        monkeypatch.setattr(nx, name, forbidden)
    r = roads.road_routes(net, g)
    assert len(r) == 6 * 20 + 2 * 6
    assert sorted(s for s, _ in calls) == [0, 5, 10]  # P0/P1 snap to node 5 with S2/S3
    assert all(c is None for _, c in calls)
    calls.clear()
    r = roads.road_routes(net, g, max_km=100)
    assert sorted(s for s, _ in calls) == [0, 5, 10]
    cut = dict(calls)
    assert cut[0] == pytest.approx(100, rel=1e-9) and cut[5] is None  # producer: no limit
    cyl = r[r["origin"].str.startswith("S")]
    assert (cyl["distance_km"] <= 100).all() and len(cyl) < 6 * 20
    assert len(r[r["origin"].str.startswith("P")]) == 2 * 6  # bulk arcs are never cut


def test_travel_times_snap_legs_and_limits():
    # trunk 44.0E from 33.0N to 34.0N, then a motorway east to 45.0E
    g = roads.road_graph(lines_gdf([[(44.0, 33.0), (44.0, 34.0)], [(44.0, 34.0), (45.0, 34.0)]],
                                   highway=["trunk", "motorway"]))
    net = make_network([("S1", 32.9, 44.0)], [("H1", 34.0, 45.1), ("H2", 34.0, 44.0)],
                       [("P1", 33.0, 44.0)], max_delivery_km=250)
    r = roads.road_routes(net, g, access_speed_km_h=20).set_index(["origin", "destination"])
    leg1, leg2 = DEG_KM, hav(34, 44, 34, 45)
    snap_s, snap_h1 = 0.1 * DEG_KM, hav(34, 45, 34, 45.1)
    assert r.loc[("S1", "H1"), "distance_km"] == pytest.approx(snap_s + leg1 + leg2 + snap_h1)
    assert r.loc[("S1", "H1"), "hours"] == pytest.approx(
        leg1 / 80 + leg2 / 100 + (snap_s + snap_h1) / 20)
    assert r.loc[("S1", "H1"), "origin_snap_km"] == pytest.approx(snap_s)
    assert r.loc[("P1", "S1"), "distance_km"] == pytest.approx(snap_s)  # same node
    # the scenario's max_delivery_km is the default limit; math.inf lifts it
    assert ("S1", "H1") in r.index  # 215 km <= 250
    tight = roads.road_routes(net.with_model(max_delivery_km=150), g)
    assert set(tight["destination"]) == {"H2", "S1"}
    assert len(roads.road_routes(net.with_model(max_delivery_km=150), g, max_km=math.inf)) == 3
    # a facility far from the graph: flagged and left out with max_snap_km
    far = make_network([("S1", 32.9, 44.0)], [("H1", 34.0, 45.1), ("H9", 30.0, 40.0)])
    assert "H9" in set(roads.road_routes(far, g)["destination"])
    assert "H9" not in set(roads.road_routes(far, g, max_snap_km=50)["destination"])
    with pytest.raises(ValueError, match="weight"):
        roads.road_routes(net, g, weight="minutes")
    bad = g.copy()
    del bad.edges[next(iter(bad.edges))]["hours"]
    with pytest.raises(ValueError, match="hours"):
        roads.road_routes(net, bad)


# --------------------------------------------------------------------------- the model
def test_with_road_distances_drives_the_model():
    # S1 and H1 on the 44E meridian, 1 degree apart; the road detours via (44.5E, 33.5N).
    # H2 is on a separate road piece: unreachable, so unmet under routes_only.
    g = roads.road_graph(lines_gdf([[(44.0, 33.0), (44.5, 33.5), (44.0, 34.0)],
                                    [(46.0, 33.0), (46.1, 33.0)]]))
    h = frame(["H1", "H2"], [34.0, 33.0], [44.0, 46.1], demand_m3_day=[68.0, 6.8])
    s = frame(["S1"], [33.0], [44.0], fill_capacity_cyl_day=[100.0], fill_cost_per_cyl=[2.0])
    p = frame(["P1"], [33.0], [44.0], capacity_m3_day=[1000.0], cost_per_m3=[0.5])
    net = o2opt.from_frames(h, stations=s, producers=p)
    road_net = roads.with_road_distances(net, g)
    road_km = hav(33.0, 44.0, 33.5, 44.5) + hav(33.5, 44.5, 34.0, 44.0)
    assert road_net.scenario.routes_only
    assert road_net.routes[["origin", "destination"]].values.tolist() == [["S1", "H1"],
                                                                          ["P1", "S1"]]
    sol = o2opt.optimize(road_net)
    # 10 cylinders at (0.05 x road km + 2 fill); 68 m3 bulk at 0.5; H2's 6.8 m3 unmet
    want = 10 * (0.05 * road_km + 2.0) + 68 * 0.5 + 6.8 * 1000
    assert sol.objective == pytest.approx(want, rel=1e-9)
    assert sol.deliveries["km"].tolist() == pytest.approx([road_km])
    # without routes_only the unreachable pair keeps haversine x circuity
    mixed = o2opt.optimize(roads.with_road_distances(net, g, routes_only=False))
    h2 = 0.05 * 1.3 * hav(33.0, 44.0, 33.0, 46.1) + 2.0
    assert mixed.objective == pytest.approx(10 * (0.05 * road_km + 2.0) + 11 * 0.5 * 6.8
                                            + h2, rel=1e-9)
    # the haversine model differs
    assert o2opt.optimize(net).objective != pytest.approx(want)


def test_with_road_distances_keeps_given_routes():
    g = roads.road_graph(lines_gdf([[(44.0, 33.0), (44.0, 34.0)]]))
    h = frame(["H1", "H2"], [34.0, 33.9], [44.0, 44.0], demand_m3_day=[6.8, 6.8])
    s = frame(["S1"], [33.0], [44.0], fill_capacity_cyl_day=[100.0])
    given_routes = pd.DataFrame({"origin": ["S1", "S1"], "destination": ["H1", "H2"],
                                 "distance_km": [5.0, np.nan], "cost_per_unit": [np.nan, 1.0]})
    net = o2opt.from_frames(h, stations=s, routes=given_routes)
    r = roads.with_road_distances(net, g, routes_only=None).routes.set_index("destination")
    assert r.loc["H1", "distance_km"] == 5.0  # given distance wins
    # filled from the road: H2 (33.9N) snaps to the node at 34N, not onto the line
    assert r.loc["H2", "distance_km"] == pytest.approx(1.1 * DEG_KM)
    assert r.loc["H2", "cost_per_unit"] == 1.0
    assert len(r) == 2


# --------------------------------------------------------------------------- Iraq data
@pytest.fixture(scope="module")
def iraq():
    gdf = roads.load_iraq_major_roads()
    return gdf, roads.road_graph(gdf)


def test_iraq_major_roads_load_and_connect(iraq):
    gdf, g = iraq
    assert len(gdf) >= 25 and set(gdf["highway"]) <= {"motorway", "trunk", "primary",
                                                        "secondary"}
    assert gdf.crs.equals("EPSG:4326") and (gdf.geom_type == "LineString").all()
    minx, miny, maxx, maxy = gdf.total_bounds
    assert 38.7 < minx and maxx < 48.7 and 29.0 < miny and maxy < 37.5  # inside Iraq's box
    assert nx.is_connected(g)
    # every governorate capital is a node (0 km snap)
    capitals = {"Baghdad": (33.3152, 44.3661), "Basra": (30.5085, 47.7804),
                "Mosul": (36.3350, 43.1189), "Erbil": (36.1912, 44.0092),
                "Sulaymaniyah": (35.5613, 45.4374), "Duhok": (36.8669, 42.9503),
                "Kirkuk": (35.4681, 44.3922), "Baqubah": (33.7466, 44.6436),
                "Ramadi": (33.4258, 43.2994), "Tikrit": (34.6071, 43.6782),
                "Hillah": (32.4637, 44.4196), "Karbala": (32.6160, 44.0249),
                "Najaf": (32.0259, 44.3462), "Kut": (32.5128, 45.8182),
                "Diwaniyah": (31.9929, 44.9255), "Samawah": (31.3099, 45.2803),
                "Nasiriyah": (31.0439, 46.2576), "Amarah": (31.8356, 47.1440)}
    nodes, km = roads.snap(g, *np.array(list(capitals.values())).T)
    assert km.max() < 1e-6
    node = dict(zip(capitals, nodes, strict=True))
    baghdad_basra = nx.shortest_path_length(g, node["Baghdad"], node["Basra"], weight="km")
    assert 500 < baghdad_basra < 650
    assert baghdad_basra > hav(*capitals["Baghdad"], *capitals["Basra"])
    for a, b, lo, hi in (("Baghdad", "Mosul", 350, 480), ("Baghdad", "Erbil", 320, 450),
                         ("Mosul", "Erbil", 70, 110), ("Baghdad", "Najaf", 140, 200)):
        assert lo < nx.shortest_path_length(g, node[a], node[b], weight="km") < hi
    hours = nx.shortest_path_length(g, node["Baghdad"], node["Basra"], weight="hours")
    assert 5 < hours < 10


def test_iraq_demo_on_roads(iraq):
    _, g = iraq
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    r = roads.road_routes(net, g)
    assert r["destination_snap_km"].max() < 100  # every facility is near a corridor
    road_net = roads.with_road_distances(net, g)
    sol = o2opt.optimize(road_net)
    assert sol.status == "optimal"
    km = sol.deliveries.merge(r, left_on=["source", "hospital"],
                              right_on=["origin", "destination"])
    assert len(km) == len(sol.deliveries)
    assert km["km"].to_numpy() == pytest.approx(km["distance_km"].to_numpy())
    assert (km["km"] <= 300 + 1e-9).all()  # the demo's max_delivery_km


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_iraq_roads",
                                                  REPO / "data" / "make_iraq_roads.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_iraq_roads_file_is_what_the_generator_writes(tmp_path):
    out = _load_generator().make_iraq_roads(tmp_path / "roads.geojson")
    assert out.read_bytes() == roads.iraq_major_roads_path().read_bytes()
