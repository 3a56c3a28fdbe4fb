"""Sweeps on local executors: results, the store, resume, failures, dying workers, and the
``o2opt sweep`` command killed with SIGKILL and started again."""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import o2opt
from o2opt.cli import main
from o2opt.sweeps import (
    Outage,
    ScenarioSpec,
    Store,
    apply_scenario,
    grid,
    read_results,
    sweep,
)
from o2opt.sweeps import run as sweep_run
from o2opt.sweeps.run import Task, network_fingerprint, network_payload, run_task
from o2opt.testing import assert_network_equal

RUN_DEPENDENT = ["seconds", "worker"]  # the only columns allowed to differ between runs


@pytest.fixture(scope="module")
def demo() -> o2opt.Network:
    return o2opt.read_network(o2opt.datasets.demo_folder())


@pytest.fixture(scope="module")
def specs() -> list[ScenarioSpec]:
    return grid({"demand_multiplier": [1, 1.5], "budget": [0, 200, 400],
                 "outage:p-baghdad-asu": ["", "0"]})


@pytest.fixture(scope="module")
def reference(demo, specs) -> pd.DataFrame:
    """The same scenarios solved one by one in this process, without the sweep machinery."""
    rows = []
    for spec in specs:
        s = o2opt.optimize(apply_scenario(demo, spec)).summary()
        rows.append({"scenario": spec.id, "status": s["status"], "objective": s["objective"],
                     "unmet_m3": s["unmet_m3"], "opened": ";".join(s["opened"])})
    return pd.DataFrame(rows)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.drop(columns=RUN_DEPENDENT),
                                  b.drop(columns=RUN_DEPENDENT))


def test_default_process_pool_matches_solving_one_by_one(demo, specs, reference):
    df = sweep(demo, specs, workers=2)
    assert list(df.columns[:5]) == ["scenario", "label", "budget", "demand_multiplier",
                                    "outage:p-baghdad-asu"]
    assert list(df.columns[5:]) == list(sweep_run.RESULT_COLUMNS)
    assert df["scenario"].tolist() == [s.id for s in specs]
    pd.testing.assert_frame_equal(df[reference.columns], reference, check_exact=True)
    assert df["budget"].tolist() == [0.0, 0.0, 200.0, 200.0, 400.0, 400.0] * 2
    assert (df["cost_fixed"] <= df["budget"] + 1e-9).all()
    parts = df[[c for c in df.columns if c.startswith("cost_")]].sum(axis=1)
    assert parts.to_numpy() == pytest.approx(df["objective"].to_numpy(), rel=1e-12)
    assert df["worker"].nunique() >= 1 and (df["seconds"] > 0).all()


def test_work_is_plain_data(demo, specs):
    payload = network_payload(demo)
    json.dumps(payload)  # nothing but JSON data
    fp = network_fingerprint(payload)
    assert fp == network_fingerprint(network_payload(sweep_run._network(payload, fp)))
    assert_network_equal(sweep_run._network(payload, fp), demo)
    record = run_task(Task(specs[1].id, specs[1].to_dict(), payload, fp))
    json.dumps(record, allow_nan=False)
    assert record["status"] == "optimal" and record["error"] is None


def test_store_resume_skips_finished_scenarios(demo, specs, tmp_path, monkeypatch):
    store = tmp_path / "store"
    with ThreadPoolExecutor(2) as ex:
        first = sweep(demo, specs[:5], executor=ex, store=store)
    files = {p.name: p.read_bytes() for p in store.glob("*.json")}
    assert len(files) == 6  # five records and meta.json

    solved: list[str] = []
    real = sweep_run.run_task
    monkeypatch.setattr(sweep_run, "run_task", lambda t: solved.append(t.scenario) or real(t))
    seen = []
    with ThreadPoolExecutor(2) as ex:
        again = sweep(demo, specs, executor=ex, store=store, progress=seen.append)
    assert solved and set(solved) == {s.id for s in specs[5:]}
    assert seen[0].from_store == 5 and seen[0].remaining == len(specs) - 5
    assert seen[-1].remaining == 0 and seen[-1].done == len(specs)
    assert {p.name: p.read_bytes() for p in store.glob("*.json") if p.name in files} == files
    same(again.iloc[:5].reset_index(drop=True), first)
    pd.testing.assert_frame_equal(again.iloc[:5][RUN_DEPENDENT].reset_index(drop=True),
                                  first[RUN_DEPENDENT])  # read back, not solved again


def test_a_store_belongs_to_one_network(demo, specs, tmp_path):
    with ThreadPoolExecutor(1) as ex:
        sweep(demo, specs[:1], executor=ex, store=tmp_path / "s")
        with pytest.raises(o2opt.OutputError, match="another base network"):
            sweep(demo.with_model(circuity=1.4), specs[:1], executor=ex, store=tmp_path / "s")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(o2opt.OutputError, match="not an o2opt sweep store"):
        Store.open(tmp_path / "other", "x")


def test_bad_scenarios_fail_before_anything_is_solved(demo, tmp_path):
    with pytest.raises(o2opt.InputError, match="did you mean 'p-baghdad-asu'"):
        sweep(demo, [ScenarioSpec(outages=[Outage("p-bagdad-asu")])], store=tmp_path / "s")
    assert not (tmp_path / "s").exists()


