"""Hostile input to the Python API and the command line (issue 11, section 2): every bad
value is an :class:`o2opt.InputError` (or a clear ``TypeError``), and the command exits 2
with a clear message, no traceback and nothing written."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt.schema import MAX_THREADS
from o2opt.validate import check_solver_options


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "o2opt", *args], capture_output=True,
                          text=True, timeout=120)


def assert_refused(proc: subprocess.CompletedProcess[str], *words: str) -> None:
    """Exit 2, a message naming ``words``, no traceback."""
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in proc.stderr, proc.stderr


def hospitals(**columns) -> pd.DataFrame:
    base = {"id": ["H1", "H2"], "lat": [33.3, 33.4], "lon": [44.4, 44.5],
            "demand_m3_day": [50.0, 20.0]}
    return pd.DataFrame({**base, **columns})


# --------------------------------------------------------------------------- solver options
BAD_OPTIONS = [
    ({"threads": MAX_THREADS + 1}, "threads", f"<= {MAX_THREADS}"),
    ({"threads": 100000}, "threads", f"<= {MAX_THREADS}"),
    ({"threads": 0}, "threads", "> 0"),
    ({"threads": -4}, "threads", "> 0"),
    ({"threads": 2.5}, "threads", "whole number"),
    ({"time_limit_s": -1.0}, "time_limit_s", "> 0"),
    ({"time_limit_s": float("nan")}, "time_limit_s", "finite"),
    ({"mip_gap": -1.0}, "mip_gap", ">= 0"),
    ({"mip_gap": float("nan")}, "mip_gap", "finite"),
    ({"mip_gap": "x"}, "mip_gap", "must be a number"),
    ({"solver": "gurobi"}, "solver", "highs, cbc"),
    ({"backend": "cplex"}, "backend", "highspy, pulp"),
    ({"solver": "cbc", "backend": "highspy"}, "backend", "HiGHS only"),
]


@pytest.mark.parametrize(("options", "key", "words"), BAD_OPTIONS)
def test_optimize_checks_solver_options(options, key, words):
    with pytest.raises(o2opt.InputError, match=words) as err:
        o2opt.optimize(network(), **options)
    assert err.value.problems[0].column == key


@pytest.mark.parametrize(("options", "key", "words"), BAD_OPTIONS[:9])
def test_toml_and_options_are_one_check(options, key, words):
    # the same value is refused with the same words in [model] and as an option
    with pytest.raises(o2opt.InputError, match=words):
        network().with_model(**options)
    with pytest.raises(o2opt.InputError, match=words):
        check_solver_options(options)


def test_threads_at_the_limit_solve():
    sol = o2opt.optimize(network(), threads=MAX_THREADS)
    assert sol.status == "optimal"


def test_optimize_a_path_says_read_it_first(tmp_path):
    for value in (str(tmp_path), tmp_path):
        with pytest.raises(TypeError, match="read_network"):
            o2opt.optimize(value)
    with pytest.raises(TypeError, match="takes a Network"):
        o2opt.optimize(None)


@pytest.mark.parametrize("option", [["--threads", "100000"], ["--threads", "0"],
                                    ["--threads", "-4"], ["--time-limit", "-1"],
                                    ["--time-limit", "nan"], ["--mip-gap", "-1"],
                                    ["--mip-gap", "nan"]])
def test_cli_refuses_bad_solver_options(tmp_path, option):
    folder = network().to_folder(tmp_path / "scenario")
    out = tmp_path / "out"
    proc = run("solve", str(folder), "--out", str(out), *option)
    assert_refused(proc, option[0])
    assert not out.exists()


def test_cli_demo_refuses_threads_beyond_the_limit(tmp_path):
    out = tmp_path / "demo"
    assert_refused(run("demo", "--out", str(out), "--threads", "100000"), "--threads", "256")
    assert not out.exists()


def test_toml_threads_beyond_the_limit_exits_2(tmp_path):
    folder = network().to_folder(tmp_path / "scenario")
    (folder / "scenario.toml").write_text("[model]\nthreads = 100000\n")
    out = tmp_path / "out"
    assert_refused(run("solve", str(folder), "--out", str(out)), "threads", "256")
    assert not out.exists()


# --------------------------------------------------------------------------- numpy scalars
NUMPY_MODEL = {"horizon_days": np.int64(3), "cylinder_m3": np.float32(6.5),
               "allow_unmet": np.bool_(True), "integer_cylinders": np.bool_(False),
               "threads": np.int32(2), "budget": np.float64(10.0)}


def test_numpy_scalars_are_accepted_in_from_frames_and_with_model():
    net = o2opt.from_frames(hospitals(), model=NUMPY_MODEL)
    sc = net.scenario
    assert (sc.horizon_days, sc.cylinder_m3, sc.allow_unmet, sc.threads) == (3, 6.5, True, 2)
    assert type(sc.horizon_days) is int and type(sc.allow_unmet) is bool
    again = o2opt.from_frames(hospitals()).with_model(**NUMPY_MODEL).scenario
    assert again == sc
    assert o2opt.optimize(net, threads=np.int64(1), mip_gap=np.float32(0.0)).status == "optimal"


def test_numpy_bool_is_still_not_a_number():
    with pytest.raises(o2opt.InputError, match="must be a number"):
        o2opt.from_frames(hospitals(), model={"horizon_days": np.bool_(True)})


# --------------------------------------------------------------------------- o2opt report
@pytest.fixture()
def solved(tmp_path):
    """A scenario folder and the result folder solved from it."""
    folder = network().to_folder(tmp_path / "scenario")
    o2opt.optimize(o2opt.read_network(folder)).to_folder(tmp_path / "res")
    return folder, tmp_path / "res"


@pytest.mark.parametrize(("content", "words"), [
    (b"{not json", "is not valid JSON"),
    (b"\xff\xfe\x00garbage", "is not UTF-8"),
    (b"[1, 2, 3]", "must hold a JSON object, got a JSON list"),
    (b'"text"', "got a JSON str"),
    (b'{"status": "optimal", "cost": 5}', "'cost' must be a JSON object"),
    (b'{"status": ["optimal"]}', "'status' must be a JSON string"),
])
def test_report_on_a_corrupt_summary_exits_2(solved, tmp_path, capsys, content, words):
    from o2opt.cli import main

    folder, res = solved
    (res / "summary.json").write_bytes(content)
    html = tmp_path / "r.html"
    for scenario in (["--scenario", str(folder)], []):
        assert main(["report", str(res), "--html", str(html), "-q", *scenario]) == 2
        err = capsys.readouterr().err
        assert words in err and "summary.json" in err, err
    assert not html.exists()


def test_report_on_a_missing_result_folder_says_so(solved, tmp_path):
    folder, _ = solved
    html = tmp_path / "r.html"
    proc = run("report", str(tmp_path / "nothing"), "--html", str(html))
    assert_refused(proc, "nothing", "does not exist")
    assert "--scenario" not in proc.stderr  # not the misleading "which scenario?"
    assert_refused(run("report", str(folder / "hospitals.csv"), "--html", str(html)),
                   "is not a folder")
    assert not html.exists()


def test_report_html_pointing_at_a_folder_exits_2(solved, tmp_path):
    folder, res = solved
    (tmp_path / "dir").mkdir()
    for html, words in ((tmp_path / "dir", "is a folder"),
                        (tmp_path / "no" / "r.html", "does not exist")):
        proc = run("report", str(res), "--scenario", str(folder), "--html", str(html))
        assert_refused(proc, "--html", words)
    assert list((tmp_path / "dir").iterdir()) == []
    assert not (tmp_path / "no").exists()


# --------------------------------------------------------------------------- $ in ids
DOLLAR = r"C$\frac$"


def dollar_network(**model) -> o2opt.Network:
    """Ids, names and regions that matplotlib would read as (broken) mathtext."""
    return o2opt.from_frames(
        pd.DataFrame({"id": ["H$1$", "H2"], "lat": [33.0, 33.5], "lon": [44.0, 44.5],
                      "demand_m3_day": [68.0, 30.0], "region": [r"R$\frac$", "R$2"],
                      "name": [r"$\sqrt$ hospital", "H2"]}),
        producers=pd.DataFrame({"id": ["P$"], "lat": [34.0], "lon": [44.0],
                                "capacity_m3_day": [40.0]}),
        stations=pd.DataFrame({"id": [r"S$\x$"], "lat": [33.1], "lon": [44.0],
                               "fill_capacity_cyl_day": [100.0]}),
        candidates=pd.DataFrame({"id": [DOLLAR], "lat": [33.2], "lon": [44.2],
                                 "capacity_m3_day": [500.0], "fixed_cost": [1000.0]}),
        model={"horizon_days": 2, **model})


def test_dollar_ids_draw_in_every_chart(tmp_path):
    import geopandas as gpd
    from shapely.geometry import box

    import o2opt.plot
    from o2opt import charts
    from o2opt.report import save_figures

    sol = o2opt.optimize(dollar_network())
    assert DOLLAR in sol.summary()["opened"]
    names = save_figures(sol, tmp_path / "fig", boundaries=None)
    assert {p.name for p in names} >= {"map.png", "gap.png", "cost.png", "daily.png",
                                       "heatmap.png"}
    # titles and credits given by the user are text too
    boundaries = gpd.GeoDataFrame({"name": [r"R$\frac$"]}, crs="EPSG:4326",
                                  geometry=[box(43.5, 32.5, 45.0, 34.0)])
    boundaries.attrs["label"] = r"$\frac$ boundaries"
    axes = [o2opt.plot.plot_map(sol, title=r"$\frac$ plan", credit=r"\frac$",
                                boundaries=boundaries),
            *(getattr(charts, f)(sol, title=DOLLAR) for f in
              ("plot_gap_by_region", "plot_cost_breakdown", "plot_daily_unmet",
               "plot_unmet_heatmap"))]
    for i, ax in enumerate(axes):
        charts.save_figure(ax, tmp_path / f"{i}.png")


def test_dollar_ids_in_the_sweep_charts_and_on_resume(tmp_path):
    folder = dollar_network().to_folder(tmp_path / "scenario")
    out = tmp_path / "sweep"
    args = ["sweep", str(folder), "--out", str(out), "--workers", "1", "--robust", "worst",
            "--grid", "budget=0,1e6", "--grid", f"outage:{DOLLAR}=none,0"]
    for _ in range(2):  # the second run resumes from the store and draws again
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
        for name in ("pareto.png", "opening_frequency.png", "robust.png"):
            assert (out / name).stat().st_size > 1000


# --------------------------------------------------------------------------- from_frames
def test_from_frames_without_hospitals_is_an_input_error():
    with pytest.raises(o2opt.InputError, match="hospitals.*is required") as err:
        o2opt.from_frames(None)
    assert err.value.problems[0].source == "hospitals (DataFrame)"


@pytest.mark.parametrize(("values", "kind"), [
    (np.array([50 + 0j, 20 + 1j]), "complex number"),
    (np.array([True, False]), "boolean"),
    (pd.array([True, False], dtype="boolean"), "boolean"),
    (pd.Categorical([50.0, 20.0]), "category"),
    (pd.Categorical(["50", "20"]), "category"),
])
def test_number_columns_refuse_booleans_complex_and_categories(values, kind):
    with pytest.raises(o2opt.InputError, match=f"must be a number, got a {kind}") as err:
        o2opt.from_frames(hospitals(demand_m3_day=values))
    where = {(p.column, p.row) for p in err.value.problems}
    assert where == {("demand_m3_day", "row 0 (id H1)"), ("demand_m3_day", "row 1 (id H2)")}
    demand = pd.DataFrame({"hospital": ["H1"], "day": pd.Categorical([0]),
                           "demand_m3": [True]})
    with pytest.raises(o2opt.InputError) as err:
        o2opt.from_frames(hospitals(), demand=demand)
    assert {p.column for p in err.value.problems} == {"day", "demand_m3"}


def test_points_outside_their_crs_are_input_errors():
    import geopandas as gpd

    frame = gpd.GeoDataFrame(
        {"id": ["H1", "H2", "H3"], "demand_m3_day": [1.0, 2.0, 3.0]}, crs="EPSG:3857",
        geometry=gpd.points_from_xy([4.9e6, 1e10, -1e12], [3.9e6, 1e10, 5e6]))
    with pytest.raises(o2opt.InputError, match="outside the range") as err:
        o2opt.from_frames(frame)
    assert [p.row for p in err.value.problems] == ["row 1 (id H2)", "row 2 (id H3)"]
    assert {p.source for p in err.value.problems} == {"hospitals (DataFrame)"}
    net = o2opt.from_frames(frame.iloc[:1])  # an ordinary point is converted as before
    assert net.hospitals[["lat", "lon"]].iloc[0].tolist() == pytest.approx([33.0354, 44.0174],
                                                                           abs=1e-4)


def test_grid_event_without_a_target_says_so(tmp_path):
    folder = network().to_folder(tmp_path / "scenario")
    for item, words in (("surge:=2", "names no region"), ("outage:=0", "names no facility")):
        proc = run("sweep", str(folder), "--out", str(tmp_path / "out"), "--grid", item)
        assert_refused(proc, words)
        assert "did you mean" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_formula_like_ids_round_trip_verbatim(tmp_path):
    ids = ["=1+2", "+H", "-H", "@SUM(A1)"]
    net = o2opt.from_frames(
        pd.DataFrame({"id": ids, "lat": [33.0, 33.1, 33.2, 33.3],
                      "lon": [44.0] * 4, "demand_m3_day": [10.0] * 4}),
        stations=pd.DataFrame({"id": ["=S"], "lat": [33.0], "lon": [44.1],
                               "fill_capacity_cyl_day": [100.0]}),
        producers=pd.DataFrame({"id": ["@P"], "lat": [33.5], "lon": [44.0],
                                "capacity_m3_day": [1000.0]}))
    sol = o2opt.optimize(net)
    sol.to_folder(tmp_path / "res")
    service = pd.read_csv(tmp_path / "res" / "service.csv", dtype={"hospital": str})
    assert sorted(set(service["hospital"])) == sorted(ids)
    deliveries = pd.read_csv(tmp_path / "res" / "deliveries.csv", dtype=str)
    assert set(deliveries["source"]) == {"=S"}
    assert o2opt.report.read_result(tmp_path / "res", net).has_solution


# --------------------------------------------------------------------------- magnitudes
@pytest.mark.parametrize(("kwargs", "column"), [
    ({"hospitals": pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0],
                                 "demand_m3_day": [1e20]})}, "demand_m3_day"),
    ({"demand_multiplier": 1e300}, "demand_multiplier"),
    ({"demand_multiplier": 1e8}, "demand_multiplier"),  # 68 m3 x 1e8 is beyond the limit
    ({"unmet_penalty_per_m3": 1e300}, "unmet_penalty_per_m3"),
    ({"unmet_penalty_per_m3": 1e20}, "unmet_penalty_per_m3"),
    ({"budget": 1e16}, "budget"),
    ({"producers": pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0],
                                 "capacity_m3_day": [1e11]})}, "capacity_m3_day"),
])
def test_magnitudes_beyond_the_limit_are_input_errors(kwargs, column):
    with pytest.raises(o2opt.InputError, match="magnitude limit") as err:
        network(**kwargs)
    assert column in {p.column for p in err.value.problems}


def test_magnitude_limit_in_a_scenario_folder_exits_2(tmp_path):
    folder = network().to_folder(tmp_path / "scenario")
    (folder / "scenario.toml").write_text("[model]\nunmet_penalty_per_m3 = 1e300\n")
    out = tmp_path / "out"
    assert_refused(run("solve", str(folder), "--out", str(out)), "unmet_penalty_per_m3",
                   "line 2", "magnitude limit")
    hospitals_csv = folder / "hospitals.csv"
    hospitals_csv.write_text(hospitals_csv.read_text().replace("68.0", "1e20"))
    (folder / "scenario.toml").unlink()
    assert_refused(run("solve", str(folder), "--out", str(out)), "hospitals.csv",
                   "demand_m3_day", "line 2 (id H1)", "magnitude limit")
    assert not out.exists()


def test_multiplier_changed_after_reading_is_caught_before_solving():
    # with_model re-checks the whole network (a Network is always valid), so the net demand
    # is caught there; at the latest, optimize() checks it before solving
    with pytest.raises(o2opt.InputError, match="6.8e\\+09 m3 a day, beyond the magnitude"):
        o2opt.optimize(network().with_model(demand_multiplier=1e8))


def test_limits_hold_what_is_real():
    # the largest real figures stay inside: dinars, a national demand, a huge plant
    network(unmet_penalty_per_m3=1e6, budget=1e12,
            candidates=pd.DataFrame({"id": ["C1"], "lat": [33.2], "lon": [44.2],
                                     "capacity_m3_day": [5e6], "fixed_cost": [1e10]}))


def in_currency(net: o2opt.Network, factor: float) -> o2opt.Network:
    """``net`` with every money figure (columns and [model] keys) times ``factor``."""
    from o2opt.schema import MAX_MONEY, TABLES, magnitude_limit

    tables = {}
    for name, frame in net.tables().items():
        frame = frame.copy()
        for col in TABLES[name].columns:
            if magnitude_limit(col.name, col.unit) == MAX_MONEY:
                frame[col.name] = frame[col.name] * factor
        tables[name] = frame
    model = {k: v * factor for k, v in net.scenario.as_dict(skip_none=True).items()
             if magnitude_limit(k) == MAX_MONEY and k != "solver"}
    return o2opt.from_frames(**tables, model={**net.scenario.as_dict(skip_none=True), **model})


@pytest.mark.parametrize("factor", [1e4, 1e7])
def test_costs_in_dinars_give_the_same_plan(monkeypatch, factor):
    import o2opt.solve

    seen = []
    run_highspy = o2opt.solve._run_highspy

    def spy(lm, *args, **kwargs):
        seen.append(float(np.abs(lm.cost).max()))
        return run_highspy(lm, *args, **kwargs)

    base = o2opt.read_network(o2opt.datasets.demo_folder())  # a MILP with a budget
    dinars = in_currency(base, factor)
    assert dinars.candidates["fixed_cost"].max() == pytest.approx(
        factor * base.candidates["fixed_cost"].max())
    a = o2opt.optimize(base)
    monkeypatch.setattr(o2opt.solve, "_run_highspy", spy)
    b = o2opt.optimize(dinars)
    assert a.status == b.status == "optimal"
    assert b.objective == pytest.approx(factor * a.objective, rel=1e-6)
    assert b.summary()["opened"] == a.summary()["opened"]
    assert b.summary()["unmet_m3"] == pytest.approx(a.summary()["unmet_m3"], rel=1e-6, abs=1e-6)
    pd.testing.assert_frame_equal(a.service, b.service, rtol=1e-6, atol=1e-6)
    assert seen and max(seen) <= o2opt.solve.COST_TARGET  # the solver saw scaled costs


def test_everyday_costs_reach_the_solver_unscaled():
    lm = o2opt.model.build(o2opt.read_network(o2opt.datasets.demo_folder()))
    assert o2opt.solve.cost_scale(lm.cost) == 1.0


def test_from_frames_model_must_be_a_mapping():
    with pytest.raises(o2opt.InputError, match="must be a mapping"):
        o2opt.from_frames(hospitals(), model="horizon_days=3")


def test_sweep_grid_threads_beyond_the_limit_exits_2(tmp_path):
    folder = network().to_folder(tmp_path / "scenario")
    out = tmp_path / "out"
    proc = run("sweep", str(folder), "--out", str(out), "--grid", "threads=1,100000")
    assert_refused(proc, "threads", "<= 256")
    assert not out.exists()


def test_byte_string_ids_are_decoded_not_quoted():
    """Ids read as bytes (from HDF5 or some database drivers) are the same ids as text."""
    raw = hospitals(id=[b"H1", "H2"])
    raw_stations = pd.DataFrame({"id": [b"S1"], "lat": [33.35], "lon": [44.45],
                                 "fill_capacity_cyl_day": [100.0]})
    producers = pd.DataFrame({"id": [np.bytes_(b"P1")], "lat": [33.5], "lon": [44.5],
                              "capacity_m3_day": [1000.0]})
    net = o2opt.from_frames(raw, stations=raw_stations, producers=producers)
    assert net.hospitals["id"].tolist() == ["H1", "H2"]
    assert net.stations["id"].tolist() == ["S1"]
    assert net.producers["id"].tolist() == ["P1"]
    served = o2opt.optimize(net).service
    assert set(served["hospital"]) == {"H1", "H2"}
