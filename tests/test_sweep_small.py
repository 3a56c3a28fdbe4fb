"""Small default sweeps run in this process; larger ones start a pool lazily and keep it."""

from __future__ import annotations

import os

import pytest

import o2opt
from o2opt.sweeps import grid, run, sweep


@pytest.fixture(scope="module")
def demo() -> o2opt.Network:
    return o2opt.read_network(o2opt.datasets.demo_folder())


@pytest.fixture(autouse=True)
def _no_kept_pool():
    run.close_default_pool()
    yield
    run.close_default_pool()


def _pids(df):
    return {int(w.rsplit(":", 1)[1]) for w in df["worker"]}


def test_small_default_sweep_stays_in_this_process(demo):
    specs = grid({"demand_multiplier": [1, 1.5, 2]})
    seen = []
    df = sweep(demo, specs, progress=lambda p: seen.append((p.done, p.running)))
    assert (df["status"] == "optimal").all()
    assert _pids(df) == {os.getpid()}
    assert run._default_pool(start=False) is None  # no worker process was started
    assert seen[0] == (0, 0) and seen[-1] == (3, 0) and len(seen) == 4
    # the same answers as a pool of processes
    pooled = sweep(demo, specs, workers=2)
    assert os.getpid() not in _pids(pooled)
    assert pooled["objective"].tolist() == pytest.approx(df["objective"].tolist())


def test_larger_work_starts_a_pool_for_the_rest_and_keeps_it(demo, monkeypatch):
    monkeypatch.setattr(run, "POOL_START_S", 0.0)  # any work left is worth a pool
    specs = grid({"demand_multiplier": [1, 1.25, 1.5, 2]})
    first = sweep(demo, specs)
    by_pid = first["worker"].map(lambda w: int(w.rsplit(":", 1)[1]))
    assert by_pid.iloc[0] == os.getpid()  # the first, to measure the work
    assert os.getpid() not in set(by_pid.iloc[1:])  # the rest in worker processes
    pool = run._default_pool(start=False)
    assert pool is not None
    again = sweep(demo, grid({"demand_multiplier": [3, 4]}))
    assert run._default_pool(start=False) is pool  # reused, not started again
    assert os.getpid() not in _pids(again)
    run.close_default_pool()
    assert run._default_pool(start=False) is None
