"""Equity extensions: minimum service shares and the lexicographic objective."""

from __future__ import annotations

import pandas as pd
import pytest
from test_model import check, network

import o2opt
from o2opt.testing import assert_solution_feasible

TWO = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.0], "lon": [44.0, 44.0],
                    "demand_m3_day": [68.0, 68.0], "priority": [2.0, 1.0],
                    "region": ["Baghdad", "Baghdad"]})
ROUTES = pd.DataFrame({"origin": ["S1", "S1", "P1"], "destination": ["H1", "H2", "S1"],
                       "distance_km": [10.0, 10.0, 100.0]})
SCARCE = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [68.0],
                       "cost_per_m3": [0.5]})


def scarce(**model) -> o2opt.Network:
    return network(hospitals=TWO, routes=ROUTES, producers=SCARCE, **model)


def test_priority_alone_starves_the_low_priority_hospital():
    sol = o2opt.optimize(scarce())
    assert sol.service.set_index("hospital")["unmet_m3"].to_dict() == pytest.approx(
        {"H1": 0.0, "H2": 68.0})


def test_min_service_share_per_hospital_column():
    hospitals = TWO.assign(min_service_share=[float("nan"), 0.25])
    net = network(hospitals=hospitals, routes=ROUTES, producers=SCARCE)
    # H2 must get 17 m3; H1 gets the other 51: transport/fill/bulk for 68 m3 as in the base
    # case (72.6) + unmet 17 * 1000 * 2 (H1) + 51 * 1000 * 1 (H2)
    sol = check(net, 72.6 + 17 * 2000 + 51 * 1000, unmet_m3=68.0)
    assert sol.service.set_index("hospital")["delivered_m3"].to_dict() == pytest.approx(
        {"H1": 51.0, "H2": 17.0})
    assert_solution_feasible(sol)


def test_min_service_share_model_key_and_infeasible_explanation():
    sol = o2opt.optimize(scarce(min_service_share=0.5))  # exactly what supply allows
    assert sol.status == "optimal"
    assert sol.service["delivered_m3"].tolist() == pytest.approx([34.0, 34.0])
    sol = o2opt.optimize(scarce(min_service_share=0.6))  # 81.6 m3 > 68 m3 of supply
    assert sol.status == "infeasible"
    assert "min_service_share" in sol.message and "68.0 m3" in sol.message


def test_region_min_service_share():
    hospitals = TWO.assign(region=["Baghdad", "Basra"])
    net = network(hospitals=hospitals, routes=ROUTES, producers=SCARCE,
                  region_min_service_share=0.4)
    sol = o2opt.optimize(net)
    delivered = sol.service.set_index("hospital")["delivered_m3"]
    assert delivered["H2"] == pytest.approx(0.4 * 68)  # Basra gets its 40 %, no more
    assert delivered["H1"] == pytest.approx(68 - 0.4 * 68)


def test_lexicographic_meets_demand_first_then_minimises_cost():
    # a penalty of 0.01 per m3 makes leaving H1 short the cheapest plan...
    cheap = o2opt.optimize(network(unmet_penalty_per_m3=0.01))
    assert cheap.summary()["unmet_m3"] == pytest.approx(68.0)
    # ...lexicographic first minimises unmet demand (to 0), then cost holding it (72.6)
    lexi = o2opt.optimize(network(unmet_penalty_per_m3=0.01, objective="lexicographic"))
    assert lexi.status == "optimal"
    assert lexi.summary()["unmet_m3"] == pytest.approx(0.0)
    assert lexi.objective == pytest.approx(72.6)
    assert lexi.summary()["stages"] == pytest.approx({"weighted_unmet_m3": 0.0, "cost": 72.6})


def test_lexicographic_with_unavoidable_shortage_keeps_priorities():
    sol = o2opt.optimize(scarce(objective="lexicographic", unmet_penalty_per_m3=0.0))
    assert sol.summary()["stages"]["weighted_unmet_m3"] == pytest.approx(68.0)  # H2, weight 1
    assert sol.service.set_index("hospital")["unmet_m3"]["H1"] == pytest.approx(0.0)
    assert sol.objective == pytest.approx(72.6)
