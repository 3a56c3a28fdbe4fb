"""The canonical model on hand-made networks whose optimum is worked out by hand.

Base case: hospital H1 needs 68 m3/day (10 cylinders of 6.8 m3); station S1 fills at 2.0 per
cylinder and is 10 km from H1 (routes.csv); producer P1 sells at 0.5 per m3 and is 100 km
from S1. With the default rates (0.05 per cylinder-km, 0.002 per m3-km):
cylinders 10 * (0.05 * 10 + 2.0) = 25.0, bulk 68 * (0.002 * 100 + 0.5) = 47.6 -> 72.6.
"""

from __future__ import annotations

import math
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import o2opt

SOLVERS = [("highs", "highspy"), ("highs", "pulp"), ("cbc", "pulp")]


def network(*, hospitals=None, stations=None, producers=None, candidates=None, routes=None,
            demand=None, **model) -> o2opt.Network:
    hospitals = hospitals if hospitals is not None else pd.DataFrame(
        {"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [68.0]})
    stations = stations if stations is not None else pd.DataFrame(
        {"id": ["S1"], "lat": [33.1], "lon": [44.0], "fill_capacity_cyl_day": [100.0],
         "fill_cost_per_cyl": [2.0]})
    producers = producers if producers is not None else pd.DataFrame(
        {"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [1000.0],
         "cost_per_m3": [0.5]})
    if routes is None:
        routes = pd.DataFrame({"origin": ["S1", "P1"], "destination": ["H1", "S1"],
                               "distance_km": [10.0, 100.0]})
    return o2opt.from_frames(hospitals, stations=stations, producers=producers,
                             candidates=candidates, routes=routes, demand=demand, model=model)


def check(net: o2opt.Network, objective: float, unmet_m3: float = 0.0,
          status: str = "optimal") -> o2opt.Solution:
    sol = None
    for solver, backend in SOLVERS:
        sol = o2opt.optimize(net, solver=solver, backend=backend)
        assert sol.status == status, (solver, backend, sol.message)
        assert sol.objective == pytest.approx(objective, rel=1e-7, abs=1e-7), (solver, backend)
        assert sol.summary()["unmet_m3"] == pytest.approx(unmet_m3, abs=1e-6)
        assert sum(sol.cost.values()) == pytest.approx(sol.objective, rel=1e-12)
    return sol


def test_base_case_by_hand():
    sol = check(network(), 72.6)
    assert sol.cost == pytest.approx({"unmet_penalty": 0, "transport": 10 * 0.5 + 68 * 0.2,
                                      "production": 68 * 0.5, "filling": 20.0, "fixed": 0})
    d = sol.deliveries
    assert d[["source", "hospital", "day"]].values.tolist() == [["S1", "H1", 0]]
    assert d["cylinders"].iloc[0] == pytest.approx(10.0)
    assert d["cost"].iloc[0] == pytest.approx(25.0)
    assert sol.bulk["m3"].iloc[0] == pytest.approx(68.0)


def test_scarce_producer_leaves_unmet_demand_weighted_by_priority():
    net = network(producers=pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0],
                                          "capacity_m3_day": [34.0], "cost_per_m3": [0.5]}),
                  hospitals=pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0],
                                          "demand_m3_day": [68.0], "priority": [2.0]}))
    # 34 m3 delivered (5 cylinders): 5 * 2.5 + 34 * 0.7 = 36.3; unmet 34 * 1000 * 2 = 68000
    sol = check(net, 68036.3, unmet_m3=34.0)
    util = sol.utilization.set_index("facility")
    assert util.loc["P1", "used"] == pytest.approx(34.0)
    assert util.loc["P1", "share"] == pytest.approx(1.0)


def test_cost_per_unit_replaces_transport_cost_only():
    routes = pd.DataFrame({"origin": ["S1", "P1"], "destination": ["H1", "S1"],
                           "distance_km": [10.0, 100.0], "cost_per_unit": [1.0, math.nan]})
    # 10 * (1.0 + 2.0 filling) + 47.6
    check(network(routes=routes), 77.6)


