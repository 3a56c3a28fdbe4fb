"""One meaning per word: ``need_m3`` (before on-site supply) and ``demand_m3`` (net of it) mean
the same in service.csv, summary.json, the region table, the heatmap and the report; and the
``cost`` of the flow tables is split into the summary's cost parts."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import o2opt
from o2opt import charts, datasets, report


@pytest.fixture(scope="module")
def surge() -> o2opt.Solution:
    """The Iraq scenario (hospitals with on-site plants, hospital options) in a 1.8x surge:
    regions with on-site plants are short, so need and demand give different shares."""
    return o2opt.optimize(datasets.load_iraq(demand_multiplier=1.8))


def _heatmap_percent(solution: charts.SolutionLike) -> pd.Series:
    """The heatmap's values (% of demand unmet) by region, read from the drawn image."""
    ax = charts.plot_unmet_heatmap(solution, ax=Figure().add_subplot())
    values = np.ma.filled(ax.images[0].get_array(), 0.0)
    regions = [t.get_text() for t in ax.get_yticklabels()]
    assert values.shape == (len(regions), solution.network.scenario.horizon_days)
    return pd.Series(values.sum(axis=1), index=regions)


def _region_table(page: str) -> pd.DataFrame:
    """The report's region table as text cells, indexed by region."""
    html = re.search(r'<table id="region-table">(.*?)</table>', page, re.S).group(1)
    header = re.findall(r"<th>(.*?)</th>", html)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", r) for r in re.findall(r"<tr[^>]*>(.*?)</tr>",
                                                                       html, re.S)[1:]]
    return pd.DataFrame(rows, columns=header).set_index("region")


def _cards(page: str) -> dict[str, str]:
    """The report's headline cards: label -> value."""
    return {k: v for v, k in re.findall(r'<div class="v">([^<]*)</div><div class="k">([^<]*)'
                                         r"</div>", page)}


def test_service_and_summary_name_need_onsite_and_demand(surge):
    net, s = surge.network, surge.service
    assert list(s.columns[:7]) == ["hospital", "day", "demand_m3", "delivered_m3", "unmet_m3",
                                   "need_m3", "onsite_m3"]
    need = 1.8 * net.gross_demand_m3().ravel()
    np.testing.assert_allclose(s["need_m3"], need)
    np.testing.assert_allclose(s["onsite_m3"] + s["demand_m3"], s["need_m3"])
    # demand_m3 keeps its meaning: the model's net demand, less a chosen hospital option
    extra = surge._option_extra("hospitals")
    np.testing.assert_array_equal(
        s["demand_m3"], np.maximum(0.0, net.net_demand_m3() - extra[:, None]).ravel())
    own = net.hospitals["onsite_m3_day"].to_numpy(float) + extra  # one day
    np.testing.assert_allclose(s["onsite_m3"], np.minimum(need, own))
    assert (s["onsite_m3"] > 0).sum() >= 10  # the scenario does exercise on-site plants
    summary = surge.summary()
    for key in ("need_m3", "onsite_m3", "demand_m3", "delivered_m3", "unmet_m3"):
        assert summary[key] == pytest.approx(s[key].sum(), rel=1e-12), key
    assert summary["need_m3"] == pytest.approx(summary["onsite_m3"] + summary["demand_m3"])


def test_summary_names_need_without_a_plan():
    net = o2opt.from_frames(
        hospitals=pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                                "demand_m3_day": [100.0, 50.0], "onsite_m3_day": [30.0, 80.0]}),
        model={"allow_unmet": False, "demand_multiplier": 1.5})
    sol = o2opt.optimize(net)
    assert not sol.has_solution
    s = sol.summary()
    assert (s["need_m3"], s["onsite_m3"], s["demand_m3"]) == pytest.approx((225, 105, 120))