def test_a_failing_scenario_is_recorded_and_the_sweep_goes_on(demo, specs, tmp_path,
                                                               monkeypatch, caplog):
    bad = specs[2]
    real = sweep_run.apply_scenario

    def apply(network, spec):
        if spec == bad:
            raise RuntimeError("solver exploded")
        return real(network, spec)

    monkeypatch.setattr(sweep_run, "apply_scenario", apply)
    store = tmp_path / "store"
    with ThreadPoolExecutor(2) as ex, caplog.at_level(logging.WARNING, "o2opt"):
        df = sweep(demo, specs[:6], executor=ex, store=store)
    row = df.set_index("scenario").loc[bad.id]
    assert row["status"] == "error" and row["error"] == "RuntimeError: solver exploded"
    assert pd.isna(row["objective"])
    assert (df.drop(index=2)["status"] == "optimal").all()
    record = json.loads((store / f"{bad.id}.json").read_text())
    assert record["error_kind"] == "scenario" and "solver exploded" in record["traceback"]
    assert "failed: RuntimeError: solver exploded" in caplog.text

    monkeypatch.setattr(sweep_run, "apply_scenario", real)  # fixed; a plain rerun keeps it
    with ThreadPoolExecutor(2) as ex:
        assert sweep(demo, specs[:6], executor=ex, store=store)["status"].iloc[2] == "error"
        fixed = sweep(demo, specs[:6], executor=ex, store=store, retry_failed=True)
    assert (fixed["status"] == "optimal").all()


def test_a_dying_pool_process_has_its_scenario_solved_again(demo, specs, reference, caplog):
    killed = []

    def kill_a_worker(progress):
        if progress.done and not killed:
            children = multiprocessing.active_children()
            os.kill(children[0].pid, signal.SIGKILL)
            killed.append(children[0].pid)

    with caplog.at_level(logging.WARNING, "o2opt"):
        df = sweep(demo, specs, workers=2, progress=kill_a_worker)
    assert killed
    assert "worker process died; starting a new pool" in caplog.text
    pd.testing.assert_frame_equal(df[reference.columns], reference, check_exact=True)