def test_computed_distances_use_haversine_times_circuity():
    net = network(routes=pd.DataFrame({"origin": [], "destination": []}), circuity=1.0)
    s_h = o2opt.geo.haversine_km(33.1, 44.0, 33.0, 44.0)
    p_s = o2opt.geo.haversine_km(34.0, 44.0, 33.1, 44.0)
    expected = 10 * (0.05 * s_h + 2.0) + 68 * (0.002 * p_s + 0.5)
    check(net, float(expected))
    check(net.with_model(circuity=1.3),
          float(10 * (0.05 * 1.3 * s_h + 2.0) + 68 * (0.002 * 1.3 * p_s + 0.5)))


def test_max_delivery_km_prunes_computed_arcs_but_not_listed_routes():
    far = pd.DataFrame({"id": ["H1"], "lat": [35.0], "lon": [44.0], "demand_m3_day": [68.0]})
    no_routes = pd.DataFrame({"origin": ["P1"], "destination": ["S1"], "distance_km": [100.0]})
    # S1 -> H1 is ~297 km: pruned at 200 km, so all 68 m3 are unmet
    check(network(hospitals=far, routes=no_routes, max_delivery_km=200.0), 68000.0, 68.0)
    listed = pd.DataFrame({"origin": ["S1", "P1"], "destination": ["H1", "S1"],
                           "distance_km": [10.0, 100.0]})
    check(network(hospitals=far, routes=listed, max_delivery_km=200.0), 72.6)


def test_routes_only_keeps_only_listed_arcs():
    two = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.05], "lon": [44.0, 44.0],
                        "demand_m3_day": [68.0, 6.8]})
    # H2 has no listed arc: its 6.8 m3 are unmet
    check(network(hospitals=two, routes_only=True), 72.6 + 6800.0, unmet_m3=6.8)


def test_onsite_supply_and_demand_multiplier():
    h = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [100.0],
                      "onsite_m3_day": [82.0]})
    check(network(hospitals=h, demand_multiplier=1.5), 72.6)  # 1.5 * 100 - 82 = 68
    check(network(hospitals=h, demand_multiplier=0.5), 0.0)  # onsite covers it all


def test_demand_table_replaces_daily_demand():
    demand = pd.DataFrame({"hospital": ["H1", "H1", "H1"], "day": [0, 2, 5],
                           "demand_m3": [68.0, 34.0, 999.0]})
    # day 0: 72.6; day 1: nothing; day 2: half of day 0; day 5 is past the horizon
    sol = check(network(demand=demand, horizon_days=3), 72.6 + 36.3)
    assert sol.service["demand_m3"].tolist() == [68.0, 0.0, 34.0]


def test_candidate_opened_when_cheaper_and_limits_respected():
    cand = pd.DataFrame({"id": ["C1"], "lat": [33.2], "lon": [44.0], "capacity_m3_day": [68.0],
                         "fixed_cost": [50.0], "cost_per_m3": [0.1]})
    routes = pd.DataFrame({"origin": ["S1", "P1", "C1"], "destination": ["H1", "S1", "H1"],
                           "distance_km": [10.0, 100.0, 20.0]})
    # C1: 10 * (0.05 * 20 + 6.8 * 0.1) + 50 = 66.8 < 72.6
    sol = check(network(candidates=cand, routes=routes), 66.8)
    assert sol.summary()["opened"] == ["C1"]
    assert sol.cost["fixed"] == pytest.approx(50.0)
    assert check(network(candidates=cand, routes=routes, budget=40.0), 72.6) \
        .summary()["opened"] == []
    check(network(candidates=cand, routes=routes, max_new_sites=0), 72.6)
    # without S1 the only supply is C1; a 34 m3 capacity leaves 34 m3 unmet
    small = cand.assign(capacity_m3_day=34.0)
    none = pd.DataFrame({"id": [], "lat": [], "lon": [], "fill_capacity_cyl_day": []})
    only_c1 = pd.DataFrame({"origin": ["C1"], "destination": ["H1"], "distance_km": [20.0]})
    check(network(candidates=small, routes=only_c1, stations=none, producers=none.rename(
        columns={"fill_capacity_cyl_day": "capacity_m3_day"})),
        5 * (1.0 + 0.68) + 50 + 34 * 1000, unmet_m3=34.0)


