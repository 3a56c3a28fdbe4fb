"""Hand-solved cases for the reference model (tests/reference_model.py).

The reference model is the yardstick of the cross-checks, so it is itself checked here
against answers worked out by hand from docs/model.md (the arithmetic is in each test).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import tomli_w
from reference_model import haversine_km, solve_folder

ONE_DEGREE_KM = 6371.0088 * math.pi / 180  # great-circle km of one degree of latitude


def write(folder: Path, model: dict[str, Any] | None = None, **tables: list[dict]) -> Path:
    """Write ``tables`` (lists of row dicts) and ``[model]`` as a scenario folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(folder / f"{name}.csv", index=False)
    (folder / "scenario.toml").write_text(tomli_w.dumps({"model": model or {}}))
    return folder


def one_station(tmp_path: Path, capacity: float, model: dict[str, Any] | None = None,
                **hospital_extra: dict[str, Any]) -> Path:
    """P1 -> S1 -> {H1, H2}, with every arc given by routes.csv (so km are round numbers).

    H1 needs 68 m3 (10 cylinders of 6.8), H2 34 m3 (5 cylinders). Arc S1-H1 is 10 km,
    S1-H2 20 km, P1-S1 100 km. Filling costs 2 per cylinder, production 0.5 per m3.
    """
    hospitals = [{"id": "H1", "lat": 33.0, "lon": 44.0, "demand_m3_day": 68.0},
                 {"id": "H2", "lat": 33.5, "lon": 44.5, "demand_m3_day": 34.0}]
    for row in hospitals:
        row.update(hospital_extra.get(row["id"], {}))
    return write(
        tmp_path / "case", model,
        hospitals=hospitals,
        producers=[{"id": "P1", "lat": 31.0, "lon": 46.0, "capacity_m3_day": capacity,
                    "cost_per_m3": 0.5}],
        stations=[{"id": "S1", "lat": 33.2, "lon": 44.2, "fill_capacity_cyl_day": 100,
                   "fill_cost_per_cyl": 2.0}],
        routes=[{"origin": "S1", "destination": "H1", "distance_km": 10.0},
                {"origin": "S1", "destination": "H2", "distance_km": 20.0},
                {"origin": "P1", "destination": "S1", "distance_km": 100.0}],
    )


def test_ample_supply_meets_all_demand(tmp_path: Path) -> None:
    # H1: 10 cyl x (0.05 * 10 km + 2 fill) = 25
    # H2:  5 cyl x (0.05 * 20 km + 2 fill) = 15
    # bulk: 102 m3 x (0.002 * 100 km + 0.5 production) = 71.4
    # total 111.4, nothing unmet
    res = solve_folder(one_station(tmp_path, capacity=1000.0))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(111.4, rel=1e-9)
    assert res.total_unmet == pytest.approx(0.0, abs=1e-9)


def test_shortage_goes_to_the_higher_priority(tmp_path: Path) -> None:
    # H1 net demand 68 - 8 onsite = 60 (priority 1); H2 34 (priority 3); supply 50.
    # H2 is served in full (34 m3, 5 cylinders), H1 gets the remaining 16 m3
    # (16 / 6.8 cylinders; a delivered m3 costs ~1.07, far below the 1000 penalty),
    # so 44 m3 of H1 is unmet.
    # penalty 44 x 1000 x 1 = 44000; H2 5 x 3 = 15; H1 16/6.8 x 2.5; bulk 50 x 0.7 = 35
    folder = one_station(tmp_path, capacity=50.0,
                         H1={"onsite_m3_day": 8.0, "priority": 1},
                         H2={"priority": 3})
    res = solve_folder(folder)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(44000 + 15 + 16 / 6.8 * 2.5 + 35, rel=1e-9)
    assert res.total_unmet == pytest.approx(44.0, rel=1e-9)
    assert res.unmet[:, 0].tolist() == pytest.approx([44.0, 0.0], abs=1e-7)


