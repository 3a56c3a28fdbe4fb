"""Storage extension: hospital cylinder stock and producers' liquid-oxygen tanks."""

from __future__ import annotations

import pandas as pd
import pytest
from test_model import check, network

import o2opt
from o2opt.testing import assert_solution_feasible

SURGE = pd.DataFrame({"hospital": ["H1"], "day": [2], "demand_m3": [136.0]})
TEN_A_DAY = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                          "fill_capacity_cyl_day": [10.0], "fill_cost_per_cyl": [2.0]})


def hospital(**columns) -> pd.DataFrame:
    return pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [68.0],
                         **{k: [v] for k, v in columns.items()}})


def test_without_stock_a_surge_beyond_filling_capacity_is_unmet():
    # day 2 needs 20 cylinders, S1 fills 10 a day: 68 m3 unmet
    check(network(stations=TEN_A_DAY, demand=SURGE, horizon_days=3),
          10 * 2.5 + 68 * 0.7 + 68_000, unmet_m3=68.0)


def test_stock_built_before_a_surge_covers_it():
    net = network(hospitals=hospital(stock_capacity_m3=100.0), stations=TEN_A_DAY,
                  demand=SURGE, horizon_days=3)
    sol = check(net, 20 * 2.5 + 136 * 0.7)  # all 20 cylinders delivered, 10 of them early
    svc = sol.service.set_index("day")
    assert svc["delivered_m3"].sum() == pytest.approx(136.0)
    assert svc.loc[1, "stock_m3"] >= 68.0 - 1e-6  # at least the 10 cylinders day 2 lacks
    assert svc.loc[2, "stock_m3"] == pytest.approx(0.0, abs=1e-6)
    assert_solution_feasible(sol)


def test_initial_stock_serves_day_zero():
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [34.0],
                      "cost_per_m3": [0.5]})
    net = network(hospitals=hospital(stock_capacity_m3=50.0, initial_stock_m3=34.0),
                  producers=p)
    sol = check(net, 5 * 2.5 + 34 * 0.7)  # 34 m3 from stock, 34 delivered
    assert_solution_feasible(sol)


def test_safety_stock_cannot_be_drawn():
    net = network(hospitals=hospital(stock_capacity_m3=50.0, initial_stock_m3=34.0,
                                     safety_stock_m3=34.0))
    check(net, 72.6)  # the full 68 m3 must be delivered


def test_producer_tank_shifts_production_to_the_surge():
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [34.0],
                      "cost_per_m3": [0.5], "tank_capacity_m3": [100.0]})
    demand = pd.DataFrame({"hospital": ["H1"], "day": [1], "demand_m3": [68.0]})
    # 34 m3 made on day 0 wait in the tank; 68 m3 shipped on day 1
    sol = check(network(producers=p, demand=demand, horizon_days=2), 72.6)
    assert sol.bulk[["day", "m3"]].values.tolist() == [[1, pytest.approx(68.0)]]
    assert_solution_feasible(sol)
    no_tank = p.assign(tank_capacity_m3=0.0)
    check(network(producers=no_tank, demand=demand, horizon_days=2),
          5 * 2.5 + 34 * 0.7 + 34_000, unmet_m3=34.0)


def test_storage_off_is_the_canonical_model():
    lm = o2opt.model.build(network(horizon_days=2))
    assert lm.blocks["s"].stop == lm.blocks["s"].start
    assert lm.blocks["g"].stop == lm.blocks["g"].start
    assert "stock_m3" not in o2opt.optimize(network()).service


NO_SUPPLY = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0],
                          "capacity_m3_day": [0.0], "cost_per_m3": [0.5]})


def test_initial_stock_below_safety_stock_is_a_penalised_shortfall():
    # regression: this was 'infeasible' although unmet demand is allowed. Nothing can be
    # delivered: 20 m3 unmet and 10 m3 below the safety stock, both at 1000 per m3
    h = hospital(stock_capacity_m3=50.0, initial_stock_m3=0.0, safety_stock_m3=10.0)
    sol = check(network(hospitals=h.assign(demand_m3_day=20.0), producers=NO_SUPPLY),
                30_000.0, unmet_m3=20.0)
    assert sol.service["safety_shortfall_m3"].tolist() == pytest.approx([10.0])
    assert sol.cost["unmet_penalty"] == pytest.approx(30_000.0)
    # with priority 2 both penalties double
    check(network(hospitals=h.assign(demand_m3_day=20.0, priority=2.0), producers=NO_SUPPLY),
          60_000.0, unmet_m3=20.0)