def test_candidate_fill_capacity_limits_cylinders():
    cand = pd.DataFrame({"id": ["C1"], "lat": [33.2], "lon": [44.0],
                         "capacity_m3_day": [1000.0], "fixed_cost": [0.0],
                         "fill_capacity_cyl_day": [4.0]})
    routes = pd.DataFrame({"origin": ["C1"], "destination": ["H1"], "distance_km": [0.0]})
    # 4 cylinders free from C1, 6 from S1 at 2.5 + 6 * 6.8 * 0.7 bulk
    check(network(candidates=cand, routes=pd.concat([
        routes, pd.DataFrame({"origin": ["S1", "P1"], "destination": ["H1", "S1"],
                              "distance_km": [10.0, 100.0]})])), 6 * 2.5 + 6 * 6.8 * 0.7)


def test_integer_cylinders_round_up():
    h = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [10.0]})
    check(network(hospitals=h), 10 / 6.8 * 2.5 + 10 * 0.7)
    sol = check(network(hospitals=h, integer_cylinders=True), 2 * 2.5 + 13.6 * 0.7)
    assert sol.deliveries["cylinders"].tolist() == [2.0]
    assert sol.service["delivered_m3"].tolist() == [pytest.approx(13.6)]


def test_station_fill_capacity_binds():
    s = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0], "fill_capacity_cyl_day": [4.0],
                      "fill_cost_per_cyl": [2.0]})
    check(network(stations=s), 4 * 2.5 + 4 * 6.8 * 0.7 + 6 * 6.8 * 1000, unmet_m3=6 * 6.8)


def test_forbidden_unmet_demand_is_infeasible_and_explained():
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [34.0]})
    for solver, backend in SOLVERS:
        sol = o2opt.optimize(network(producers=p, allow_unmet=False), solver=solver,
                             backend=backend)
        assert sol.status == "infeasible"
        assert not sol.has_solution and sol.objective is None
        assert "H1" in sol.message and "34.0 m3" in sol.message


def test_no_supply_at_all_is_all_unmet():
    none = pd.DataFrame({"id": [], "lat": [], "lon": [], "fill_capacity_cyl_day": []})
    net = network(stations=none, producers=none.rename(
        columns={"fill_capacity_cyl_day": "capacity_m3_day"}),
        routes=pd.DataFrame({"origin": [], "destination": []}))
    check(net, 68000.0, unmet_m3=68.0)
    sol = o2opt.optimize(net.with_model(allow_unmet=False))
    assert sol.status == "infeasible"
    assert "no delivery arc" in sol.message


def test_zero_demand_network_is_trivially_optimal():
    h = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [0.0]})
    sol = check(network(hospitals=h), 0.0)
    assert sol.summary()["variables"] == 0
    assert sol.deliveries.empty


def test_unknown_solver_is_a_clear_error():
    with pytest.raises(o2opt.InputError, match="must be one of highs, cbc"):
        o2opt.optimize(network(), solver="gurobi")
    with pytest.raises(o2opt.InputError, match="highspy runs HiGHS only"):
        o2opt.optimize(network(), solver="cbc", backend="highspy")


def test_availability_outage_and_partial_capacity():
    # P1 is down on day 1 and at half capacity on day 2 (34 of 68 m3 needed)
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [68.0],
                      "cost_per_m3": [0.5]})
    av = pd.DataFrame({"facility": ["P1", "P1"], "day": [1, 2], "capacity_factor": [0.0, 0.5]})
    net = o2opt.from_frames(
        network().hospitals, stations=network().stations, producers=p, routes=network().routes,
        availability=av, model={"horizon_days": 3})
    # day 0: 72.6; day 1: all 68 m3 unmet; day 2: 36.3 + 34 m3 unmet
    sol = check(net, 72.6 + 68_000 + 36.3 + 34_000, unmet_m3=68 + 34)
    assert sol.service["unmet_m3"].tolist() == pytest.approx([0.0, 68.0, 34.0])
    from o2opt.testing import assert_solution_feasible
    assert_solution_feasible(sol)