def test_demand_multiplier_scales_before_onsite_is_netted(tmp_path: Path) -> None:
    # multiplier 0.5: H1 net max(0, 34 - 8) = 26, H2 17; total 43 <= 50, all served.
    # H1 26/6.8 x 2.5, H2 17/6.8 x 3 = 7.5, bulk 43 x 0.7 = 30.1
    folder = one_station(tmp_path, capacity=50.0, model={"demand_multiplier": 0.5},
                         H1={"onsite_m3_day": 8.0})
    res = solve_folder(folder)
    assert res.objective == pytest.approx(26 / 6.8 * 2.5 + 7.5 + 30.1, rel=1e-9)
    assert res.total_unmet == pytest.approx(0.0, abs=1e-7)


def candidates_case(tmp_path: Path, model: dict[str, Any]) -> Path:
    """Two candidate plants, one hospital with a two-day demand.csv, 10 m3 cylinders.

    H1: 45 m3 on day 0, 150 m3 on day 1 (its demand_m3_day of 999 is replaced).
    H2: no demand.csv rows, so no demand at all (its 500 m3/day is replaced by 0).
    C1: 100 m3/day, fixed 500, unlimited filling; C2: 60 m3/day, fixed 200, fills at most
    5 cylinders a day. Both cost 1 per m3; the arcs to H1 are 10 km, so one cylinder
    costs 0.05 x 10 + 10 x 1 = 10.5.
    """
    return write(
        tmp_path / "case", {"horizon_days": 2, "cylinder_m3": 10.0, **model},
        hospitals=[{"id": "H1", "lat": 33.0, "lon": 44.0, "demand_m3_day": 999.0},
                   {"id": "H2", "lat": 36.0, "lon": 43.0, "demand_m3_day": 500.0}],
        demand=[{"hospital": "H1", "day": 0, "demand_m3": 45.0},
                {"hospital": "H1", "day": 1, "demand_m3": 150.0}],
        candidates=[{"id": "C1", "lat": 33.1, "lon": 44.0, "capacity_m3_day": 100.0,
                     "fixed_cost": 500.0, "cost_per_m3": 1.0, "fill_capacity_cyl_day": None},
                    {"id": "C2", "lat": 32.9, "lon": 44.0, "capacity_m3_day": 60.0,
                     "fixed_cost": 200.0, "cost_per_m3": 1.0, "fill_capacity_cyl_day": 5}],
        routes=[{"origin": "C1", "destination": "H1", "distance_km": 10.0},
                {"origin": "C2", "destination": "H1", "distance_km": 10.0}],
    )


@pytest.mark.parametrize(
    ("model", "objective", "unmet", "opened"),
    [
        # both open: 700 fixed; day 0 5 cylinders (45 m3 rounds up), day 1 15 cylinders
        # (C1 10 + C2 5): 700 + 20 x 10.5 = 910
        ({"integer_cylinders": True}, 910.0, 0.0, ["C1", "C2"]),
        # same without integrality: day 0 needs 4.5 cylinders: 700 + 19.5 x 10.5
        ({}, 700 + 19.5 * 10.5, 0.0, ["C1", "C2"]),
        # one site: C1 (500 + 5 + 10 cylinders, 50 m3 unmet on day 1) = 50657.5 beats
        # C2 (200 + 5 + 5 cylinders, 100 m3 unmet) = 100305
        ({"integer_cylinders": True, "max_new_sites": 1}, 500 + 15 * 10.5 + 50_000, 50.0,
         ["C1"]),
        # budget 400 rules out C1: C2 alone = 200 + 10 x 10.5 + 100 x 1000
        ({"integer_cylinders": True, "budget": 400.0}, 200 + 10 * 10.5 + 100_000, 100.0,
         ["C2"]),
        # no site at all: 195 m3 unmet
        ({"max_new_sites": 0}, 195_000.0, 195.0, []),
    ],
)
def test_candidates_budget_sites_and_integer_cylinders(
    tmp_path: Path, model: dict[str, Any], objective: float, unmet: float, opened: list[str]
) -> None:
    res = solve_folder(candidates_case(tmp_path, model))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(objective, rel=1e-9)
    assert res.total_unmet == pytest.approx(unmet, abs=1e-6)
    assert sorted(res.opened) == opened
    assert res.net_demand.tolist() == [[45.0, 150.0], [0.0, 0.0]]


