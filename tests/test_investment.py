"""Investment (docs/model.md, "Investment"): capex, candidate producers and stations,
capacity options, forced decisions and the capital budget.

The brute-force yardstick below shares no code with o2opt: it reads the same DataFrames,
prices capex by the formula of the docs, enumerates every combination of openings and
options the rules allow, solves each as a linear program with :func:`scipy.optimize.linprog`
and keeps the cheapest.
"""

from __future__ import annotations

import itertools
import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

import o2opt
from o2opt import costs
from o2opt.cli import main
from o2opt.testing import assert_costs_consistent, assert_solution_feasible

V = 6.8  # cylinder_m3


# --------------------------------------------------------------------------- yardstick
def _fixed(row: pd.Series, r: float, days: int) -> tuple[float, float]:
    """(fixed cost over the horizon, capex) of a row, by the formula of the docs."""
    capex = row.get("capex", np.nan)
    if capex is None or not np.isfinite(capex):
        return float(row["fixed_cost"]), 0.0
    life = row.get("lifetime_years", np.nan)
    life = 10.0 if life is None or not np.isfinite(life) else life
    opex = row.get("opex_per_year", np.nan)
    opex = 0.0 if opex is None or not np.isfinite(opex) else opex
    yearly = capex / life if r == 0 else capex * r / (1 - (1 + r) ** -life)
    return (yearly + opex) * days / 365, capex


def _col(frame: pd.DataFrame, name: str, default) -> pd.Series:
    return frame[name] if name in frame else pd.Series(default, index=frame.index)


def brute_force(hospitals, producers, stations, candidates, options, routes, model):
    """Cheapest plan over every allowed combination of openings and options."""
    r = model.get("discount_rate", 0.08)
    days = model.get("horizon_days", 1)
    penalty = model.get("unmet_penalty_per_m3", 1000.0)
    allow_unmet = model.get("allow_unmet", True)
    cost_of = {(a, b): c for a, b, c in routes[["origin", "destination", "cost_per_unit"]]
               .itertuples(index=False)}
    # the binaries: (kind, id, fixed, capex, counts as site, decision, option facility)
    items = []
    for kind, frame in (("plant", candidates), ("producer", producers), ("station", stations)):
        for _, row in frame.iterrows():
            if kind != "plant" and not bool(_col(frame, "candidate", False)[_]):
                continue
            fixed, capex = _fixed(row, r, days)
            items.append((kind, row["id"], fixed, capex, True,
                          _col(frame, "decision", "free")[_], None))
    for _, row in options.iterrows():
        fixed, capex = _fixed(row, r, days)
        items.append(("option", f"{row['facility']}/{row['option']}", fixed, capex, False,
                      "free", row["facility"]))
    best = math.inf
    for pick in itertools.product((0, 1), repeat=len(items)):
        on = {it[1] for it, x in zip(items, pick, strict=True) if x}
        if any(it[5] == "open" and it[1] not in on or it[5] == "closed" and it[1] in on
               for it in items):
            continue
        chosen = [it for it in items if it[0] == "option" and it[1] in on]
        facilities = [it[6] for it in chosen]
        if len(set(facilities)) < len(facilities):
            continue  # at most one option per facility
        site_ids = {it[1] for it in items if it[4]}
        if any(f in site_ids and f not in on for f in facilities):
            continue  # an option of a candidate only if it is opened
        picked = [it for it in items if it[1] in on]
        if model.get("budget") is not None and sum(it[2] for it in picked) > model["budget"]:
            continue
        if model.get("capital_budget") is not None \
                and sum(it[3] for it in picked) > model["capital_budget"]:
            continue
        if model.get("max_new_sites") is not None \
                and sum(it[4] for it in picked) > model["max_new_sites"]:
            continue
        extra = {it[6]: float(options.loc[(options["facility"] + "/" + options["option"])
                                          == it[1], "extra_capacity"].iloc[0])
                 for it in chosen}
        lp = _day_lp(hospitals, producers, stations, candidates, cost_of, on, extra,
                     penalty, allow_unmet)
        if lp is None:
            continue
        best = min(best, days * lp + sum(it[2] for it in picked))
    return best


