"""A Network is always valid: every way of making or changing one checks it."""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt import InputError, Network
from o2opt.schema import TABLES
from o2opt.sweeps import sweep
from o2opt.sweeps.scenarios import (
    CapacityChange,
    DemandSurge,
    ScenarioSpec,
    apply_scenario,
)


@pytest.fixture(scope="module")
def demo() -> Network:
    return o2opt.read_network(o2opt.datasets.demo_folder())


def _columns(problems, source):
    return {p.column for p in problems if p.source.startswith(source)}


# --------------------------------------------------------------------------- sweeps
def test_surge_that_overflows_demand_is_an_input_error(demo):
    region = demo.hospitals["region"].iloc[0]
    spec = ScenarioSpec(surges=[DemandSurge(region, 1e308)])  # finite, but demand x 1e308 is not
    with pytest.raises(InputError) as info:
        apply_scenario(demo, spec)
    # the demo has no demand table: a surge on every day multiplies demand_m3_day
    assert _columns(info.value.problems, f"hospitals (scenario {spec.label})") \
        == {"demand_m3_day"}
    assert "must be finite" in str(info.value)


def test_capacity_changes_that_overflow_are_an_input_error(demo):
    producer = demo.producers["id"].iloc[0]
    spec = ScenarioSpec(capacity_changes=[CapacityChange(producer, 1e200, (0,)),
                                          CapacityChange(producer, 1e200, (0,))])
    with pytest.raises(InputError) as info:
        apply_scenario(demo, spec)
    assert _columns(info.value.problems, "availability") == {"capacity_factor"}
    assert "must be finite" in str(info.value)


def test_sweep_records_the_invalid_scenario_as_an_error_not_a_plan(demo):
    producer = demo.producers["id"].iloc[0]
    bad = ScenarioSpec(capacity_changes=[CapacityChange(producer, 1e200),
                                         CapacityChange(producer, 1e200)])
    good = ScenarioSpec(capacity_changes=[CapacityChange(producer, 0.5)])
    frame = sweep(demo.with_model(horizon_days=1), [bad, good])
    by_label = frame.set_index("label")
    assert by_label.loc[bad.label, "status"] == "error"
    assert by_label.loc[bad.label, "error"].startswith("InputError: ")
    assert np.isnan(by_label.loc[bad.label, "objective"])
    assert by_label.loc[good.label, "status"] == "optimal"


def test_valid_scenario_changes_only_what_it_names(demo):
    spec = ScenarioSpec(model={"budget": 0.0},
                        capacity_changes=[CapacityChange(demo.producers["id"].iloc[0], 0.5)])
    net = apply_scenario(demo, spec)
    assert net.scenario.budget == 0.0
    assert net.hospitals is demo.hospitals  # unchanged tables are shared, not copied
    assert net.capacity_factor("producers")[0].tolist() == [0.5] * demo.scenario.horizon_days
    assert apply_scenario(demo, ScenarioSpec()) is demo


# --------------------------------------------------------------------------- Network.replace
def test_replace_checks_the_table_it_is_given(demo):
    with pytest.raises(InputError) as info:
        demo.replace(hospitals=demo.hospitals.assign(demand_m3_day=-1.0))
    assert _columns(info.value.problems, "hospitals (Network.replace)") == {"demand_m3_day"}
    with pytest.raises(InputError, match="must be a DataFrame"):
        demo.replace(stations=None)


def test_replace_checks_across_tables(demo):
    """Dropping the producers leaves routes or availability rows naming unknown ones."""
    producer = demo.producers["id"].iloc[0]
    net = demo.replace(availability=pd.DataFrame(
        {"facility": [producer], "day": [0], "capacity_factor": [0.0]}))
    with pytest.raises(InputError, match=f"names {producer!r}, which is not a producer"):
        net.replace(producers=net.producers.iloc[1:], source="dropping a producer")


def test_replace_converts_like_from_frames(demo):
    hospitals = demo.hospitals.assign(demand_m3_day=demo.hospitals["demand_m3_day"]
                                      .astype(str), onsite_m3_day=np.nan)
    net = demo.replace(hospitals=hospitals)
    assert net.hospitals["demand_m3_day"].dtype == np.float64
    assert (net.hospitals["onsite_m3_day"] == 0.0).all()  # the default, filled in
    assert net.producers is demo.producers


def test_replace_rejects_unknown_fields(demo):
    with pytest.raises(TypeError, match="no field 'hospital'"):
        demo.replace(hospital=demo.hospitals)


def test_direct_construction_and_dataclasses_replace_are_checked(demo):
    with pytest.raises(InputError):
        dataclasses.replace(demo, hospitals=demo.hospitals.assign(lat=200.0))
    with pytest.raises(InputError):
        Network(**{**demo.tables(), "routes": pd.DataFrame(
            {"origin": ["nowhere"], "destination": [demo.hospitals["id"].iloc[0]]})})
    raw = {name: frame.astype(object) for name, frame in demo.tables().items()}
    built = Network(**raw, scenario=demo.scenario)
    for name, frame in demo.tables().items():  # declared columns converted back
        declared = list(TABLES[name].names)
        pd.testing.assert_frame_equal(getattr(built, name)[declared], frame[declared])


def test_with_model_is_checked_with_the_tables(demo, caplog):
    """with_model goes through the same check: a horizon shorter than the demand table
    warns as reading such a folder does, and the tables are shared."""
    days = demo.with_model(horizon_days=3)
    demand = pd.DataFrame({"hospital": [demo.hospitals["id"].iloc[0]] * 3, "day": [0, 1, 2],
                           "demand_m3": [1.0, 2.0, 3.0]})
    net = days.replace(demand=demand)
    with caplog.at_level(logging.WARNING, logger="o2opt"):
        short = net.with_model(horizon_days=2)
        same = net.with_model(budget=5.0)  # nothing new to say
    assert [r.getMessage() for r in caplog.records] == [
        "demand (with_model): 1 row(s) have a day >= horizon_days (2) and are ignored "
        "(days count from 0)"]
    assert short.demand is net.demand and same.hospitals is net.hospitals
    with pytest.raises(InputError, match="horizon_days"):
        net.with_model(horizon_days=0)
