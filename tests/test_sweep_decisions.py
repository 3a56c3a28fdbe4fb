"""Decisions across scenarios: the frontier, opening frequencies and robust siting, on a
hand-made network whose answers are worked out by hand; and their charts.

Two hospitals 3° apart on the meridian 44° E, each with a candidate PSA plant beside it
(0.01° away); the plants are too far from the other hospital to serve it
(max_delivery_km = 50), so each plant serves only its own hospital:

    HN (36.0, North, 68 m3/day)  ·  CN (36.01, 136 m3/day, fixed cost 10)
    HS (33.0, South, 68 m3/day)  ·  CS (33.01, 136 m3/day, fixed cost 10)

With a budget of 10, one plant can open. Scenario A doubles North's demand, scenario B
South's. A opens CN (unmet 68 in the South instead of 136 in the North), B opens CS.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

import o2opt
from o2opt.sweeps import (
    DemandSurge,
    ScenarioSpec,
    candidate_plans,
    grid,
    opening_frequency,
    pareto_frontier,
    robust_siting,
    sweep,
)
from o2opt.sweeps.plot import plot_opening_frequency, plot_pareto, plot_robust, save_chart

KM = 0.01 * 6371.0088 * math.pi / 180 * 1.3  # plant to its hospital
CYL_COST = 0.05 * KM  # per cylinder; plants produce at cost 0


def two_regions(**model) -> o2opt.Network:
    return o2opt.from_frames(
        pd.DataFrame({"id": ["HN", "HS"], "lat": [36.0, 33.0], "lon": [44.0, 44.0],
                      "demand_m3_day": [68.0, 68.0], "region": ["North", "South"]}),
        candidates=pd.DataFrame({"id": ["CN", "CS"], "lat": [36.01, 33.01],
                                 "lon": [44.0, 44.0], "capacity_m3_day": [136.0, 136.0],
                                 "fixed_cost": [10.0, 10.0]}),
        model={"budget": 10.0, "max_delivery_km": 50.0, **model})


A = ScenarioSpec(surges=[DemandSurge("North", 2)], label="A: North doubles", weight=3)
B = ScenarioSpec(surges=[DemandSurge("South", 2)], label="B: South doubles")


def cost(served_m3: float, unmet_m3: float, investment: float) -> float:
    return CYL_COST * served_m3 / 6.8 + 1000 * unmet_m3 + investment


@pytest.fixture(scope="module")
def pool():
    with ThreadPoolExecutor(2) as ex:
        yield ex


def test_each_scenario_opens_the_plant_of_its_surge(pool):
    df = sweep(two_regions(), [A, B], executor=pool)
    assert df["opened"].tolist() == ["CN", "CS"]
    assert df["unmet_m3"].tolist() == pytest.approx([68, 68])
    assert df["objective"].tolist() == pytest.approx([cost(136, 68, 10)] * 2, rel=1e-12)
    assert opening_frequency(df, two_regions()).values.tolist() == [
        ["CN", 1, 2, 0.5], ["CS", 1, 2, 0.5]]
    assert candidate_plans(df) == [(), ("CN",), ("CS",)]


def test_robust_siting_by_hand(pool, tmp_path):
    net = two_regions()
    # plan CN: A leaves 68 unmet (South), B 136 (South, doubled); plan CS the other way round
    # worst: 136 for both; expected (weights 3:1): CN (3*68 + 136)/4 = 85, CS (3*136 + 68)/4
    worst = robust_siting(net, [A, B], criterion="worst", executor=pool, store=tmp_path / "s")
    plans = worst.plans.set_index("sites")
    assert plans.loc["CN", ["worst_unmet_m3", "expected_unmet_m3"]].tolist() == \
        pytest.approx([136, 85])
    assert plans.loc["CS", ["worst_unmet_m3", "expected_unmet_m3"]].tolist() == \
        pytest.approx([136, 119])
    assert plans.loc["", ["worst_unmet_m3", "expected_unmet_m3"]].tolist() == \
        pytest.approx([204, 204])
    assert worst.best == ("CN",)  # tie on the worst case, broken by the expected value
    ev = worst.evaluations.set_index(["sites", "label"])
    assert ev.loc[("CN", "A: North doubles"), "objective"] == pytest.approx(cost(136, 68, 10))
    assert ev.loc[("CN", "B: South doubles"), "objective"] == pytest.approx(cost(68, 136, 10))
    assert ev.loc[("", "A: North doubles"), "objective"] == pytest.approx(cost(0, 204, 0))
    assert (worst.evaluations["status"] == "optimal").all()

    both = robust_siting(net, [A, B], plans=[["CN"], ["CS"], ["CN", "CS"]], executor=pool,
                         store=tmp_path / "s")
    assert both.best == ("CN", "CS")  # nothing unmet anywhere, whatever the budget said
    assert both.plans.loc[0, "investment"] == 20 and both.plans.loc[0, "worst_unmet_m3"] == 0
    capped = robust_siting(net, [A, B], plans=[["CN"], ["CS"], ["CN", "CS"]],
                           criterion="expected", max_investment=10, executor=pool)
    assert capped.best == ("CN",) and len(capped.plans) == 2


def test_a_plan_that_leaves_a_scenario_infeasible_ranks_last(pool):
    net = two_regions(allow_unmet=False, budget=None)
    robust = robust_siting(net, [A, B], plans=[["CN"], ["CN", "CS"]], executor=pool)
    plans = robust.plans.set_index("sites")
    assert plans.loc["CN", "unsolved"] == 2 and plans.loc["CN", "worst_unmet_m3"] == np.inf
    assert robust.best == ("CN", "CS")


def test_pareto_frontier_over_a_budget_range(pool):
    net = two_regions(budget=None)
    specs = grid({"budget": [0, 5, 10, 20, 30], "surge:North": ["", "2"]})
    df = sweep(net, specs, executor=pool)
    front = pareto_frontier(df)
    assert set(front.columns) >= {"frontier", "budget", "surge:North"}
    base = front[front["surge:North"] == ""].set_index("budget")
    # budget 0: 136 unmet; 10: one plant, 68; 20 and 30: both plants, 0 (30 adds nothing)
    assert base["unmet_m3"].to_dict() == pytest.approx({0: 136, 5: 136, 10: 68, 20: 0, 30: 0})
    assert base["cost_fixed"].to_dict() == {0: 0, 5: 0, 10: 10, 20: 20, 30: 20}
    assert base["frontier"].tolist() == [True, False, True, True, False]
    surge = front[front["surge:North"] == "2"].set_index("budget")
    assert surge.loc[10, "opened"] == "CN" and surge.loc[10, "unmet_m3"] == pytest.approx(68)
    assert surge["frontier"].sum() == 3


def test_frontier_marks_dominated_points():
    r = pd.DataFrame({"scenario": list("abcdef"), "label": list("abcdef"),
                      "world": ["x"] * 4 + ["y"] * 2,
                      "status": ["optimal"] * 5 + ["infeasible"],
                      "cost_fixed": [0, 5, 5, 9, 0, 0], "unmet_m3": [10, 4, 6, 4, 1, 0]})
    f = pareto_frontier(r.rename(columns={"world": "demand_multiplier"}))
    assert f["scenario"].tolist() == list("abcde")
    assert f["frontier"].tolist() == [True, True, False, False, True]


def test_pareto_legend_names_missing_values_none_in_mixed_worlds():
    # a world key mixing text and a missing number: numpy turned it into the text 'nan'
    results = pd.DataFrame({"scenario": list("abcd"), "status": "optimal",
                            "region": ["N", "N", "S", "S"],
                            "factor": [float("nan"), float("nan"), 2.0, 2.0],
                            "cost_fixed": [0.0, 1.0, 0.0, 1.0], "unmet_m3": [5.0, 1.0, 4.0, 2.0]})
    ax = plot_pareto(results, by=["region", "factor"])
    assert sorted(t.get_text() for t in ax.get_legend().get_texts()) == [
        "region=N, factor=none", "region=S, factor=2.0"]


def test_charts(pool, tmp_path):
    net = two_regions(budget=None)
    df = sweep(net, grid({"budget": [0, 10, 20], "surge:North": ["", "2"]}), executor=pool)
    for ax in (plot_pareto(df), plot_opening_frequency(opening_frequency(df, net)),
               plot_robust(robust_siting(net, [A, B], executor=pool))):
        assert isinstance(ax, Axes) and ax.get_title()
    ax = plot_pareto(df)
    assert len(ax.get_legend().get_texts()) == 2  # one frontier per world
    assert ax.get_xlabel().startswith("investment")
    assert save_chart(ax, tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
    labels = [t.get_text() for t in plot_robust(
        robust_siting(net, [A, B], executor=pool)).get_yticklabels()]
    assert sum(label.startswith("★") for label in labels) == 1
