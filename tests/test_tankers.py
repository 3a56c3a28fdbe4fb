"""Tanker extension: liquid oxygen by road tanker into hospital tanks."""

from __future__ import annotations

import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt.geo import haversine_km
from o2opt.testing import assert_costs_consistent, assert_solution_feasible

KM = float(haversine_km(34.0, 44.0, 33.0, 44.0))  # P1 -> H1 with circuity 1
PER_M3_TANKER = 0.002 * KM + 0.5  # bulk rate x km + production
PER_M3_CYLINDER = 2.5 / 6.8 + 0.7  # base case: 72.6 / 68
TAU = 2 * KM / (40 * 8) + 0.25  # days a tanker is busy per load


def tanker_net(tankers: float, capacity_m3: float, vaporiser: float = float("inf"),
               **model) -> o2opt.Network:
    h = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [68.0],
                      "lox_tank_m3": [500.0], "vaporiser_m3_day": [vaporiser]})
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [1000.0],
                      "cost_per_m3": [0.5], "tankers": [tankers],
                      "tanker_capacity_m3": [capacity_m3]})
    return network(hospitals=h, producers=p, circuity=1.0, **model)


def check(net: o2opt.Network, objective: float, tanker_m3: float) -> o2opt.Solution:
    for solver, backend in [("highs", "highspy"), ("cbc", "pulp")]:
        sol = o2opt.optimize(net, solver=solver, backend=backend)
        assert sol.status == "optimal"
        assert sol.objective == pytest.approx(objective, rel=1e-7)
        assert sol.tankers["m3"].sum() == pytest.approx(tanker_m3, rel=1e-7)
        assert sol.summary()["unmet_m3"] == pytest.approx(0.0, abs=1e-6)
        assert_solution_feasible(sol)
        assert_costs_consistent(sol)
    return sol


def test_cheaper_tanker_serves_everything():
    assert PER_M3_TANKER < PER_M3_CYLINDER
    sol = check(tanker_net(1, 100.0), 68 * PER_M3_TANKER, 68.0)
    assert sol.service["delivered_m3"].tolist() == pytest.approx([68.0])
    assert sol.deliveries.empty


def test_tanker_fleet_limits_the_daily_volume():
    by_tanker = 30.0 / TAU  # one 30 m3 tanker, busy TAU days per load
    check(tanker_net(1, 30.0), by_tanker * PER_M3_TANKER + (68 - by_tanker) * PER_M3_CYLINDER,
          by_tanker)


def test_vaporiser_limits_what_the_tank_gives():
    check(tanker_net(1, 100.0, vaporiser=40.0), 40 * PER_M3_TANKER + 28 * PER_M3_CYLINDER, 40.0)


def test_tanker_result_file(tmp_path):
    sol = o2opt.optimize(tanker_net(1, 100.0))
    out = sol.to_folder(tmp_path / "out")
    assert pd.read_csv(out / "tankers.csv")["m3"].sum() == pytest.approx(68.0)


def test_tankers_need_a_load_size(tmp_path):
    folder = network().to_folder(tmp_path / "s")
    (folder / "producers.csv").write_text(
        "id,lat,lon,capacity_m3_day,tankers\nP1,34,44,1000,2\n")
    with pytest.raises(o2opt.InputError, match="tanker_capacity_m3.*required where tankers"):
        o2opt.read_network(folder)
