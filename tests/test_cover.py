"""The capacity cover row (docs/model.md): written only where it is valid, and it never
changes an optimum."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.synthetic import synthetic_tables
from o2opt.testing import assert_solution_feasible

build_module = importlib.import_module("o2opt.model.builder")


def cover(lm: o2opt.model.LinearModel) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row lower bounds, columns, coefficients) of the capacity_cover rows."""
    rows = lm.row_blocks.get("capacity_cover", slice(0, 0))
    inside = (lm.a_row >= rows.start) & (lm.a_row < rows.stop)
    return lm.row_lower[rows], lm.a_col[inside], lm.a_val[inside]


def two_candidates(**model) -> o2opt.Network:
    hospitals = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                              "demand_m3_day": [60.0, 40.0]})
    stations = pd.DataFrame({"id": ["S1"], "lat": [33.05], "lon": [44.05],
                             "fill_capacity_cyl_day": [5.0]})
    producers = pd.DataFrame({"id": ["P1"], "lat": [33.2], "lon": [44.2],
                              "capacity_m3_day": [1000.0]})
    candidates = pd.DataFrame({"id": ["C1", "C2"], "lat": [33.0, 33.1], "lon": [44.05, 44.1],
                               "capacity_m3_day": [70.0, 500.0], "fixed_cost": [10.0, 30.0],
                               "fill_capacity_cyl_day": [100.0, 20.0]})
    return o2opt.from_frames(hospitals, stations=stations, producers=producers,
                             candidates=candidates, model={"cylinder_m3": 6.8, **model})


def test_the_row_by_hand():
    lm = o2opt.model.build(two_candidates(allow_unmet=False))
    lower, cols, vals = cover(lm)
    # demand 100 m3, the station fills at most 5 x 6.8 = 34 m3: candidates must bring 66;
    # C1 can bring min(70, 100 x 6.8, 100 needed) = 70; C2 min(500, 20 x 6.8 = 136, 100)
    assert lower == pytest.approx([66.0])
    y = lm.blocks["y"]
    assert sorted(cols - y.start) == [0, 1]
    assert vals[np.argsort(cols)] == pytest.approx([70.0, 100.0])


@pytest.mark.parametrize("model", [{"allow_unmet": True}, {}])
def test_no_row_when_unmet_demand_is_allowed(model):
    assert "capacity_cover" not in o2opt.model.build(two_candidates(**model)).row_blocks


def test_no_row_when_stock_can_feed_demand():
    net = two_candidates(allow_unmet=False)
    hospitals = net.hospitals.copy()
    hospitals["stock_capacity_m3"] = [50.0, 0.0]
    stocked = o2opt.from_frames(hospitals, stations=net.stations, producers=net.producers,
                                candidates=net.candidates,
                                model={"cylinder_m3": 6.8, "allow_unmet": False})
    assert "capacity_cover" not in o2opt.model.build(stocked).row_blocks


def test_no_row_when_existing_supply_suffices():
    net = two_candidates(allow_unmet=False)
    stations = net.stations.assign(fill_capacity_cyl_day=100.0)
    roomy = o2opt.from_frames(net.hospitals, stations=stations, producers=net.producers,
                              candidates=net.candidates,
                              model={"cylinder_m3": 6.8, "allow_unmet": False})
    assert "capacity_cover" not in o2opt.model.build(roomy).row_blocks


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("supply_ratio", [0.5, 0.8])
def test_the_row_changes_no_optimum(seed, supply_ratio, monkeypatch):
    t = synthetic_tables(40, 2, 1, n_candidates=6, horizon_days=2, seed=seed,
                         allow_unmet=False, max_delivery_km=2000.0, supply_ratio=supply_ratio,
                         integer_cylinders=seed % 2 == 1)
    net = o2opt.from_frames(**{k: v for k, v in t.items() if k != "model"}, model=t["model"])
    with_row = o2opt.optimize(net)
    assert "capacity_cover" in o2opt.model.build(net).row_blocks
    monkeypatch.setattr(build_module, "_capacity_cover_rows", lambda ctx: None)
    assert "capacity_cover" not in o2opt.model.build(net).row_blocks
    without = o2opt.optimize(net)
    assert with_row.status == without.status  # some draws at 0.5 are infeasible either way
    if supply_ratio == 0.8:
        assert with_row.status == "optimal"
    if with_row.status != "optimal":
        return
    assert with_row.objective == pytest.approx(without.objective, rel=1e-6)
    assert_solution_feasible(with_row)
