"""The capacity cover row (docs/model.md): written only where it is valid, and it never
changes an optimum; with unmet demand allowed it carries the unmet variables."""

from __future__ import annotations

import importlib

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

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
def test_the_unmet_row_by_hand(model):
    lm = o2opt.model.build(two_candidates(**model))
    lower, cols, vals = cover(lm)
    # as above, plus every unmet variable of the day with coefficient 1
    assert lower == pytest.approx([66.0])
    y, u = lm.blocks["y"], lm.blocks["u"]
    on_y = (cols >= y.start) & (cols < y.stop)
    assert vals[on_y][np.argsort(cols[on_y])] == pytest.approx([70.0, 100.0])
    assert sorted(cols[~on_y]) == list(range(u.start, u.stop)) and u.stop - u.start == 2
    assert vals[~on_y] == pytest.approx([1.0, 1.0])


def matrix(lm: o2opt.model.LinearModel) -> np.ndarray:
    return sp.coo_matrix((lm.a_val, (lm.a_row, lm.a_col)),
                         shape=(len(lm.row_lower), len(lm.cost))).toarray()


def test_the_unmet_row_is_a_sum_of_the_models_rows():
    """On the hand example: demand rows - 6.8 x S1's filling row - C1's capacity row
    - 6.8 x C2's linking rows is, coefficient for coefficient, the cover row."""
    lm = o2opt.model.build(two_candidates())
    a = matrix(lm)
    rb = lm.row_blocks
    y = lm.blocks["y"]
    y_of = dict(zip(lm.network.candidates["id"].to_numpy()[lm.y_candidate],
                    range(y.start, y.stop), strict=True))

    def rows(block: str, column: int | None = None) -> np.ndarray:
        r = np.arange(rb[block].start, rb[block].stop)
        return r if column is None else r[a[r, column] != 0]

    demand, fill = rows("demand"), rows("station_fill")
    cap_c1, link_c2 = rows("candidate_capacity", y_of["C1"]), rows("candidate_link", y_of["C2"])
    assert len(demand) == 2 and len(fill) == len(cap_c1) == 1 and len(link_c2) == 2
    combo = (a[demand].sum(axis=0) - 6.8 * a[fill].sum(axis=0) - a[cap_c1].sum(axis=0)
             - 6.8 * a[link_c2].sum(axis=0))
    # >= rows keep their lower bound, <= rows are subtracted with their upper bound
    rhs = (lm.row_lower[demand].sum() - 6.8 * lm.row_upper[fill].sum()
           - lm.row_upper[cap_c1].sum() - 6.8 * lm.row_upper[link_c2].sum())
    cover_row = rb["capacity_cover"].start
    assert combo == pytest.approx(a[cover_row], abs=1e-9)
    assert rhs == pytest.approx(lm.row_lower[cover_row])


@pytest.mark.parametrize("allow_unmet", [False, True])
def test_no_row_when_stock_can_feed_demand(allow_unmet):
    net = two_candidates(allow_unmet=allow_unmet)
    hospitals = net.hospitals.copy()
    hospitals["stock_capacity_m3"] = [50.0, 0.0]
    stocked = o2opt.from_frames(hospitals, stations=net.stations, producers=net.producers,
                                candidates=net.candidates,
                                model={"cylinder_m3": 6.8, "allow_unmet": allow_unmet})
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


def random_network(seed: int, **model) -> o2opt.Network:
    t = synthetic_tables(40, 2, 1, n_candidates=6, horizon_days=2, seed=seed,
                         max_delivery_km=2000.0, supply_ratio=0.5,
                         integer_cylinders=seed % 2 == 1, **model)
    return o2opt.from_frames(**{k: v for k, v in t.items() if k != "model"}, model=t["model"])


UNMET_CASES = [{}, {"budget": 60_000.0}, {"max_new_sites": 2},
               {"budget": 100_000.0, "max_new_sites": 1}]


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("limits", UNMET_CASES)
def test_the_unmet_row_changes_no_optimum(seed, limits, monkeypatch):
    net = random_network(seed, **limits)
    assert "capacity_cover" in o2opt.model.build(net).row_blocks
    with_row = o2opt.optimize(net)
    monkeypatch.setattr(build_module, "_capacity_cover_rows", lambda ctx: None)
    without = o2opt.optimize(net)
    assert with_row.status == without.status == "optimal"
    assert with_row.objective == pytest.approx(without.objective, rel=1e-6)
    assert_solution_feasible(with_row)


def lp_minimum(lm: o2opt.model.LinearModel, objective: np.ndarray) -> float:
    """min objective . x over the LP relaxation of ``lm``."""
    a = sp.csr_matrix((lm.a_val, (lm.a_row, lm.a_col)),
                      shape=(len(lm.row_lower), len(lm.cost)))
    up, lo = np.isfinite(lm.row_upper), np.isfinite(lm.row_lower)
    res = linprog(objective, A_ub=sp.vstack([a[up], -a[lo]]),
                  b_ub=np.concatenate([lm.row_upper[up], -lm.row_lower[lo]]),
                  bounds=np.column_stack([lm.lower, lm.upper]), method="highs")
    assert res.status == 0
    return float(res.fun)


@pytest.mark.parametrize("seed", range(4))
def test_the_unmet_row_is_implied_by_the_lp_relaxation(seed, monkeypatch):
    """Minimising the row's left side over the LP relaxation of the model without it gives
    at least its right side (so it cuts off no fractional plan), and the LP bound of the
    model is the same with and without it."""
    net = random_network(seed, budget=80_000.0)
    lm = o2opt.model.build(net)
    rows = lm.row_blocks["capacity_cover"]
    monkeypatch.setattr(build_module, "_capacity_cover_rows", lambda ctx: None)
    bare = o2opt.model.build(net)
    assert len(bare.row_lower) == rows.start and rows.stop > rows.start
    for r in range(rows.start, rows.stop):
        inside = lm.a_row == r
        coef = np.zeros(len(lm.cost))
        np.add.at(coef, lm.a_col[inside], lm.a_val[inside])
        assert lp_minimum(bare, coef) >= lm.row_lower[r] - 1e-6 * max(1.0, lm.row_lower[r])
    assert lp_minimum(lm, lm.cost) == pytest.approx(lp_minimum(bare, bare.cost), rel=1e-9)
