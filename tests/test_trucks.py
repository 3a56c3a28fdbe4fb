"""Truck extension: truck loads and trips per filling point; integer options and LP bound."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_model import check, network

import o2opt


def trucks(n_trucks: float, capacity: float, trips: float, **model) -> o2opt.Network:
    s = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                      "fill_capacity_cyl_day": [100.0], "fill_cost_per_cyl": [2.0],
                      "trucks": [n_trucks], "truck_capacity_cyl": [capacity],
                      "truck_trips_day": [trips]})
    return network(stations=s, **model)


def test_truck_trips_limit_deliveries():
    # 1 truck x 4 cylinders x 2 trips = 8 cylinders a day of the 10 needed
    sol = check(trucks(1, 4, 2), 8 * 2.5 + 54.4 * 0.7 + 13.6 * 1000, unmet_m3=13.6)
    assert sol.deliveries["cylinders"].sum() == pytest.approx(8.0)


def test_truck_cost_integer_trips_and_lp_bound():
    # 10 cylinders, 4 per truck, 10 km each way at 1.0 per truck-km: 2.5 trips (LP) or 3
    lp = check(trucks(10, 4, 1, cost_per_truck_km=1.0), 72.6 + 2.5 * 20)
    assert "lp_relaxation_objective" not in lp.summary()
    mip = check(trucks(10, 4, 1, cost_per_truck_km=1.0, integer_trucks=True), 72.6 + 3 * 20)
    assert mip.summary()["lp_relaxation_objective"] == pytest.approx(72.6 + 2.5 * 20)


def test_trucks_off_is_canonical_and_capacity_is_required(tmp_path):
    assert o2opt.model.build(network()).blocks["k"] == slice(
        *(2 * [o2opt.model.build(network()).blocks["k"].start]))
    folder = network().to_folder(tmp_path / "s")
    (folder / "stations.csv").write_text(
        "id,lat,lon,fill_capacity_cyl_day,trucks\nS1,33.1,44.0,100,2\n")
    with pytest.raises(o2opt.InputError, match="truck_capacity_cyl.*required where trucks"):
        o2opt.read_network(folder)


def test_no_trucks_needs_no_truck_capacity():
    # regression: trucks = 0 without truck_capacity_cyl put NaN coefficients in the model;
    # no trucks means no deliveries from S1: all 68 m3 unmet
    sol = check(trucks(0, float("nan"), 1), 68_000.0, unmet_m3=68.0)
    assert np.isfinite(sol.model.a_val).all()
