"""Why a hospital is short: each reason on a tiny network where it is the true cause, its
consistency with the solution's own tables, and a reason for every short hospital-day."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import o2opt
from o2opt.explain import COLUMNS, REASONS
from o2opt.geo import haversine_km
from o2opt.synthetic import synthetic_tables

REL = 1e-6


def _points(prefix: str, lat: list[float], lon: float = 44.0, **cols: Any) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"{prefix}{i + 1}" for i in range(len(lat))], "lat": lat,
                         "lon": [lon] * len(lat), **cols})


def _net(hospitals: pd.DataFrame, **kw: Any) -> o2opt.Network:
    model = {"cylinder_m3": 5.0, "unmet_penalty_per_m3": 1000.0, **kw.pop("model", {})}
    return o2opt.from_frames(hospitals, model=model, **kw)


def _one(sol: o2opt.Solution, hospital: str = "H1", day: int = 0) -> pd.Series:
    sf = sol.shortfalls()
    row = sf[(sf["hospital"] == hospital) & (sf["day"] == day)]
    assert len(row) == 1, sf
    return row.iloc[0]


def _used_capacity(sol: o2opt.Solution, facility: str, day: int) -> tuple[float, float]:
    """Used and available capacity (capacity x availability) from the solution's own
    utilization table."""
    u = sol.utilization
    row = u[(u["facility"] == facility) & (u["day"] == day)].iloc[0]
    kind = {"producer": "producers", "station": "stations", "candidate": "candidates"}
    factor = sol.network.capacity_factor(kind[row["kind"]])
    ids = getattr(sol.network, kind[row["kind"]])["id"].tolist()
    return float(row["used"]), float(row["capacity"]) * factor[ids.index(facility), day]


def assert_consistent(sol: o2opt.Solution) -> None:
    """Every short hospital-day has a reason, and what it states holds in the solution
    (with whole cylinders, "at capacity" is room for less than one cylinder)."""
    sc = sol.network.scenario
    grain = sc.cylinder_m3 if sc.integer_cylinders else 0.0
    sf = sol.shortfalls()
    service = sol.service
    short = service[service["unmet_m3"] > 0]
    assert sorted(zip(sf["hospital"], sf["day"], strict=True)) == \
        sorted(zip(short["hospital"], short["day"], strict=True))
    assert set(sf["reason"]) <= set(REASONS)
    assert (sf["detail"].str.len() > 10).all()
    arcs = sol.model.arcs.cylinder
    for r in sf.itertuples():
        named = [b for b in r.binding.split(";") if b]
        assert r.reason in r.causes.split(";")
        if r.reason == "no_source":
            assert r.hospital not in set(arcs["hospital"])
        else:
            assert r.hospital in set(arcs["hospital"]) or len(sol.tankers)
        if r.reason in ("fill_capacity", "producer_capacity"):
            assert named
            for facility in named:
                used, cap = _used_capacity(sol, facility, r.day)
                assert used >= cap - REL * max(1.0, cap) - grain, (r.reason, facility, used)
        if r.reason == "fill_capacity":  # every filling point in reach
            for source in arcs.loc[arcs["hospital"] == r.hospital, "source"]:
                used, cap = _used_capacity(sol, source, r.day)
                assert used >= cap - REL * max(1.0, cap) - grain, (source, used, cap)
        if r.reason == "producer_outage":
            factor = sol.network.capacity_factor("producers")
            ids = sol.network.producers["id"].tolist()
            assert all(factor[ids.index(p), r.day] == 0 for p in named)
        if r.reason == "penalty_below_cost":
            assert r.cost_per_m3 > r.penalty_per_m3


# --------------------------------------------------------------------------- each reason
def test_out_of_reach_names_the_nearest_with_its_distance() -> None:
    net = _net(_points("H", [33.0, 35.0]).assign(demand_m3_day=[10.0, 10.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[100.0]),
               candidates=_points("C", [34.0], capacity_m3_day=[100.0], fixed_cost=[5.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]),
               model={"max_delivery_km": 100.0})
    sol = o2opt.optimize(net)
    row = _one(sol, "H2")
    assert row["reason"] == "no_source"
    km = 1.3 * float(haversine_km(35.0, 44.0, 34.0, 44.0))  # circuity 1.3, to C1
    assert row["nearest_source"] == "C1" and row["binding"] == "C1"
    assert row["nearest_km"] == pytest.approx(km)
    assert f"{km:,.0f} km" in row["detail"] and "max_delivery_km = 100 km" in row["detail"]
    assert len(sol.shortfalls()) == 1  # H1 is served
    assert_consistent(sol)


def test_station_at_fill_capacity() -> None:
    net = _net(_points("H", [33.0, 33.05]).assign(demand_m3_day=[100.0, 20.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[16.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]))
    sol = o2opt.optimize(net)
    sf = sol.shortfalls()
    assert sf["unmet_m3"].sum() == pytest.approx(40.0)  # 120 needed, 80 filled
    assert set(sf["reason"]) == {"fill_capacity"}
    assert set(sf["binding"]) == {"S1"} and "16/16 cylinders" in sf["detail"].iloc[0]
    assert_consistent(sol)


def test_producer_at_capacity() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0]),
               stations=_points("S", [33.0, 33.1], fill_capacity_cyl_day=[100.0, 100.0]),
               producers=_points("P", [33.2], capacity_m3_day=[60.0]))
    sol = o2opt.optimize(net)
    row = _one(sol)
    assert row["reason"] == "producer_capacity" and row["binding"] == "P1"
    assert "P1 60/60 m³" in row["detail"] and row["unmet_m3"] == pytest.approx(40.0)
    assert_consistent(sol)


def test_producer_with_room_for_less_than_a_cylinder() -> None:
    """Whole cylinders of 5 m³: 102 m³ fill 20 cylinders; the 2 m³ left are no help."""
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[150.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[100.0]),
               producers=_points("P", [33.2], capacity_m3_day=[102.0]),
               model={"integer_cylinders": True})
    sol = o2opt.optimize(net)
    row = _one(sol)
    assert row["reason"] == "producer_capacity" and row["unmet_m3"] == pytest.approx(50.0)
    assert "P1 100/102 m³ (room for less than a cylinder)" in row["detail"]
    assert_consistent(sol)


def test_capacities_under_availability_are_the_available_ones() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[10.0]),
               producers=_points("P", [33.2], capacity_m3_day=[200.0]),
               availability=pd.DataFrame({"facility": ["S1"], "day": [0],
                                          "capacity_factor": [0.6]}))
    row = _one(o2opt.optimize(net))
    assert row["reason"] == "fill_capacity" and row["unmet_m3"] == pytest.approx(70.0)
    assert "S1 6/6 cylinders (availability 60 %)" in row["detail"]


def test_producer_out_by_availability() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[50.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[100.0]),
               producers=_points("P", [33.2, 34.0], capacity_m3_day=[200.0, 200.0]),
               availability=pd.DataFrame({"facility": ["P1", "P2"], "day": [1, 1],
                                          "capacity_factor": [0.0, 0.0]}),
               model={"horizon_days": 3})
    sol = o2opt.optimize(net)
    sf = sol.shortfalls()
    assert sf["day"].tolist() == [1]  # only the outage day
    row = _one(sol, day=1)
    assert row["reason"] == "producer_outage" and row["binding"] == "P1;P2"
    assert "P1 out (availability 0)" in row["detail"]
    assert_consistent(sol)


def test_station_without_bulk_route() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[50.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[100.0]))
    sol = o2opt.optimize(net)
    row = _one(sol)
    assert row["reason"] == "no_bulk_route" and row["binding"] == "S1"
    assert_consistent(sol)


def test_budget_keeps_a_candidate_closed() -> None:
    hospitals = _points("H", [33.0]).assign(demand_m3_day=[50.0])
    candidates = _points("C", [33.1], capacity_m3_day=[500.0], fixed_cost=[100.0])
    sol = o2opt.optimize(_net(hospitals, candidates=candidates, model={"budget": 60.0}))
    row = _one(sol)
    assert row["reason"] == "site_limit" and row["binding"] == "C1"
    assert "budget 0 of 60 spent, it needs 100" in row["detail"]
    assert not sol.sites["opened"].any()
    sol = o2opt.optimize(_net(hospitals, candidates=candidates, model={"max_new_sites": 0}))
    row = _one(sol)
    assert row["reason"] == "site_limit" and "0 of 0 new sites open" in row["detail"]
    capex = candidates.drop(columns="fixed_cost").assign(capex=[1e6], lifetime_years=[10.0])
    sol = o2opt.optimize(_net(hospitals, candidates=capex, model={"capital_budget": 5e5}))
    row = _one(sol)
    assert row["reason"] == "site_limit" and row["binding"] == "C1"
    assert "capital_budget 0 of 500,000 spent, it needs 1,000,000" in row["detail"]
    # without a limit, a candidate too dear to open: its fixed cost over the 50 m³ it could
    # deliver is dearer than the penalty
    sol = o2opt.optimize(_net(hospitals, candidates=candidates.assign(fixed_cost=1e5)))
    row = _one(sol)
    assert row["reason"] == "penalty_below_cost" and row["binding"] == "C1"
    assert row["cost_per_m3"] == pytest.approx(1e5 / 50.0 + 0.05 * 1.3 * float(
        haversine_km(33.0, 44.0, 33.1, 44.0)) / 5.0)
    assert "C1 stays closed: its fixed cost of 100,000 over the 50 m³" in row["detail"]
    assert_consistent(sol)


@pytest.mark.parametrize("duals", [False, True])
def test_otherwise_the_binding_constraints(duals: bool) -> None:
    """C1 could carry 100 m³ over two days, but H1 needs all of it on day 0, when C1 makes
    50: opening it (750) saves 500 of penalty, so it stays closed though 750 / 100 m³ is
    below the penalty. No simple cause holds: the binding rows are named (with their dual,
    from the LP with the opening fixed, when marginal values are asked for)."""
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[0.0]),
               demand=pd.DataFrame({"hospital": ["H1", "H1"], "day": [0, 1],
                                    "demand_m3": [100.0, 0.0]}),
               candidates=_points("C", [33.1], capacity_m3_day=[50.0], fixed_cost=[750.0]),
               model={"unmet_penalty_per_m3": 10.0, "horizon_days": 2,
                      "marginal_values": duals})
    sol = o2opt.optimize(net)
    assert (sol.duals is not None) == duals and not sol.sites["opened"].any()
    row = _one(sol)
    assert row["reason"] == "binding_constraint"
    assert "C1 stays closed (not worth its fixed cost)" in row["detail"]
    if duals:
        assert row["binding"] == "capacity_cover (day 0) (dual 10)"
    else:
        assert "candidate_capacity (C1, day 0)" in row["binding"].split(";")
    assert_consistent(sol)


@pytest.mark.parametrize("sharing", ["cost", "even"])
def test_penalty_below_delivery_cost(sharing: str) -> None:
    hospitals = _points("H", [33.0, 33.0]).assign(demand_m3_day=[50.0, 50.0],
                                                  priority=[1.0, 2.0])
    net = _net(hospitals, stations=_points("S", [34.5], fill_capacity_cyl_day=[100.0]),
               producers=_points("P", [34.5], capacity_m3_day=[1000.0]),
               model={"unmet_penalty_per_m3": 2.0, "cost_per_cylinder_km": 0.5,
                      "shortage_sharing": sharing})
    sol = o2opt.optimize(net)
    sf = sol.shortfalls().set_index("hospital")
    assert set(sf["reason"]) == {"penalty_below_cost"}
    arc = sol.model.arcs.cylinder.iloc[0]
    per_m3 = arc["transport_per_cyl"] / 5.0
    assert sf["cost_per_m3"].tolist() == pytest.approx([per_m3, per_m3])
    if sharing == "cost":
        assert sf["unmet_m3"].tolist() == pytest.approx([50.0, 50.0])
        assert sf["penalty_per_m3"].tolist() == pytest.approx([2.0, 4.0])
    else:  # segments of 12.5 m3 at x 1, 2, 4, 8: H2's 4th (at 32 per m3) is served, so
        # the last m3 it lacks is in its 3rd segment (16); all of H1's in its 4th (16)
        assert sf["unmet_m3"].tolist() == pytest.approx([50.0, 37.5])
        assert sf["penalty_per_m3"].tolist() == pytest.approx([16.0, 16.0])
    assert_consistent(sol)


def test_lexicographic_objective_never_blames_cost() -> None:
    """S1 is full; S2, far away, costs more per m³ than the penalty. Priced (objective
    "cost"), S2 is left idle: the penalty is below its cost. Lexicographic, shortage comes
    first: S2 fills all it can, and then both are at capacity."""
    hospitals = _points("H", [33.0]).assign(demand_m3_day=[200.0])
    stations = _points("S", [33.0, 34.5], fill_capacity_cyl_day=[10.0, 10.0])
    producers = _points("P", [33.0, 34.5], capacity_m3_day=[1000.0, 1000.0])
    reasons = {}
    for objective in ("cost", "lexicographic"):
        net = _net(hospitals, stations=stations, producers=producers,
                   model={"unmet_penalty_per_m3": 2.0, "cost_per_cylinder_km": 0.5,
                          "objective": objective})
        sol = o2opt.optimize(net)
        row = _one(sol)
        reasons[objective] = (row["reason"], row["unmet_m3"])
        assert_consistent(sol)
    assert reasons["cost"][0] == "penalty_below_cost"
    assert reasons["cost"][1] == pytest.approx(150.0)
    assert reasons["lexicographic"] == ("fill_capacity", pytest.approx(100.0))


@pytest.mark.parametrize("limit", [{"fleet_cylinders": [6.0]},
                                   {"trucks": [1.0], "truck_capacity_cyl": [4.0],
                                    "truck_trips_day": [1.0]}])
def test_fleet_or_trucks_in_use(limit: dict[str, list[float]]) -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0]),
               stations=_points("S", [33.1], fill_capacity_cyl_day=[100.0], **limit),
               producers=_points("P", [33.1], capacity_m3_day=[1000.0]))
    sol = o2opt.optimize(net)
    row = _one(sol)
    assert row["reason"] == "fleet_limit" and row["binding"] == "S1"
    word = "cylinder fleet" if "fleet_cylinders" in limit else "trucks"
    assert f"S1's {word} all in use" in row["detail"]
    assert_consistent(sol)


def test_mixed_causes_name_each_point() -> None:
    """S1 at fill capacity, S2 without bulk supply: the reason is the later cause and the
    words name both; each code that holds is kept."""
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0]),
               stations=_points("S", [33.0, 33.1], fill_capacity_cyl_day=[4.0, 100.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]),
               routes=pd.DataFrame({"origin": ["P1", "S1", "S2"],
                                    "destination": ["S1", "H1", "H1"]}),
               model={"routes_only": True})
    sol = o2opt.optimize(net)
    row = _one(sol)
    assert row["reason"] == "no_bulk_route" and row["binding"] == "S2"
    assert row["causes"] == "fill_capacity;no_bulk_route"
    assert "S1 4/4 cylinders (at filling capacity)" in row["detail"]
    assert_consistent(sol)


# --------------------------------------------------------------------------- the API
def test_no_unmet_gives_an_empty_table_with_the_columns() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[10.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[100.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]))
    sol = o2opt.optimize(net)
    sf = sol.shortfalls()
    assert sf.empty and list(sf.columns) == [c for c in COLUMNS if c != "region"]
    assert str(sol.explain("H1")) == "H1 is not short: its net demand is met on every day."


def test_explain_groups_days_and_rejects_unknown_ids() -> None:
    net = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0], region=["north"]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[10.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]),
               model={"horizon_days": 3})
    sol = o2opt.optimize(net)
    text = str(sol.explain("H1"))
    assert text.splitlines()[0] == "H1 is short by 150 m³ over 3 days (50 % of its net demand)."
    assert text.splitlines()[1].startswith("  days 0-2 (150 m³): Every filling point")
    ex = sol.explain("H1")
    assert len(ex.rows) == 3 and ex.rows["region"].tolist() == ["north"] * 3
    assert [r.code for r in ex.reasons] == ["fill_capacity"] * 3
    assert ex.reasons[0].binding == ("S1",)
    with pytest.raises(o2opt.InputError, match="unknown hospital 'H9'.*did you mean 'H1'"):
        sol.explain("H9")


def test_result_folder_has_shortfalls_only_when_short(tmp_path) -> None:
    stations = _points("S", [33.0], fill_capacity_cyl_day=[10.0])
    producers = _points("P", [33.0], capacity_m3_day=[1000.0])
    short = _net(_points("H", [33.0]).assign(demand_m3_day=[100.0]), stations=stations,
                 producers=producers)
    o2opt.optimize(short).to_folder(tmp_path / "short")
    table = pd.read_csv(tmp_path / "short" / "shortfalls.csv")
    assert table["reason"].tolist() == ["fill_capacity"]
    met = short.replace(hospitals=short.hospitals.assign(demand_m3_day=10.0))
    o2opt.optimize(met).to_folder(tmp_path / "short")  # replaces the earlier result
    assert not (tmp_path / "short" / "shortfalls.csv").exists()


def test_report_lists_the_largest_shortfalls_with_their_reason(tmp_path) -> None:
    net = _net(_points("H", [33.0, 35.0]).assign(demand_m3_day=[100.0, 30.0]),
               stations=_points("S", [33.0], fill_capacity_cyl_day=[10.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]),
               model={"max_delivery_km": 100.0})
    sol = o2opt.optimize(net)
    net.to_folder(tmp_path / "scenario")
    sol.to_folder(tmp_path / "out")
    from o2opt.report import report_folder

    report_folder(tmp_path / "out", tmp_path / "report.html", tmp_path / "scenario")
    for page in (sol.to_html(), (tmp_path / "report.html").read_text("utf-8")):
        section = page[page.index('id="why-short"'):]
        section = section[:section.index("</section>")]
        assert section.index("H1") < section.index("H2")  # 50 m³ before 30 m³
        assert "filling capacity" in section and "within reach" in section
    met = net.replace(hospitals=net.hospitals.assign(demand_m3_day=1.0, lat=33.0))
    assert 'id="why-short"' not in o2opt.optimize(met).to_html()


# --------------------------------------------------------------------------- properties
@st.composite
def instances(draw: st.DrawFn) -> o2opt.Network:
    seed = draw(st.integers(0, 10_000))
    days = draw(st.integers(1, 2))
    t = synthetic_tables(draw(st.integers(2, 7)), draw(st.integers(1, 3)),
                         draw(st.integers(1, 2)), draw(st.integers(0, 2)), days, seed,
                         supply_ratio=draw(st.sampled_from([0.3, 0.6, 0.9])))
    model = t["model"]
    if draw(st.booleans()):
        model["max_delivery_km"] = draw(st.sampled_from([80.0, 200.0, 400.0]))
    if len(t["candidates"]) and draw(st.booleans()):
        model["budget"] = float(0.5 * t["candidates"]["fixed_cost"].min())
    if draw(st.booleans()):  # a producer out on the last day
        t["availability"] = pd.DataFrame({"facility": [t["producers"]["id"].iloc[0]],
                                          "day": [days - 1], "capacity_factor": [0.0]})
    if draw(st.booleans()):
        model["unmet_penalty_per_m3"] = draw(st.sampled_from([0.5, 5.0]))
    model["shortage_sharing"] = draw(st.sampled_from(["cost", "even"]))
    with warnings.catch_warnings():  # random points: far-away ones are wanted here
        warnings.simplefilter("ignore", o2opt.PlausibilityWarning)
        return o2opt.from_frames(**t)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(net=instances())
def test_every_short_hospital_day_has_a_consistent_reason(net: o2opt.Network) -> None:
    sol = o2opt.optimize(net)
    assert sol.status == "optimal"
    assert_consistent(sol)


def test_iraq_demo_surge_every_short_hospital_has_a_reason() -> None:
    net = o2opt.read_network(o2opt.datasets.demo_folder()).with_model(demand_multiplier=1.8)
    sol = o2opt.optimize(net)
    sf = sol.shortfalls()
    short = set(sol.service.loc[sol.service["unmet_m3"] > 0, "hospital"])
    assert len(short) > 10 and set(sf["hospital"]) == short
    assert_consistent(sol)
    for hospital in short:
        assert str(sol.explain(hospital)).count("\n") >= 1
    assert np.isfinite(sf["nearest_km"]).all()


def test_docs_example_runs() -> None:
    """The example of docs/explain.md, as a doctest."""
    import doctest
    from pathlib import Path

    page = Path(__file__).resolve().parents[1] / "docs" / "explain.md"
    result = doctest.testfile(str(page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 4 and result.failed == 0


def test_a_candidate_ruled_out_by_a_plan_has_no_capacity_not_a_cost() -> None:
    """Evaluating a given plan (``o2opt.compare.fix_plan``) closes every candidate not in it
    with ``decision = closed``: that is no capacity, not "not worth its fixed cost"."""
    from o2opt.compare import fix_plan

    hospitals = _points("H", [33.0]).assign(demand_m3_day=[100.0])
    net = _net(hospitals, stations=_points("S", [33.0], fill_capacity_cyl_day=[10.0]),
               producers=_points("P", [33.0], capacity_m3_day=[1000.0]),
               candidates=_points("C", [33.1], capacity_m3_day=[500.0], fixed_cost=[1.0]))
    assert o2opt.optimize(net).sites["opened"].all()  # cheap: opened when free to choose
    sol = o2opt.optimize(fix_plan(net, []))
    row = _one(sol)
    assert row["reason"] == "fill_capacity", row["detail"]
    assert "C1 ruled out (decision = closed)" in row["detail"]
    assert "S1 10/10 cylinders" in row["detail"]
    assert "not worth" not in row["detail"]
    assert_consistent(sol)
