"""The model builder lays out the same model, bit for bit, as the recorded layouts.

``tests/data/model_layout.json`` holds, per case, sha256 digests of every array of the
built :class:`~o2opt.model.builder.LinearModel` (costs, bounds, integrality, the sparse
matrix, row bounds, column and row block ranges, and each array of ``lm.index``). They
were recorded with the builder before its block interface (``o2opt.model.blocks``) existed,
and again for the five cases whose model gained the strong links of candidate stations and
producers when those became on by default with unmet demand allowed; a change of layout,
order, coefficient or dtype fails here. To record them again after an
intended change of the model: ``python tests/test_model_layout.py --write``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.synthetic import synthetic_tables

GOLDEN = Path(__file__).parent / "data" / "model_layout.json"
ROOT = Path(__file__).resolve().parents[1]


def _synthetic(seed: int, n_candidates: int = 0, horizon_days: int = 4,
               **model) -> dict:
    t = synthetic_tables(60, 4, 2, n_candidates=n_candidates, horizon_days=horizon_days,
                         seed=seed)
    t["model"].update(max_delivery_km=150.0, **model)
    return t


def _net(t: dict) -> o2opt.Network:
    model = t.pop("model")
    return o2opt.from_frames(**t, model=model)


def _storage() -> o2opt.Network:
    t = _synthetic(2)
    h, p = t["hospitals"], t["producers"]
    h["stock_capacity_m3"] = np.where(np.arange(len(h)) % 3 == 0, 200.0, 0.0)
    h["initial_stock_m3"] = np.where(np.arange(len(h)) % 3 == 0, 50.0, 0.0)
    h["safety_stock_m3"] = np.where(np.arange(len(h)) % 6 == 0, 80.0, 0.0)
    p["tank_capacity_m3"] = [500.0] + [0.0] * (len(p) - 1)
    p["initial_tank_m3"] = [100.0] + [0.0] * (len(p) - 1)
    return _net(t)


def _trucks() -> o2opt.Network:
    t = _synthetic(3, n_candidates=2, integer_trucks=True, cost_per_truck_km=1.5)
    s, c = t["stations"], t["candidates"]
    s["trucks"] = [2.0, np.nan] + [3.0] * (len(s) - 2)
    s["truck_capacity_cyl"] = [20.0, np.nan] + [30.0] * (len(s) - 2)
    s["truck_trips_day"] = 2.0
    c["trucks"] = [1.0] + [np.nan] * (len(c) - 1)
    c["truck_capacity_cyl"] = [10.0] + [np.nan] * (len(c) - 1)
    return _net(t)


def _tankers() -> o2opt.Network:
    t = _synthetic(4)
    h, p = t["hospitals"], t["producers"]
    h["lox_tank_m3"] = np.where(np.arange(len(h)) % 4 == 0, 3000.0, 0.0)
    h["vaporiser_m3_day"] = 900.0
    h["initial_lox_m3"] = np.where(np.arange(len(h)) % 4 == 0, 500.0, 0.0)
    p["tankers"] = [2.0] + [0.0] * (len(p) - 1)
    p["tanker_capacity_m3"] = [15000.0] + [np.nan] * (len(p) - 1)
    p["tank_capacity_m3"] = [0.0] * (len(p) - 1) + [4000.0]
    return _net(t)


def _fleet() -> o2opt.Network:
    t = _synthetic(5, n_candidates=1, cylinder_loss_rate=0.01, hospital_dwell_days=1.5)
    t["stations"]["fleet_cylinders"] = [400.0] + [np.inf] * (len(t["stations"]) - 1)
    return _net(t)


def _equity(sharing: str) -> o2opt.Network:
    t = _synthetic(6, region_min_service_share=0.3, min_service_share=0.1,
                   shortage_sharing=sharing, demand_multiplier=1.6)
    h = t["hospitals"]
    h["region"] = np.where(np.arange(len(h)) % 2 == 0, "North", "")
    h["min_service_share"] = np.where(np.arange(len(h)) % 5 == 0, 0.5, np.nan)
    return _net(t)


def _investment(allow_unmet: bool, options: bool = True, seed: int = 7) -> o2opt.Network:
    return _net(_investment_tables(allow_unmet, options, seed))


def _investment_tables(allow_unmet: bool, options: bool, seed: int) -> dict:
    t = _synthetic(seed, n_candidates=3, horizon_days=3, allow_unmet=allow_unmet,
                   capital_budget=5e6, max_new_sites=3, budget=1e6, discount_rate=0.08,
                   demand_multiplier=0.8 if not allow_unmet else 1.0)
    s, p, c = t["stations"], t["producers"], t["candidates"]
    s["candidate"] = [False] * (len(s) - 2) + [True, True]
    s["fixed_cost"] = [np.nan] * (len(s) - 2) + [900.0, np.nan]
    s["capex"] = [np.nan] * (len(s) - 1) + [250000.0]
    s["lifetime_years"] = [np.nan] * (len(s) - 1) + [15.0]
    s["decision"] = ["free"] * (len(s) - 1) + ["open"]
    p["candidate"] = [False] * (len(p) - 1) + [True]
    p["fixed_cost"] = [np.nan] * (len(p) - 1) + [4000.0]
    c["decision"] = ["free"] * (len(c) - 1) + ["closed"]
    h = t["hospitals"]
    t["options"] = pd.DataFrame({
        "facility": [s["id"].iloc[0], s["id"].iloc[0], p["id"].iloc[0], c["id"].iloc[0],
                     h["id"].iloc[0], h["id"].iloc[1]],
        "option": ["line2", "line3", "train", "module", "psa", "psa"],
        "extra_capacity": [40.0, 80.0, 3000.0, 500.0, 60.0, 30.0],
        "fixed_cost": [300.0, 500.0, 2000.0, 700.0, 150.0, 90.0],
    })
    if not options:
        del t["options"]
    return t


def _everything() -> o2opt.Network:
    """Investment, storage, trucks, fleet, tankers and equity in one model."""
    t = _investment_tables(True, True, 10)
    t["model"].update(region_min_service_share=0.2, cylinder_loss_rate=0.02)
    h, p, s = t["hospitals"], t["producers"], t["stations"]
    t["options"] = t["options"][t["options"]["facility"] != p["id"].iloc[0]]
    h["region"] = np.where(np.arange(len(h)) % 2 == 0, "North", "South")
    h["stock_capacity_m3"] = np.where(np.arange(len(h)) % 3 == 0, 200.0, 0.0)
    h["safety_stock_m3"] = np.where(np.arange(len(h)) % 6 == 0, 80.0, 0.0)
    h["lox_tank_m3"] = np.where(np.arange(len(h)) % 4 == 1, 3000.0, 0.0)
    h["vaporiser_m3_day"] = 900.0
    p["tankers"] = [2.0] + [0.0] * (len(p) - 1)
    p["tanker_capacity_m3"] = [15000.0] + [np.nan] * (len(p) - 1)
    p["tank_capacity_m3"] = [800.0] + [0.0] * (len(p) - 1)
    s["trucks"] = 3.0
    s["truck_capacity_cyl"] = 25.0
    s["fleet_cylinders"] = [300.0] + [np.inf] * (len(s) - 1)
    return _net(t)


def _iraq(days: int) -> o2opt.Network:
    return o2opt.read_network(ROOT / "data" / "iraq").with_model(horizon_days=days)


def _demo(**model) -> o2opt.Network:
    return o2opt.read_network(o2opt.datasets.demo_folder()).with_model(**model)


CASES: dict[str, Callable[[], o2opt.Network]] = {
    "demo": _demo,
    "demo_3_days_integer": lambda: _demo(horizon_days=3, integer_cylinders=True),
    "demo_forbid_unmet": lambda: _demo(allow_unmet=False, demand_multiplier=0.5),
    "iraq": lambda: _iraq(1),
    "iraq_3_days": lambda: _iraq(3),
    "synthetic_by_day": lambda: _net(_synthetic(1)),
    "synthetic_candidates": lambda: _net(_synthetic(1, n_candidates=3, budget=5e4,
                                                    max_new_sites=2)),
    "synthetic_cover": lambda: _net(_synthetic(8, n_candidates=4, allow_unmet=False,
                                               demand_multiplier=0.7)),
    "storage": _storage,
    "trucks": _trucks,
    "tankers": _tankers,
    "fleet": _fleet,
    "single_source": lambda: _net(_synthetic(9, n_candidates=2, single_source=True)),
    "equity": lambda: _equity("cost"),
    "equity_even": lambda: _equity("even"),
    "investment": lambda: _investment(True),
    "investment_forbid_unmet": lambda: _investment(False),
    "investment_cover": lambda: _investment(False, options=False),
    "investment_cover_unmet": lambda: _investment(True, options=False, seed=11),
    "everything": _everything,
}


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        h.update(f"{a.dtype.str}{a.shape}".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _ranges(blocks: dict[str, slice]) -> str:
    return hashlib.sha256(json.dumps([(k, s.start, s.stop) for k, s in blocks.items()])
                          .encode()).hexdigest()


def layout(lm: o2opt.LinearModel) -> dict[str, str]:
    """sha256 digests of every array of ``lm``, by part."""
    index = dict(lm.index)
    return {
        "columns": _digest(lm.cost, lm.lower, lm.upper, lm.integer,
                           *(lm.parts[k] for k in sorted(lm.parts))),
        "matrix": _digest(lm.a_row, lm.a_col, lm.a_val),
        "rows": _digest(lm.row_lower, lm.row_upper),
        "blocks": _ranges(lm.blocks),
        "row_blocks": _ranges(lm.row_blocks),
        "named": _digest(lm.n_arc, lm.n_day, lm.q_arc, lm.q_day, lm.u_hospital, lm.u_day,
                         lm.y_candidate, lm.z_arc),
        **{f"index {k}": _digest(np.asarray(v)) for k, v in index.items()},
    }


def _sizes(lm: o2opt.LinearModel) -> list[int]:
    return [lm.num_col, lm.num_row, len(lm.a_val)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_layout_is_unchanged(case):
    golden = json.loads(GOLDEN.read_text())[case]
    lm = o2opt.model.build(CASES[case]())
    assert _sizes(lm) == golden["sizes"]
    now = layout(lm)
    # every recorded part, each index array included, is as recorded (the index may gain
    # arrays: it is a view of the blocks' own index arrays)
    assert {k: now.get(k) for k in golden["layout"]} == golden["layout"]


def test_cases_switch_their_blocks_on():
    """Each case builds what it is named for (a case that builds nothing new tests nothing)."""
    on = {case: {k for k, s in o2opt.model.build(CASES[case]()).blocks.items()
                 if s.stop > s.start} for case in ("storage", "trucks", "tankers",
                                                   "single_source", "investment")}
    assert {"s", "e", "g", "i"} <= on["storage"]
    assert "k" in on["trucks"] and {"b", "l", "v"} <= on["tankers"]
    assert "z" in on["single_source"] and {"yp", "ys", "o"} <= on["investment"]
    rows = {case: set(o2opt.model.build(CASES[case]()).row_blocks)
            for case in ("fleet", "equity", "investment_cover", "investment_cover_unmet",
                         "everything")}
    assert "fleet" in rows["fleet"] and "region_service" in rows["equity"]
    assert {"ys_cover", "yp_cover"} <= rows["investment_cover"]
    assert "capacity_cover" in rows["investment_cover_unmet"]
    assert {"option_choice", "fleet", "truck_load", "hospital_lox", "producer_tank",
            "safety_stock", "region_service", "capital_budget"} <= rows["everything"]


def _write() -> None:
    out = {}
    for case in sorted(CASES):
        lm = o2opt.model.build(CASES[case]())
        out[case] = {"sizes": _sizes(lm), "layout": layout(lm)}
        print(case, _sizes(lm), sorted(k for k, s in lm.blocks.items() if s.stop > s.start))
    GOLDEN.parent.mkdir(exist_ok=True)
    GOLDEN.write_text(json.dumps(out, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    if "--write" in sys.argv:
        _write()
