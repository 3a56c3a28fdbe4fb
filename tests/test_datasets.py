"""The Iraq planning dataset ``data/iraq``: reproducible, traceable, and it solves.

Every figure checked here is one that ``data/README.md`` states; the README test at the end
checks that the README still states them.
"""

from __future__ import annotations

import importlib.util
import json
import math
import sys
from pathlib import Path
from types import ModuleType

import pandas as pd
import pytest

import o2opt
from o2opt import costs, datasets, demand

REPO = Path(__file__).resolve().parents[1]
IRAQ = REPO / "data" / "iraq"
README = REPO / "data" / "README.md"
OSM = REPO / "data" / "reference" / "iraq-osm" / "gaia_iraq_hospitals.geojson"
FILES = ("hospitals.csv", "producers.csv", "stations.csv", "candidates.csv", "options.csv",
         "scenario.toml", "governorates.csv", "governorates.geojson")

# CSO mid-2018 estimates (Halabja counted with Sulaymaniyah), as stated in data/README.md
POPULATION_2018 = {
    "Baghdad": 8_126_755, "Nineveh": 3_729_998, "Basra": 2_908_491,
    "Sulaymaniyah": 2_162_279, "Dhi Qar": 2_095_172, "Babil": 2_065_042, "Erbil": 1_854_778,
    "Anbar": 1_771_656, "Diyala": 1_637_226, "Kirkuk": 1_597_876, "Salah al-Din": 1_595_235,
    "Najaf": 1_471_592, "Wasit": 1_378_723, "Duhok": 1_292_535, "Qadisiyyah": 1_291_048,
    "Karbala": 1_218_732, "Maysan": 1_112_673, "Muthanna": 814_371,
}


def _generator() -> ModuleType:
    name = "make_iraq"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "data" / "make_iraq.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(IRAQ / name, keep_default_na=False, na_values=[""])


@pytest.fixture(scope="module")
def iraq() -> o2opt.Network:
    return datasets.load_iraq()


@pytest.fixture(scope="module")
def solved(iraq) -> o2opt.Solution:
    return o2opt.optimize(iraq)


