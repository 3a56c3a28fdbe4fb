"""optimize(progress=...): one updating line on stderr, on only when someone watches."""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt import datasets, progress
from o2opt.demand import with_demand


@pytest.fixture(scope="module")
def days_net() -> o2opt.Network:
    """Four days, no candidate sites (so the days are solved separately), two of them the
    same: three distinct day blocks."""
    net = o2opt.read_network(datasets.demo_folder())
    net = net.replace(candidates=net.candidates.iloc[:0])
    h = net.hospitals
    factor = [1.0, 1.5, 1.0, 2.0]
    daily = pd.DataFrame({"hospital": np.tile(h["id"], 4), "day": np.repeat(range(4), len(h)),
                          "demand_m3": np.concatenate([h["demand_m3_day"] * f for f in factor])})
    return with_demand(net, daily=daily)


def test_progress_line_counts_day_blocks(days_net, capsys):
    sol = o2opt.optimize(days_net, progress=True, threads=1)
    err = capsys.readouterr().err
    assert sol.status == "optimal"
    last = err.rstrip("\n").split("\r")[-1]
    assert last.startswith("o2opt: solving: 3/3 day blocks (100 %)"), err
    assert err.endswith("\n") and err.count("\n") == 1


def test_progress_off_and_auto_when_not_watched(days_net, capsys, monkeypatch):
    o2opt.optimize(days_net, progress=False)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())  # not a terminal, not Jupyter
    monkeypatch.delitem(sys.modules, "IPython", raising=False)
    assert progress.interactive() is False
    o2opt.optimize(days_net)  # progress=None: auto
    assert sys.stderr.getvalue() == ""


def test_auto_is_on_in_a_terminal(monkeypatch):
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    assert progress.interactive() is True
    assert isinstance(progress.progress_line(None), progress.ProgressLine)
    assert progress.progress_line(False) is None


def test_stages_are_named(days_net, capsys):
    net = o2opt.read_network(datasets.demo_folder()).with_model(objective="lexicographic")
    o2opt.optimize(net, progress=True)
    err = capsys.readouterr().err
    assert "stage 1 of 2" in err and "stage 2 of 2" in err
    assert err.rstrip("\n").split("\r")[-1].startswith("o2opt: solving (least cost, stage 2")
