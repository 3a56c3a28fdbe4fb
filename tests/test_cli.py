"""The ``o2opt`` command: exit codes, files written, messages (docs/model.md, "Results")."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest
from test_model import network

import o2opt
from o2opt.cli import main


@pytest.fixture()
def folder(tmp_path):
    return network().to_folder(tmp_path / "scenario")


def run(*args: str, cwd=None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "o2opt", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_solve_writes_results_and_exits_0(folder, tmp_path):
    proc = run("solve", str(folder), "--out", str(tmp_path / "out"), "--map")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "optimal"
    assert summary["objective"] == pytest.approx(72.6)
    assert summary["seconds"]["load"] > 0 and summary["seconds"]["write"] > 0
    assert (tmp_path / "out" / "map.png").stat().st_size > 10_000
    assert "optimal" in proc.stdout


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_solver_option(folder, tmp_path, solver, capsys):
    assert main(["solve", str(folder), "--out", str(tmp_path / solver), "--solver", solver,
                 "-q"]) == 0
    summary = json.loads((tmp_path / solver / "summary.json").read_text())
    assert summary["solver"].startswith(solver)
    assert summary["objective"] == pytest.approx(72.6)


def test_infeasible_exits_1_with_a_reason(tmp_path, capsys):
    p = pd.DataFrame({"id": ["P1"], "lat": [34.0], "lon": [44.0], "capacity_m3_day": [34.0]})
    folder = network(producers=p, allow_unmet=False).to_folder(tmp_path / "scenario")
    assert main(["solve", str(folder), "--out", str(tmp_path / "out"), "-q"]) == 1
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["status"] == "infeasible"
    assert "H1" in summary["message"]
    assert "infeasible" in capsys.readouterr().err


def test_bad_input_exits_2_and_writes_nothing(folder, tmp_path):
    (folder / "hospitals.csv").write_text("id,lat,lon,demand_m3_day\nH1,33,44,-5\n")
    out = tmp_path / "out"
    proc = run("solve", str(folder), "--out", str(out))
    assert proc.returncode == 2
    assert "hospitals.csv, column demand_m3_day, line 2 (id H1): must be >= 0" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not out.exists()


def test_a_foreign_output_folder_is_refused_before_solving(folder, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "budget.xlsx").write_text("precious")
    assert main(["solve", str(folder), "--out", str(out), "-q"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["budget.xlsx"]


def test_validate(folder, capsys):
    assert main(["validate", str(folder), "-q"]) == 0
    assert "1 hospitals" in capsys.readouterr().out
    (folder / "scenario.toml").write_text("[model]\nhorizon_day = 2\n")
    assert main(["validate", str(folder), "-q"]) == 2
    assert "did you mean 'horizon_days'" in capsys.readouterr().err


def test_demo_writes_summary_and_map_to_the_current_folder(tmp_path):
    proc = run("demo", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = tmp_path / "o2opt-demo"
    assert json.loads((out / "summary.json").read_text())["status"] == "optimal"
    assert (out / "map.png").is_file()
    assert {"deliveries.csv", "service.csv", "sites.csv"} <= {p.name for p in out.iterdir()}


def test_version():
    proc = run("--version")
    assert proc.returncode == 0 and o2opt.__version__ in proc.stdout


def test_summary_records_the_scenario_and_report_finds_it(folder, tmp_path):
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"] == str(folder.resolve())
    assert main(["report", str(out), "--html", str(tmp_path / "r.html"), "-q"]) == 0
    assert "<html" in (tmp_path / "r.html").read_text(encoding="utf-8").lower()


def test_the_command_line_opts_out_of_huge_pages(monkeypatch):
    import numpy as np

    import o2opt.cli as cli

    setter = np._core.multiarray._set_madvise_hugepage
    before = setter(True)
    try:
        main(["validate", str(o2opt.datasets.demo_folder())])
        assert setter(True) is True  # main() called from Python leaves it alone
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's choice wins
        cli._no_huge_page_stalls()
        assert setter(True) is True
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE")
        cli._no_huge_page_stalls()
        assert setter(True) is False  # it had been switched off
    finally:
        setter(before)


def test_import_leaves_heavy_optional_modules_alone():
    code = ("import sys, o2opt; heavy = ['pulp', 'o2opt.sweeps', 'o2opt.charts', "
            "'o2opt.report']; print([m for m in heavy if m in sys.modules]); "
            "print(callable(o2opt.sweep), o2opt.charts.__name__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]" and out[1] == "True o2opt.charts"


def test_command_line_parser_leaves_the_sweep_machinery_alone():
    # the parser declares `o2opt sweep`; solving one scenario must not pay for the rest
    code = ("import sys; from o2opt.cli import _parser; _parser(); "
            "heavy = ['o2opt.sweeps.run', 'o2opt.sweeps.decisions', 'o2opt.sweeps.scenarios', "
            "'o2opt.sweeps.store', 'pulp']; print([m for m in heavy if m in sys.modules]); "
            "from o2opt.sweeps import grid, Store; print(grid.__module__, Store.__module__)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split("\n")
    assert out[0] == "[]"
    assert out[1] == "o2opt.sweeps.scenarios o2opt.sweeps.store"


def test_entry_point_freezes_startup_objects_and_exits_with_mains_status(monkeypatch):
    import gc

    import o2opt.cli as cli

    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    monkeypatch.setattr(cli, "_reuse_freed_memory", lambda: frozen.append("malloc"))
    monkeypatch.setattr(cli, "_no_huge_page_stalls", lambda: frozen.append("pages"))
    monkeypatch.setattr(cli, "main", lambda: 3)
    with pytest.raises(SystemExit) as exit_:
        cli.run()
    assert exit_.value.code == 3 and frozen == [True, "malloc", "pages"]


def test_console_script_and_module_share_the_entry_point():
    import tomllib
    from pathlib import Path

    text = (Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8")
    assert tomllib.loads(text)["project"]["scripts"]["o2opt"] == "o2opt.cli:run"
    proc = run("--version")  # python -m o2opt
    assert proc.returncode == 0 and proc.stdout.startswith("o2opt ")


def test_entry_point_lets_glibc_reuse_freed_arrays(monkeypatch):
    import ctypes

    import o2opt.cli as cli

    calls = []

    class FakeMallopt:
        argtypes = restype = None

        def __call__(self, option, value):
            calls.append((option, value))
            return 1

    class FakeLibc:
        mallopt = FakeMallopt()

    monkeypatch.setattr(ctypes, "CDLL", lambda name: FakeLibc())
    cli._reuse_freed_memory()
    assert dict(calls) == {-3: 32 << 20, -1: (1 << 31) - 1, -2: 64 << 20}
    assert FakeLibc.mallopt.argtypes == [ctypes.c_int, ctypes.c_int]  # values fit a C int

    class NotGlibc:  # no mallopt (macOS, musl without it): nothing happens, no error
        pass

    monkeypatch.setattr(ctypes, "CDLL", lambda name: NotGlibc())
    cli._reuse_freed_memory()
