"""Charts and the region tables behind them; the map's boundaries option."""

from __future__ import annotations

import unicodedata

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import o2opt
from o2opt import charts, datasets
from o2opt.demand import with_demand


@pytest.fixture(scope="module")
def demo() -> o2opt.Solution:
    return o2opt.optimize(o2opt.read_network(datasets.demo_folder()))


@pytest.fixture(scope="module")
def three_days() -> o2opt.Solution:
    net = o2opt.read_network(datasets.demo_folder())
    h = net.hospitals
    factor = [1.0, 1.5, 1.2]
    daily = pd.DataFrame({"hospital": np.tile(h["id"], 3), "day": np.repeat([0, 1, 2], len(h)),
                          "demand_m3": np.concatenate([h["demand_m3_day"] * f for f in factor])})
    return o2opt.optimize(with_demand(net, daily=daily))


def test_region_summary_adds_up(demo):
    t = charts.region_summary(demo)
    s = demo.summary()
    assert t["hospitals"].sum() == len(demo.network.hospitals)
    assert t["delivered_m3"].sum() == pytest.approx(s["delivered_m3"])
    assert t["unmet_m3"].sum() == pytest.approx(s["unmet_m3"])
    # need (demand × multiplier, before on-site plants) = on-site plants + delivered + unmet
    gross = demo.network.hospitals["demand_m3_day"].sum()
    assert t["need_m3"].sum() == pytest.approx(gross)
    assert (t["need_m3"] - t["onsite_m3"] - t["delivered_m3"] - t["unmet_m3"]).abs().max() < 1e-6
    anbar = t.set_index("region").loc["Anbar"]
    assert anbar["unmet_m3"] == pytest.approx(39.9, abs=0.05)  # data/README.md: alqadsya
    assert anbar["hospitals_short"] == 1
    assert t["need_m3"].is_monotonic_decreasing
    # filling capacity located in the region: stations by nearest hospital, opened plants
    fill = t.set_index("region")["local_fill_m3"]
    assert fill["Basra"] == pytest.approx(150 * 6.8)
    assert fill.sum() == pytest.approx(965 * 6.8 + 240 * 2)  # stations + Haditha + Amarah


def test_region_summary_uses_region_columns(iraq_solution):
    t = charts.region_summary(iraq_solution).set_index("region")
    assert len(t) == 18
    # Baghdad: the Ministry's 2,000-cylinder line is its only station
    assert t.at["Baghdad", "local_fill_m3"] == pytest.approx(2000 * 6.8)


@pytest.fixture(scope="module")
def iraq_solution() -> o2opt.Solution:
    return o2opt.optimize(datasets.load_iraq(budget=0))


def test_daily_by_region(three_days):
    d = charts.daily_by_region(three_days)
    assert sorted(d["day"].unique()) == [0, 1, 2]
    per_day = d.groupby("day")["unmet_m3"].sum()
    assert per_day[1] > per_day[0]  # the 1.5x day is the worst
    assert d["unmet_m3"].sum() == pytest.approx(three_days.summary()["unmet_m3"])


@pytest.mark.parametrize("chart", [charts.plot_gap_by_region, charts.plot_cost_breakdown,
                                   charts.plot_daily_unmet, charts.plot_unmet_heatmap])
def test_charts_draw_on_given_axes(chart, three_days, tmp_path):
    ax = Figure().add_subplot()
    assert chart(three_days, ax=ax) is ax
    own = chart(three_days)
    assert own.figure is not None and own.get_title()
    path = charts.save_figure(own, tmp_path / "chart.png")
    assert path.stat().st_size > 5000


def test_cost_breakdown_keeps_the_penalty_apart(demo):
    ax = charts.plot_cost_breakdown(demo)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "penalty on unmet demand" not in labels and len(labels) == 4
    note = " ".join(t.get_text() for t in ax.texts)
    assert f"{demo.cost['unmet_penalty']:,.0f}" in note
    with_penalty = charts.plot_cost_breakdown(demo, include_penalty=True)
    assert "penalty on unmet demand" in [t.get_text() for t in with_penalty.get_yticklabels()]


def test_no_shortage_charts(three_days):
    net = three_days.network.with_model(budget=None, max_delivery_km=None)
    sol = o2opt.optimize(net.with_model(demand_multiplier=0.5))
    assert sol.summary()["unmet_m3"] == 0
    ax = charts.plot_unmet_heatmap(sol)
    assert "no unmet demand" in " ".join(t.get_text() for t in ax.texts)
    ax = charts.plot_daily_unmet(sol)
    assert "no unmet demand" in " ".join(t.get_text() for t in ax.texts)


def test_dollar_signs_are_not_mathtext(demo):
    net = demo.network
    t = net.tables()
    h = t["hospitals"].assign(region=t["hospitals"]["region"].replace("Anbar", "$unclosed"))
    sol = o2opt.optimize(o2opt.from_frames(h, producers=t["producers"], stations=t["stations"],
                                           candidates=t["candidates"],
                                           model=net.scenario.as_dict(skip_none=True)))
    for chart in (charts.plot_gap_by_region, sol.plot_map):
        ax = chart(sol) if chart is charts.plot_gap_by_region else chart()
        ax.figure.canvas.draw()  # a bare "$" would raise a mathtext ParseError here
        texts = [x.get_text() for x in ax.get_yticklabels()] + [x.get_text() for x in ax.texts]
        assert r"\$unclosed" in texts


