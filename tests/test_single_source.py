"""Single-sourcing extension: each hospital served by one filling point at most."""

from __future__ import annotations

import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt.testing import assert_solution_feasible

FAST = ["p1", "p2", "p3", "p4", "p5", "p13", "p41"]


def test_off_by_default_and_splits_then():
    # two stations each able to fill 6 cylinders; H1 needs 10: split without the extension
    s = pd.DataFrame({"id": ["S1", "S2"], "lat": [33.1, 33.2], "lon": [44.0, 44.0],
                      "fill_capacity_cyl_day": [6.0, 6.0]})
    routes = pd.DataFrame({"origin": ["S1", "S2", "P1", "P1"],
                           "destination": ["H1", "H1", "S1", "S2"],
                           "distance_km": [10.0, 20.0, 0.0, 0.0]})
    split = o2opt.optimize(network(stations=s, routes=routes))
    assert sorted(split.deliveries["source"]) == ["S1", "S2"]
    assert split.summary()["unmet_m3"] == pytest.approx(0.0)
    # one source only: 6 cylinders from S1 (nearer), 4 * 6.8 m3 unmet
    single = o2opt.optimize(network(stations=s, routes=routes, single_source=True))
    assert single.status == "optimal"
    assert single.deliveries["source"].tolist() == ["S1"]
    assert single.summary()["unmet_m3"] == pytest.approx(4 * 6.8)
    assert single.objective == pytest.approx(6 * 0.05 * 10 + 40.8 * 0.5 + 4 * 6.8 * 1000)
    assert_solution_feasible(single)


def test_single_source_holds_across_days():
    demand = pd.DataFrame({"hospital": ["H1", "H1"], "day": [0, 1], "demand_m3": [68.0, 34.0]})
    s = pd.DataFrame({"id": ["S1", "S2"], "lat": [33.1, 33.2], "lon": [44.0, 44.0],
                      "fill_capacity_cyl_day": [100.0, 100.0]})
    routes = pd.DataFrame({"origin": ["S1", "S2", "P1", "P1"],
                           "destination": ["H1", "H1", "S1", "S2"],
                           "distance_km": [10.0, 20.0, 0.0, 0.0]})
    sol = o2opt.optimize(network(stations=s, routes=routes, demand=demand, horizon_days=2,
                                 single_source=True))
    assert set(sol.deliveries["source"]) == {"S1"}


@pytest.mark.parametrize("name", FAST)
def test_holmberg_published_optimum(name, shared_data, tmp_path):
    from benchmarks.holmberg import optima, read_holmberg, to_folder

    folder = shared_data / "benchmarks/holmberg-sscflp"
    inst = read_holmberg(folder / f"holmberg_{name}")
    sol = o2opt.optimize(o2opt.read_network(to_folder(inst, tmp_path / name)))
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(optima(folder / "holmberg_os")[name], rel=1e-5)
    served = sol.deliveries.groupby("hospital")["source"].nunique()
    assert (served == 1).all() and len(served) == inst.cost.shape[1]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["p25", "p56"])
def test_holmberg_published_optimum_large(name, shared_data, tmp_path):
    test_holmberg_published_optimum(name, shared_data, tmp_path)