def test_initial_stock_below_safety_stock_is_made_up_when_supply_allows():
    # 68 m3 of demand plus 10 m3 to reach the safety stock: 78 m3 delivered on day 0
    h = hospital(stock_capacity_m3=50.0, initial_stock_m3=0.0, safety_stock_m3=10.0)
    sol = check(network(hospitals=h), 78 / 6.8 * 2.5 + 78 * 0.7)
    assert sol.service["stock_m3"].tolist() == pytest.approx([10.0])
    assert sol.service["safety_shortfall_m3"].tolist() == [0.0]
    assert_solution_feasible(sol)


def test_safety_stock_is_not_drawn_early():
    # no supply on either day; stock 34 = safety. Drawing 1 m3 on day 0 saves 1000 of unmet
    # but costs 2000 of shortfall (days 0 and 1); on the last day it is a tie. So the
    # optimum is 2 x 68 m3 at 1000 = 136,000 (how much of day 1 is drawn is not unique)
    h = hospital(stock_capacity_m3=50.0, initial_stock_m3=34.0, safety_stock_m3=34.0)
    sol = o2opt.optimize(network(hospitals=h, producers=NO_SUPPLY, horizon_days=2))
    assert sol.objective == pytest.approx(136_000.0)
    assert sol.service["stock_m3"].iloc[0] == pytest.approx(34.0)
    assert sol.service["unmet_m3"].iloc[0] == pytest.approx(68.0)


@pytest.mark.parametrize(("columns", "bad"), [
    ({"stock_capacity_m3": 0.0, "initial_stock_m3": 15.0}, "initial_stock_m3"),
    ({"stock_capacity_m3": 10.0, "initial_stock_m3": 15.0}, "initial_stock_m3"),
    ({"stock_capacity_m3": 10.0, "safety_stock_m3": 15.0}, "safety_stock_m3"),
    ({"lox_tank_m3": 10.0, "initial_lox_m3": 15.0}, "initial_lox_m3"),
])
def test_initial_content_above_capacity_is_an_input_error(columns, bad):
    # regression: stock with no room to hold it was counted by the report but not by the
    # model, so summary.json's objective was not the objective solved
    with pytest.raises(o2opt.InputError) as err:
        network(hospitals=hospital(**columns))
    assert [p.column for p in err.value.problems] == [bad]
    assert "H1" in str(err.value)


def test_initial_tank_above_tank_capacity_is_an_input_error():
    p = NO_SUPPLY.assign(tank_capacity_m3=5.0, initial_tank_m3=6.0)
    with pytest.raises(o2opt.InputError, match="initial_tank_m3"):
        network(producers=p)


def test_reported_objective_is_the_objective_solved_with_storage():
    # a stocked and an unstocked hospital; the cost parts price exactly the solved columns
    h = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.2], "lon": [44.0, 44.0],
                      "demand_m3_day": [20.0, 25.0], "stock_capacity_m3": [50.0, 0.0],
                      "initial_stock_m3": [5.0, 0.0], "safety_stock_m3": [10.0, 0.0]})
    sol = o2opt.optimize(network(hospitals=h, producers=NO_SUPPLY, routes_only=True,
                                 horizon_days=2))
    assert sol.objective == pytest.approx(float(sol.model.cost @ sol._x), rel=1e-12)
    # H1 keeps its 5 m3 (drawing them on day 0 saves 5 of unmet, costs 5 of shortfall on
    # both days): each day 20 + 25 unmet and 5 short of safety
    assert sol.objective == pytest.approx(1000 * 2 * (20 + 25 + 5))


def test_command_line_initial_stock_below_safety_and_stock_without_room(tmp_path):
    import json

    from o2opt.cli import main

    h = hospital(stock_capacity_m3=50.0, safety_stock_m3=10.0).assign(demand_m3_day=20.0)
    folder = network(hospitals=h, producers=NO_SUPPLY).to_folder(tmp_path / "ok")
    assert main(["solve", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 0
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["status"], summary["objective"]) == ("optimal", pytest.approx(30_000.0))
    # initial stock with no room for it: exit 2, nothing written
    bad = tmp_path / "bad"
    network(hospitals=hospital(stock_capacity_m3=10.0)).to_folder(bad)
    hospitals = pd.read_csv(bad / "hospitals.csv").assign(initial_stock_m3=15.0,
                                                           stock_capacity_m3=0.0)
    hospitals.to_csv(bad / "hospitals.csv", index=False)
    assert main(["solve", str(bad), "--out", str(tmp_path / "out2"), "-q"]) == 2
    assert not (tmp_path / "out2").exists()
