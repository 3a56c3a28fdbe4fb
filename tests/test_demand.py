"""Demand estimation reproduces hand calculations from the cited sources.

Hand figures:
- 1 L/min for a day = 1,440 L = 1.44 m³; a severe COVID-19 patient at the ESFT's
  10 L/min = 14.4 m³/day; a critical one at 30 L/min = 43.2 m³/day.
- J cylinder 6,800 L = 6.8 m³; E 680 L; D 340 L; F 1,360 L; G 3,400 L.
- 1 L of liquid oxygen = 0.861 m³ of gas; 1 m³ = 1.429 kg.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import o2opt
from o2opt import demand


# --------------------------------------------------------------------------- units
def test_hand_figures_from_the_issue():
    assert demand.patient_based({"severe": 1}) == pytest.approx(14.4, abs=1e-12)
    assert demand.patient_based({"critical": 1}) == pytest.approx(43.2, abs=1e-12)
    assert demand.cylinders_to_m3(1, "J") == pytest.approx(6.8, abs=1e-12)


@pytest.mark.parametrize(("size", "litres"), [("D", 340), ("E", 680), ("F", 1360),
                                              ("G", 3400), ("J", 6800)])
def test_cylinder_sizes(size, litres):
    assert demand.cylinders_to_m3(1, size) == pytest.approx(litres / 1000)
    assert demand.cylinders_to_m3(1, size.lower()) == pytest.approx(litres / 1000)
    assert demand.m3_to_cylinders(litres / 1000, size) == pytest.approx(1.0)


def test_unknown_cylinder_size():
    with pytest.raises(ValueError, match="unknown cylinder size 'K'"):
        demand.cylinders_to_m3(1, "K")


def test_unit_conversions():
    assert demand.l_min_to_m3_day(1.0) == pytest.approx(1.44)
    assert demand.m3_day_to_l_min(14.4) == pytest.approx(10.0)
    assert demand.liquid_l_to_m3(1000.0) == pytest.approx(861.0)
    assert demand.m3_to_liquid_l(861.0) == pytest.approx(1000.0)
    assert demand.kg_to_m3(1.429) == pytest.approx(1.0)
    assert demand.m3_to_kg(10.0) == pytest.approx(14.29)
    # arrays and Series go through unchanged in type
    arr = demand.l_min_to_m3_day(np.array([1.0, 10.0]))
    assert isinstance(arr, np.ndarray) and arr.tolist() == pytest.approx([1.44, 14.4])
    ser = demand.cylinders_to_m3(pd.Series([1, 2]), "E")
    assert isinstance(ser, pd.Series) and ser.tolist() == pytest.approx([0.68, 1.36])


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_conversions_round_trip(x):
    assert demand.m3_day_to_l_min(demand.l_min_to_m3_day(x)) == pytest.approx(x)
    assert demand.m3_to_liquid_l(demand.liquid_l_to_m3(x)) == pytest.approx(x)
    assert demand.m3_to_kg(demand.kg_to_m3(x)) == pytest.approx(x)
    assert demand.m3_to_cylinders(demand.cylinders_to_m3(x, "G"), "G") == pytest.approx(x)


# --------------------------------------------------------------------------- bed-based
def test_bed_based_hand_calculation():
    # general: 100 × 0.8 × 0.15 × 5 L/min × 1.44 = 86.4; icu: 10 × 0.8 × 0.8 × 10 × 1.44 = 92.16
    # paediatric: 20 × 0.8 × 0.15 × 1 × 1.44 = 3.456; theatre: 4 × 0.4 × 1 × 5 × 1.44 = 11.52
    beds = pd.DataFrame({"beds_general": [100], "beds_icu": [10], "beds_paediatric": [20],
                         "beds_theatre": [4]}, index=["H1"])
    out = demand.bed_based(beds)
    assert out.index.tolist() == ["H1"]
    assert out.loc["H1", "demand_general_m3_day"] == pytest.approx(86.4)
    assert out.loc["H1", "demand_icu_m3_day"] == pytest.approx(92.16)
    assert out.loc["H1", "demand_paediatric_m3_day"] == pytest.approx(3.456)
    assert out.loc["H1", "demand_theatre_m3_day"] == pytest.approx(11.52)
    assert out.loc["H1", "demand_m3_day"] == pytest.approx(86.4 + 92.16 + 3.456 + 11.52)
    assert out.loc["H1", "demand_method"] == "bed-based"
    params = json.loads(out.loc["H1", "demand_params"])
    assert params["wards"]["icu"] == {"occupancy": 0.8, "share_on_oxygen": 0.8,
                                      "flow_l_min": 10.0}


def test_bed_based_custom_wards_and_errors():
    wards = {"general": demand.Ward(0.5, 0.2, 2.0, "my survey")}
    out = demand.bed_based({"general": 10}, wards)
    assert out["demand_m3_day"].iloc[0] == pytest.approx(10 * 0.5 * 0.2 * 2 * 1.44)
    with pytest.raises(ValueError, match="no ward assumptions for \\['maternity'\\]"):
        demand.bed_based({"general": 10, "maternity": 5})
    with pytest.raises(ValueError, match="negative"):
        demand.bed_based({"general": -1})
    with pytest.raises(ValueError, match="occupancy"):
        demand.Ward(1.2, 0.1, 5.0, "x")
    # beds_total is allowed alongside the wards and ignored
    assert demand.bed_based(pd.DataFrame({"beds_total": [5], "beds_icu": [1]}))[
        "demand_m3_day"].iloc[0] == pytest.approx(9.216)


def test_every_default_ward_cites_a_source():
    for name, ward in demand.WARDS.items():
        assert ward.source, name
        keys = [k for k in demand.SOURCES if k in ward.source]
        assert keys or "assumption" in ward.source, name
    for key in ("ESFT", "WHO-O2-sources", "WHO-clinical", "WHO-UNICEF-2019", "Rees-2020"):
        assert key in demand.SOURCES


# --------------------------------------------------------------------------- patient-based
def test_esft_defaults():
    assert dict(demand.ESFT_SEVERITY_MIX) == {"mild": 0.40, "moderate": 0.40,
                                              "severe": 0.15, "critical": 0.05}
    assert demand.ESFT_FLOW_L_MIN["severe"] == 10.0
    assert demand.ESFT_FLOW_L_MIN["critical"] == 30.0


def test_patient_based_census():
    assert demand.patient_based({"severe": 10, "critical": 2, "mild": 50}) == pytest.approx(
        10 * 14.4 + 2 * 43.2)
    frame = pd.DataFrame({"severe": [1, 0], "critical": [0, 1]}, index=["a", "b"])
    out = demand.patient_based(frame)
    assert out["demand_m3_day"].tolist() == pytest.approx([14.4, 43.2])
    assert set(out["demand_method"]) == {"patient-based"}
    with pytest.raises(ValueError, match="no flow for severities"):
        demand.patient_based({"walking": 3})


def test_patients_on_oxygen_hand_calculation():
    # 1,000 new patients on day 0: 150 severe for 8 days, 50 critical for 10 days.
    out = demand.patients_on_oxygen([1000] + [0] * 11)
    assert out["on_oxygen_severe"].tolist() == [150] * 8 + [0] * 4
    assert out["on_oxygen_critical"].tolist() == [50] * 10 + [0] * 2
    assert out["demand_m3"].iloc[0] == pytest.approx(150 * 14.4 + 50 * 43.2)  # 4,320 m³
    assert out["demand_m3"].iloc[9] == pytest.approx(50 * 43.2)
    # total oxygen per 1,000 patients: 150 × 8 × 14.4 + 50 × 10 × 43.2
    assert out["demand_m3"].sum() == pytest.approx(150 * 8 * 14.4 + 50 * 10 * 43.2)
    with pytest.raises(ValueError, match="sum to 1"):
        demand.patients_on_oxygen([1], severity_mix={"severe": 0.5})


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=1e4), min_size=1, max_size=40))
def test_patients_on_oxygen_is_linear_and_conserves_oxygen(cases):
    out = demand.patients_on_oxygen(cases + [0.0] * 10)
    per_patient = 0.15 * 8 * 14.4 + 0.05 * 10 * 43.2
    assert out["demand_m3"].sum() == pytest.approx(sum(cases) * per_patient, rel=1e-9,
                                                   abs=1e-6)
    doubled = demand.patients_on_oxygen([2 * c for c in cases] + [0.0] * 10)
    assert np.allclose(doubled["demand_m3"], 2 * out["demand_m3"])


# --------------------------------------------------------------------------- consumption
def test_consumption_based():
    frame = pd.DataFrame({"cylinders_J": [10, 0], "cylinders_E": [0, 20],
                          "unserved": [0.0, 0.5]})
    out = demand.consumption_based(frame)
    assert out["consumption_m3_day"].tolist() == pytest.approx([68.0, 13.6])
    assert out["demand_m3_day"].tolist() == pytest.approx([68.0, 13.6])
    corrected = demand.consumption_based(frame, suppressed_share="unserved")
    assert corrected["demand_m3_day"].tolist() == pytest.approx([68.0, 27.2])
    assert json.loads(corrected["demand_params"].iloc[0])["suppressed_share"] == "unserved"
    with pytest.raises(ValueError, match=r"\[0, 1\)"):
        demand.consumption_based({"J": 1}, suppressed_share=1.0)
    with pytest.raises(ValueError, match="unknown cylinder sizes"):
        demand.consumption_based({"Z": 1})


# --------------------------------------------------------------------------- surge curves
def test_exponential_curve():
    c = demand.exponential_curve(10, start=10, doubling_days=2, peak_day=4, halving_days=1)
    assert c[:5].tolist() == pytest.approx([10, 10 * 2**0.5, 20, 20 * 2**0.5, 40])
    assert c[5] == pytest.approx(20) and c[6] == pytest.approx(10)
    assert int(np.argmax(c)) == 4
    with pytest.raises(ValueError):
        demand.exponential_curve(5, start=1, doubling_days=0, peak_day=2)


def test_sir_curve_final_size():
    # final-size equation z = 1 - exp(-R0 z): R0 = 2.5 -> z ≈ 0.8926
    c = demand.sir_curve(400, population=1e6, r0=2.5, infectious_days=7, initial_infected=50)
    assert c.sum() / 1e6 == pytest.approx(0.8926, abs=0.01)
    assert 0 < int(np.argmax(c)) < 399
    half = demand.sir_curve(400, population=1e6, r0=2.5, infectious_days=7,
                            initial_infected=50, symptomatic_share=0.5)
    assert np.allclose(half, 0.5 * c)
    assert demand.sir_curve(50, population=1e5, r0=0.5, infectious_days=5,
                            initial_infected=10).sum() < 20  # no epidemic below R0 = 1


def test_surge_table_national_and_by_region():
    h = pd.DataFrame({"id": ["A", "B", "C"], "region": ["X", "X", "Y"],
                      "beds_total": [300, 100, 50], "demand_m3_day": [10.0, 5.0, 1.0]})
    nat = demand.surge_table(h, [100, 0, 0], method="surge-exponential",
                             curve_params={"doubling_days": 3})
    assert len(nat) == 9 and set(nat["demand_method"]) == {"surge-exponential"}
    day0 = nat[nat["day"] == 0].set_index("hospital")
    total = 15 * 14.4 + 5 * 43.2  # 100 new patients
    assert day0["surge_m3"].sum() == pytest.approx(total)
    assert day0.at["A", "surge_m3"] == pytest.approx(total * 300 / 450)
    assert day0.at["C", "demand_m3"] == pytest.approx(1.0 + total * 50 / 450)
    assert json.loads(nat["demand_params"].iloc[0])["curve"] == {"doubling_days": 3}
    by_region = demand.surge_table(h, pd.DataFrame({"X": [0, 100], "Y": [100, 0]}))
    d0 = by_region[by_region["day"] == 0].set_index("hospital")
    assert d0.at["A", "surge_m3"] == 0 and d0.at["C", "surge_m3"] == pytest.approx(total)
    with pytest.raises(ValueError, match="regions with no hospitals"):
        demand.surge_table(h, pd.DataFrame({"Z": [1]}))


# --------------------------------------------------------------------------- into a Network
def test_with_demand_daily_and_static():
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    h = net.hospitals
    est = demand.bed_based(pd.DataFrame({"beds_general": h["beds_assumed"].astype(float)}))
    new = demand.with_demand(net, demand_m3_day=est)
    assert new.hospitals["demand_m3_day"].to_numpy() == pytest.approx(
        h["beds_assumed"].astype(float).to_numpy() * 0.864)
    assert set(new.hospitals["demand_method"]) == {"bed-based"}
    assert new.scenario == net.scenario
    # by id, in another order
    by_id = pd.Series(2.0, index=h["id"][::-1].to_numpy())
    assert (demand.with_demand(net, demand_m3_day=by_id).hospitals["demand_m3_day"] == 2).all()
    with pytest.raises(ValueError, match="rows for"):
        demand.with_demand(net, demand_m3_day=pd.Series([1.0, 2.0]))
    table = demand.surge_table(h.assign(beds_total=h["beds_assumed"]),
                               demand.exponential_curve(5, start=50, doubling_days=2,
                                                        peak_day=3))
    five = demand.with_demand(net, daily=table)
    assert five.scenario.horizon_days == 5 and len(five.demand) == 5 * len(h)
    sol = o2opt.optimize(five.with_model(budget=None))
    assert sol.status == "optimal"
    per_day = sol.service.groupby("day")["demand_m3"].sum()
    # patients stay on oxygen 8-10 days, so need keeps rising past the peak of new cases
    assert per_day.is_monotonic_increasing and per_day.iloc[4] > per_day.iloc[0]