def _day_lp(hospitals, producers, stations, candidates, cost_of, on, extra, penalty,
            allow_unmet):
    """One day's transport LP for given openings and options (None if infeasible)."""
    def is_open(frame, i):
        return not bool(_col(frame, "candidate", False)[i]) or frame["id"][i] in on

    names, cost = [], []

    def var(name, c):
        names.append(name)
        cost.append(c)
        return len(names) - 1

    n, q, u = {}, {}, {}
    for (o, d), c in cost_of.items():
        if d in set(hospitals["id"]):
            if o in set(stations["id"]):
                fill = _col(stations, "fill_cost_per_cyl", 0.0)[stations["id"] == o].iloc[0]
                n[o, d] = var(("n", o, d), c + fill)
            else:
                prod = _col(candidates, "cost_per_m3", 0.0)[candidates["id"] == o].iloc[0]
                n[o, d] = var(("n", o, d), c + V * prod)
        else:
            prod = _col(producers, "cost_per_m3", 0.0)[producers["id"] == o].iloc[0]
            q[o, d] = var(("q", o, d), c + prod)
    prio = _col(hospitals, "priority", 1.0)
    if allow_unmet:
        for i, h in enumerate(hospitals["id"]):
            u[h] = var(("u", h), penalty * prio[i])
    a_ub, b_ub = [], []

    def row(entries, rhs):
        a = np.zeros(len(names))
        for j, value in entries:
            a[j] += value
        a_ub.append(a)
        b_ub.append(rhs)

    onsite = _col(hospitals, "onsite_m3_day", 0.0)
    for i, h in enumerate(hospitals["id"]):
        d = max(0.0, hospitals["demand_m3_day"][i] - onsite[i] - extra.get(h, 0.0))
        row([(j, -V) for (o, dd), j in n.items() if dd == h]
            + ([(u[h], -1.0)] if h in u else []), -d)
    for i, s in enumerate(stations["id"]):
        cap = stations["fill_capacity_cyl_day"][i] * is_open(stations, i) + extra.get(s, 0.0)
        row([(j, 1.0) for (o, d), j in n.items() if o == s], cap)
        row([(j, V) for (o, d), j in n.items() if o == s]
            + [(j, -1.0) for (p, d), j in q.items() if d == s], 0.0)
    for i, p in enumerate(producers["id"]):
        cap = producers["capacity_m3_day"][i] * is_open(producers, i) + extra.get(p, 0.0)
        row([(j, 1.0) for (o, d), j in q.items() if o == p], cap)
    for i, c in enumerate(candidates["id"]):
        y = float(c in on)
        cap = (candidates["capacity_m3_day"][i] + extra.get(c, 0.0)) * y
        row([(j, V) for (o, d), j in n.items() if o == c], cap)
        fill = _col(candidates, "fill_capacity_cyl_day", np.inf)[i]
        if np.isfinite(fill):
            row([(j, 1.0) for (o, d), j in n.items() if o == c],
                (fill + extra.get(c, 0.0) / V) * y)
    res = linprog(np.array(cost), A_ub=np.array(a_ub), b_ub=np.array(b_ub),
                  bounds=(0, None), method="highs")
    return res.fun if res.status == 0 else None


# --------------------------------------------------------------------------- instances
def _points(prefix: str, k: int, rng: np.random.Generator) -> pd.DataFrame:
    return pd.DataFrame({"id": [f"{prefix}{i}" for i in range(k)],
                         "lat": rng.uniform(33, 34, k), "lon": rng.uniform(44, 45, k)})


def _routes(fillers, hospitals, producers, stations, rng) -> pd.DataFrame:
    rows = [(f, h, float(rng.uniform(0.5, 8.0))) for f in fillers for h in hospitals]
    rows += [(p, s, float(rng.uniform(0.01, 0.3))) for p in producers for s in stations]
    return pd.DataFrame(rows, columns=["origin", "destination", "cost_per_unit"])


def _solve(h, p, s, c, o, routes, model):
    net = o2opt.from_frames(h, producers=p, stations=s, candidates=c, options=o,
                            routes=routes, model={"routes_only": True, **model})
    sol = o2opt.optimize(net)
    assert sol.status == "optimal"
    assert_solution_feasible(sol)
    assert_costs_consistent(sol)
    return sol


