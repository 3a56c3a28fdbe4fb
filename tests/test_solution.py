"""Result tables, summary.json and result folders (docs/model.md, "Results")."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt.testing import assert_costs_consistent, assert_solution_feasible

RESULT_FILES = {"summary.json", "deliveries.csv", "bulk.csv", "service.csv", "sites.csv",
                "utilization.csv"}


@pytest.fixture(scope="module")
def demo_solution() -> o2opt.Solution:
    return o2opt.optimize(o2opt.read_network(o2opt.datasets.demo_folder()))


def test_demo_solution_is_feasible_and_priced(demo_solution):
    assert demo_solution.status == "optimal"
    assert_solution_feasible(demo_solution)
    assert_costs_consistent(demo_solution)


def test_summary_has_every_field_of_the_contract(demo_solution):
    s = demo_solution.summary()
    for key in ("status", "objective", "mip_gap", "cost", "demand_m3", "delivered_m3",
                "unmet_m3", "opened", "solver", "seconds", "variables", "constraints"):
        assert key in s
    assert set(s["cost"]) == {"unmet_penalty", "transport", "production", "filling", "fixed"}
    assert set(s["seconds"]) >= {"load", "build", "solve", "write"}
    assert s["mip_gap"] is not None and s["mip_gap"] <= 1e-6  # the demo has candidates
    assert s["demand_m3"] == pytest.approx(s["delivered_m3"] + s["unmet_m3"], rel=1e-9) or \
        s["delivered_m3"] + s["unmet_m3"] >= s["demand_m3"]


def test_to_folder_writes_exactly_the_contract_files(demo_solution, tmp_path):
    out = demo_solution.to_folder(tmp_path / "out")
    short = (demo_solution.service["unmet_m3"] > 0).any()  # the demo is short: the reasons
    assert short and {p.name for p in out.iterdir()} == RESULT_FILES | {"shortfalls.csv"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["objective"] == pytest.approx(demo_solution.objective)
    columns = {
        "deliveries.csv": ["source", "hospital", "day", "cylinders", "m3", "km", "cost"],
        "bulk.csv": ["producer", "station", "day", "m3", "km", "cost"],
        "service.csv": ["hospital", "day", "demand_m3", "delivered_m3", "unmet_m3"],
        "sites.csv": ["candidate", "opened"],
        "utilization.csv": ["facility", "kind", "day", "used", "capacity"],
    }
    for name, expected in columns.items():
        got = list(pd.read_csv(out / name).columns)
        assert got[: len(expected)] == expected, name
    sites = pd.read_csv(out / "sites.csv")
    assert sites.loc[sites["opened"], "candidate"].tolist() == summary["opened"]


def test_to_folder_replaces_an_earlier_result_but_nothing_else(demo_solution, tmp_path):
    out = tmp_path / "out"
    demo_solution.to_folder(out)
    demo_solution.to_folder(out, map_png=True)  # an o2opt result: replaced
    assert (out / "map.png").is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me")
    with pytest.raises(o2opt.OutputError, match="not empty"):
        demo_solution.to_folder(mine)
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert (mine / "notes.txt").read_text() == "keep me"


def test_a_crash_while_writing_leaves_nothing_behind(demo_solution, tmp_path, monkeypatch):
    out = tmp_path / "out"

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("o2opt.solution.write_csv", boom)
    with pytest.raises(RuntimeError, match="disk on fire"):
        demo_solution.to_folder(out)
    assert list(tmp_path.iterdir()) == []  # no result, no temporary folder


def test_a_crash_keeps_the_previous_result(demo_solution, tmp_path, monkeypatch):
    out = tmp_path / "out"
    demo_solution.to_folder(out)
    before = (out / "summary.json").read_text()
    monkeypatch.setattr("o2opt.solution.write_csv", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        demo_solution.to_folder(out)
    assert (out / "summary.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_infeasible_result_folder_has_only_the_summary(tmp_path):
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [34.0]})
    sol = o2opt.optimize(network(producers=p, allow_unmet=False))
    out = sol.to_folder(tmp_path / "out")
    assert [f.name for f in out.iterdir()] == ["summary.json"]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert summary["objective"] is None
    assert "H1" in summary["message"]


def test_geodataframes_and_map(demo_solution):
    g = demo_solution.to_geodataframes()
    assert set(g) == {"facilities", "deliveries", "bulk"}
    assert g["deliveries"].crs.to_epsg() == 4326
    assert (g["deliveries"].geom_type == "LineString").all()
    assert g["deliveries"]["m3"].sum() == pytest.approx(demo_solution.deliveries["m3"].sum())
    kinds = set(g["facilities"]["kind"])
    assert kinds == {"hospital", "producer", "station", "candidate"}
    ax = demo_solution.plot_map()
    assert ax.get_title().startswith("optimal")
    assert len(ax.collections) >= 5


def test_time_limited_milp_is_not_called_optimal(shared_data, tmp_path):
    """A MILP stopped by its time limit is 'feasible' with its gap, or 'no_solution'."""
    from benchmarks.instances import orlib_to_folder, read_orlib_cflp

    inst = read_orlib_cflp(shared_data / "benchmarks/orlib-cflp/capb.txt", capacity=5000)
    net = o2opt.read_network(orlib_to_folder(inst, tmp_path / "capb"))
    sol = o2opt.optimize(net, time_limit_s=0.5)
    assert sol.status in {"feasible", "no_solution"}
    if sol.status == "feasible":
        assert sol.mip_gap is not None and sol.mip_gap > 1e-6
        assert_solution_feasible(sol)


@pytest.mark.parametrize(("solver", "backend"), [("highs", "highspy"), ("highs", "pulp"),
                                                 ("cbc", "pulp")])
def test_status_is_optimal_only_when_the_gap_is_proven(solver, backend):
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    sol = o2opt.optimize(net, solver=solver, backend=backend, mip_gap=0.3)
    assert sol.mip_gap is not None
    assert (sol.status == "optimal") == (sol.mip_gap <= 1e-6)
    assert sol.status in {"optimal", "feasible"}
