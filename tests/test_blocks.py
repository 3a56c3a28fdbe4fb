"""The block interface of the model builder (o2opt.model.blocks) and the day split it
decides (docs/architecture.md, "How to add a block")."""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

import o2opt
from o2opt.decompose import coupling_blocks, split_days
from o2opt.model import builder
from o2opt.model.blocks import Block, Cylinders, Sites
from o2opt.synthetic import synthetic_tables

DAYS = 3


def _net(**kwargs) -> o2opt.Network:
    t = synthetic_tables(40, 3, 2, horizon_days=DAYS, seed=4, **kwargs)
    model = t.pop("model")
    return o2opt.from_frames(**t, model=model)


# A newcomer's block: a reserve r[t] >= 1 m3 bought each day at 2 per m3 (one column and
# one row per day). Declared as not coupling days, and as coupling them.
@dataclass(frozen=True, eq=False)
class Reserve(Block):
    name: ClassVar[str] = "reserve"
    columns: ClassVar[tuple[str, ...]] = ("r",)
    row_names: ClassVar[tuple[str, ...]] = ("reserve",)

    r: np.ndarray
    r_day: np.ndarray

    def column_day(self) -> np.ndarray:
        return self.r_day


@dataclass(frozen=True, eq=False)
class CarriedReserve(Reserve):
    couples_days: ClassVar[bool] = True


@dataclass(frozen=True, eq=False)
class DaylessReserve(Reserve):
    def column_day(self) -> None:  # a block that does not couple days must give days
        return None


def _with_block(monkeypatch, kind: type[Reserve], declare_rows: bool = True) -> None:
    def columns(ctx: builder.Context) -> None:
        days = np.arange(ctx.n_days)
        r = ctx.columns.add("r", len(days), upper=5.0, production=2.0)
        ctx.put(kind(r, r_day=days))

    def rows(ctx: builder.Context) -> None:
        block = ctx.get(kind)
        name = "reserve" if declare_rows else "undeclared"
        ctx.rows.add(name, len(block.r), 1.0, np.inf,
                     [(np.arange(len(block.r)), block.r, 1.0)])

    monkeypatch.setattr(builder, "COLUMN_STEPS", (*builder.COLUMN_STEPS, columns))
    monkeypatch.setattr(builder, "ROW_STEPS", (*builder.ROW_STEPS, rows))


def test_a_new_block_that_does_not_couple_days_keeps_the_split(monkeypatch):
    net = _net()
    plain = o2opt.optimize(net, decompose=False)
    _with_block(monkeypatch, Reserve)
    lm = o2opt.model.build(net)
    block = lm.block("reserve")
    assert isinstance(block, Reserve) and lm.block(Reserve) is block
    assert lm.blocks["r"] == block.cols and lm.row_blocks["reserve"] == block.rows
    assert lm.index["r_day"].tolist() == list(range(DAYS))
    assert coupling_blocks(lm) == []
    split = split_days(lm)
    assert split is not None
    for t in range(DAYS):  # the day's reserve column and row are in the day's block
        day = split.block(t)
        assert block.cols.start + t in day.cols[0] and block.rows.start + t in day.rows[0]
    by_day = o2opt.optimize(net, decompose=True)
    assert "by day" in by_day.result.solver
    assert by_day.objective == pytest.approx(plain.objective + 2.0 * DAYS, rel=1e-9)


def test_a_new_block_that_couples_days_turns_the_split_off(monkeypatch):
    net = _net()
    _with_block(monkeypatch, CarriedReserve)
    lm = o2opt.model.build(net)
    assert coupling_blocks(lm) == ["reserve"]
    assert split_days(lm) is None
    assert "by day" not in o2opt.optimize(net).result.solver


def test_a_coupling_block_that_is_not_built_keeps_the_split():
    lm = o2opt.model.build(_net())
    assert not lm.block(Sites).built and Sites.couples_days  # no candidate sites
    assert split_days(lm) is not None


def test_a_block_without_column_days_turns_the_split_off(monkeypatch):
    _with_block(monkeypatch, DaylessReserve)
    assert split_days(o2opt.model.build(_net())) is None


def test_rows_of_no_block_are_refused(monkeypatch):
    _with_block(monkeypatch, Reserve, declare_rows=False)
    with pytest.raises(RuntimeError, match="belongs to no block"):
        o2opt.model.build(_net())


def test_trucks_do_not_couple_days():
    t = synthetic_tables(40, 3, 2, horizon_days=DAYS, seed=5)
    s = t["stations"]
    s["trucks"], s["truck_capacity_cyl"], s["truck_trips_day"] = 1.0, 20.0, 2.0
    net = o2opt.from_frames(**{k: v for k, v in t.items() if k != "model"},
                            model={**t["model"], "cost_per_truck_km": 0.5})
    lm = o2opt.model.build(net)
    assert lm.block("k").built and split_days(lm) is not None
    whole = o2opt.optimize(net, decompose=False)
    by_day = o2opt.optimize(net, decompose=True)
    assert "by day" in by_day.result.solver
    assert by_day.objective == pytest.approx(whole.objective, rel=1e-7)


def test_index_is_a_read_only_view_of_the_blocks():
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    lm = o2opt.model.build(net)
    cyl = lm.block(Cylinders)
    assert lm.index["n_upper"] is cyl.n_upper and lm.index["y_of_cand"] is lm.block("y").y_of_cand
    with pytest.raises(TypeError):
        lm.index["n_upper"] = cyl.n_upper  # type: ignore[index]
    copy = pickle.loads(pickle.dumps(lm))  # solutions cross process boundaries in sweeps
    assert np.array_equal(copy.index["n_upper"], cyl.n_upper)
    assert copy.block("n").n_day.tolist() == cyl.n_day.tolist()
    with pytest.raises(KeyError, match="no block"):
        lm.block("storage_that_does_not_exist")
    # every column and row lies in exactly one block
    cols = np.zeros(lm.num_col, dtype=int)
    rows = np.zeros(lm.num_row, dtype=int)
    for block in lm.model_blocks:
        cols[block.cols] += 1
        rows[block.rows] += 1
    assert (cols == 1).all() and (rows == 1).all()