def test_one_hospital_short_behind_its_own_plant():
    """Need 100, own plant 86.4, nothing delivered: 13.6 m³ unmet is 100 % of the demand in
    the region table, the heatmap and the report alike (the table said 13.6 %, of need)."""
    hospitals = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 36.0], "lon": [44.0, 44.0],
                              "region": ["South", "North"], "demand_m3_day": [100.0, 68.0],
                              "onsite_m3_day": [86.4, 0.0]})
    stations = pd.DataFrame({"id": ["S1"], "lat": [36.1], "lon": [44.0],
                             "fill_capacity_cyl_day": [100.0]})
    producers = pd.DataFrame({"id": ["P1"], "lat": [36.2], "lon": [44.0],
                              "capacity_m3_day": [1000.0]})
    net = o2opt.from_frames(hospitals, producers=producers, stations=stations,
                            model={"max_delivery_km": 100.0})
    sol = o2opt.optimize(net)
    table = charts.region_summary(sol).set_index("region")
    assert table.at["South", "need_m3"] == pytest.approx(100.0)
    assert table.at["South", "onsite_m3"] == pytest.approx(86.4)
    assert table.at["South", "demand_m3"] == pytest.approx(13.6)
    assert table.at["South", "unmet_share"] == pytest.approx(1.0)
    assert _heatmap_percent(sol)["South"] == pytest.approx(100.0)
    assert _region_table(sol.to_html())["unmet, % of demand"]["South"] == "100.0"


def test_region_table_heatmap_and_report_agree(surge):
    table = charts.region_summary(surge).set_index("region")
    # the region table adds up in the words of service.csv
    np.testing.assert_allclose(table["need_m3"], table["onsite_m3"] + table["demand_m3"])
    np.testing.assert_allclose(table["demand_m3"], table["delivered_m3"] + table["unmet_m3"],
                               rtol=1e-9, atol=1e-6)
    gap = table["need_m3"] - table["demand_m3"]
    short = table[(table["unmet_m3"] > 1e-6) & (gap > 1.0)]
    assert len(short) >= 5  # regions where a share of need and of demand differ
    heat = _heatmap_percent(surge)  # one day: the heatmap is the region table's share
    assert set(heat.index) == set(table.index[table["unmet_m3"] > 1e-6])
    np.testing.assert_allclose(heat.reindex(table.index).fillna(0.0),
                               100 * table["unmet_share"], rtol=1e-9, atol=1e-9)
    page = _region_table(surge.to_html()).drop(index="<b>total</b>")
    shown = page["unmet, % of demand"].astype(float)
    np.testing.assert_allclose(shown.reindex(table.index), 100 * table["unmet_share"],
                               atol=0.05 + 1e-9)
    daily = charts.daily_by_region(surge).groupby("region")[["demand_m3", "unmet_m3"]].sum()
    np.testing.assert_allclose(daily["demand_m3"].reindex(table.index), table["demand_m3"])


def test_report_headline_states_the_summary(surge, tmp_path):
    s = surge.summary()
    cards = _cards(surge.to_html())
    assert cards["m³ of oxygen needed per day"] == f"{s['need_m3']:,.0f}"
    assert cards["m³ of that need from hospitals' own plants per day"] == f"{s['onsite_m3']:,.0f}"
    assert cards["m³ demand to supply per day (need less own plants)"] == f"{s['demand_m3']:,.0f}"
    delivered = next(k for k in cards if k.startswith("m³ delivered in cylinders"))
    assert cards[delivered] == f"{s['delivered_m3']:,.0f}"
    assert f"({100 * s['delivered_m3'] / s['demand_m3']:.1f} % of demand)" in delivered
    unmet = next(k for k in cards if k.startswith("m³ unmet"))
    assert cards[unmet] == f"{s['unmet_m3']:,.0f}"
    assert f"({100 * s['unmet_m3'] / s['demand_m3']:.1f} % of demand," in unmet
    # a result folder read back gives the same page figures
    folder = surge.to_folder(tmp_path / "out")
    view = report.read_result(folder, surge.network)
    assert _cards(report.render_html(view)) == cards


def test_a_service_table_without_need_columns_still_agrees(surge):
    """A solution-like object whose service table has no need_m3 or onsite_m3 (the charts
    read any :class:`~o2opt.charts.SolutionLike`): the need comes from the scenario, and
    the table's shares are still of demand."""
    tables = {name: getattr(surge, name) for name in ("deliveries", "bulk", "sites")}
    tables["service"] = surge.service.drop(columns=["need_m3", "onsite_m3"])
    summary = {k: v for k, v in surge.summary().items() if k not in ("need_m3", "onsite_m3")}
    view = report.ResultView(surge.network, summary, tables)
    pd.testing.assert_frame_equal(charts.region_summary(view), charts.region_summary(surge),
                                  rtol=1e-9)
    assert _cards(report.render_html(view)) == _cards(surge.to_html())


