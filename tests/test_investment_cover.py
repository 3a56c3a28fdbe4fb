"""Capacity-cover rows over candidate stations and producers (``investment.add_cover_rows``),
and the strong links of candidate stations and producers (off by default).

A hand-computed case: the rows' coefficients and right-hand sides, their absence where they
would not be valid, and the same optimum with and without them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.model.builder import build

V = 2.0  # cylinder_m3


def _network(**model):
    h = pd.DataFrame({"id": ["H0", "H1"], "lat": 33.0, "lon": [44.0, 44.1],
                      "demand_m3_day": [30.0, 50.0]})  # 80 m3 in all
    s = pd.DataFrame({"id": ["S0", "S1", "S2"], "lat": 33.1, "lon": [44.0, 44.1, 44.2],
                      "fill_capacity_cyl_day": [10.0, 15.0, 40.0],  # 20, 30, 80 m3
                      "candidate": [False, True, True], "fixed_cost": [np.nan, 40.0, 90.0]})
    p = pd.DataFrame({"id": ["P0", "P1"], "lat": 33.2, "lon": [44.0, 44.1],
                      "capacity_m3_day": [30.0, 100.0], "candidate": [False, True],
                      "fixed_cost": [np.nan, 70.0]})
    c = pd.DataFrame({"id": ["C0"], "lat": 33.3, "lon": 44.3, "capacity_m3_day": [25.0],
                      "fill_capacity_cyl_day": [10.0], "fixed_cost": [60.0]})  # 20 m3
    routes = [(f, hh, 1.0 + i + j) for i, f in enumerate(["S0", "S1", "S2", "C0"])
              for j, hh in enumerate(["H0", "H1"])]
    routes += [(pp, ss, 0.5 + i) for i, pp in enumerate(["P0", "P1"])
               for ss in ["S0", "S1", "S2"]]
    routes = pd.DataFrame(routes, columns=["origin", "destination", "cost_per_unit"])
    return o2opt.from_frames(h, producers=p, stations=s, candidates=c, routes=routes,
                             model={"routes_only": True, "cylinder_m3": V, **model})


def _row(lm, name):
    """The one row of block ``name`` as {column: coefficient} and its lower bound."""
    r = lm.row_blocks[name].start
    on = lm.a_row == r
    return dict(zip(lm.a_col[on].tolist(), lm.a_val[on].tolist(), strict=True)), \
        lm.row_lower[r]


def test_cover_rows_by_hand():
    lm = build(_network(allow_unmet=False))
    y, ys, yp = (lm.blocks[k].start for k in ("y", "ys", "yp"))
    coef, need = _row(lm, "ys_cover")
    # 80 m3 demand - 20 m3 of the existing station; plant C0 brings min(25, 2*10) = 20 m3
    assert need == pytest.approx(60.0)
    assert coef == pytest.approx({y: 20.0, ys: 30.0, ys + 1: 80.0})
    coef, need = _row(lm, "yp_cover")
    assert need == pytest.approx(50.0)  # 80 - 30 of the existing producer
    assert coef == pytest.approx({y: 20.0, yp: 100.0})


def test_no_cover_rows_when_unmet_allowed_or_a_tank_feeds():
    assert "ys_cover" not in build(_network(allow_unmet=True)).row_blocks
    net = _network(allow_unmet=False)
    tank = net.producers.assign(tank_capacity_m3=[500.0, 0.0], initial_tank_m3=[500.0, 0.0])
    lm = build(o2opt.from_frames(net.hospitals, producers=tank, stations=net.stations,
                                 candidates=net.candidates, routes=net.routes,
                                 model={"routes_only": True, "cylinder_m3": V,
                                        "allow_unmet": False}))
    assert "ys_cover" in lm.row_blocks and "yp_cover" not in lm.row_blocks


def test_same_optimum_without_the_rows(monkeypatch):
    net = _network(allow_unmet=False)
    with_rows = o2opt.optimize(net, mip_gap=1e-9)
    monkeypatch.setattr(o2opt.model.investment, "add_cover_rows", lambda ctx: None)
    assert "ys_cover" not in build(net).row_blocks
    without = o2opt.optimize(net, mip_gap=1e-9)
    assert with_rows.status == without.status == "optimal"
    assert with_rows.objective == pytest.approx(without.objective, rel=1e-9)


@pytest.mark.parametrize("allow_unmet", [True, False])
def test_strong_links_on_exactly_with_unmet_demand_and_same_optimum(allow_unmet):
    """By default (``DISAGGREGATED_LINKS = None``) the strong links of candidate stations
    and producers are built exactly when unmet demand is allowed; on or off, the optimum
    is the same."""
    model = {"allow_unmet": True, "unmet_penalty_per_m3": 50.0} if allow_unmet else {
        "allow_unmet": False}
    net = _network(**model)
    lm = build(net)
    assert ("station_link" in lm.row_blocks) == allow_unmet
    assert ("producer_link" in lm.row_blocks) == allow_unmet
    results = {}
    for links in (True, False):
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(o2opt.model.investment, "DISAGGREGATED_LINKS", links)
            lm = build(net)
            if links:  # every arc of a candidate station (2 x 2), bulk arc of a producer (3)
                rows = lm.row_blocks
                assert rows["station_link"].stop - rows["station_link"].start == 4
                assert rows["producer_link"].stop - rows["producer_link"].start == 3
            else:
                assert "station_link" not in lm.row_blocks
            results[links] = o2opt.optimize(net, mip_gap=1e-9)
    default = o2opt.optimize(net, mip_gap=1e-9)
    assert results[True].status == results[False].status == default.status
    assert results[True].objective == pytest.approx(results[False].objective, rel=1e-9)
    assert default.objective == pytest.approx(results[False].objective, rel=1e-9)