def _random_instance(seed: int):
    rng = np.random.default_rng(seed)
    h = _points("H", 3, rng).assign(demand_m3_day=rng.uniform(20, 120, 3).round(1),
                                    onsite_m3_day=rng.choice([0.0, 10.0], 3))
    p = _points("P", 2, rng).assign(capacity_m3_day=rng.uniform(60, 250, 2).round(),
                                    cost_per_m3=rng.uniform(0, 1, 2).round(2),
                                    candidate=[False, True])
    s = _points("S", 2, rng).assign(fill_capacity_cyl_day=rng.uniform(5, 30, 2).round(),
                                    fill_cost_per_cyl=rng.uniform(0, 2, 2).round(2),
                                    candidate=[False, True])
    c = _points("C", 1, rng).assign(capacity_m3_day=rng.uniform(30, 150, 1).round(),
                                    fill_capacity_cyl_day=[rng.choice([np.inf, 12.0])])
    priced = rng.random(4) < 0.5  # capex or fixed_cost, per candidate
    fixed = rng.uniform(50, 4000, 4).round()
    capex = rng.uniform(1e5, 2e6, 4).round(-3)
    life = rng.choice([np.nan, 5.0, 20.0], 4)
    for frame, i, row in ((p, 0, 1), (s, 1, 1), (c, 2, 0)):
        frame["fixed_cost"] = np.nan
        frame["capex"] = np.nan
        frame["lifetime_years"] = np.nan
        frame.loc[row, "capex" if priced[i] else "fixed_cost"] = capex[i] if priced[i] \
            else fixed[i]
        if priced[i]:
            frame.loc[row, "lifetime_years"] = life[i]
    for frame in (p, s, c):  # now and then a forced decision
        frame["decision"] = rng.choice(["free", "free", "free", "open", "closed"], len(frame))
    p.loc[0, "decision"] = s.loc[0, "decision"] = "free"  # existing ones: never forced
    # up to three options on random facilities (producers, stations, plant, hospitals)
    facilities = ["P0", "P1", "S0", "S1", "C0", "H0", "H1"]
    chosen = rng.choice(facilities, int(rng.integers(1, 4)))
    extra = {"P": (30, 200), "S": (3, 20), "C": (20, 100), "H": (10, 60)}
    o = pd.DataFrame({"facility": chosen, "option": [f"o{i}" for i in range(len(chosen))],
                      "extra_capacity": [round(float(rng.uniform(*extra[f[0]])), 1)
                                         for f in chosen],
                      "fixed_cost": rng.uniform(20, 1500, len(chosen)).round()})
    routes = _routes(["S0", "S1", "C0"], h["id"], p["id"], s["id"], rng)
    model = {"discount_rate": float(rng.choice([0.0, 0.05, 0.1])),
             "horizon_days": int(rng.choice([1, 2, 30])),
             "unmet_penalty_per_m3": float(rng.choice([50.0, 1000.0]))}
    if rng.random() < 0.4:
        model["capital_budget"] = float(rng.uniform(0, 3e6))
    if rng.random() < 0.3:
        model["max_new_sites"] = int(rng.integers(0, 3))
    if rng.random() < 0.3:
        model["budget"] = float(rng.uniform(0, 5000))
    return h, p, s, c, o, routes, model


# --------------------------------------------------------------------------- costs
def test_annuity_with_discount_and_running_cost_at_30_days():
    # by hand: CRF(8 %, 10 y) = 0.08 / (1 - 1.08^-10) = 0.149029489...
    # 400,000 * CRF = 59,611.7955; + 12,000 running = 71,611.7955 a year; * 30 / 365
    # = 5,885.9010
    assert costs.capital_recovery_factor(0.08, 10) == pytest.approx(0.1490294887, rel=1e-9)
    assert costs.annualised_cost(400_000, 10, 0.08, 12_000) == pytest.approx(71611.7955,
                                                                           rel=1e-9)
    assert costs.horizon_cost(400_000, 10, 0.08, 30, 12_000) == pytest.approx(5885.9010,
                                                                            rel=1e-8)
    assert costs.horizon_cost(3650, 5, 0.0, 365) == pytest.approx(730.0)