def test_a_result_folder_from_before_the_need_columns_gives_the_same_page(surge, tmp_path):
    """A folder written before ``need_m3``/``onsite_m3`` is read, not refused: the need
    comes from the scenario and the headline cards are the same."""
    folder = surge.to_folder(tmp_path / "out")
    service = pd.read_csv(folder / "service.csv", dtype={"hospital": str})
    service.drop(columns=["need_m3", "onsite_m3"]).to_csv(folder / "service.csv", index=False)
    view = report.read_result(folder, surge.network)
    assert _cards(report.render_html(view)) == _cards(surge.to_html())


def test_cost_parts_of_the_flow_tables(surge):
    d, b = surge.deliveries, surge.bulk
    assert list(d.columns) == ["source", "hospital", "day", "cylinders", "m3", "km", "cost",
                               "transport_cost", "filling_cost", "production_cost"]
    assert list(b.columns) == ["producer", "station", "day", "m3", "km", "cost",
                               "transport_cost", "production_cost"]
    np.testing.assert_allclose(d[["transport_cost", "filling_cost", "production_cost"]]
                               .sum(axis=1), d["cost"], rtol=1e-12)
    np.testing.assert_allclose(b[["transport_cost", "production_cost"]].sum(axis=1), b["cost"],
                               rtol=1e-12)
    cost = surge.summary()["cost"]
    # canonical model: these two tables carry every transport, filling and production cost
    assert cost["transport"] == pytest.approx(d["transport_cost"].sum()
                                              + b["transport_cost"].sum(), rel=1e-9)
    assert cost["filling"] == pytest.approx(d["filling_cost"].sum(), rel=1e-9)
    assert cost["production"] == pytest.approx(d["production_cost"].sum()
                                               + b["production_cost"].sum(), rel=1e-9)
    assert min(cost["transport"], cost["filling"], cost["production"]) > 0
    # a station fills (no production), a new plant produces (no filling)
    stations = set(surge.network.stations["id"])
    at_station = d["source"].isin(stations)
    assert (d.loc[at_station, "production_cost"] == 0).all()
    assert (d.loc[~at_station, "filling_cost"] == 0).all()


def test_written_cost_parts_match(surge, tmp_path):
    folder = surge.to_folder(tmp_path / "out")
    for name in ("deliveries", "bulk"):
        written = pd.read_csv(folder / f"{name}.csv")
        table = getattr(surge, name)
        assert list(written.columns) == list(table.columns)
        parts = [c for c in written.columns if c.endswith("_cost")]
        np.testing.assert_allclose(written[parts].sum(axis=1), written["cost"], rtol=1e-9)


def test_tanker_cost_parts():
    hospitals = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0],
                              "demand_m3_day": [300.0], "lox_tank_m3": [400.0]})
    producers = pd.DataFrame({"id": ["P1"], "lat": [33.5], "lon": [44.0],
                              "capacity_m3_day": [1000.0], "cost_per_m3": [0.5],
                              "tankers": [2.0], "tanker_capacity_m3": [200.0]})
    sol = o2opt.optimize(o2opt.from_frames(hospitals, producers=producers))
    t = sol.tankers
    assert len(t) and list(t.columns[-2:]) == ["transport_cost", "production_cost"]
    np.testing.assert_allclose(t["transport_cost"] + t["production_cost"], t["cost"])
    np.testing.assert_allclose(t["production_cost"], 0.5 * t["m3"])


def test_a_chosen_on_site_option_counts_as_on_site_supply():
    hospitals = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "region": ["R"],
                              "demand_m3_day": [100.0], "onsite_m3_day": [20.0]})
    options = pd.DataFrame({"facility": ["H1"], "option": ["psa"], "extra_capacity": [30.0],
                            "fixed_cost": [1.0]})
    sol = o2opt.optimize(o2opt.from_frames(hospitals, options=options))
    assert sol.summary()["options_chosen"] == ["H1/psa"]
    row = sol.service.iloc[0]
    assert (row["need_m3"], row["onsite_m3"], row["demand_m3"], row["unmet_m3"]) == \
        pytest.approx((100.0, 50.0, 50.0, 50.0))
    s = sol.summary()
    assert (s["need_m3"], s["onsite_m3"], s["demand_m3"]) == pytest.approx((100, 50, 50))
    table = charts.region_summary(sol).set_index("region")
    assert table.at["R", "onsite_m3"] == pytest.approx(50.0)
    assert table.at["R", "unmet_share"] == pytest.approx(1.0)
