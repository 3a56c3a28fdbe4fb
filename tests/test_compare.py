"""As-is against plan (o2opt.compare_investment, ``o2opt solve --compare``): hand-checked
figures on instances small enough to follow."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt.cli import main
from o2opt.compare import as_is, fix_plan

V = 6.8


def _network(**model):
    """Two hospitals; one station that can fill 5 cylinders (34 m3) a day; plant C1 next to
    H1 and plant C2 next to H2, each priced by capex; an on-site option at H2."""
    h = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                      "demand_m3_day": [10 * V, 4 * V]})
    p = pd.DataFrame({"id": ["P1"], "lat": [33.5], "lon": [44.5], "capacity_m3_day": [1e4]})
    s = pd.DataFrame({"id": ["S1"], "lat": [33.2], "lon": [44.2],
                      "fill_capacity_cyl_day": [5.0]})
    c = pd.DataFrame({"id": ["C1", "C2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                      "capacity_m3_day": [10 * V, 10 * V], "capex": [36_500.0, 73_000.0],
                      "lifetime_years": [10.0, 10.0]})
    o = pd.DataFrame({"facility": ["H2"], "option": ["psa"], "extra_capacity": [V],
                      "fixed_cost": [2.0]})
    routes = pd.DataFrame(
        [("S1", "H1", 1.0), ("S1", "H2", 1.0), ("C1", "H1", 0.5), ("C2", "H2", 0.5),
         ("P1", "S1", 0.0)], columns=["origin", "destination", "cost_per_unit"])
    return o2opt.from_frames(h, producers=p, stations=s, candidates=c, options=o,
                             routes=routes, model={"routes_only": True, "discount_rate": 0.0,
                                                   "currency": "IQD", **model})


def test_as_is_closes_everything_and_allows_unmet():
    net = as_is(_network(allow_unmet=False))
    assert net.scenario.allow_unmet
    assert set(net.candidates["decision"]) == {"closed"}
    assert set(net.options["decision"]) == {"closed"}
    sol = o2opt.optimize(net)
    # the station fills 5 of the 14 cylinders needed: 9 * 6.8 m3 unmet
    assert sol.summary()["unmet_m3"] == pytest.approx(9 * V)
    assert sol.summary()["opened"] == [] and sol.summary()["options_chosen"] == []


def test_what_the_plan_buys():
    c = o2opt.compare_investment(_network())
    s = c.summary()
    # plan: C1 (10/day) serves H1 at 10 + 10 * 0.5; the station's 5 cylinders go to H2 (4
    # needed, at 4); C2 (20) or the on-site option (2 for one cylinder at 1) cost more
    assert s["built"] == ["C1"]
    assert s["unmet_as_is_m3"] == pytest.approx(9 * V)
    assert s["unmet_plan_m3"] == pytest.approx(0.0)
    assert s["unmet_avoided_m3"] == pytest.approx(9 * V)
    assert s["hospitals_short_as_is"] == 1 and s["hospitals_reached"] == 1
    assert s["capex"] == 36_500.0
    assert s["fixed_cost"] == pytest.approx(10.0)  # 36,500 / 10 years / 365 days
    assert s["annualised_cost"] == pytest.approx(3650.0)
    assert s["fixed_cost_per_m3_avoided"] == pytest.approx(10.0 / (9 * V))
    assert s["capex_per_m3_day_avoided"] == pytest.approx(36_500.0 / (9 * V))
    assert s["currency"] == "IQD" and not s["as_is_unmet_allowed"]
    row = c.sites.set_index("candidate").loc["C1"]
    assert row["kind"] == "plant"
    # C1 delivers what H1 gets from it; without it the station's 5 cylinders go to H1 and
    # H2 (9 * V m3 short in all, as as-is)
    assert row["delivered_m3"] == pytest.approx(c.plan.deliveries.query("source == 'C1'")
                                                ["m3"].sum())
    assert row["unmet_returned_m3"] == pytest.approx(9 * V)


def test_a_proposed_plan_is_evaluated_with_its_decisions_forced():
    net = _network()
    c = o2opt.compare_investment(net, ["C2", "H2/psa"])
    s = c.summary()
    assert s["built"] == ["C2", "H2/psa"]
    assert c.plan.summary()["opened"] == ["C2"]
    assert c.plan.summary()["options_chosen"] == ["H2/psa"]
    # C2 serves only H2, whose need the on-site plant cuts to 3 cylinders; H1 gets the
    # station's 5 of its 10
    assert s["unmet_plan_m3"] == pytest.approx(5 * V)
    sites = c.sites.set_index("candidate")
    assert sites.loc["H2/psa", "delivered_m3"] == pytest.approx(V)  # on-site gas used
    assert sites.loc["H2/psa", "fixed_cost"] == 2.0
    # removing the on-site plant: C2 has room for the extra cylinder, nothing returns
    assert sites.loc["H2/psa", "unmet_returned_m3"] == pytest.approx(0.0, abs=1e-9)
    # removing C2 (and so its options... none): H2's 3 cylinders now compete with H1 for
    # the station's 5; the station already runs full, so 3 * V returns
    assert sites.loc["C2", "unmet_returned_m3"] == pytest.approx(3 * V)
    with pytest.raises(ValueError, match="not a candidate or option: S1"):
        fix_plan(net, ["S1"])


def test_forbidden_unmet_is_allowed_as_is_only():
    c = o2opt.compare_investment(_network(allow_unmet=False), removals=False)
    s = c.summary()
    assert s["as_is_unmet_allowed"] and s["status_plan"] == "optimal"
    assert not c.plan.network.scenario.allow_unmet
    assert s["unmet_as_is_m3"] == pytest.approx(9 * V)
    assert c.sites["unmet_returned_m3"].isna().all()


def test_cli_compare_and_plan(tmp_path, capsys):
    folder = tmp_path / "scenario"
    _network().to_folder(folder)
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out), "--compare", "-q"]) == 0
    comparison = json.loads((out / "comparison.json").read_text())
    assert comparison["built"] == ["C1"]
    table = pd.read_csv(out / "comparison.csv")
    assert list(table.columns) == ["candidate", "kind", "capex", "fixed_cost", "delivered_m3",
                                   "unmet_returned_m3"]
    assert "avoided" in capsys.readouterr().out
    # the folder is an o2opt result: a second run replaces it
    assert main(["solve", str(folder), "--out", str(out), "--plan", "C2,H2/psa", "-q"]) == 0
    assert json.loads((out / "comparison.json").read_text())["built"] == ["C2", "H2/psa"]
    bad = tmp_path / "bad"
    assert main(["solve", str(folder), "--out", str(bad), "--plan", "C9"]) == 2
    assert "not a candidate or option: C9" in capsys.readouterr().err
    assert not bad.exists()


def test_without_investment_input_the_plants_are_compared():
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    c = o2opt.compare_investment(net, removals=False)
    s = c.summary()
    assert s["built"] == c.plan.summary()["opened"]
    assert s["unmet_avoided_m3"] == pytest.approx(s["unmet_as_is_m3"] - s["unmet_plan_m3"])
    assert np.isnan(c.sites["capex"]).all()
