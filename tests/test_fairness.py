"""Shortage warnings (o2opt.fairness) and where extra capacity is worth most."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

import o2opt
from o2opt import cli
from o2opt.fairness import FAR_BELOW, SUGGESTION, service_shares, shortage_warnings
from o2opt.report import ResultView


# --------------------------------------------------------------------------- the surge, small
def _two_regions(sharing: str) -> o2opt.Network:
    """The surge example in small: one producer and one station in the north; two north
    hospitals beside them, two south ones 100 km away, all four in reach of the same
    station. In a 1.8x surge the supply covers half the need, so the cheapest plan
    serves the north and leaves the south with nothing."""
    hospitals = pd.DataFrame({"id": ["N1", "N2", "S1", "S2"],
                              "name": ["North one", "North two", "South one", "South two"],
                              "lat": [33.0, 33.01, 33.9, 33.91], "lon": [44.0] * 4,
                              "demand_m3_day": [50.0] * 4,
                              "region": ["north", "north", "south", "south"]})
    return o2opt.from_frames(
        hospitals,
        stations=pd.DataFrame({"id": ["ST"], "lat": [33.0], "lon": [44.0],
                               "fill_capacity_cyl_day": [1000.0]}),
        producers=pd.DataFrame({"id": ["P"], "lat": [33.0], "lon": [44.0],
                                "capacity_m3_day": [180.0]}),
        model={"cylinder_m3": 5.0, "unmet_penalty_per_m3": 1000.0, "demand_multiplier": 1.8,
               "shortage_sharing": sharing, "max_delivery_km": 300.0})


def _served(sol: o2opt.Solution) -> pd.Series:
    s = sol.service.set_index("hospital")
    return 1.0 - s["unmet_m3"] / s["demand_m3"]


def test_cost_policy_warns_about_the_region_left_with_nothing():
    sol = o2opt.optimize(_two_regions("cost"), progress=False)
    served = _served(sol)
    assert served.loc[["N1", "N2"]].tolist() == pytest.approx([1.0, 1.0])
    assert served.loc[["S1", "S2"]].tolist() == pytest.approx([0.0, 0.0])  # the problem
    by_kind = {w["kind"]: w for w in sol.warnings}
    assert set(by_kind) == {"hospitals_with_nothing", "regions_with_nothing"}
    region = by_kind["regions_with_nothing"]
    assert region["count"] == 1 and [i["id"] for i in region["items"]] == ["south"]
    assert region["items"][0]["service_share"] == 0.0
    assert region["items"][0]["unmet_m3"] == pytest.approx(180.0)
    assert "1 region got no oxygen at all: south 0 %" in region["message"]
    hospitals = by_kind["hospitals_with_nothing"]
    assert hospitals["count"] == 2
    assert {i["id"] for i in hospitals["items"]} == {"S1", "S2"}
    assert "S1 (South one, south) 0 %" in hospitals["message"]
    assert all(w["suggestion"] == SUGGESTION for w in sol.warnings)
    assert 'shortage_sharing = "even"' in SUGGESTION and "min_service_share" in SUGGESTION
    assert sol.summary()["warnings"] == sol.warnings


def test_even_policy_leaves_nobody_with_nothing_while_another_is_fully_served():
    sol = o2opt.optimize(_two_regions("even"), progress=False)
    served = _served(sol)
    reach = sol.model.arcs.cylinder.groupby("hospital")["source"].apply(frozenset)
    assert reach.nunique() == 1 and len(reach) == 4  # every hospital in reach of ST
    assert not ((served <= 1e-9).any() and (served >= 1 - 1e-9).any())
    assert served.min() > 0.25 - 1e-9
    kinds = {w["kind"] for w in sol.warnings}
    assert not kinds & {"hospitals_with_nothing", "regions_with_nothing"}
    assert all(w["suggestion"] == "" for w in sol.warnings)  # nothing to suggest


def test_warnings_are_logged_once_with_the_suggestion(caplog):
    with caplog.at_level("WARNING", logger="o2opt"):
        o2opt.optimize(_two_regions("cost"), progress=False)
    messages = [r.getMessage() for r in caplog.records if r.name == "o2opt.fairness"]
    assert len(messages) == 3  # two warnings, then the suggestion once
    assert messages[0].startswith("warning: 2 hospitals with demand got no oxygen")
    assert messages[-1] == f"warning: {SUGGESTION}"


def test_internal_solves_do_not_log_their_warnings(caplog):
    """compare_investment's as-is plan and an infeasible scenario's relaxed plan are the
    library's own solves: only the plan asked for logs its warnings."""
    with caplog.at_level("WARNING", logger="o2opt"):
        comparison = o2opt.compare_investment(_two_regions("cost"))
    assert comparison.as_is.warnings  # it has some ...
    assert len([r for r in caplog.records if r.name == "o2opt.fairness"]) == 3  # ... unlogged
    caplog.clear()
    with caplog.at_level("WARNING", logger="o2opt"):
        sol = o2opt.optimize(_two_regions("cost").with_model(allow_unmet=False),
                             progress=False)
    assert sol.status == "infeasible" and "S1" in sol.message
    assert not [r for r in caplog.records if r.name == "o2opt.fairness"]