def test_map_with_boundaries(iraq_solution, tmp_path):
    gov = datasets.iraq_governorates()
    ax = iraq_solution.plot_map(boundaries=gov, credit=datasets.OSM_CREDIT)
    labels = {t.get_text() for t in ax.texts}
    assert set(gov["name"]) <= labels
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "governorate boundaries (approximate)" in legend
    # the old behaviour is unchanged without boundaries: labels at hospital centroids
    plain = iraq_solution.plot_map()
    assert "governorate boundaries (approximate)" not in [
        t.get_text() for t in plain.get_legend().get_texts()]
    charts.save_figure(ax, tmp_path / "map.png")


def _every_chart(solution):
    from o2opt.plot import plot_map

    return [plot_map(solution), charts.plot_gap_by_region(solution),
            charts.plot_cost_breakdown(solution), charts.plot_daily_unmet(solution),
            charts.plot_unmet_heatmap(solution)]


def test_charts_without_ax_are_pyplot_figures_so_jupyter_shows_them(three_days):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from o2opt.sweeps.decisions import opening_frequency
    from o2opt.sweeps.plot import plot_opening_frequency

    plt.close("all")
    drawn = _every_chart(three_days)
    r = pd.DataFrame({"status": ["optimal"] * 2, "opened": ["C1;C2", "C2"]})
    drawn.append(plot_opening_frequency(opening_frequency(r)))
    try:
        assert sorted(plt.get_fignums()) == sorted(ax.figure.number for ax in drawn)
        assert len(set(plt.get_fignums())) == len(drawn)
    finally:
        plt.close("all")


def test_offscreen_charts_and_saved_files_leave_pyplot_alone(three_days, tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from o2opt.report import save_figures

    plt.close("all")
    with charts.offscreen():
        drawn = _every_chart(three_days)
    assert all(ax.figure is not None for ax in drawn)
    three_days.to_folder(tmp_path / "out", map_png=True)
    save_figures(three_days, tmp_path / "figures")
    three_days.to_html(tmp_path / "r.html")
    assert plt.get_fignums() == []
    assert (tmp_path / "out" / "map.png").stat().st_size > 5000


ARABIC = "مستشفى الرمادي التعليمي"


def test_arabic_is_joined_and_ordered_right_to_left():
    out = charts.shaped(ARABIC)
    # joined letters are Arabic presentation forms (U+FB50-U+FEFF), not the isolated letters
    assert all(0xFB50 <= ord(c) <= 0xFEFF for c in out if not c.isspace())
    # visual order: read backwards, the letters are the name's (the first word rightmost)
    assert unicodedata.normalize("NFKC", out)[::-1] == ARABIC
    assert unicodedata.normalize("NFKC", out.split(" ")[-1])[::-1] == "مستشفى"
    assert charts.shaped("Basra, Iraq") == "Basra, Iraq"
    assert charts.plain("$" + ARABIC).endswith(r"\$")


def test_default_font_has_the_shaped_arabic_glyphs():
    import warnings

    ax = Figure().add_subplot()
    ax.set_title(charts.plain(ARABIC + " بغداد البصرة الموصل كربلاء"))
    with warnings.catch_warnings():
        # "Glyph … missing from font(s)" is a UserWarning
        warnings.filterwarnings("error", message=".*missing from")
        ax.figure.canvas.draw()


def test_map_names_short_hospitals_in_arabic_and_outlines_the_country(demo):
    net = demo.network
    short = demo.service.groupby("hospital")["unmet_m3"].sum()
    short = list(short[short > 1e-6].index)
    assert short
    h = net.hospitals.assign(name=np.where(net.hospitals["id"].isin(short), ARABIC,
                                           net.hospitals["name"]))
    sol = o2opt.optimize(net.replace(hospitals=h))
    gov = datasets.iraq_governorates()
    ax = sol.plot_map(boundaries=gov)
    texts = [t.get_text() for t in ax.texts]
    assert charts.shaped(ARABIC) in texts and ARABIC not in texts
    assert "Iraq (approximate outline)" in [t.get_text() for t in ax.get_legend().get_texts()]
    outline = ax.lines[-1].get_xydata()
    lon_min, lat_min, lon_max, lat_max = gov.total_bounds
    assert np.nanmin(outline[:, 0]) == pytest.approx(lon_min)
    assert np.nanmax(outline[:, 1]) == pytest.approx(lat_max)
    assert sol.plot_map(short_names=0).texts != ax.texts
    assert charts.shaped(ARABIC) not in [t.get_text() for t in sol.plot_map(short_names=0).texts]


def test_demo_and_report_maps_draw_the_bundled_governorates(tmp_path, monkeypatch):
    import o2opt.plot
    from o2opt import cli
    from o2opt.report import _read_boundaries

    seen = []
    real = o2opt.plot.plot_map

    def spy(solution, ax=None, **kwargs):
        seen.append(kwargs.get("boundaries"))
        return real(solution, ax, **kwargs)

    monkeypatch.setattr(o2opt.plot, "plot_map", spy)
    assert cli.main(["demo", "--out", str(tmp_path / "demo"), "-q"]) == 0
    assert len(seen) == 1 and seen[0] is not None and len(seen[0]) == 18
    assert (tmp_path / "demo" / "map.png").stat().st_size > 20_000
    shapes = _read_boundaries(datasets.demo_folder(), None)
    assert shapes is not None and sorted(shapes["name"]) == sorted(seen[0]["name"])
    assert _read_boundaries(tmp_path, None) is None