def test_unmet_forbidden_can_be_infeasible(tmp_path: Path) -> None:
    # Only C2 is affordable and it cannot serve 150 m3 on day 1.
    res = solve_folder(candidates_case(tmp_path, {"budget": 400.0, "allow_unmet": False}))
    assert res.status == "infeasible"
    # With both sites allowed it is feasible and costs the same as test case 2 above.
    res = solve_folder(candidates_case(tmp_path / "b", {"allow_unmet": False}))
    assert res.objective == pytest.approx(700 + 19.5 * 10.5, rel=1e-9)


def distance_case(tmp_path: Path, model: dict[str, Any],
                  routes: list[dict[str, Any]] | None = None) -> Path:
    """S1 and P1 at (30 N, 44 E), H1 one degree north; 68 m3 = 10 cylinders; no unit costs.

    The S1-H1 road distance is 1.3 x ONE_DEGREE_KM = 144.55 km; P1-S1 is 0 km.
    """
    tables: dict[str, list[dict]] = {
        "hospitals": [{"id": "H1", "lat": 31.0, "lon": 44.0, "demand_m3_day": 68.0}],
        "producers": [{"id": "P1", "lat": 30.0, "lon": 44.0, "capacity_m3_day": 1000.0}],
        "stations": [{"id": "S1", "lat": 30.0, "lon": 44.0, "fill_capacity_cyl_day": 50}],
    }
    if routes is not None:
        tables["routes"] = routes
    return write(tmp_path / "case", model, **tables)


DELIVERED = 10 * 0.05 * 1.3 * ONE_DEGREE_KM  # 10 cylinders x 0.05 per km x 144.55 km
ALL_UNMET = 68 * 1000.0


@pytest.mark.parametrize(
    ("model", "routes", "objective"),
    [
        ({}, None, DELIVERED),
        ({"circuity": 1.0}, None, 10 * 0.05 * ONE_DEGREE_KM),
        ({"max_delivery_km": 145.0}, None, DELIVERED),
        # the only cylinder arc is longer than the limit: nothing can be delivered
        ({"max_delivery_km": 140.0}, None, ALL_UNMET),
        # ... unless routes.csv lists it: the limit prunes computed arcs only
        ({"max_delivery_km": 140.0}, [{"origin": "S1", "destination": "H1"}], DELIVERED),
        # a listed distance replaces the computed one
        ({}, [{"origin": "S1", "destination": "H1", "distance_km": 50.0}], 10 * 0.05 * 50),
        # a listed cost replaces the whole transport cost of a cylinder
        ({}, [{"origin": "S1", "destination": "H1", "distance_km": 50.0,
               "cost_per_unit": 0.7}], 10 * 0.7),
        # routes_only: no route listed, no arc at all
        ({"routes_only": True}, [{"origin": "S1", "destination": "H1"}], ALL_UNMET),
        ({"routes_only": True}, [{"origin": "S1", "destination": "H1"},
                                 {"origin": "P1", "destination": "S1"}], DELIVERED),
    ],
)
def test_distances_max_delivery_km_and_routes(
    tmp_path: Path, model: dict[str, Any], routes: list[dict[str, Any]] | None,
    objective: float
) -> None:
    res = solve_folder(distance_case(tmp_path, model, routes))
    assert res.status == "optimal"
    assert res.objective == pytest.approx(objective, rel=1e-9)


def test_haversine_known_distance() -> None:
    assert haversine_km(30.0, 44.0, 31.0, 44.0) == pytest.approx(111.19508, abs=1e-4)
    # Baghdad - Basra, about 449 km great-circle
    assert haversine_km(33.3152, 44.3661, 30.5085, 47.7804) == pytest.approx(448.6, abs=0.1)
