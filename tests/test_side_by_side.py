"""compare_html: several solutions side by side on one self-contained page."""

from __future__ import annotations

import json
import re

import pytest
from test_report import HOSTILE_NAME, _browser, needs_browser

import o2opt
from o2opt import datasets
from o2opt.report import compare_html
from o2opt.side_by_side import compare_table, sweep_solutions


@pytest.fixture(scope="module")
def plans():
    net = o2opt.read_network(datasets.demo_folder())
    return [o2opt.optimize(net), o2opt.optimize(net.with_model(demand_multiplier=1.5)),
            o2opt.optimize(net.with_model(budget=0))]


LABELS = ["today", "1.5x surge", HOSTILE_NAME]


def test_summary_table_matches_each_solution(plans):
    table = compare_table(plans, LABELS)
    assert list(table.columns) == LABELS
    for sol, label in zip(plans, LABELS, strict=True):
        s = sol.summary()
        assert table.at["unmet, m³/day", label] == pytest.approx(s["unmet_m3"])
        assert table.at["delivered, m³/day", label] == pytest.approx(s["delivered_m3"])
        assert table.at["objective", label] == pytest.approx(s["objective"])
    assert table.at["new plants opened", HOSTILE_NAME] == "none"


def test_page_is_self_contained_and_escaped(plans, tmp_path):
    page = compare_html(plans, LABELS, tmp_path / "compare.html")
    assert (tmp_path / "compare.html").read_text(encoding="utf-8") == page
    assert "<script" not in page.lower() and "&lt;script&gt;" in page
    assert "Content-Security-Policy" in page
    assert not re.search(r'src="(?!data:)', page)
    for fig in ("cost-chart", "unmet-chart", "map-1", "map-2", "map-3"):
        assert f'id="{fig}"' in page
    # the region table: one column per plan; the surge's Erbil gap is there
    surge = plans[1].service.merge(plans[1].network.hospitals[["id", "region"]],
                                   left_on="hospital", right_on="id")
    erbil = surge.loc[surge["region"] == "Erbil", "unmet_m3"].sum()
    assert erbil > 1 and f"{erbil:,.1f}" in page


def test_labels_are_checked(plans):
    with pytest.raises(ValueError, match="unique label"):
        compare_html(plans, ["a", "a", "b"])
    with pytest.raises(ValueError, match="unique label"):
        compare_html(plans, ["a"])
    assert "solution 2" in compare_html(plans[:2], maps=False)


def test_sweep_solutions_feed_the_comparison():
    from o2opt.sweeps import grid

    net = o2opt.read_network(datasets.demo_folder())
    sols, labels = sweep_solutions(net, grid({"demand_multiplier": [1, 1.5]}))
    assert labels == ["demand_multiplier=1", "demand_multiplier=1.5"]
    assert sols[1].summary()["unmet_m3"] > sols[0].summary()["unmet_m3"]
    assert "demand_multiplier=1.5" in compare_html(sols, labels, maps=False)


@needs_browser
def test_comparison_renders_in_headless_chromium(plans, tmp_path):
    page = tmp_path / "compare.html"
    compare_html(plans, LABELS, page, boundaries=datasets.iraq_governorates())
    probe = """<script>window.addEventListener("load", () => {
      const pre = document.createElement("pre"); pre.id = "probe";
      pre.textContent = JSON.stringify({
        images: [...document.images].map(i => [i.complete && i.naturalWidth > 0,
                                               i.naturalWidth]),
        tables: [...document.querySelectorAll("table")].map(t => [t.id, t.rows.length,
                                                                  t.rows[0].cells.length]),
        requests: performance.getEntriesByType("resource").map(e => e.name)
          .filter(n => !n.startsWith("data:"))});
      document.body.appendChild(pre);});</script>"""
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "",
                  page.read_text(encoding="utf-8"))
    probed = tmp_path / "probed.html"
    probed.write_text(text.replace("</body>", probe + "</body>"), encoding="utf-8")
    done = _browser(["--dump-dom", probed.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-500:]
    import html

    result = json.loads(html.unescape(found.group(1)))
    assert len(result["images"]) == 5 and all(ok and w > 300 for ok, w in result["images"])
    tables = {t[0]: t[1:] for t in result["tables"]}
    assert tables["summary-table"][1] == 4 and tables["cost-table"] == [6, 4]
    assert tables["region-table"][1] == 4
    assert result["requests"] == []
