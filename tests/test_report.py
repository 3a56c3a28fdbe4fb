"""The HTML planning report: content, escaping, result folders, the CLI, and a real browser.

The browser tests render the report in headless Chromium (Debian package ``chromium``;
``.ci/run`` installs it) as a person would open it: from a file, with no network. They skip,
saying why, when no browser is installed. Set ``O2OPT_CHROMIUM`` to use another binary.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

import o2opt
from o2opt import datasets
from o2opt.cli import main
from o2opt.report import CSP, read_result, render_html, report_folder

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_REGION = '<img src=x onerror="alert(2)"> & $x^2$'
SHORT_HOSPITAL = "osm-1037841348"  # alqadsya, western Anbar: left short in the demo


@pytest.fixture(scope="module")
def demo_solution() -> o2opt.Solution:
    return o2opt.optimize(o2opt.read_network(datasets.demo_folder()))


@pytest.fixture(scope="module")
def hostile_solution() -> o2opt.Solution:
    """The demo with a hostile hospital name (on a hospital left short, so it is listed)
    and a hostile region name."""
    net = o2opt.read_network(datasets.demo_folder())
    tables = net.tables()
    h = tables["hospitals"].copy()
    h.loc[h["id"] == SHORT_HOSPITAL, "name"] = HOSTILE_NAME
    h.loc[h["region"] == "Anbar", "region"] = HOSTILE_REGION
    hostile = o2opt.from_frames(h, producers=tables["producers"], stations=tables["stations"],
                                candidates=tables["candidates"],
                                model=net.scenario.as_dict(skip_none=True))
    sol = o2opt.optimize(hostile)
    assert sol.service.set_index("hospital").at[SHORT_HOSPITAL, "unmet_m3"] > 0
    return sol


# --------------------------------------------------------------------------- content
def test_page_is_self_contained(demo_solution):
    page = demo_solution.to_html(title="Demo report")
    assert page.startswith("<!DOCTYPE html>")
    assert f'content="{CSP}"' in page
    assert "<script" not in page.lower()
    # nothing is fetched: every src is inline data, there are no links or stylesheets
    assert re.findall(r'src="([^"]*)"', page)
    assert all(src.startswith("data:image/png;base64,")
               for src in re.findall(r'src="([^"]*)"', page))
    assert "<link" not in page and "href=" not in page and "url(" not in page
    for section in ("headline", "map-section", "regions", "sites", "hospitals", "costs",
                    "assumptions"):
        assert f'<section id="{section}"' in page
    for table in ("region-table", "sites-table", "hospital-table", "cost-table",
                  "model-table"):
        assert f'<table id="{table}"' in page
    assert 'id="map"' in page and 'id="gap-chart"' in page and 'id="cost-chart"' in page


def test_headline_figures_match_the_solution(demo_solution):
    page = demo_solution.to_html()
    s = demo_solution.summary()
    assert f"{s['unmet_m3']:,.0f}" in page  # 40 m³ unmet at alqadsya
    assert f"{len(s['opened'])}</div><div class=\"k\">new plants opened" in page
    for cid in s["opened"]:
        assert cid in page


def test_hostile_names_are_escaped(hostile_solution):
    page = hostile_solution.to_html()
    assert HOSTILE_NAME not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;" in page
    assert "<script" not in page.lower()


def test_to_html_writes_the_file(demo_solution, tmp_path):
    path = tmp_path / "r.html"
    text = demo_solution.to_html(path)
    assert path.read_text(encoding="utf-8") == text


def test_multi_day_report_has_daily_section():
    net = o2opt.read_network(datasets.demo_folder())
    h = net.hospitals
    daily = pd.DataFrame({"hospital": list(h["id"]) * 3, "day": [0] * len(h) + [1] * len(h)
                          + [2] * len(h),
                          "demand_m3": list(h["demand_m3_day"]) + list(h["demand_m3_day"] * 1.4)
                          + list(h["demand_m3_day"])})
    from o2opt.demand import with_demand

    sol = o2opt.optimize(with_demand(net, daily=daily))
    page = render_html(sol)
    assert '<section id="daily"' in page and 'id="heatmap-chart"' in page
    assert "the worst day is day 1" in page


def test_no_solution_report():
    net = o2opt.read_network(datasets.demo_folder()).with_model(allow_unmet=False, budget=0)
    sol = o2opt.optimize(net)
    assert not sol.has_solution
    page = render_html(sol)
    assert "No plan found" in page and '<section id="assumptions"' in page


# --------------------------------------------------------------------------- result folders
def test_result_folder_report_matches(demo_solution, tmp_path):
    demo_solution.to_folder(tmp_path / "res")
    view = read_result(tmp_path / "res", demo_solution.network)
    assert view.has_solution and view.status == demo_solution.status
    assert view.cost == pytest.approx(demo_solution.cost)
    from_folder = render_html(view)
    direct = render_html(demo_solution)
    # same figures in the tables (images may differ in bytes)
    strip = re.compile(r'src="data:image/png;base64,[^"]*"')
    assert strip.sub("", from_folder) == strip.sub("", direct)


def test_result_from_another_scenario_is_refused(demo_solution, tmp_path):
    demo_solution.to_folder(tmp_path / "res")
    with pytest.raises(ValueError, match="not solved from this scenario"):
        read_result(tmp_path / "res", datasets.load_iraq())


def test_cli_report(demo_solution, tmp_path, capsys):
    demo_solution.to_folder(tmp_path / "res")
    out = tmp_path / "report.html"
    code = main(["report", str(tmp_path / "res"), "--scenario", str(datasets.demo_folder()),
                 "--html", str(out), "--figures", str(tmp_path / "fig"), "-q"])
    assert code == 0, capsys.readouterr()
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert sorted(p.name for p in (tmp_path / "fig").iterdir()) == ["cost.png", "gap.png",
                                                                   "map.png"]
    # without --scenario (and none recorded in summary.json) it says what is missing
    assert main(["report", str(tmp_path / "res"), "--html", str(out), "-q"]) == 2
    assert "--scenario" in capsys.readouterr().err
    assert main(["report", str(tmp_path / "nothing"), "--scenario",
                 str(datasets.demo_folder()), "--html", str(out), "-q"]) == 2


def test_report_folder_picks_up_governorate_boundaries(tmp_path):
    net = datasets.load_iraq(budget=0)
    sol = o2opt.optimize(net)
    sol.to_folder(tmp_path / "res")
    path = report_folder(tmp_path / "res", tmp_path / "r.html", datasets.iraq_folder())
    page = path.read_text(encoding="utf-8")
    assert "governorate boundaries (approximate)" not in page  # legend is inside the image
    assert "Shaded areas: region boundaries (approximate)." in page
    assert "OpenStreetMap contributors" in page  # ODbL credit for OSM-sourced hospitals


# --------------------------------------------------------------------------- real browser
def _chromium() -> str | None:
    given = os.environ.get("O2OPT_CHROMIUM")
    if given:
        return given
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


CHROMIUM = _chromium()
needs_browser = pytest.mark.skipif(
    CHROMIUM is None,
    reason="no headless browser: install Debian's 'chromium' (apt-get install -y chromium) "
           "or set O2OPT_CHROMIUM to run the HTML report in a real browser")

# Injected into a copy of the report (with the CSP removed so that it may run) to inspect the
# rendered page: images loaded and their sizes, tables, figures, scripts, network requests.
PROBE = """<script>
window.addEventListener("load", () => {
  const imgs = [...document.images];
  const out = {
    images: imgs.map(i => ({id: i.closest("figure") ? i.closest("figure").id : "",
                            ok: i.complete && i.naturalWidth > 0,
                            w: i.naturalWidth, h: i.naturalHeight})),
    tables: [...document.querySelectorAll("table")].map(t => [t.id, t.rows.length]),
    scripts: document.querySelectorAll("script").length,
    requests: performance.getEntriesByType("resource").map(e => e.name)
      .filter(n => !n.startsWith("data:")),
    hostile_text: document.body.innerText.includes(HOSTILE_JSON),
    title: document.title,
  };
  const pre = document.createElement("pre");
  pre.id = "o2opt-probe";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
});
</script>""".replace("HOSTILE_JSON", json.dumps(HOSTILE_NAME).replace("<", "\\u003c"))
# (the name is written with \u003c so that no "</script>" appears inside the probe)


def _browser(args: list[str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "chromium-profile"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}",
           # no network: any request would fail (and is counted by the probe)
           "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
           "--virtual-time-budget=10000", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


@needs_browser
def test_report_renders_in_headless_chromium(hostile_solution, tmp_path):
    report = tmp_path / "report.html"
    hostile_solution.to_html(report, title="Browser test")

    # 1. the page as shipped: the DOM after rendering holds no script, the hostile name only
    #    as text, and the figures and tables
    done = _browser(["--dump-dom", report.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "<script" not in dom.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    for needle in ('id="map"', 'id="gap-chart"', 'id="cost-chart"', 'id="region-table"',
                   'id="sites-table"', 'id="hospital-table"'):
        assert needle in dom

    # 2. a probed copy: every image decoded, nothing requested from the network
    probed = tmp_path / "probed.html"
    text = report.read_text(encoding="utf-8")
    text = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", text)
    probed.write_text(text.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    done = _browser(["--dump-dom", probed.as_uri()], tmp_path)
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="o2opt-probe">(.*?)</pre>', done.stdout, re.S)
    assert found, "the probe did not run: " + done.stdout[-500:]
    import html as html_module

    probe = json.loads(html_module.unescape(found.group(1)))
    figures = {img["id"]: img for img in probe["images"]}
    assert {"map", "gap-chart", "cost-chart"} <= set(figures)
    assert all(img["ok"] and img["w"] > 300 and img["h"] > 150 for img in probe["images"]), probe
    tables = dict(probe["tables"])
    assert tables["region-table"] >= 3 and tables["hospital-table"] >= 2
    assert tables["sites-table"] >= 2 and tables["cost-table"] == 7
    assert probe["requests"] == []
    assert probe["scripts"] == 1  # the probe itself: the hostile name did not become a script
    assert probe["hostile_text"] is True  # shown literally, as text
    assert probe["title"] == "Browser test"

    # 3. a screenshot, as a person would see the top of the page
    shot = tmp_path / "report.png"
    done = _browser([f"--screenshot={shot}", "--window-size=1200,2400", report.as_uri()],
                    tmp_path)
    assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] == 2400 and pixels.shape[1] == 1200
    assert pixels[..., :3].std() > 0.05  # not a blank page
    keep = os.environ.get("O2OPT_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(shot, keep)