def test_model_charges_the_annuity_of_a_capex_plant():
    rng = np.random.default_rng(1)
    h = _points("H", 1, rng).assign(demand_m3_day=100.0)
    c = _points("C", 1, rng).assign(capacity_m3_day=500.0, capex=400_000.0,
                                    lifetime_years=10.0, opex_per_year=12_000.0)
    routes = pd.DataFrame({"origin": ["C0"], "destination": ["H0"], "cost_per_unit": [1.0]})
    sol = _solve(h, None, None, c, None, routes, {"horizon_days": 30})
    assert sol.sites["opened"].tolist() == [True]
    assert sol.cost["fixed"] == pytest.approx(5885.9010, rel=1e-8)
    assert sol.sites["capex"].tolist() == [400_000.0]
    assert sol.summary()["capex"] == 400_000.0


def test_capital_budget_forbids_an_opening():
    rng = np.random.default_rng(2)
    h = _points("H", 1, rng).assign(demand_m3_day=100.0)
    c = _points("C", 1, rng).assign(capacity_m3_day=500.0, capex=400_000.0)
    routes = pd.DataFrame({"origin": ["C0"], "destination": ["H0"], "cost_per_unit": [1.0]})
    free = _solve(h, None, None, c, None, routes, {})
    assert free.sites["opened"].tolist() == [True]
    tight = _solve(h, None, None, c, None, routes, {"capital_budget": 399_999.0})
    assert tight.sites["opened"].tolist() == [False]
    assert tight.summary()["unmet_m3"] == pytest.approx(100.0)
    assert "capital_budget" in tight.model.row_blocks


# --------------------------------------------------------------------------- input errors
def _folder(tmp_path, **tables):
    folder = tmp_path / "scenario"
    folder.mkdir()
    base = {"hospitals": "id,lat,lon,demand_m3_day\nH1,33.3,44.4,100\n"}
    for name, text in {**base, **tables}.items():
        (folder / f"{name}.csv").write_text(text)
    return folder


def test_missing_price_column_is_named_once(tmp_path):
    folder = _folder(tmp_path, candidates="id,lat,lon,capacity_m3_day,fixedcost\n"
                                          "C1,33,44,100,5\nC2,33,44,100,5\n")
    with pytest.raises(o2opt.InputError) as info:
        o2opt.read_network(folder)
    [problem] = info.value.problems
    assert problem.column == "fixed_cost" and "or give capex" in problem.message
    assert "did you mean 'fixedcost'?" in problem.message


