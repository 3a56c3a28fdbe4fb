"""Solution.to_excel: every table, the costs, and formula-like text neutralised."""

from __future__ import annotations

import sys

import pytest

import o2opt
from o2opt import datasets
from o2opt.excel import neutralise

openpyxl = pytest.importorskip("openpyxl")

REGION = "@SUM(A1:A9)"


@pytest.fixture(scope="module")
def hostile() -> o2opt.Solution:
    net = o2opt.read_network(datasets.demo_folder())
    h = net.hospitals.copy()
    h.loc[h["region"] == "Anbar", "region"] = REGION
    ids = list(h["id"])
    # an id that starts like a formula travels into every table that names the hospital
    h.loc[h["id"] == ids[3], "id"] = "-2+3"
    return o2opt.optimize(net.replace(hospitals=h))


def _sheets(path):
    book = openpyxl.load_workbook(path)
    return {ws.title: ws for ws in book.worksheets}


def test_workbook_has_every_table_and_the_costs(hostile, tmp_path):
    path = hostile.to_excel(tmp_path / "plan.xlsx")
    assert path == tmp_path / "plan.xlsx" and not list(tmp_path.glob(".*tmp*"))
    sheets = _sheets(path)
    assert list(sheets) == ["summary", "cost", "regions", "service", "deliveries", "bulk",
                            "sites", "utilization"]
    for name in ("service", "deliveries", "bulk", "sites", "utilization"):
        table = getattr(hostile, name)
        ws = sheets[name]
        assert ws.max_row == len(table) + 1, name
        assert [c.value for c in ws[1]] == list(table.columns)
    cost = {r[0]: r[1] for r in sheets["cost"].iter_rows(min_row=2, values_only=True)}
    assert cost == pytest.approx(hostile.cost)
    items = {r[0]: r[1] for r in sheets["summary"].iter_rows(min_row=2, values_only=True)}
    assert items["status"] == "optimal"
    assert items["unmet_m3"] == pytest.approx(hostile.summary()["unmet_m3"])
    assert items["opened"] == "; ".join(hostile.summary()["opened"])


def test_formula_like_text_is_written_as_text(hostile, tmp_path):
    sheets = _sheets(hostile.to_excel(tmp_path / "plan.xlsx"))
    seen = set()
    for ws in sheets.values():
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("'"):
                    seen.add(cell.value)
    assert {"'-2+3", "'" + REGION} <= seen
    service = sheets["service"]
    assert "'-2+3" in [c.value for c in service["A"]]
    # numbers stay numbers, negative ones too
    assert neutralise(-1.0) == -1.0 and neutralise("Basra") == "Basra"


def test_without_openpyxl_the_error_says_what_to_install(hostile, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "openpyxl", None)
    with pytest.raises(ImportError, match=r"o2opt\[excel\]"):
        hostile.to_excel(tmp_path / "plan.xlsx")
    assert not (tmp_path / "plan.xlsx").exists()