def test_bundled_folder_is_reproducible(tmp_path):
    report = _generator().make_iraq(OSM, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (IRAQ / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert report.hospitals == 274 and report.hospitals_osm == 73
    assert report.region_changes == []  # same governorates as the demo for every OSM point


def test_populations_are_the_cited_figures():
    gov = _csv("governorates.csv")
    assert dict(zip(gov["governorate"], gov["population_2018"], strict=True)) == POPULATION_2018
    assert gov["population_2018"].sum() == 38_124_182  # CSO total, 2018
    g = datasets.iraq_governorates()
    assert len(g) == 18 and g.geometry.is_valid.all() and g.crs.to_epsg() == 4326
    assert g.attrs["label"] == "governorate boundaries (approximate)"


def test_beds_and_counts_per_governorate(iraq):
    h = iraq.hospitals
    gov = _csv("governorates.csv").set_index("governorate")
    beds = h.groupby("region")["beds_total"].sum()
    # 1.3 beds per 1,000 people (World Bank SH.MED.BEDS.ZS, Iraq, 2021), hit exactly
    for name, pop in POPULATION_2018.items():
        assert beds[name] == round(pop * 1.3 / 1000) == gov.at[name, "beds_target"]
        target = max(5, round(pop / 150_000))
        assert gov.at[name, "hospitals_target"] == target
        hospitals = h[(h["region"] == name) & (h["facility_class"] != "health centre")]
        assert len(hospitals) >= target
    ward_sum = h[["beds_general", "beds_icu", "beds_paediatric", "beds_theatre"]].sum(axis=1)
    assert (ward_sum == h["beds_total"]).all()


def test_rows_are_flagged(iraq):
    h = iraq.hospitals
    assert set(h["source"]) == {"osm", "illustrative"}
    osm = h[h["source"] == "osm"]
    gen = h[h["source"] == "illustrative"]
    assert len(osm) == 73 and osm["id"].str.startswith("osm-").all()
    assert gen["id"].str.startswith("gen-").all()
    assert gen["name"].str.startswith("Illustrative").all()
    assert gen["name"].str.endswith("(generated)").all()
    # every OSM point of the demo, with the same name and governorate
    demo = o2opt.read_network(datasets.demo_folder()).hospitals.set_index("id")
    mine = osm.set_index("id")
    assert set(mine.index) == set(demo.index)
    assert (mine.loc[demo.index, "name"] == demo["name"]).all()
    assert (mine.loc[demo.index, "region"] == demo["region"]).all()
    for table in ("producers", "stations", "candidates"):
        sources = _csv(f"{table}.csv")["source"]
        assert sources.str.contains("illustrative|real").all(), table


def test_hospitals_lie_in_their_governorate(iraq):
    import geopandas as gpd

    g = datasets.iraq_governorates()
    h = iraq.hospitals
    points = gpd.GeoDataFrame(h[["id", "region"]],
                              geometry=gpd.points_from_xy(h["lon"], h["lat"]), crs="EPSG:4326")
    joined = gpd.sjoin(points, g[["name", "geometry"]], predicate="intersects", how="left")
    inside = joined.dropna(subset=["name"])
    assert len(inside.groupby("id")) >= len(h) - 2  # points beyond the rough outline: nearest
    assert (inside["region"] == inside["name"]).mean() > 0.99


def test_demand_is_the_bed_based_default(iraq):
    h = iraq.hospitals
    est = demand.bed_based(h[["beds_general", "beds_icu", "beds_paediatric", "beds_theatre"]])
    assert (h["demand_m3_day"] - est["demand_m3_day"]).abs().max() <= 0.05 + 1e-9
    assert (h["demand_method"] == "bed-based").all()
    assert (h["demand_params"] == est["demand_params"]).all()
    assert h["demand_m3_day"].sum() == pytest.approx(59_533.5, abs=0.05)


def test_ministry_lines_and_conversions():
    p = _csv("producers.csv").set_index("id")
    s = _csv("stations.csv").set_index("id")
    # INA, 26 January 2022: 5,000 L/day (lines 1-2), 4,000-5,000 L/day (line 3), 2,000 cylinders
    assert p.at["p-moim-lox-1-2", "capacity_m3_day"] == pytest.approx(
        demand.liquid_l_to_m3(5000.0)) == pytest.approx(4305.0)
    assert p.at["p-moim-lox-3", "capacity_m3_day"] == pytest.approx(3444.0)
    assert p.at["p-moim-gas", "capacity_m3_day"] == pytest.approx(
        demand.cylinders_to_m3(2000, "J"))
    assert s.at["s-moim-baghdad-gas", "fill_capacity_cyl_day"] == 2000


def test_candidate_costs(iraq):
    c = _csv("candidates.csv")
    for row in c.itertuples():
        capex = round(250_000 * (row.module_nm3_h / 30) ** 0.7, -2)
        assert row.capex == capex
        assert row.lifetime_years == 10 and row.opex_per_year == pytest.approx(0.05 * capex)
        assert row.capacity_m3_day == row.module_nm3_h * 24
        assert row.fill_capacity_cyl_day == math.ceil(row.capacity_m3_day / 6.8 / 10) * 10
        assert row.capex_low <= row.capex <= row.capex_high
    # the model charges the annuity at 8 % over 10 years plus 5 % O&M, for one day
    crf = 0.08 * 1.08**10 / (1.08**10 - 1)
    fixed, capex = iraq.fixed_costs("candidates")
    assert fixed == pytest.approx(capex * (crf + 0.05) / 365)
    # the PM CARES anchor: INR 137.33 crore / 162 plants at INR 73.5 per US$
    assert 137.33e7 / 162 / 73.5 == pytest.approx(115_334, rel=1e-4)


def test_investment_inputs(iraq):
    sc = iraq.scenario
    assert (sc.currency, sc.discount_rate, sc.capital_budget, sc.budget) == (
        "USD", 0.08, 1_500_000.0, None)
    s = iraq.stations
    new = s[s["candidate"]]
    assert len(new) == 3 and (new["capex"] == 150_000).all()
    assert (new["lifetime_years"] == 15).all() and (new["opex_per_year"] == 7_500).all()
    assert s.loc[~s["candidate"], "capex"].isna().all()
    o = iraq.options
    kinds = o["facility"].map(lambda f: "candidate" if f in set(iraq.candidates["id"])
                              else "station" if f in set(s["id"])
                              else "hospital" if f in set(iraq.hospitals["id"]) else "?")
    assert kinds.value_counts().to_dict() == {"candidate": 6, "station": 4, "hospital": 4}
    modules = o[kinds == "candidate"]
    base = round(250_000 * (60 / 30) ** 0.7, -2), round(250_000 * (120 / 30) ** 0.7, -2)
    for row in modules.itertuples():  # 30 -> 60 or 120 Nm3/h: the extra m3/day and capex
        size = int(row.option.split("-")[1])
        assert row.extra_capacity == (size - 30) * 24
        assert row.capex == base[(60, 120).index(size)] - 250_000
    onsite = o[kinds == "hospital"]
    h = iraq.hospitals.set_index("id").loc[onsite["facility"]]
    assert (h["facility_class"] == "teaching").all() and (h["onsite_m3_day"] == 0).all()
    assert (onsite["extra_capacity"] == 480).all()
    anchor = 137.33e7 / 162 / 73.5
    assert (onsite["capex"] == round(anchor * 1.5 * (20 / 28) ** 0.7, -2)).all()
    fixed, capex = iraq.fixed_costs("options")
    assert fixed == pytest.approx(costs.horizon_cost(
        capex, o["lifetime_years"].to_numpy(float), 0.08, 1,
        o["opex_per_year"].to_numpy(float)))


def test_scenario_solves(iraq, solved):
    sol = solved
    assert sol.status == "optimal"
    s = sol.summary()
    assert s["demand_m3"] == pytest.approx(53_000.0, abs=0.5)
    assert s["unmet_m3"] == pytest.approx(256.4, abs=0.5)
    assert s["opened"] == ["c-mosul-30", "c-nasiriyah-30"]
    assert len(s["options_chosen"]) == 5
    assert s["capex"] <= iraq.scenario.capital_budget
    assert s["currency"] == "USD"
    inv = s["investment"]
    assert len(inv["items"]) == 7 and inv["capex"] == s["capex"]
    assert inv["fixed_cost"] == pytest.approx(sol.cost["fixed"])
    from o2opt.testing import assert_solution_feasible

    assert_solution_feasible(sol)


def test_nothing_built_leaves_the_stated_gap(iraq):
    from o2opt.compare import as_is

    sol = o2opt.optimize(as_is(iraq))
    assert sol.status == "optimal"
    assert sol.summary()["unmet_m3"] == pytest.approx(7_644.0, abs=0.5)
    assert sol.summary()["opened"] == [] and sol.summary()["options_chosen"] == []


def test_ids_unique_and_in_iraq():
    ids = []
    for name in ("hospitals", "producers", "stations", "candidates"):
        t = _csv(f"{name}.csv")
        ids += list(t["id"])
        assert t["lat"].between(29.0, 37.4).all() and t["lon"].between(38.7, 48.7).all()
    assert len(ids) == len(set(ids))
    assert set(_csv("options.csv")["facility"]) <= set(ids)


def test_packaging_ships_the_data():
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"data/iraq" = "o2opt/_data/iraq"' in text
    assert datasets.iraq_folder() == IRAQ or datasets.iraq_folder().name == "iraq"


def test_readme_states_the_figures():
    text = README.read_text(encoding="utf-8")
    section = text[text.index("# The Iraq planning dataset"):]
    gov = _csv("governorates.csv")
    for row in gov.itertuples():
        line = next(line for line in section.splitlines()
                    if line.startswith(f"| {row.governorate} |"))
        cells = [c.strip() for c in line.strip("|").split("|")]
        assert cells[2] == f"{row.population_2018:,}", row.governorate
        assert cells[3] == f"{row.beds_total:,}", row.governorate
        assert cells[4] == f"{row.hospitals} ({row.hospitals_osm})", row.governorate
        assert cells[5] == f"{row.demand_m3_day:,.1f}", row.governorate
    for figure in ("38,124,182", "49,560", "59,533.5", "4,305", "3,444", "13,600", "250,000",
                   "274", "73", "201", "150,000", "60,000", "136,700", "7,644", "256"):
        assert figure in section, figure
    with open(IRAQ / "scenario.toml", encoding="utf-8") as handle:
        toml = handle.read()
    assert "capital_budget = 1500000.0" in toml and 'currency = "USD"' in toml
    assert "1,500,000" in section
    json.loads((IRAQ / "governorates.geojson").read_text(encoding="utf-8"))