def test_a_worker_failing_every_time_is_given_up_but_not_stored(demo, specs, tmp_path):
    class Broken(ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            if args and args[0].scenario == specs[0].id:
                return super().submit(_boom)
            return super().submit(fn, *args, **kwargs)

    with Broken(2) as ex:
        df = sweep(demo, specs[:3], executor=ex, store=tmp_path / "s", max_attempts=2)
    assert df["status"].tolist() == ["error", "optimal", "optimal"]
    assert "worker failed 2 time(s)" in df["error"].iloc[0]
    assert not (tmp_path / "s" / f"{specs[0].id}.json").exists()  # retried next time


def _boom():
    raise ConnectionError("lost the worker")


# --------------------------------------------------------------------------- the command
def o2opt_sweep(*args: str, log: Path) -> subprocess.Popen:
    """Start ``o2opt sweep`` in its own session, output to a file (not a pipe that a
    stray process could hold open)."""
    with log.open("a") as f:
        return subprocess.Popen([sys.executable, "-m", "o2opt", "sweep", *args],
                                stdout=f, stderr=subprocess.STDOUT, start_new_session=True)


GRID = ["--grid", "demand_multiplier=1,1.5", "--grid", "budget=0,100,200,300,400,800",
        "--grid", "outage:p-baghdad-asu=none,0"]


def test_sweep_killed_with_sigkill_resumes_to_identical_results(tmp_path):
    """SIGKILL the command (driver only: its pool must not outlive it) after a few
    scenarios are stored; start it again; compare with an uninterrupted run."""
    folder = o2opt.read_network(o2opt.datasets.demo_folder()).to_folder(tmp_path / "net")
    out = tmp_path / "killed"
    log = tmp_path / "killed.log"
    proc = o2opt_sweep(str(folder), *GRID, "--out", str(out), "--workers", "1", log=log)
    store = out / "store"
    deadline = time.monotonic() + 120
    try:
        while len(list(store.glob("*.json"))) < 4:  # meta.json and three records
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)  # the driver only: its pool must follow it
        proc.wait()
        lingering = True
        for _ in range(150):  # the session (fork server, pool workers) empties by itself
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                lingering = False
                break
            time.sleep(0.1)
    finally:
        with contextlib.suppress(ProcessLookupError):  # nothing of the session may linger
            os.killpg(proc.pid, signal.SIGKILL)
    assert not lingering, "pool processes outlived the killed driver"
    finished = {p.name: p.read_bytes() for p in store.glob("*.json") if p.name != "meta.json"}
    assert 3 <= len(finished) < 24 and not (out / "sweep.csv").exists()

    resumed = subprocess.run([sys.executable, "-m", "o2opt", "sweep", str(folder), *GRID,
                              "--out", str(out), "--workers", "2"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(finished)} already in the store, {24 - len(finished)} to solve" \
        in resumed.stderr
    assert "24 remaining" not in resumed.stderr and "24/24" in resumed.stderr
    assert {n: (store / n).read_bytes() for n in finished} == finished  # not solved again

    assert main(["sweep", str(folder), *GRID, "--out", str(tmp_path / "whole"), "-q"]) == 0
    same(read_results(out / "sweep.csv"), read_results(tmp_path / "whole" / "sweep.csv"))
    assert (out / "sweep.csv").read_text().count("\n") == 25
    for name in ("scenarios.csv", "opening_frequency.csv", "pareto.csv"):
        assert (out / name).read_bytes() == (tmp_path / "whole" / name).read_bytes()


@pytest.mark.slow
def test_sweep_killed_again_and_again_ends_identical(tmp_path):
    """Kill at random moments (startup, mid-write, while writing sweep.csv) until done."""
    import random

    folder = o2opt.read_network(o2opt.datasets.demo_folder()).to_folder(tmp_path / "net")
    grid_args = [*GRID, "--grid", "max_new_sites=1,2,3"]
    rng = random.Random(4)
    out = tmp_path / "killed"
    for _ in range(40):
        proc = o2opt_sweep(str(folder), *grid_args, "--out", str(out), "--workers", "2",
                           log=tmp_path / "killed.log")
        try:
            proc.wait(timeout=rng.uniform(0.5, 4.0))
        except subprocess.TimeoutExpired:
            proc.kill()  # the driver only; its pool must follow it
            proc.wait()
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        if proc.returncode == 0:
            break
    assert proc.returncode == 0
    assert main(["sweep", str(folder), *grid_args, "--out", str(tmp_path / "whole"), "-q"]) == 0
    same(read_results(out / "sweep.csv"), read_results(tmp_path / "whole" / "sweep.csv"))


def test_command_writes_tables_charts_and_exit_codes(tmp_path, monkeypatch, capsys):
    folder = o2opt.read_network(o2opt.datasets.demo_folder()).to_folder(tmp_path / "net")
    table = tmp_path / "scenarios.csv"
    table.write_text("label,outage:p-baghdad-asu,surge:Baghdad\n"
                     "base,,\nBaghdad plant down,all,\nBaghdad surge,,1.5\n")
    # threads instead of processes, so that a failure can be planted in this process
    monkeypatch.setattr(sweep_run, "local_executor", lambda workers: ThreadPoolExecutor(2))
    real = sweep_run.apply_scenario

    def apply(network, spec):
        if spec.label == "Baghdad surge, budget=0":
            raise ValueError("planted failure")
        return real(network, spec)

    monkeypatch.setattr(sweep_run, "apply_scenario", apply)
    out = tmp_path / "out"
    code = main(["sweep", str(folder), "--scenarios", str(table), "--grid", "budget=0,400",
                 "--out", str(out), "--robust", "expected"])
    captured = capsys.readouterr()
    assert code == 1, captured.err
    assert "1 scenario(s) failed" in captured.err and "5 done, 1 failed" in captured.err
    df = read_results(out / "sweep.csv")
    assert df["label"].tolist() == [
        "base, budget=0", "base, budget=400", "Baghdad plant down, budget=0",
        "Baghdad plant down, budget=400", "Baghdad surge, budget=0", "Baghdad surge, budget=400"]
    assert df.loc[4, "error"] == "ValueError: planted failure"
    for name in ("scenarios.csv", "sweep.csv", "opening_frequency.csv", "opening_frequency.png",
                 "pareto.csv", "pareto.png", "robust_plans.csv", "robust_evaluations.csv",
                 "robust.png"):
        assert (out / name).stat().st_size > 100, name
    plans = pd.read_csv(out / "robust_plans.csv")
    assert plans["chosen"].sum() == 1 and plans["chosen"].iloc[0]

    monkeypatch.setattr(sweep_run, "apply_scenario", real)
    assert main(["sweep", str(folder), "--scenarios", str(table), "--grid", "budget=0,400",
                 "--out", str(out), "--retry-failed", "-q"]) == 0
    assert (read_results(out / "sweep.csv")["status"] == "optimal").all()


@pytest.mark.parametrize(("args", "message"), [
    ([], "give the scenarios"),
    (["--grid", "budgett=1"], "did you mean 'budget'"),
    (["--grid", "outage:nowhere=0"], "is not a producer, station or candidate"),
    (["--scenarios", "missing.csv"], "cannot be read"),
])
def test_command_bad_input_exits_2_and_writes_nothing(tmp_path, capsys, args, message):
    folder = o2opt.read_network(o2opt.datasets.demo_folder()).to_folder(tmp_path / "net")
    assert main(["sweep", str(folder), *args, "--out", str(tmp_path / "out")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_command_refuses_a_folder_that_is_not_a_sweep(tmp_path, capsys):
    folder = o2opt.read_network(o2opt.datasets.demo_folder()).to_folder(tmp_path / "net")
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    assert main(["sweep", str(folder), "--grid", "budget=0", "--out", str(out)]) == 2
    assert "does not hold an o2opt sweep" in capsys.readouterr().err
    assert [p.name for p in Path(out).iterdir()] == ["precious.txt"]
