"""The investment figures in summary.json and the HTML report: capex, annuity, opex and the
horizon share, checked against figures computed here by hand."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import o2opt
from o2opt import costs, report

R, LIFE, CAPEX, OPEX, DAYS = 0.08, 10, 400_000.0, 20_000.0, 30
CRF = R / (1 - (1 + R) ** -LIFE)  # 0.149029...
ANNUITY = CAPEX * CRF  # 59,611.80 a year
YEARLY = ANNUITY + OPEX  # 79,611.80 a year
CHARGED = YEARLY * DAYS / 365  # 6,543.44 over 30 days


def _network(**model: object) -> o2opt.Network:
    """One hospital next to a candidate plant (capex) with an option (fixed_cost) that is
    needed to cover its demand."""
    h = pd.DataFrame({"id": ["H0"], "lat": [33.30], "lon": [44.40], "demand_m3_day": [8.0]})
    c = pd.DataFrame({"id": ["C0"], "lat": [33.31], "lon": [44.41], "capacity_m3_day": [5.0],
                      "capex": [CAPEX], "lifetime_years": [LIFE], "opex_per_year": [OPEX]})
    o = pd.DataFrame({"facility": ["C0"], "option": ["big"], "extra_capacity": [5.0],
                      "fixed_cost": [10.0]})
    return o2opt.from_frames(h, candidates=c, options=o, model={
        "horizon_days": DAYS, "discount_rate": R, "currency": "IQD",
        "unmet_penalty_per_m3": 100_000.0, **model})


def test_hand_computed_figures():
    assert CRF == pytest.approx(0.1490295, abs=1e-7)
    table = costs.investment_breakdown(_network())
    plant = table.set_index("id").loc["C0"]
    assert plant["capital_recovery_factor"] == pytest.approx(CRF)
    assert plant["annuity_per_year"] == pytest.approx(ANNUITY)
    assert plant["annualised_cost_per_year"] == pytest.approx(YEARLY)
    assert plant["fixed_cost"] == pytest.approx(CHARGED)
    assert plant["explanation"] == (
        "capex 400,000.00 IQD repaid over 10 years at 8.00 % a year: 59,611.80 IQD a year "
        "(capital recovery factor 0.149029) + opex 20,000.00 IQD a year = 79,611.80 IQD a "
        "year; × 30/365 of a year (horizon of 30 days) = 6,543.44 IQD charged in this plan")
    option = table.set_index("id").loc["C0/big"]
    assert option["priced_by"] == "fixed_cost" and pd.isna(option["capex"])
    assert option["annualised_cost_per_year"] == pytest.approx(10.0 * 365 / DAYS)


def test_summary_json_explains_the_plan(tmp_path):
    sol = o2opt.optimize(_network())
    assert sol.summary()["opened"] == ["C0"] and sol.summary()["options_chosen"] == ["C0/big"]
    out = sol.to_folder(tmp_path / "out")
    inv = json.loads((out / "summary.json").read_text(encoding="utf-8"))["investment"]
    assert inv["horizon_days"] == DAYS and inv["discount_rate"] == R
    assert inv["horizon_share_of_year"] == pytest.approx(DAYS / 365)
    assert inv["capex"] == CAPEX
    assert inv["annualised_cost_per_year"] == pytest.approx(YEARLY + 10.0 * 365 / DAYS)
    assert inv["fixed_cost"] == pytest.approx(CHARGED + 10.0)
    assert inv["fixed_cost"] == pytest.approx(sol.cost["fixed"])  # what the objective paid
    items = {i["id"]: i for i in inv["items"]}
    assert set(items) == {"C0", "C0/big"}
    assert items["C0"]["annuity_per_year"] == pytest.approx(ANNUITY)
    assert items["C0"]["opex_per_year"] == OPEX and items["C0"]["lifetime_years"] == LIFE
    assert items["C0/big"]["capex"] is None  # priced by fixed_cost: JSON null, not NaN


def test_report_investment_section(tmp_path):
    sol = o2opt.optimize(_network(capital_budget=500_000.0))
    page = report.render_html(sol)
    section = page[page.index('<section id="investment">'):]
    section = section[:section.index("</section>")]
    for text in ("Money is in IQD", "30/365 of a year", "capex, IQD", "400,000",
                 "59,611.80", "20,000.00", "79,611.80", "6,543.44", "8.00 %",
                 "Capital spent: 400,000 of a capital budget of 500,000",
                 "fixed cost given: 10.00 IQD over the horizon"):
        assert text in section, text
    assert section.count("<tr>") == 1 + 2 + 1  # header, plant, option, total
    # the same section from a result folder read back with its scenario
    folder = sol.to_folder(tmp_path / "res")
    again = report.render_html(report.read_result(folder, sol.network))
    assert again[again.index('<section id="investment">'):].startswith(
        section[:400])


def test_no_section_without_investment_input():
    net = o2opt.read_network(o2opt.datasets.demo_folder())
    sol = o2opt.optimize(net)
    assert 'id="investment"' not in report.render_html(sol)
    assert "investment" not in sol.summary()
