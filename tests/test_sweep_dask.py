"""Sweeps on a real Dask cluster (``LocalCluster`` with two worker processes): the same
results as a local run, a worker killed mid-sweep, and ``o2opt sweep --scheduler``."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys

import pandas as pd
import pytest

import o2opt
from o2opt.sweeps import grid, read_results, sweep

distributed = pytest.importorskip("distributed")

RUN_DEPENDENT = ["seconds", "worker"]


@pytest.fixture(scope="module")
def client():
    with contextlib.ExitStack() as stack:
        cluster = stack.enter_context(distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
            silence_logs=logging.ERROR))
        yield stack.enter_context(distributed.Client(cluster))


@pytest.fixture(scope="module")
def demo() -> o2opt.Network:
    return o2opt.read_network(o2opt.datasets.demo_folder())


@pytest.fixture(scope="module")
def specs():
    return grid({"demand_multiplier": [1, 1.5], "budget": [0, 200, 400],
                 "outage:p-baghdad-asu": ["", "0"]})


@pytest.fixture(scope="module")
def local(demo, specs) -> pd.DataFrame:
    return sweep(demo, specs, workers=2)


def test_dask_gives_the_same_results_as_a_local_pool(client, demo, specs, local, tmp_path):
    df = sweep(demo, specs, executor=client.get_executor(), store=tmp_path / "store")
    pd.testing.assert_frame_equal(df.drop(columns=RUN_DEPENDENT),
                                  local.drop(columns=RUN_DEPENDENT), check_exact=True)
    pids = set(client.run(os.getpid).values())
    assert {int(w.rsplit(":", 1)[1]) for w in df["worker"]} <= pids  # solved on the workers
    assert len(list((tmp_path / "store").glob("*.json"))) == len(specs) + 1


def test_a_worker_killed_mid_sweep_has_its_scenarios_rerun(client, demo, specs, local):
    pids = client.run(os.getpid)  # worker address -> pid
    killed = []

    def kill_a_worker(progress):
        if progress.done and not killed:
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)  # the nanny starts a new one
            killed.append(pid)

    df = sweep(demo, specs, executor=client.get_executor(), progress=kill_a_worker)
    assert killed
    assert (df["status"] == "optimal").all()
    pd.testing.assert_frame_equal(df.drop(columns=RUN_DEPENDENT),
                                  local.drop(columns=RUN_DEPENDENT), check_exact=True)
    client.wait_for_workers(2, timeout=60)


def test_command_with_scheduler(client, demo, specs, local, tmp_path):
    folder = demo.to_folder(tmp_path / "net")
    proc = subprocess.run(
        [sys.executable, "-m", "o2opt", "sweep", str(folder), "--grid", "demand_multiplier=1,1.5",
         "--grid", "budget=0,200,400", "--grid", "outage:p-baghdad-asu=none,0",
         "--out", str(tmp_path / "out"), "--scheduler", client.scheduler.address],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "Dask scheduler" in proc.stderr and "12/12" in proc.stderr
    df = read_results(tmp_path / "out" / "sweep.csv")
    assert df["scenario"].tolist() == local["scenario"].tolist()
    assert df["objective"].tolist() == local["objective"].tolist()  # exactly, via CSV
    assert df["opened"].tolist() == local["opened"].tolist()


def test_unreachable_scheduler_is_a_clear_error(tmp_path, demo, capsys):
    import dask

    from o2opt.cli import main

    folder = demo.to_folder(tmp_path / "net")
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        code = main(["sweep", str(folder), "--grid", "budget=0", "--out", str(tmp_path / "out"),
                     "--scheduler", "tcp://127.0.0.1:9"])
    assert code == 2
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err


def test_the_network_is_sent_to_every_worker_once(client, demo):
    from concurrent.futures import ThreadPoolExecutor

    from o2opt.sweeps.run import Task, _broadcast, network_payload, run_task

    payload = network_payload(demo)
    shared = _broadcast(client.get_executor(), payload)
    assert isinstance(shared, distributed.Future)
    assert len(client.who_has([shared])[shared.key]) == 2  # on both workers already
    with ThreadPoolExecutor(1) as pool:
        assert _broadcast(pool, payload) is None  # elsewhere it goes with each task
    spec = grid({"budget": [200]})[0]
    light = Task(spec.id, spec.to_dict(), {}, "fp-test", 0)  # no network inside the task
    record = client.get_executor().submit(run_task, light, shared).result()
    alone = run_task(Task(spec.id, spec.to_dict(), payload, "fp-test-2", 0))
    assert record["status"] == alone["status"] == "optimal"
    assert record["objective"] == pytest.approx(alone["objective"], rel=1e-12)