def test_no_warning_when_every_need_is_met(tmp_path, caplog):
    net = _two_regions("cost")
    net = net.replace(producers=net.producers.assign(capacity_m3_day=1000.0))
    with caplog.at_level("WARNING", logger="o2opt"):
        sol = o2opt.optimize(net, progress=False)
    assert sol.summary()["unmet_m3"] == 0.0
    assert sol.warnings == [] and sol.summary()["warnings"] == []
    assert not [r for r in caplog.records if r.name == "o2opt.fairness"]
    assert 'id="warnings"' not in sol.to_html()
    sol.to_folder(tmp_path / "out")
    assert json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))["warnings"] == []


def test_summary_json_report_and_command_line(tmp_path, capsys):
    _two_regions("cost").to_folder(tmp_path / "scenario")
    code = cli.main(["solve", str(tmp_path / "scenario"), "--out", str(tmp_path / "out"), "-q"])
    assert code == 0
    err = capsys.readouterr().err
    assert re.search(r"^\d\d:\d\d:\d\d warning: 1 region got no oxygen at all: south 0 %", err,
                     re.M)
    assert 'shortage_sharing = "even"' in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text("utf-8"))
    assert [w["kind"] for w in summary["warnings"]] == ["hospitals_with_nothing",
                                                        "regions_with_nothing"]
    # the report, from the result folder: a warning box before the headline figures
    assert cli.main(["report", str(tmp_path / "out"), "--html", str(tmp_path / "r.html"),
                     "-q"]) == 0
    page = (tmp_path / "r.html").read_text("utf-8")
    box = page[page.index('id="warnings"'):page.index("</section>", page.index('id="warnings"'))]
    assert page.index('id="warnings"') < page.index('id="headline"')
    assert "1 region got no oxygen at all: south 0 %" in box
    assert "2 hospitals with demand got no oxygen" in box
    assert "shortage_sharing = &quot;even&quot;" in box


# --------------------------------------------------------------------------- the rules
def _view(shares: dict[str, list[float]], regions: dict[str, str],
          sharing: str = "cost") -> ResultView:
    """A result whose hospital-days are served the given shares of 100 m3."""
    ids = list(shares)
    days = len(next(iter(shares.values())))
    net = o2opt.from_frames(
        pd.DataFrame({"id": ids, "lat": 33.0 + 0.01 * np.arange(len(ids)), "lon": 44.0,
                      "demand_m3_day": 100.0, "region": [regions[i] for i in ids]}),
        model={"horizon_days": days, "shortage_sharing": sharing})
    rows = [(h, t, 100.0, 100.0 * s, 100.0 * (1 - s)) for h, ss in shares.items()
            for t, s in enumerate(ss)]
    service = pd.DataFrame(rows, columns=["hospital", "day", "demand_m3", "delivered_m3",
                                          "unmet_m3"])
    return ResultView(net, {"status": "optimal"}, {"service": service})


def test_service_shares_and_thresholds():
    view = _view({"A": [1.0, 1.0], "B": [0.0, 0.5], "C": [0.2, 0.2], "D": [0.0, 0.0],
                  "E": [1.0, 0.9]},
                 {"A": "r1", "B": "r1", "C": "r2", "D": "r2", "E": ""})
    hospitals, regions, overall = service_shares(view.network, view.service)
    assert overall == pytest.approx((2 + 0.5 + 0.4 + 0 + 1.9) / 10)  # 0.48
    assert hospitals.loc[["A", "B", "C", "D", "E"], "service_share"].tolist() == \
        pytest.approx([1.0, 0.25, 0.2, 0.0, 0.95])
    assert hospitals["days_with_nothing"].to_dict() == {"A": 0, "B": 1, "C": 0, "D": 2, "E": 0}
    assert sorted(regions.index) == ["r1", "r2"]  # E has no region
    assert regions.loc[["r1", "r2"], "service_share"].tolist() == pytest.approx([0.625, 0.1])
    by_kind = {w["kind"]: w for w in shortage_warnings(view)}
    # threshold: half of 48 % = 24 %: C (20 %) is far below, B (25 %) is not
    assert FAR_BELOW == 0.5
    assert list(by_kind) == ["hospitals_with_nothing", "hospitals_with_a_day_of_nothing",
                             "hospitals_far_below_average", "regions_far_below_average"]
    assert [i["id"] for i in by_kind["hospitals_with_nothing"]["items"]] == ["D"]
    assert [i["id"] for i in by_kind["hospitals_with_a_day_of_nothing"]["items"]] == ["B"]
    assert [i["id"] for i in by_kind["hospitals_far_below_average"]["items"]] == ["C"]
    assert [i["id"] for i in by_kind["regions_far_below_average"]["items"]] == ["r2"]
    assert "half the overall service share of 48.0 %" in \
        by_kind["regions_far_below_average"]["message"]


