"""Tests of the synthetic instance generator (o2opt/synthetic.py)."""

from __future__ import annotations

import time
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.synthetic import IRAQ_BBOX, synthetic_tables, write_synthetic_folder

FACILITIES = ("hospitals", "producers", "stations", "candidates")


def test_same_seed_same_tables_other_seed_other_tables() -> None:
    a = synthetic_tables(30, 3, 2, n_candidates=2, horizon_days=3, seed=5, n_routes=10)
    b = synthetic_tables(30, 3, 2, n_candidates=2, horizon_days=3, seed=5, n_routes=10)
    c = synthetic_tables(30, 3, 2, n_candidates=2, horizon_days=3, seed=6, n_routes=10)
    for name in (*FACILITIES, "demand", "routes"):
        pd.testing.assert_frame_equal(a[name], b[name])
    assert not a["hospitals"]["demand_m3_day"].equals(c["hospitals"]["demand_m3_day"])


@pytest.mark.parametrize("seed", range(8))
def test_values_are_in_their_documented_ranges(seed: int) -> None:
    bbox = (30.0, 31.0, 44.0, 46.0) if seed % 2 else IRAQ_BBOX
    t = synthetic_tables(120, 6, 3, n_candidates=4, horizon_days=1 + seed % 3, seed=seed,
                         region_bbox=bbox)
    h = t["hospitals"]
    assert h["demand_m3_day"].between(5, 300).all()
    assert set(h["priority"]) <= {1, 2, 3}
    assert 0 < (h["onsite_m3_day"] > 0).sum() < len(h)
    ids = pd.concat([t[name]["id"] for name in FACILITIES])
    assert ids.is_unique
    for name in FACILITIES:
        assert t[name]["lat"].between(bbox[0], bbox[1]).all()
        assert t[name]["lon"].between(bbox[2], bbox[3]).all()
    assert (t["stations"]["fill_capacity_cyl_day"] >= 5).all()
    c = t["candidates"]
    assert (c["capacity_m3_day"] > 0).all() and (c["fixed_cost"] > 0).all()

    # supply is 70-110 % of the mean daily net demand
    days = t["model"]["horizon_days"]
    if days > 1:
        gross = t["demand"]["demand_m3"].to_numpy().reshape(len(h), days)
    else:
        gross = h[["demand_m3_day"]].to_numpy()
    net = np.maximum(0, gross - h[["onsite_m3_day"]].to_numpy()).sum(axis=0).mean()
    assert 0.7 - 1e-3 <= t["producers"]["capacity_m3_day"].sum() / net <= 1.1 + 1e-3


def test_hospitals_cluster_around_cities() -> None:
    h = synthetic_tables(400, 5, 3, seed=1)["hospitals"]
    xy = h[["lat", "lon"]]
    local = (xy - xy.groupby(h["region"]).transform("median")).abs().median().mean()
    overall = (xy - xy.median()).abs().median().mean()
    assert h["region"].nunique() > 1
    assert local < 0.25 * overall


def test_surge_profile() -> None:
    t = synthetic_tables(50, 3, 2, horizon_days=10, seed=2)
    demand = t["demand"]
    assert len(demand) == 50 * 10 and set(demand["day"]) == set(range(10))
    daily = demand.groupby("day")["demand_m3"].sum()
    assert daily.max() > 1.1 * daily.min()
    assert daily.max() > t["hospitals"]["demand_m3_day"].sum()  # a surge, not a dip
    assert "demand" not in synthetic_tables(50, 3, 2, horizon_days=10, seed=2, surge=False)


def test_routes_are_distinct_arcs_of_the_right_kinds() -> None:
    t = synthetic_tables(20, 3, 2, n_candidates=2, seed=3, n_routes=40)
    r = t["routes"]
    assert len(r) == 40
    assert not r.duplicated(["origin", "destination"]).any()
    fillers = set(t["stations"]["id"]) | set(t["candidates"]["id"])
    cylinder = r["origin"].isin(fillers) & r["destination"].isin(t["hospitals"]["id"])
    bulk = r["origin"].isin(t["producers"]["id"]) & r["destination"].isin(t["stations"]["id"])
    assert (cylinder | bulk).all() and cylinder.any() and bulk.any()
    assert "routes" not in synthetic_tables(20, 3, 2, seed=3)


def test_model_keys_are_passed_through_and_checked() -> None:
    t = synthetic_tables(5, 1, 1, horizon_days=2, budget=1e5, integer_cylinders=True)
    assert t["model"] == {"horizon_days": 2, "budget": 1e5, "integer_cylinders": True}
    with pytest.raises(TypeError, match="horizon_day"):
        synthetic_tables(5, 1, 1, horizon_day=2)


def test_large_instance_is_fast() -> None:
    start = time.perf_counter()
    t = synthetic_tables(5000, 300, 30, n_candidates=100, horizon_days=14, seed=0,
                         n_routes=1000)
    assert time.perf_counter() - start < 2.0
    assert len(t["demand"]) == 5000 * 14


def test_frames_and_folder_give_the_same_network(tmp_path: Path) -> None:
    kwargs = dict(n_hospitals=25, n_stations=3, n_producers=2, n_candidates=3,
                  horizon_days=3, seed=9, n_routes=12, max_delivery_km=400.0)
    folder = write_synthetic_folder(tmp_path / "s", **kwargs)
    from_folder = o2opt.read_network(folder)
    from_frames = o2opt.from_frames(**synthetic_tables(**kwargs))
    assert from_folder.scenario == from_frames.scenario
    assert from_folder.scenario.max_delivery_km == 400.0
    np.testing.assert_array_equal(from_folder.net_demand_m3(), from_frames.net_demand_m3())
    for name in (*FACILITIES, "routes"):
        assert len(getattr(from_folder, name)) == len(getattr(from_frames, name))
    assert np.isinf(from_folder.candidates["fill_capacity_cyl_day"]).any()  # empty cells


def test_folder_is_not_overwritten_by_accident(tmp_path: Path) -> None:
    folder = write_synthetic_folder(tmp_path / "s", 5, 1, 1, n_routes=3)
    with pytest.raises(FileExistsError):
        write_synthetic_folder(folder, 5, 1, 1)
    write_synthetic_folder(folder, 5, 1, 1, overwrite=True)
    assert not (folder / "routes.csv").exists()  # no stale table survives
    assert tomllib.loads((folder / "scenario.toml").read_text()) == {
        "model": {"horizon_days": 1}}
