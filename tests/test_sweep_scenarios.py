"""Scenario specs, grids and tables, and the events they apply, checked by hand.

The hand-made network lies on the meridian 44° E (as in docs/model.md's worked example), so
every distance is |Δlat| · 6371.0088 · π/180 · 1.3 road km:

    P1 (33.0, 150 m3/day) ─0.5°─ S1 (33.5) ─0.1°─ H1 (33.6, 136 m3/day, priority 1, South)
    P2 (34.0,  60 m3/day) ─0.5°─ S1        ─0.3°─ H2 (33.8, 112 - 10 onsite, priority 2, North)

Supply (210 m3/day) is short of demand (238): both producers run at capacity, H2 (priority
2) is served first and the shortfall falls on H1.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

import o2opt
from o2opt.sweeps import (
    CapacityChange,
    DemandSurge,
    Outage,
    ScenarioSpec,
    apply_scenario,
    check_scenarios,
    grid,
    read_scenarios,
    scenarios_from_frame,
)
from o2opt.sweeps.cli import parse_grid

KM_PER_DEG = 6371.0088 * math.pi / 180 * 1.3
CYL = 6.8
BULK_PER_M3 = 0.002 * KM_PER_DEG * 0.5 + 0.5           # P1 or P2 -> S1, plus production
CYL_H1 = 0.05 * KM_PER_DEG * 0.1 + 2.0                  # S1 -> H1, plus filling
CYL_H2 = 0.05 * KM_PER_DEG * 0.3 + 2.0                  # S1 -> H2, plus filling


def hand_network(**model) -> o2opt.Network:
    return o2opt.from_frames(
        pd.DataFrame({"id": ["H1", "H2"], "lat": [33.6, 33.8], "lon": [44.0, 44.0],
                      "demand_m3_day": [136.0, 112.0], "onsite_m3_day": [0.0, 10.0],
                      "priority": [1.0, 2.0], "region": ["South", "North"]}),
        producers=pd.DataFrame({"id": ["P1", "P2"], "lat": [33.0, 34.0], "lon": [44.0, 44.0],
                                "capacity_m3_day": [150.0, 60.0], "cost_per_m3": [0.5, 0.5]}),
        stations=pd.DataFrame({"id": ["S1"], "lat": [33.5], "lon": [44.0],
                               "fill_capacity_cyl_day": [100.0], "fill_cost_per_cyl": [2.0]}),
        model={"horizon_days": 3, **model})


def day_by_hand(supply: float, d1: float, d2: float) -> tuple[float, float, float]:
    """(cost, unmet H1, unmet H2) of one day: all supply used, H2 served first."""
    to_h2 = min(supply, d2)
    to_h1 = min(supply - to_h2, d1)
    cost = (BULK_PER_M3 * (to_h1 + to_h2) + CYL_H1 * to_h1 / CYL + CYL_H2 * to_h2 / CYL
            + 1000 * (d1 - to_h1) + 2000 * (d2 - to_h2))
    return cost, d1 - to_h1, d2 - to_h2


def test_base_network_matches_the_hand_calculation():
    sol = o2opt.optimize(hand_network())
    cost, u1, u2 = day_by_hand(210, 136, 102)
    assert (u1, u2) == (28, 0)
    assert sol.objective == pytest.approx(3 * cost, rel=1e-9)


def test_outage_capacity_change_and_surge_by_hand():
    """Day 0: North surges x1.5; day 1: P1 is down; day 2: P2 runs at half capacity."""
    net = hand_network()
    spec = ScenarioSpec(outages=[Outage("P1", [1])],
                        capacity_changes=[CapacityChange("P2", 0.5, [2])],
                        surges=[DemandSurge("North", 1.5, [0])])
    sol = o2opt.optimize(apply_scenario(net, spec))
    day0 = day_by_hand(210, 136, 1.5 * 112 - 10)   # onsite netted off after the surge
    day1 = day_by_hand(60, 136, 102)
    day2 = day_by_hand(150 + 30, 136, 102)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(day0[0] + day1[0] + day2[0], rel=1e-9)

    service = sol.service.set_index(["hospital", "day"])["unmet_m3"]
    assert service.to_dict() == pytest.approx({
        ("H1", 0): day0[1], ("H2", 0): day0[2],     # 210 - 158 = 52 reach H1: 84 unmet
        ("H1", 1): day1[1], ("H2", 1): day1[2],     # only P2's 60: H1 136, H2 42 unmet
        ("H1", 2): day2[1], ("H2", 2): day2[2],     # 180: H1 gets 78, 58 unmet
    }, abs=1e-6)
    assert (day0[1], day1[1], day1[2], day2[1]) == pytest.approx((84, 136, 42, 58))
    bulk = sol.bulk.groupby(["producer", "day"])["m3"].sum()
    assert bulk.to_dict() == pytest.approx({("P1", 0): 150, ("P2", 0): 60, ("P2", 1): 60,
                                            ("P1", 2): 150, ("P2", 2): 30})
    # the outage measurably moved flows and unmet demand against the base network
    base = o2opt.optimize(net).service.groupby("day")["unmet_m3"].sum()
    assert base.tolist() == pytest.approx([28, 28, 28])
    assert sol.service.groupby("day")["unmet_m3"].sum().tolist() == pytest.approx([84, 178, 58])


def test_outage_on_every_day_and_of_a_station():
    sol = o2opt.optimize(apply_scenario(hand_network(), ScenarioSpec(outages=[Outage("S1")])))
    assert sol.summary()["unmet_m3"] == pytest.approx(3 * 238)
    assert sol.objective == pytest.approx(3 * (136 * 1000 + 102 * 2000), rel=1e-12)


def test_events_compose_with_the_base_availability_table():
    base = o2opt.from_frames(
        hand_network().hospitals, producers=hand_network().producers,
        stations=hand_network().stations, model={"horizon_days": 3},
        availability=pd.DataFrame({"facility": ["P1", "P1"], "day": [0, 1],
                                   "capacity_factor": [0.5, 2.0]}))
    spec = ScenarioSpec(capacity_changes=[CapacityChange("P1", 0.5), CapacityChange("P1", 3, [1])],
                        outages=[Outage("P2", [2])])
    net = apply_scenario(base, spec)
    assert net.capacity_factor("producers").tolist() == [[0.25, 3.0, 0.5], [1.0, 1.0, 0.0]]
    assert base.capacity_factor("producers").tolist() == [[0.5, 2.0, 1.0], [1.0, 1.0, 1.0]]


def test_surges_keep_net_demand_exact():
    net = hand_network()
    whole = apply_scenario(net, ScenarioSpec(surges=[DemandSurge("South", 2)]))
    assert len(whole.demand) == 0  # demand_m3_day scaled, no demand table written
    assert whole.net_demand_m3().tolist() == [[272] * 3, [102] * 3]
    some = apply_scenario(net, ScenarioSpec(surges=[DemandSurge("South", 2, [1]),
                                                    DemandSurge("South", 1.5, [1, 2])]))
    assert some.net_demand_m3().tolist() == [[136, 408, 204], [102, 102, 102]]
    with_table = net.with_model(horizon_days=2)
    with_table = apply_scenario(o2opt.from_frames(
        net.hospitals, producers=net.producers, stations=net.stations,
        demand=pd.DataFrame({"hospital": ["H1", "H2", "H2"], "day": [0, 0, 1],
                             "demand_m3": [10.0, 20.0, 30.0]}),
        model={"horizon_days": 2}), ScenarioSpec(surges=[DemandSurge("North", 2, [1])]))
    assert with_table.net_demand_m3().tolist() == [[10, 0], [10, 50]]
    assert with_table.scenario.horizon_days == 2


def test_model_keys_apply_and_horizon_bounds_days():
    net = apply_scenario(hand_network(), ScenarioSpec(model={"horizon_days": 5,
                                                             "demand_multiplier": 2}))
    assert (net.scenario.horizon_days, net.scenario.demand_multiplier) == (5, 2.0)
    with pytest.raises(o2opt.InputError, match=r"day 4 is beyond the horizon"):
        apply_scenario(hand_network(), ScenarioSpec(outages=[Outage("P1", [4])]))
    apply_scenario(hand_network(), ScenarioSpec(model={"horizon_days": 5},
                                                outages=[Outage("P1", [4])]))


def test_fixed_sites_reproduce_the_optimum_of_the_chosen_plan():
    """Fixing the optimal plan and re-optimising flows gives back the same objective."""
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    best = o2opt.optimize(net)
    plan = best.summary()["opened"]
    fixed = apply_scenario(net, ScenarioSpec(sites=plan))
    assert sorted(fixed.candidates["id"]) == sorted(plan)
    assert (fixed.candidates["fixed_cost"] == 0).all()
    assert fixed.scenario.budget is None
    sol = o2opt.optimize(fixed)
    investment = net.candidates.set_index("id").loc[plan, "fixed_cost"].sum()
    assert sol.objective + investment == pytest.approx(best.objective, rel=1e-9)
    nothing = o2opt.optimize(apply_scenario(net, ScenarioSpec(sites=[])))
    assert nothing.objective == pytest.approx(
        o2opt.optimize(net.with_model(budget=0)).objective, rel=1e-9)


# --------------------------------------------------------------------------- ids, grids
def test_ids_are_stable_and_content_based():
    a = ScenarioSpec(model={"budget": 1_000_000, "demand_multiplier": 1},
                     outages=[Outage("P1", [2, 0, 1]), Outage("P1", [5])],
                     surges=[DemandSurge("North", 1.5)], label="one", weight=2)
    b = ScenarioSpec(model={"demand_multiplier": 1.0, "budget": 1e6},
                     outages=[Outage("P1", [0, 1, 2, 5])],
                     surges=[DemandSurge("North", 1.5)])
    assert a == b and a.id == b.id and hash(a) == hash(b)
    assert a.id == "87eff854defcbf94"  # must never change: stores are keyed by it
    assert ScenarioSpec().id == "44136fa355b3678a" and ScenarioSpec().label == "base"
    assert ScenarioSpec(outages=[Outage("P1")]).id != ScenarioSpec(
        outages=[Outage("P1", [0])]).id
    assert ScenarioSpec(model={"budget": None}).id != ScenarioSpec().id
    assert ScenarioSpec(sites=[]).id != ScenarioSpec().id
    assert b.label == "budget=1000000, demand_multiplier=1, outage:P1=0-2+5, surge:North=1.5"


@settings(max_examples=60, deadline=None)
@given(st.builds(
    ScenarioSpec,
    model=st.fixed_dictionaries({}, optional={
        "budget": st.none() | st.integers(0, 10**7), "horizon_days": st.integers(1, 9),
        "demand_multiplier": st.floats(0, 3).map(lambda x: round(x, 4)),
        "allow_unmet": st.booleans(), "max_delivery_km": st.none() | st.integers(1, 900)}),
    outages=st.lists(st.builds(Outage, st.sampled_from(["P1", "S1"]),
                               st.none() | st.lists(st.integers(0, 9), min_size=1)),
                     max_size=2),
    capacity_changes=st.lists(st.builds(CapacityChange, st.sampled_from(["P1", "P2"]),
                                        st.floats(0, 3).map(lambda x: round(x, 3)),
                                        st.none() | st.lists(st.integers(0, 9), min_size=1)),
                              max_size=3),
    surges=st.lists(st.builds(DemandSurge, st.sampled_from(["North", "South"]),
                              st.floats(0, 3).map(lambda x: round(x, 3))), max_size=2),
    sites=st.none() | st.lists(st.sampled_from(["C1", "C2"]), unique=True)))
def test_specs_round_trip_through_tables_and_plain_data(spec):
    assert ScenarioSpec.from_dict(spec.to_dict()) == spec
    frame = pd.DataFrame([{"label": spec.label, **spec.cells()}])
    again = scenarios_from_frame(frame)[0]
    assert again == spec and again.id == spec.id and again.label == spec.label


def test_grid_and_cli_grid_syntax():
    specs = grid(parse_grid(["demand_multiplier=1,1.5", "budget=0,1e6,none",
                             "outage:P1=none,0-2+5"]))
    assert len(specs) == 12
    assert specs[0].label == "demand_multiplier=1, budget=0"
    assert specs[5].model["budget"] is None and specs[5].outages == (Outage("P1", (0, 1, 2, 5)),)
    assert len({s.id for s in specs}) == 12
    with pytest.raises(o2opt.InputError, match="KEY=V1,V2"):
        parse_grid(["budget"])
    with pytest.raises(o2opt.InputError, match="more than once"):
        parse_grid(["budget=1", "budget=2"])


def test_combining_a_table_row_with_a_grid_point():
    row = ScenarioSpec(outages=[Outage("P1")], label="P1 down")
    both = row.combine(ScenarioSpec(model={"budget": 5.0}))
    assert both.label == "P1 down, budget=5" and both.model["budget"] == 5.0
    with pytest.raises(ValueError, match="both set budget"):
        both.combine(ScenarioSpec(model={"budget": 1.0}))


# --------------------------------------------------------------------------- tables
def write(tmp_path, text: str):
    path = tmp_path / "scenarios.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_read_scenarios_table(tmp_path):
    path = write(tmp_path, "label,budget,allow_unmet,outage:P1,capacity:S1,surge:North,weight\n"
                           "base,,,,,,\n"
                           "\n"
                           "P1 down a week,2e6,false,0-2,,,3\n"
                           ",none,,,\"0.5@0,2;2@1\",1.5@0-1,\n")
    specs = read_scenarios(path, hand_network())
    assert [s.label for s in specs] == ["base", "P1 down a week",
                                        "budget=none, capacity:S1=0.5@0,2;2@1, "
                                        "surge:North=1.5@0-1"]
    assert specs[1].model == {"budget": 2e6, "allow_unmet": False} and specs[1].weight == 3
    assert specs[2].capacity_changes == (CapacityChange("S1", 0.5, (0, 2)),
                                         CapacityChange("S1", 2.0, (1,)))
    assert specs[2].surges == (DemandSurge("North", 1.5, (0, 1)),)


@pytest.mark.parametrize(("text", "column", "line", "message"), [
    ("label,budgett\nx,5\n", "budgett", None, "did you mean 'budget'"),
    ("label,outgae:P1\nx,1\n", "outgae:P1", None, "did you mean 'outage'"),
    ("label,budget\nx,-5\n", "budget", "line 2", "must be >= 0"),
    ("label,budget\nx,lots\n", "budget", "line 2", "must be a number"),
    ("label,allow_unmet\nx,maybe\n", "allow_unmet", "line 2", "true or false"),
    ("label,outage:P1\nok,1\nx,monday\n", "outage:P1", "line 3", "days must be"),
    ("label,outage:P1\nx,5-2\n", "outage:P1", "line 2", "from a day >= 0 upwards"),
    ("label,outage:PP1\nx,1\n", "outage:PP1", "line 2", "did you mean 'P1'"),
    ("label,outage:H1\nx,1\n", "outage:H1", "line 2", "is a hospital"),
    ("label,outage:P1\nx,3\n", "outage:P1", "line 2", "day 3 is beyond the horizon"),
    ("label,capacity:P1\nx,-1\n", "capacity:P1", "line 2", "finite number >= 0"),
    ("label,capacity:P1\nx,half\n", "capacity:P1", "line 2", "factor like 0.5"),
    ("label,surge:Nort\nx,2\n", "surge:Nort", "line 2", "did you mean 'North'"),
    ("label,sites\nx,C9\n", "sites", "line 2", "'C9' is not a candidate"),
    ("label,weight\nx,-1\n", "weight", "line 2", ">= 0"),
    ("label,budget\na,1\n\nb,1.0\n", None, "line 4", "same scenario as line 2"),
    ("label,budget\n", None, None, "declares no scenario"),
])
def test_bad_tables_name_file_column_and_line(tmp_path, text, column, line, message):
    with pytest.raises(o2opt.InputError) as err:
        read_scenarios(write(tmp_path, text), hand_network())
    problems = err.value.problems
    assert len(problems) == 1, problems
    p = problems[0]
    assert (p.source, p.column, p.row) == ("scenarios.csv", column, line)
    assert message in p.message
    assert message in str(err.value)


def test_every_problem_is_reported_at_once(tmp_path):
    with pytest.raises(o2opt.InputError) as err:
        read_scenarios(write(tmp_path, "label,budget,outage:P9\na,-1,0\nb,2,7\n"),
                       hand_network())
    assert [(p.column, p.row) for p in err.value.problems] == [
        ("budget", "line 2"), ("outage:P9", "line 2"), ("outage:P9", "line 3"),
        ("outage:P9", "line 3")]


def test_frame_column_not_named_by_a_string_is_an_input_problem():
    # mypy found it: such a column reached str.partition (AttributeError) after being reported
    with pytest.raises(o2opt.InputError) as err:
        scenarios_from_frame(pd.DataFrame({0: [1.0], "budget": [5.0]}))
    assert [(p.column, p.row) for p in err.value.problems] == [("0", None)]
    assert "unknown column" in err.value.problems[0].message


def test_check_scenarios_for_python_specs():
    net = hand_network()
    with pytest.raises(o2opt.InputError) as err:
        check_scenarios(net, [ScenarioSpec(), ScenarioSpec(label="again"),
                              ScenarioSpec(model={"horizon_day": 3})])
    messages = [str(p) for p in err.value.problems]
    assert "scenario 1 (again): is the same scenario as scenario 0 (base)" in messages[0]
    assert "did you mean 'horizon_days'" in messages[1]


def test_frame_cells_may_be_python_values():
    specs = scenarios_from_frame(pd.DataFrame({"budget": [np.nan, 5, None],
                                               "capacity:P1": [0.5, np.nan, ""],
                                               "integer_cylinders": [None, True, False]}))
    assert [dict(s.model) for s in specs] == [{}, {"budget": 5.0, "integer_cylinders": True},
                                              {"integer_cylinders": False}]
    assert specs[0].capacity_changes == (CapacityChange("P1", 0.5),)
