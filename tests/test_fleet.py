"""Fleet extension: cylinders in circulation never exceed a filling point's fleet."""

from __future__ import annotations

import pandas as pd
import pytest
from test_model import check, network

import o2opt
from o2opt.model.fleet import turnaround_days


def fleet_network(fleet: float, km: float, days: int, **model) -> o2opt.Network:
    s = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                      "fill_capacity_cyl_day": [100.0], "fill_cost_per_cyl": [2.0],
                      "fleet_cylinders": [fleet]})
    routes = pd.DataFrame({"origin": ["S1", "P1"], "destination": ["H1", "S1"],
                           "distance_km": [km, 100.0]})
    return network(stations=s, routes=routes, horizon_days=days, **model)


def test_turnaround_from_distance_speed_hours_and_dwell():
    sc = o2opt.Scenario(truck_speed_km_h=40, working_hours_day=8, hospital_dwell_days=1)
    assert turnaround_days(pd.Series([160.0]).to_numpy(), sc).tolist() == [2.0]
    assert turnaround_days(pd.Series([0.0]).to_numpy(), sc).tolist() == [1.0]


def test_fleet_of_10_with_2_day_turnaround_delivers_5_a_day():
    # 160 km one way at 40 km/h x 8 h = 1 day of driving + 1 day at the hospital = 2 days.
    # H1 needs 10 cylinders a day; over 3 days (steady state) at most 15 cylinders go out:
    # 15 * (0.05 * 160 + 2) + 102 m3 * 0.7 bulk + 102 m3 unmet * 1000
    sol = check(fleet_network(10, 160.0, 3), 15 * 10 + 102 * 0.7 + 102_000, unmet_m3=102.0)
    assert sol.deliveries["cylinders"].sum() == pytest.approx(15.0)


def test_unlimited_fleet_is_the_canonical_model():
    base = o2opt.optimize(network(horizon_days=3))
    unlimited = o2opt.optimize(fleet_network(float("inf"), 10.0, 3))
    assert unlimited.objective == pytest.approx(base.objective, rel=1e-12)
    assert "fleet" not in o2opt.model.build(fleet_network(float("inf"), 10.0, 3)).row_blocks


def test_lost_cylinders_shrink_the_fleet():
    # turnaround 1 day (no driving, 1 day dwell); half of each day's cylinders never return:
    # day 0: 10; day 1: 10 - 5 = 5; day 2: 10 - 0.5 * 15 = 2.5 -> 17.5 cylinders
    sol = o2opt.optimize(fleet_network(10, 0.0, 3, cylinder_loss_rate=0.5))
    assert sol.status == "optimal"
    per_day = sol.deliveries.groupby("day")["cylinders"].sum()
    assert per_day.tolist() == pytest.approx([10.0, 5.0, 2.5])


def test_turnaround_longer_than_the_horizon():
    # 3-day turnaround over 2 days: each cylinder is out the whole horizon (weight 3 on 2
    # days, wrapped), so 10 cylinders carry 10 / 1.5 deliveries in total
    sol = o2opt.optimize(fleet_network(10, 320.0, 2))
    assert sol.deliveries["cylinders"].sum() == pytest.approx(10 / 1.5)


def test_fleet_limited_point_without_delivery_arcs():
    # regression: S2 has a fleet but is beyond max_delivery_km of every hospital, while S1
    # has an arc; the fleet rows of S2 are empty and the model is the one without S2's fleet
    s = pd.DataFrame({"id": ["S1", "S2"], "lat": [33.1, 40.0], "lon": [44.0, 44.0],
                      "fill_capacity_cyl_day": [100.0, 100.0], "fill_cost_per_cyl": [2.0, 2.0],
                      "fleet_cylinders": [float("inf"), 5.0]})
    for loss in (0.0, 0.5):
        net = network(stations=s, routes=pd.DataFrame(
            {"origin": ["S1", "P1"], "destination": ["H1", "S1"],
             "distance_km": [10.0, 100.0]}), routes_only=True, horizon_days=2,
            max_delivery_km=50.0, cylinder_loss_rate=loss)
        check(net, 2 * 72.6)


def test_command_line_fleet_point_without_arcs_writes_a_plan(tmp_path):
    # regression: exit 1 and no summary.json ("need at least one array to concatenate")
    import json

    from o2opt.cli import main

    s = pd.DataFrame({"id": ["S1", "S2"], "lat": [33.1, 40.0], "lon": [44.0, 44.0],
                      "fill_capacity_cyl_day": [100.0, 100.0], "fill_cost_per_cyl": [2.0, 2.0],
                      "fleet_cylinders": [float("inf"), 5.0]})
    folder = network(stations=s, routes=None, max_delivery_km=50.0).to_folder(tmp_path / "s")
    assert main(["solve", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["status"] == "optimal"