def test_a_region_with_nothing_and_the_worst_named_first():
    shares = {f"H{i:02d}": [0.0] for i in range(12)} | {"F": [1.0]}
    regions = {h: "empty" for h in shares} | {"F": "full"}
    view = _view(shares, regions, sharing="even")
    service = view.service
    service.loc[service["hospital"] == "H05", ["demand_m3", "unmet_m3"]] = 300.0  # largest gap
    warnings = shortage_warnings(view)
    assert [w["kind"] for w in warnings] == ["hospitals_with_nothing", "regions_with_nothing"]
    first = warnings[0]
    assert first["count"] == 12 and len(first["items"]) == 10
    assert first["items"][0]["id"] == "H05" and first["message"].endswith("and 2 more.")
    assert warnings[1]["items"][0]["id"] == "empty"
    assert all(w["suggestion"] == "" for w in warnings)  # already "even"
    assert len(shortage_warnings(view, top=3)[0]["items"]) == 3


def test_no_plan_no_warnings():
    net = _two_regions("cost").with_model(allow_unmet=False)
    sol = o2opt.optimize(net, progress=False)
    assert sol.status == "infeasible"
    assert sol.summary()["warnings"] == []


# --------------------------------------------------------------------------- capacity value
def _bottleneck(candidate: bool = False, **model: object) -> o2opt.Network:
    """One hospital needing 200 m3 (40 cylinders) a day for 2 days; station S1 beside it
    fills only 10 cylinders a day, S2 (50 km away) the rest; the producer has plenty.
    ``candidate``: a candidate plant too dear to open (a MILP)."""
    extra = {"candidates": pd.DataFrame({"id": ["C"], "lat": [33.1], "lon": [44.0],
                                         "capacity_m3_day": [500.0],
                                         "fixed_cost": [1e6]})} if candidate else {}
    return o2opt.from_frames(
        pd.DataFrame({"id": ["H"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [200.0]}),
        stations=pd.DataFrame({"id": ["S1", "S2"], "lat": [33.0, 33.45], "lon": [44.0, 44.0],
                               "fill_capacity_cyl_day": [10.0, 500.0]}),
        producers=pd.DataFrame({"id": ["P"], "lat": [33.2], "lon": [44.0],
                                "capacity_m3_day": [5000.0]}),
        model={"cylinder_m3": 5.0, "horizon_days": 2, "cost_per_cylinder_km": 0.05,
               **model}, **extra)


def test_capacity_value_ranks_the_bottleneck_first_at_its_finite_difference():
    net = _bottleneck()
    sol = o2opt.optimize(net, progress=False)
    table = sol.capacity_value()
    assert list(table.columns) == ["facility", "kind", "unit", "days_binding",
                                   "marginal_value", "max_marginal_value"]
    first = table.iloc[0]
    assert (first["facility"], first["kind"], first["unit"], first["days_binding"]) == \
        ("S1", "station", "cylinders", 2)
    bigger = net.stations.assign(fill_capacity_cyl_day=[11.0, 500.0])
    saved = sol.objective - o2opt.optimize(net.replace(stations=bigger),
                                           progress=False).objective
    assert saved > 1.0  # a real difference: one cylinder a day less carried from S2
    assert first["marginal_value"] == pytest.approx(saved, rel=1e-6)
    assert first["max_marginal_value"] == pytest.approx(saved / 2, rel=1e-6)
    assert "S2" not in set(table["facility"])  # slack: worth nothing
    page = sol.to_html()
    section = page[page.index('id="capacity-value"'):]
    assert section.index(">S1<") < section.index("</table>")
    assert f"{saved:,.2f}" in section[:section.index("</table>")]


def test_capacity_value_without_marginal_values_says_how_to_get_them():
    sol = o2opt.optimize(_bottleneck(candidate=True), progress=False)
    assert sol.model.is_mip
    with pytest.raises(ValueError, match="marginal_values = true"):
        sol.capacity_value()
    page = sol.to_html()
    section = page[page.index('id="capacity-value"'):]
    assert "marginal_values = true" in section[:section.index("</section>")]
    with_values = o2opt.optimize(_bottleneck(candidate=True, marginal_values=True),
                                 progress=False)
    assert with_values.capacity_value()["facility"].iloc[0] == "S1"
