"""The live service: database, report ingest, state, re-planning and the HTTP API.

Every test runs on SQLite (a file in a temporary folder) and, when the environment variable
``O2OPT_TEST_POSTGRES_URL`` names a PostgreSQL server (``.ci/run`` starts one), on PostgreSQL
too. Without a server the PostgreSQL cases skip with that reason.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

pytest.importorskip("sqlalchemy")
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from o2opt.live import (
    ReportsRejected,
    facility_status,
    load_scenario,
    network_from_state,
    open_database,
    plan_now,
    store_reports,
)
from o2opt.live.app import create_app
from o2opt.live.db import AuditRow, ReportRow
from o2opt.live.reports import today

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("O2OPT_TEST_POSTGRES_URL")


def _write_scenario(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "hospitals.csv").write_text(
        "id,name,region,lat,lon,demand_m3_day,onsite_m3_day\n"
        "H1,North,North,36.0,44.0,68,0\n"
        "H2,South,South,33.0,44.0,34,10\n")
    (folder / "stations.csv").write_text(
        "id,lat,lon,fill_capacity_cyl_day\nS1,34.5,44.0,10\n")
    (folder / "producers.csv").write_text("id,lat,lon,capacity_m3_day\nP1,34.6,44.0,1000\n")
    (folder / "scenario.toml").write_text("[model]\nhorizon_days = 3\n")
    return folder


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'live.db'}"
        eng = open_database(url)
        yield eng
        eng.dispose()
        return
    if not PG:
        pytest.skip("no PostgreSQL server: set O2OPT_TEST_POSTGRES_URL (.ci/run starts one)")
    name = "o2opt_test_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG.replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f"CREATE DATABASE {name}"))
    url = PG.rsplit("/", 1)[0] + "/" + name
    eng = open_database(url)
    yield eng
    eng.dispose()
    with admin.connect() as c:
        c.execute(text(f"DROP DATABASE {name} WITH (FORCE)"))
    admin.dispose()


@pytest.fixture
def live(engine, tmp_path):
    load_scenario(engine, _write_scenario(tmp_path / "scenario"))
    return engine


def _r(facility, kind, value, date=None):
    return {"facility": facility, "date": (date or today()).isoformat(), "kind": kind,
            "value": value}


def test_migrations_are_idempotent_and_versioned(engine):
    url = engine.url.render_as_string(hide_password=False)
    again = open_database(url)  # a second open upgrades nothing and loses nothing
    with again.connect() as c:
        assert c.execute(text("select version_num from alembic_version")).scalar() == "0001"
    again.dispose()


def test_bad_batch_lists_every_problem_and_stores_nothing(live):
    tomorrow = today() + dt.timedelta(days=1)
    batch = [_r("H1", "stock_cylinders", 4),
             _r("NOPE", "stock_cylinders", 4),
             {"facility": "H1", "date": "2026-02-30", "kind": "consumption_m3", "value": 3},
             _r("H1", "temperature", 3),
             _r("H1", "stock_cylinders", -2),
             _r("H1", "stock_cylinders", 2.5),
             _r("P1", "consumption_m3", 5),
             _r("S1", "status", 1.5),
             _r("H1", "consumption_m3", True),
             _r("H1", "status", "up", tomorrow + dt.timedelta(days=1)),
             {"facility": "H1", "kind": "status"}]
    with pytest.raises(ReportsRejected) as err:
        store_reports(live, batch)
    got = {(p.index, p.field) for p in err.value.problems}
    assert got == {(1, "facility"), (2, "date"), (3, "kind"), (4, "value"), (5, "value"),
                   (6, "kind"), (7, "value"), (8, "value"), (9, "date"), (10, "date"),
                   (10, "value")}
    with Session(live) as s:
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 0
        assert s.scalar(select(func.count()).select_from(AuditRow)) == 0


def test_later_report_replaces_and_audit_keeps_every_version(live):
    assert store_reports(live, [_r("H1", "stock_cylinders", 10)], reporter="a") == 1
    assert store_reports(live, [_r("H1", "stock_cylinders", 7)], reporter="b") == 1
    with Session(live) as s:
        rows = s.scalars(select(ReportRow)).all()
        assert [(r.value, r.reporter) for r in rows] == [(7.0, "b")]
        audit = s.scalars(select(AuditRow).order_by(AuditRow.id)).all()
        assert [(a.value, a.reporter) for a in audit] == [(10.0, "a"), (7.0, "b")]


def test_status_follows_the_contract(live):
    t = today()
    store_reports(live, [
        _r("H1", "stock_cylinders", 20, t - dt.timedelta(days=1)),
        _r("H1", "stock_cylinders", 10, t),
        _r("H1", "consumption_m3", 30, t),
        _r("H1", "consumption_m3", 40, t - dt.timedelta(days=6)),
        _r("H1", "consumption_m3", 1000, t - dt.timedelta(days=7)),  # outside the 7 days
        _r("S1", "status", 0.5, t - dt.timedelta(days=3)),
        _r("P1", "status", "down", t - dt.timedelta(days=1)),
        _r("P1", "status", "up", t - dt.timedelta(days=5)),
    ])
    by = {s["facility"]: s for s in facility_status(live)}
    h1 = by["H1"]
    assert h1["stock_cylinders"] == 10 and h1["burn_m3_day"] == pytest.approx(35.0)
    assert h1["days_of_stock"] == pytest.approx(10 * 6.8 / 35.0)
    assert h1["status"] == "up" and h1["report_date"] == t.isoformat() and not h1["stale"]
    assert by["H2"]["stock_cylinders"] is None and by["H2"]["days_of_stock"] is None
    assert by["H2"]["stale"] and by["H2"]["report_date"] is None
    assert by["S1"]["status"] == 0.5 and by["S1"]["stale"]  # 3 days old: stale
    assert by["P1"]["status"] == "down" and not by["P1"]["stale"]
    assert set(by) == {"H1", "H2", "S1", "P1"}


def test_plan_from_state_uses_reported_demand_stock_and_outages(live):
    t = today()
    store_reports(live, [_r("H1", "consumption_m3", 13.6, t),
                         _r("H1", "stock_cylinders", 3, t),
                         _r("H2", "occupied_beds", 10, t),
                         _r("S1", "status", 0.5, t)])
    net, state = network_from_state(live)
    assert state["demand_source"] == {"H1": "consumption", "H2": "occupied_beds"}
    h = net.hospitals.set_index("id")
    assert h.loc["H1", "initial_stock_m3"] == pytest.approx(3 * 6.8)
    assert h.loc["H1", "stock_capacity_m3"] >= 3 * 6.8
    d = net.demand.set_index(["hospital", "day"])["demand_m3"]
    assert d.loc[("H1", 2)] == pytest.approx(13.6)
    assert d.loc[("H2", 0)] == pytest.approx(10 * 0.15 * 5 * 1.44)  # general ward, occupied
    a = net.availability.set_index(["facility", "day"])["capacity_factor"]
    assert [a.loc[("S1", d)] for d in range(3)] == [0.5, 0.5, 0.5]
    summary = plan_now(live)
    assert summary["plan_status"] == "done" and summary["status"] == "optimal"
    # H1 needs 13.6/day for 3 days = 40.8 m3, holds 20.4; station fills 5 cyl/day = 34 m3
    # for H1 and H2's net need of max(0, 10.8 - 10) = 0.8 m3/day.
    assert summary["unmet_m3"] == pytest.approx(0.0, abs=1e-6)


def test_station_stock_adds_to_day_zero_only(live):
    t = today()
    store_reports(live, [_r("S1", "stock_cylinders", 5, t), _r("P1", "status", "down", t)])
    net, state = network_from_state(live)
    assert state["station_stock_cylinders"] == {"S1": 5}
    summary = plan_now(live)
    # the producer is down: only the 5 stocked cylinders (34 m3) reach hospitals, on day 0
    assert summary["delivered_m3"] == pytest.approx(34.0)


def test_api_reports_status_plan_and_dashboard(live):
    app = create_app(live, admin_token="secret", plan_wait_s=60)
    with TestClient(app) as client:
        assert client.get("/api/health").status_code == 200
        body = [_r("H1", "stock_cylinders", 2), _r("H1", "consumption_m3", 20)]
        assert client.post("/api/reports", json=body).status_code == 401
        auth = {"Authorization": "Bearer secret"}
        r = client.post("/api/reports", json=body, headers=auth)
        assert r.status_code == 200 and r.json() == {"accepted": 2}
        bad = client.post("/api/reports", json=[_r("X", "stock_cylinders", 1)], headers=auth)
        assert bad.status_code == 422
        assert bad.json()["problems"] == [{"index": 0, "field": "facility",
                                           "message": "unknown facility 'X'"}]
        assert client.post("/api/reports", content=b"{nope", headers=auth).status_code == 422
        status = {s["facility"]: s for s in client.get("/api/status").json()}
        assert status["H1"]["days_of_stock"] == pytest.approx(2 * 6.8 / 20)
        assert set(status["H1"]) == {"facility", "kind", "region", "stock_cylinders",
                                     "burn_m3_day", "days_of_stock", "status",
                                     "report_date", "stale"}
        assert client.get("/api/plans/latest").status_code == 404
        plan = client.post("/api/plan", headers=auth)
        assert plan.status_code == 200, plan.text
        pid = plan.json()["plan_id"]
        assert plan.json()["status"] == "optimal"
        assert client.get(f"/api/plans/{pid}").json()["objective"] == plan.json()["objective"]
        assert client.get("/api/plans/latest").json()["plan_id"] == pid
        deliveries = client.get("/api/plans/latest/deliveries").json()
        assert deliveries and {"source", "hospital", "day", "cylinders"} <= set(deliveries[0])
        page = client.get("/")
        assert page.status_code == 200 and "Gaps by region" in page.text
        assert "<svg" in page.text and "http://" not in page.text.replace(
            "http://www.w3.org", "")
        assert client.get("/api/plans/999").status_code == 404


def test_long_plan_answers_202_and_polls(live):
    app = create_app(live, admin_token="secret", plan_wait_s=0.0)
    with TestClient(app) as client:
        auth = {"Authorization": "Bearer secret"}
        r = client.post("/api/plan", headers=auth)
        if r.status_code == 200:  # solved before the zero wait was checked: still valid
            return
        assert r.status_code == 202 and r.json()["status"] == "running"
        pid = r.json()["plan_id"]
        for _ in range(600):
            got = client.get(f"/api/plans/{pid}")
            if got.status_code == 200:
                break
            assert got.status_code == 202
            import time

            time.sleep(0.05)
        assert got.status_code == 200 and got.json()["status"] == "optimal"


def test_reporter_tokens_are_limited_to_their_facilities(live, tmp_path):
    url = live.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "o2opt", "live", "--db", url, "token", "add",
                          "north", "--facilities", "H1"], capture_output=True, text=True,
                         env=env, check=True)
    token = out.stdout.strip()
    app = create_app(live, admin_token="secret")
    with TestClient(app) as client:
        auth = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/reports", json=[_r("H1", "stock_cylinders", 1)],
                           headers=auth).status_code == 200
        r = client.post("/api/reports", json=[_r("H2", "stock_cylinders", 1)], headers=auth)
        assert r.status_code == 422 and r.json()["problems"][0]["field"] == "facility"
        assert client.post("/api/plan", headers=auth).status_code == 401
    with Session(live) as s:
        assert s.scalars(select(ReportRow.reporter)).all() == ["north"]


def test_without_tokens_only_loopback_writes(live):
    app = create_app(live)
    with TestClient(app, client=("127.0.0.1", 5000)) as client:
        assert client.post("/api/reports", json=[_r("H1", "stock_cylinders", 1)]
                           ).status_code == 200
    with TestClient(app, client=("192.0.2.7", 5000)) as client:
        assert client.post("/api/reports", json=[_r("H1", "stock_cylinders", 1)]
                           ).status_code == 401


def test_cli_import_csv_and_dhis2(live, tmp_path):
    url = live.url.render_as_string(hide_password=False)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t = today()
    good = tmp_path / "reports.csv"
    good.write_text(f"facility,date,kind,value\nH1,{t},stock_cylinders,4\nS1,{t},status,down\n")
    run = [sys.executable, "-m", "o2opt", "live", "--db", url, "import"]
    ok = subprocess.run(run + [str(good)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0 and "imported 2" in ok.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text(f"facility,date,kind,value\nH1,{t},stock_cylinders,-4\n")
    no = subprocess.run(run + [str(bad)], capture_output=True, text=True, env=env)
    assert no.returncode == 2 and "report 0, value" in no.stderr
    assert "Traceback" not in no.stderr
    mapping = tmp_path / "map.toml"
    mapping.write_text('[data_elements]\n"DEcons" = "consumption_m3"\n'
                       '[org_units]\n"OUh2" = "H2"\n')
    export = tmp_path / "dvs.csv"
    export.write_text("dataelement,period,orgunit,categoryoptioncombo,attributeoptioncombo,"
                      f"value\nDEcons,{t:%Y%m%d},OUh2,x,y,12.5\nOTHER,{t:%Y%m%d},OUh2,x,y,1\n")
    d = subprocess.run(run + [str(export), "--dhis2-mapping", str(mapping)],
                       capture_output=True, text=True, env=env)
    assert d.returncode == 0 and "skipped 1" in d.stdout, d.stderr
    by = {s["facility"]: s for s in facility_status(live)}
    assert by["H2"]["burn_m3_day"] == 12.5 and by["S1"]["status"] == "down"


def test_acknowledged_report_survives_kill_9(tmp_path):
    """A report answered with 200 is on disk: kill -9 the server, reopen, it is there."""
    import signal
    import socket
    import time
    import urllib.request

    folder = _write_scenario(tmp_path / "scenario")
    db = f"sqlite:///{tmp_path / 'live.db'}"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    server = subprocess.Popen([sys.executable, "-m", "o2opt", "serve", "--scenario",
                               str(folder), "--db", db, "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if urllib.request.urlopen(base + "/api/health", timeout=1).status == 200:
                    break
            except OSError:
                time.sleep(0.1)
        req = urllib.request.Request(base + "/api/reports", method="POST",
                                     data=json.dumps([_r("H1", "stock_cylinders", 9)]).encode(),
                                     headers={"Content-Type": "application/json"})
        assert urllib.request.urlopen(req, timeout=10).status == 200
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    engine = open_database(db)
    assert {s["facility"]: s for s in facility_status(engine)}["H1"]["stock_cylinders"] == 9
    engine.dispose()


def test_reads_off_loopback_need_a_token_unless_open(live):
    with TestClient(create_app(live, admin_token="s"), client=("192.0.2.7", 1)) as client:
        assert client.get("/api/health").status_code == 200
        assert client.get("/api/status").status_code == 401
        assert client.get("/").status_code == 401
        assert client.get("/api/status", headers={"Authorization": "Bearer s"}
                          ).status_code == 200
    with TestClient(create_app(live, admin_token="s", open_reads=True),
                    client=("192.0.2.7", 1)) as client:
        assert client.get("/api/status").status_code == 200


def test_body_size_limit(live):
    with TestClient(create_app(live, admin_token="s", max_body_bytes=1000)) as client:
        auth = {"Authorization": "Bearer s"}
        big = [_r("H1", "stock_cylinders", 1)] * 100
        assert client.post("/api/reports", json=big, headers=auth).status_code == 413
        assert client.post("/api/reports", json=big[:3], headers=auth).status_code == 200


def test_concurrent_posts_lose_no_report(live):
    """8 clients post at once, to the same keys and to different ones: every report is in the
    audit trail, and each (facility, date, kind) holds one of the values sent."""
    from concurrent.futures import ThreadPoolExecutor

    app = create_app(live, admin_token="s")
    t = today()
    batches = [[_r("H1", "consumption_m3", float(i), t - dt.timedelta(days=k))
                for k in range(5)] + [_r("H2", "stock_cylinders", i)] for i in range(8)]
    with TestClient(app) as client:
        def post(batch):
            return client.post("/api/reports", json=batch,
                               headers={"Authorization": "Bearer s"}).status_code

        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(post, batches))
    assert codes == [200] * 8
    with Session(live) as s:
        assert s.scalar(select(func.count()).select_from(AuditRow)) == 48
        latest = s.scalars(select(ReportRow)).all()
        assert len(latest) == 6  # 5 days of H1 consumption + H2's stock
        assert {r.value for r in latest} <= {float(i) for i in range(8)}


def test_a_large_batch_is_stored_whole(live):
    t = today()
    batch = [_r(h, "consumption_m3", float(k), t - dt.timedelta(days=k))
             for k in range(1500) for h in ("H1", "H2")]
    assert store_reports(live, batch) == 3000
    with Session(live) as s:
        assert s.scalar(select(func.count()).select_from(ReportRow)) == 3000


def test_the_command_works_without_the_live_extra(tmp_path):
    """Without SQLAlchemy (the 'live' extra) every other command works, and 'serve' says
    what to install (exit 2, no traceback)."""
    demo = str(ROOT / "data" / "iraq-demo")
    code = ("import sys; sys.modules['sqlalchemy'] = None; sys.modules['fastapi'] = None\n"
            "from o2opt.cli import main\n"
            "sys.exit(main(sys.argv[1:]))\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ok = subprocess.run([sys.executable, "-c", code, "validate", demo], capture_output=True,
                        text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    serve = subprocess.run([sys.executable, "-c", code, "serve", "--scenario", demo,
                            "--db", f"sqlite:///{tmp_path / 'x.db'}"], capture_output=True,
                           text=True, env=env)
    assert serve.returncode == 2 and "pip install 'o2opt[live]'" in serve.stderr
    assert "Traceback" not in serve.stderr


def test_unreadable_report_files_are_input_errors(tmp_path):
    from o2opt.errors import InputError
    from o2opt.live.imports import dhis2_reports, read_reports

    bad_toml, export = tmp_path / "map.toml", tmp_path / "x.json"
    bad_toml.write_text("[data_elements\n")
    export.write_text("{}")
    not_utf8 = tmp_path / "r.csv"
    not_utf8.write_bytes(b"facility,date,kind,value\n\xff\xfe,1,2,3\n")
    for call in (lambda: dhis2_reports(export, bad_toml), lambda: read_reports(not_utf8),
                 lambda: read_reports(tmp_path / "missing.csv")):
        with pytest.raises(InputError, match="cannot be read|not valid"):
            call()