def test_availability_of_a_candidate_and_a_station():
    cand = pd.DataFrame({"id": ["C1"], "lat": [33.2], "lon": [44.0], "capacity_m3_day": [68.0],
                         "fixed_cost": [50.0], "cost_per_m3": [0.1]})
    routes = pd.DataFrame({"origin": ["S1", "P1", "C1"], "destination": ["H1", "S1", "H1"],
                           "distance_km": [10.0, 100.0, 20.0]})
    av = pd.DataFrame({"facility": ["C1", "S1"], "day": [1, 0], "capacity_factor": [0.0, 0.0]})
    net = network(candidates=cand, routes=routes, horizon_days=2)
    net = o2opt.from_frames(net.hospitals, stations=net.stations, producers=net.producers,
                            candidates=cand, routes=routes, availability=av,
                            model={"horizon_days": 2})
    # day 0: S1 is down, C1 serves (16.8); day 1: C1 is down, S1 serves (72.6); C1 opened once
    sol = check(net, 16.8 + 72.6 + 50.0)
    assert sorted(sol.deliveries[["source", "day"]].values.tolist()) == [["C1", 0], ["S1", 1]]


def test_availability_names_must_be_supply_facilities(tmp_path):
    folder = network().to_folder(tmp_path / "s")
    (folder / "availability.csv").write_text(
        "facility,day,capacity_factor\nH1,0,0\nP1,0,0.5\nP1,0,0.2\nS1,1,-1\n")
    with pytest.raises(o2opt.InputError) as err:
        o2opt.read_network(folder)
    text = str(err.value)
    assert "availability.csv, column facility, line 2 (facility H1): names 'H1'" in text
    assert "availability.csv, column day, line 4 (facility P1)" in text
    assert "availability.csv, column capacity_factor, line 5 (facility S1): must be >= 0" in text


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 40), st.integers(1, 60),
       st.sampled_from([0.5, 5.0, 40.0, 300.0, 3000.0, 30000.0]),
       st.sampled_from([1.0, 1.3]), st.integers(1, 200))
def test_arcs_within_reach_are_exactly_the_all_pairs_answer(seed, n_o, n_d, max_km, circuity,
                                                             block):
    # the latitude band and the blocks only skip work: same pairs, same order, same km
    # (bit for bit) as computing every origin x destination distance
    rng = np.random.default_rng(seed)

    def points(n):
        lat = rng.choice([rng.uniform(29, 37, n), np.round(rng.uniform(29, 37, n), 1),
                          rng.uniform(-89.9, 89.9, n)])
        return pd.DataFrame({"lat": lat, "lon": rng.uniform(-180, 180, n)})

    origins, dests = points(n_o), points(n_d)
    # half the destinations due north or south of an origin, near the edge of its reach
    near = rng.integers(0, n_o, n_d // 2)
    reach_deg = np.degrees(max_km / (circuity * o2opt.geo.EARTH_RADIUS_KM))
    dests.loc[: len(near) - 1, "lon"] = origins["lon"].to_numpy()[near]
    dests.loc[: len(near) - 1, "lat"] = np.clip(
        origins["lat"].to_numpy()[near]
        + rng.choice([-1, 1], len(near)) * reach_deg * rng.uniform(0.95, 1.0001, len(near)),
        -90, 90)
    with mock.patch.object(o2opt.geo, "_BLOCK_PAIRS", block):
        got = o2opt.geo._pairs_within(origins, dests, circuity, max_km)
    km = circuity * o2opt.geo.haversine_km(origins["lat"].to_numpy()[:, None],
                                           origins["lon"].to_numpy()[:, None],
                                           dests["lat"].to_numpy()[None, :],
                                           dests["lon"].to_numpy()[None, :])
    a, b = np.nonzero(km <= max_km)
    np.testing.assert_array_equal(got["a"], a)
    np.testing.assert_array_equal(got["b"], b)
    np.testing.assert_array_equal(got["km"], km[a, b])
