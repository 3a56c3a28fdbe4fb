"""Input conveniences: column mapping, units, bed imputation, plausibility warnings, sweep
labels and pareto_frontier(by=str)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt import datasets, demand
from o2opt.sweeps import ScenarioSpec, grid, pareto_frontier


# --------------------------------------------------------------------------- from_frames
def test_from_frames_renames_columns_in_every_table():
    net = o2opt.read_network(datasets.demo_folder())
    mapping = {"id": "site_code", "lat": "latitude", "demand_m3_day": "need"}
    theirs = {k: v.rename(columns=mapping) for k, v in net.tables().items()
              if k in ("hospitals", "producers", "stations", "candidates")}
    back = o2opt.from_frames(theirs.pop("hospitals"), **theirs,
                             model=net.scenario.as_dict(skip_none=True),
                             columns={v: k for k, v in mapping.items()})
    for name in ("hospitals", "producers", "stations", "candidates"):
        pd.testing.assert_frame_equal(getattr(back, name), getattr(net, name))
    assert "site_code" not in back.stations


def test_column_mapping_that_collides_is_an_input_error():
    h = pd.DataFrame({"id": ["H1"], "hosp_id": ["H2"], "lat": [33.0], "lon": [44.0],
                      "demand_m3_day": [5.0]})
    with pytest.raises(o2opt.InputError) as err:
        o2opt.from_frames(h, columns={"hosp_id": "id"})
    assert err.value.problems[0].column == "id"
    assert "two columns named 'id'" in str(err.value)


# --------------------------------------------------------------------------- units
def test_nm3_per_hour_helpers():
    assert demand.nm3_h_to_m3_day(30.0) == pytest.approx(720.0)
    assert demand.m3_day_to_nm3_h(demand.nm3_h_to_m3_day(17.5, hours_per_day=20),
                                  hours_per_day=20) == pytest.approx(17.5)
    rated = np.array([15.0, 30.0, 60.0])
    np.testing.assert_allclose(demand.nm3_h_to_m3_day(rated), [360, 720, 1440])
    # the bundled candidates: capacity_m3_day is the module's rating run 24 h a day
    c = datasets.load_iraq().candidates
    np.testing.assert_allclose(demand.nm3_h_to_m3_day(c["module_nm3_h"].to_numpy(float)),
                               c["capacity_m3_day"].to_numpy(float))
    with pytest.raises(ValueError, match="hours_per_day"):
        demand.nm3_h_to_m3_day(1.0, hours_per_day=25)
    assert demand.m3_day_to_l_min(demand.l_min_to_m3_day(7.0)) == pytest.approx(7.0)


# --------------------------------------------------------------------------- beds
def _beds():
    return pd.DataFrame({"beds_general": [100, np.nan, 50], "beds_icu": [10, 4, np.nan]},
                        index=["H1", "H2", "H3"])


def test_missing_bed_counts_are_an_error_naming_the_rows():
    with pytest.raises(ValueError, match=r"beds_general is missing for row H2.*impute"):
        demand.bed_based(_beds())


def test_missing_bed_counts_imputed_explicitly():
    per_bed = {k: w.m3_day_per_bed for k, w in demand.WARDS.items()}
    zero = demand.bed_based(_beds(), impute="zero")
    assert zero.at["H2", "demand_m3_day"] == pytest.approx(4 * per_bed["icu"])
    median = demand.bed_based(_beds(), impute="median")
    assert median.at["H2", "demand_general_m3_day"] == pytest.approx(75 * per_bed["general"])
    assert median.at["H3", "demand_icu_m3_day"] == pytest.approx(7 * per_bed["icu"])
    assert list(median["beds_imputed"]) == ["", "general", "icu"]
    params = json.loads(median["demand_params"].iloc[0])
    assert params["imputed"]["general"] == {"method": "median", "value": 75.0, "rows": 1}
    fixed = demand.bed_based(_beds(), impute=20)
    assert fixed.at["H2", "demand_general_m3_day"] == pytest.approx(20 * per_bed["general"])
    complete = demand.bed_based(_beds().fillna(1), impute="median")
    assert "beds_imputed" not in complete and "imputed" not in complete["demand_params"].iloc[0]
    with pytest.raises(ValueError, match="impute must be"):
        demand.bed_based(_beds(), impute="mean")


# --------------------------------------------------------------------------- plausibility
def _warnings_of(**tables):
    net = o2opt.read_network(datasets.demo_folder())
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        net.replace(**tables)
    return [str(w.message) for w in seen if issubclass(w.category, o2opt.PlausibilityWarning)]


def test_bundled_data_raise_no_plausibility_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error", o2opt.PlausibilityWarning)
        o2opt.read_network(datasets.demo_folder())
        datasets.load_iraq()


def test_swapped_and_far_points_are_warned_about():
    h = o2opt.read_network(datasets.demo_folder()).hospitals.copy()
    h.loc[3, ["lat", "lon"]] = [float(h.at[3, "lon"]), float(h.at[3, "lat"])]
    h.loc[5, ["lat", "lon"]] = [0.0, 0.0]
    got = _warnings_of(hospitals=h)
    assert len(got) == 2
    assert f"id {h.at[3, 'id']}" in got[0] and "looks swapped" in got[0]
    assert f"id {h.at[5, 'id']}" in got[1] and "far outside the others" in got[1]


def test_station_capacity_in_m3_is_warned_about():
    net = o2opt.read_network(datasets.demo_folder())
    s = net.stations.copy()
    s.loc[0, "fill_capacity_cyl_day"] = 10 * net.producers["capacity_m3_day"].max()
    got = _warnings_of(stations=s)
    assert len(got) == 1 and "m³ rather than cylinders" in got[0]
    assert f"id {s.at[0, 'id']}" in got[0]


def test_read_network_warns_with_file_and_line(tmp_path):
    import shutil

    folder = tmp_path / "scenario"
    shutil.copytree(datasets.demo_folder(), folder)
    h = pd.read_csv(folder / "hospitals.csv", dtype=str)
    h.loc[2, ["lat", "lon"]] = [h.at[2, "lon"], h.at[2, "lat"]]
    h.to_csv(folder / "hospitals.csv", index=False)
    with pytest.warns(o2opt.PlausibilityWarning, match=r"hospitals\.csv, line 4.*swapped"):
        o2opt.read_network(folder)


# --------------------------------------------------------------------------- sweeps
def test_sweep_labels_are_readable_and_cells_exact():
    spec = ScenarioSpec(model={"budget": 1908.5019464103118, "demand_multiplier": 1.25})
    assert spec.label == "budget=1908.5, demand_multiplier=1.25"
    assert spec.cells()["budget"] == "1908.5019464103118"  # scenarios.csv stays exact
    assert ScenarioSpec(model={"budget": 2_000_000.4}).label == "budget=2000000"
    labels = [s.label for s in grid({"budget": [1 / 3, 2.0]})]
    assert labels == ["budget=0.333333", "budget=2"]


def test_pareto_frontier_by_a_string():
    r = pd.DataFrame({"scenario": list("abcdef"), "label": list("abcdef"),
                      "budget": [0, 1, 2] * 2, "world": ["x"] * 3 + ["y"] * 3,
                      "status": "optimal", "cost_fixed": [0, 1, 2, 0, 1, 2],
                      "unmet_m3": [9, 4, 4, 9, 9, 1]})
    as_str = pareto_frontier(r, by="world")
    pd.testing.assert_frame_equal(as_str, pareto_frontier(r, by=["world"]))
    assert as_str.set_index("scenario")["frontier"].to_dict() == {
        "a": True, "b": True, "c": False, "d": True, "e": False, "f": True}
    with pytest.raises(KeyError, match="no column 'wrold'"):
        pareto_frontier(r, by="wrold")


def test_worked_examples_of_a_few_facilities_are_not_judged():
    h = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.3, 0.0], "lon": [44.4, 0.0],
                      "demand_m3_day": [68.0, 1.0]})
    s = pd.DataFrame({"id": ["S1"], "lat": [33.31], "lon": [44.4],
                      "fill_capacity_cyl_day": [1e5]})
    p = pd.DataFrame({"id": ["P1"], "lat": [33.4], "lon": [44.4], "capacity_m3_day": [40.0]})
    with warnings.catch_warnings():
        warnings.simplefilter("error", o2opt.PlausibilityWarning)
        o2opt.from_frames(h, stations=s, producers=p)


def test_national_surge_on_a_window_of_days_in_one_event():
    from o2opt.sweeps import apply_scenario

    net = o2opt.read_network(datasets.demo_folder()).with_model(horizon_days=4)
    (spec,) = grid({"surge:*": ["2@1-2"]}, net)
    surged = apply_scenario(net, spec)
    d = surged.demand.pivot_table(index="hospital", columns="day", values="demand_m3")
    base = net.hospitals.set_index("id")["demand_m3_day"].reindex(d.index)
    np.testing.assert_allclose(d[0], base)
    np.testing.assert_allclose(d[1], 2 * base)
    np.testing.assert_allclose(d[2], 2 * base)
    np.testing.assert_allclose(d[3], base)
    whole = apply_scenario(net, grid({"surge:*": [1.5]}, net)[0])
    np.testing.assert_allclose(whole.hospitals["demand_m3_day"],
                               1.5 * net.hospitals["demand_m3_day"])