@pytest.mark.parametrize(("tables", "column", "words"), [
    ({"candidates": "id,lat,lon,capacity_m3_day,fixed_cost,capex\nC1,33,44,100,5,900\n"},
     "capex", "not both"),
    ({"candidates": "id,lat,lon,capacity_m3_day,fixed_cost\nC1,33,44,100,\n"}, "fixed_cost",
     "required"),
    ({"stations": "id,lat,lon,fill_capacity_cyl_day,capex\nS1,33,44,100,900\n"},
     "capex", "not a candidate"),
    ({"candidates": "id,lat,lon,capacity_m3_day,fixed_cost,lifetime_years\nC1,33,44,1,5,9\n"},
     "lifetime_years", "only with capex"),
    ({"producers": "id,lat,lon,capacity_m3_day,candidate,fixed_cost,decision\n"
                   "P1,33,44,100,true,5,maybe\n"}, "decision", "one of"),
    ({"producers": "id,lat,lon,capacity_m3_day,candidate\nP1,33,44,100,perhaps\n"},
     "candidate", "true or false"),
    ({"options": "facility,option,extra_capacity,fixed_cost\nX9,a,5,1\n"},
     "facility", "unknown facility"),
    ({"options": "facility,option,extra_capacity,fixed_cost\nH1,a,5,1\nH1,a,6,1\n"},
     "option", "more than once"),
    ({"options": "facility,option,extra_capacity,fixed_cost,capex\nH1,a,5,1,3\n"},
     "capex", "not both"),
    ({"producers": "id,lat,lon,capacity_m3_day,tank_capacity_m3\nP1,33,44,100,50\n",
      "options": "facility,option,extra_capacity,fixed_cost\nP1,a,5,1\n"},
     "facility", "not supported"),
])
def test_cli_rejects_bad_investment_input(tmp_path, capsys, tables, column, words):
    folder = _folder(tmp_path, **tables)
    out = tmp_path / "out"
    assert main(["solve", str(folder), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    line = "line 3" if words == "more than once" else "line 2"
    assert column in err and words in err and line in err, err
    assert "Traceback" not in err
    assert not out.exists()


# --------------------------------------------------------------------------- choices
def _two_stage(rng, station_fixed, producer_fixed):
    h = _points("H", 2, rng).assign(demand_m3_day=[60.0, 40.0])
    p = _points("P", 2, rng).assign(capacity_m3_day=[300.0, 300.0], cost_per_m3=[2.0, 0.1],
                                    candidate=[False, True], fixed_cost=[np.nan, producer_fixed])
    s = _points("S", 2, rng).assign(fill_capacity_cyl_day=[40.0, 40.0],
                                    candidate=[False, True], fixed_cost=[np.nan, station_fixed])
    routes = pd.DataFrame(
        [("S0", "H0", 6.0), ("S0", "H1", 6.0), ("S1", "H0", 0.5), ("S1", "H1", 0.5),
         ("P0", "S0", 0.0), ("P0", "S1", 0.0), ("P1", "S0", 0.0), ("P1", "S1", 0.0)],
        columns=["origin", "destination", "cost_per_unit"])
    return h, p, s, None, None, routes, {}


@pytest.mark.parametrize(("station_fixed", "producer_fixed", "opened"), [
    (10.0, 10.0, ["P1", "S1"]),      # both pay for themselves
    (10_000.0, 10.0, ["P1"]),        # the station costs more than it saves
    (10.0, 10_000.0, ["S1"]),        # the producer costs more than it saves
])
def test_candidate_station_and_producer_chosen_by_cost(station_fixed, producer_fixed, opened):
    h, p, s, c, o, routes, model = _two_stage(np.random.default_rng(3), station_fixed,
                                              producer_fixed)
    sol = _solve(h, p, s, c, o, routes, model)
    assert sol.summary()["opened"] == opened
    empty_c = pd.DataFrame(columns=["id", "lat", "lon", "capacity_m3_day"])
    empty_o = pd.DataFrame(columns=["facility", "option", "extra_capacity"])
    expected = brute_force(h, p, s, empty_c, empty_o, routes, model)
    assert sol.objective == pytest.approx(expected, rel=1e-6)
    sites = sol.sites.set_index("candidate")
    assert sites.loc["S1", "kind"] == "station" and sites.loc["P1", "kind"] == "producer"


def test_decision_forces_open_and_closed():
    h, p, s, c, o, routes, model = _two_stage(np.random.default_rng(3), 10.0, 10_000.0)
    p["decision"] = ["free", "open"]  # under construction: open although dear
    s["decision"] = ["free", "closed"]  # ruled out although cheap
    sol = _solve(h, p, s, c, o, routes, model)
    assert sol.summary()["opened"] == ["P1"]
    assert sol.cost["fixed"] == pytest.approx(10_000.0)
    assert sol.deliveries["source"].eq("S0").all()
    cbc = o2opt.optimize(o2opt.from_frames(h, producers=p, stations=s, routes=routes,
                                           model={"routes_only": True}), solver="cbc")
    assert cbc.summary()["opened"] == ["P1"]  # the bounds reach PuLP's solvers too
    assert cbc.objective == pytest.approx(sol.objective, rel=1e-6)


def test_at_most_one_option_per_facility():
    rng = np.random.default_rng(4)
    h = _points("H", 1, rng).assign(demand_m3_day=[10 * V])
    p = _points("P", 1, rng).assign(capacity_m3_day=[1000.0])
    s = _points("S", 1, rng).assign(fill_capacity_cyl_day=[4.0])  # 6 cylinders short
    o = pd.DataFrame({"facility": ["S0", "S0"], "option": ["line2", "line3"],
                      "extra_capacity": [3.0, 3.0], "fixed_cost": [1.0, 1.0]})
    routes = _routes(["S0"], h["id"], p["id"], s["id"], rng)
    sol = _solve(h, p, s, None, o, routes, {})
    assert len(sol.summary()["options_chosen"]) == 1  # both would cover the shortfall
    assert sol.summary()["unmet_m3"] == pytest.approx(3 * V)
    util = sol.utilization.set_index("facility")
    assert util.loc["S0", "capacity"] == pytest.approx(7.0)


def test_option_of_a_closed_candidate_is_not_chosen():
    rng = np.random.default_rng(5)
    h = _points("H", 1, rng).assign(demand_m3_day=[100.0])
    c = _points("C", 1, rng).assign(capacity_m3_day=[50.0], fixed_cost=[1.0],
                                    decision=["closed"])
    o = pd.DataFrame({"facility": ["C0"], "option": ["big"], "extra_capacity": [100.0],
                      "fixed_cost": [1.0]})
    routes = pd.DataFrame({"origin": ["C0"], "destination": ["H0"], "cost_per_unit": [1.0]})
    sol = _solve(h, None, None, c, o, routes, {})
    assert sol.summary()["options_chosen"] == [] and sol.summary()["opened"] == []
    c["decision"] = "free"
    sol = _solve(h, None, None, c, o, routes, {})
    assert sol.summary()["options_chosen"] == ["C0/big"]  # open, the option pays
    assert sol.summary()["unmet_m3"] == pytest.approx(0.0)


def test_hospital_onsite_option_reduces_unmet():
    rng = np.random.default_rng(6)
    h = _points("H", 1, rng).assign(demand_m3_day=[100.0], onsite_m3_day=[20.0])
    o = pd.DataFrame({"facility": ["H0"], "option": ["psa"], "extra_capacity": [50.0],
                      "capex": [100_000.0], "lifetime_years": [10.0]})
    routes = pd.DataFrame(columns=["origin", "destination", "cost_per_unit"])
    sol = _solve(h, None, None, None, o, routes, {"discount_rate": 0.0})
    assert sol.summary()["options_chosen"] == ["H0/psa"]
    assert sol.summary()["unmet_m3"] == pytest.approx(30.0)  # 100 - 20 on site - 50 new
    assert sol.cost["fixed"] == pytest.approx(100_000 / 10 / 365)
    assert sol.objective == pytest.approx(30.0 * 1000 + 100_000 / 10 / 365)
    # an option larger than the need covers it, no more
    o["extra_capacity"] = 500.0
    sol = _solve(h, None, None, None, o, routes, {"discount_rate": 0.0})
    assert sol.summary()["unmet_m3"] == 0.0


def test_result_files_and_summary(tmp_path):
    h, p, s, c, o, routes, model = _two_stage(np.random.default_rng(3), 10.0, 10.0)
    o = pd.DataFrame({"facility": ["S0"], "option": ["line2"], "extra_capacity": [5.0],
                      "capex": [1000.0]})
    net = o2opt.from_frames(h, producers=p, stations=s, options=o, routes=routes,
                            model={"routes_only": True, "currency": "IQD"})
    out = o2opt.optimize(net).to_folder(tmp_path / "out")
    sites = pd.read_csv(out / "sites.csv", keep_default_na=False)
    assert list(sites.columns) == ["candidate", "kind", "opened", "fixed_cost", "capex"]
    assert sites["candidate"].tolist() == ["P1", "S1", "S0/line2"]
    assert sites["capex"].tolist() == ["", "", "1000.0"]  # empty where priced by fixed_cost
    summary = json.loads((out / "summary.json").read_text())
    assert summary["currency"] == "IQD"
    assert {"options_chosen", "capex"} <= set(summary)


def test_off_without_investment_input():
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    assert not net.has_investment
    sol = o2opt.optimize(net)
    assert list(sol.sites.columns) == ["candidate", "opened", "fixed_cost"]
    assert not {"options_chosen", "capex", "currency"} & set(sol.summary())
    assert not {"yp", "ys", "o"} & set(sol.model.blocks)


# --------------------------------------------------------------------------- brute force
@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_random_instances_match_brute_force(seed):
    h, p, s, c, o, routes, model = _random_instance(seed)
    expected = brute_force(h, p, s, c, o, routes, model)
    if math.isinf(expected):  # forced openings beyond a budget or site limit
        net = o2opt.from_frames(h, producers=p, stations=s, candidates=c, options=o,
                                routes=routes, model={"routes_only": True, **model})
        assert o2opt.optimize(net).status == "infeasible"
        return
    sol = _solve(h, p, s, c, o, routes, model)
    assert sol.objective == pytest.approx(expected, rel=1e-6)
