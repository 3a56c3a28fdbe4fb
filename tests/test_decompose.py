"""Day-by-day solving gives the monolithic model's answer (docs/model.md, decomposition)."""

from __future__ import annotations

import numpy as np
import pytest

import o2opt
from o2opt.decompose import day_blocks
from o2opt.synthetic import synthetic_tables
from o2opt.testing import assert_costs_consistent, assert_solution_feasible


def net_from(seed: int, **kwargs) -> o2opt.Network:
    t = synthetic_tables(60, 4, 2, seed=seed, **kwargs)
    model = t.pop("model")
    return o2opt.from_frames(**t, model=model)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("integer", [False, True])
def test_by_day_equals_monolithic(seed, integer):
    net = net_from(seed, horizon_days=4, max_delivery_km=150.0, integer_cylinders=integer)
    lm = o2opt.model.build(net)
    assert day_blocks(lm) is not None
    whole = o2opt.optimize(net, decompose=False)
    split = o2opt.optimize(net, decompose=True)
    assert "by day" in split.result.solver and "by day" not in whole.result.solver
    assert split.status == whole.status == "optimal"
    assert split.objective == pytest.approx(whole.objective, rel=1e-7)
    assert split.summary()["unmet_m3"] == pytest.approx(whole.summary()["unmet_m3"],
                                                        rel=1e-6, abs=1e-6)
    assert_solution_feasible(split)
    assert_costs_consistent(split)


def test_identical_days_are_solved_once():
    net = net_from(3, horizon_days=7, surge=False)  # no demand table: every day the same
    blocks = day_blocks(o2opt.model.build(net))
    assert blocks is not None and len(blocks) == 1 and blocks[0].days == list(range(7))
    sol = o2opt.optimize(net)
    one_day = o2opt.optimize(net.with_model(horizon_days=1), decompose=False)
    assert sol.objective == pytest.approx(7 * one_day.objective, rel=1e-9)
    per_day = sol.service.groupby("day")["delivered_m3"].sum().to_numpy()
    assert np.allclose(per_day, per_day[0])


def test_candidates_link_the_days_so_no_split():
    net = net_from(1, horizon_days=3, n_candidates=3)
    assert day_blocks(o2opt.model.build(net)) is None
    assert "by day" not in o2opt.optimize(net).result.solver


def test_infeasible_day_is_reported():
    net = net_from(2, horizon_days=3, allow_unmet=False, demand_multiplier=5.0)
    split = o2opt.optimize(net, decompose=True)
    whole = o2opt.optimize(net, decompose=False)
    assert split.status == whole.status == "infeasible"
