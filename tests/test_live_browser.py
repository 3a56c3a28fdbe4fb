"""The live dashboard in a real browser: headless Chromium, laptop and phone sizes.

A server (``o2opt serve``) runs on a loopback port with a scenario that has governorate
boundaries, reports and a plan; Chromium (no network: every other host fails to resolve)
renders ``/``. The screenshots must show the page (not blank), the DOM must hold the tables
and the map, and Chromium must log no console error.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("sqlalchemy")
from test_report import CHROMIUM, _browser, needs_browser

from o2opt.live.reports import today

ROOT = Path(__file__).resolve().parents[1]
# the browser may reach this machine's loopback server and nothing else (the later switch
# replaces _browser's "every host fails to resolve")
LOOPBACK_ONLY = ["--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                 "--proxy-server=direct://"]


def _scenario(folder: Path) -> Path:
    folder.mkdir()
    (folder / "hospitals.csv").write_text(
        "id,name,region,lat,lon,demand_m3_day\n"
        "H1,مستشفى الكرخ,North,36.0,44.0,68\nH2,South,South,31.0,46.0,136\n"
        "H3,<b>bold</b>,South,31.5,45.5,50\n")
    (folder / "stations.csv").write_text("id,lat,lon,fill_capacity_cyl_day\nS1,34.0,44.5,20\n")
    (folder / "producers.csv").write_text("id,lat,lon,capacity_m3_day\nP1,34.1,44.6,1000\n")
    (folder / "scenario.toml").write_text("[model]\nhorizon_days = 2\n")
    square = lambda x, y: [[[x, y], [x + 3, y], [x + 3, y + 3], [x, y + 3], [x, y]]]  # noqa: E731
    (folder / "governorates.geojson").write_text(json.dumps({
        "type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "North"},
             "geometry": {"type": "Polygon", "coordinates": square(42.5, 34.5)}},
            {"type": "Feature", "properties": {"name": "South"},
             "geometry": {"type": "Polygon", "coordinates": square(43.5, 30.0)}}]}))
    return folder


@needs_browser
def test_dashboard_renders_in_headless_chromium(tmp_path):
    import matplotlib.image as mpimg

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen(
        [sys.executable, "-m", "o2opt", "serve", "--scenario", str(_scenario(tmp_path / "sc")),
         "--db", f"sqlite:///{tmp_path / 'live.db'}", "--port", str(port), "--token", "t"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/health", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        auth = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        t = today().isoformat()
        reports = [{"facility": "H1", "date": t, "kind": "stock_cylinders", "value": 2},
                   {"facility": "H1", "date": t, "kind": "consumption_m3", "value": 60},
                   {"facility": "H2", "date": t, "kind": "stock_cylinders", "value": 40},
                   {"facility": "H2", "date": t, "kind": "consumption_m3", "value": 100}]
        for path, body in (("/api/reports", reports), ("/api/plan", None)):
            req = urllib.request.Request(base + path, method="POST", headers=auth,
                                         data=json.dumps(body).encode() if body else b"")
            assert urllib.request.urlopen(req, timeout=120).status == 200

        dom = _browser([*LOOPBACK_ONLY, "--dump-dom", base + "/"], tmp_path)
        assert dom.returncode == 0, dom.stderr[-2000:]
        for needle in ("Gaps by region", "Needs against supply", "<rect", "Days of stock",
                       "Stale reporters", "<svg",
                       "<polygon", "<polyline", "مستشفى الكرخ", "&lt;b&gt;bold&lt;/b&gt;"):
            assert needle in dom.stdout, needle
        assert 'class="low"' in dom.stdout or "class=low" in dom.stdout  # H1: 0.23 days

        for name, size in (("laptop", "1366,900"), ("phone", "390,844")):
            shot = tmp_path / f"{name}.png"
            done = _browser([*LOOPBACK_ONLY, f"--screenshot={shot}", f"--window-size={size}",
                             "--enable-logging=stderr", "--v=0", base + "/"], tmp_path)
            assert done.returncode == 0 and shot.is_file(), done.stderr[-2000:]
            console = [line for line in done.stderr.splitlines()
                       if "CONSOLE" in line and ("error" in line.lower())]
            assert not console, console
            pixels = mpimg.imread(shot)[..., :3]
            assert pixels.std() > 0.05  # not a blank page
            # the header band is the dashboard's dark blue, so the page itself rendered
            assert np.allclose(pixels[5, 5], [11 / 255, 79 / 255, 108 / 255], atol=0.05)
            os.environ.get("O2OPT_KEEP_SCREENSHOTS") and shot.rename(
                Path(os.environ["O2OPT_KEEP_SCREENSHOTS"]) / shot.name)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    assert CHROMIUM is not None
