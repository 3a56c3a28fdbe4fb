"""The live service's web application (FastAPI): reports in, state and plans out.

Endpoints (version 1, ``docs/live.md``):

=======================================  =================================================
``GET  /api/health``                      200 when ready
``POST /api/reports``                     a JSON list of reports; 200 ``{"accepted": N}``
                                          after commit, 422 ``{"problems": [...]}``
``GET  /api/status``                      one entry per hospital, station and producer
``GET  /api/status/regions``              needs, stock, outages and stale reporters by region
``POST /api/plan``                        re-plan from today's state: 200 with the summary,
                                          or 202 ``{"plan_id", "status": "running"}``
``GET  /api/plans/{id}``                  202 while running, 200 with the summary when done
``GET  /api/plans/latest``                the latest finished plan's summary
``GET  /api/plans/latest/deliveries``     its deliveries
``GET  /``                                the dashboard
=======================================  =================================================

Writes need ``Authorization: Bearer TOKEN`` (the administrator's token or a reporter's);
with no token configured at all, only loopback clients may write.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import io
import ipaddress
import json
import logging
from collections.abc import AsyncIterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any

import pandas as pd
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlalchemy import select, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.live.db import PlanRow, TokenRow, utc_now
from o2opt.live.planning import finish_plan, plan_summary, start_plan
from o2opt.live.reports import ReportsRejected, store_reports
from o2opt.live.state import facility_status

__all__ = ["Writer", "create_app"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Writer:
    """Who may write: a name for the audit trail and the facilities allowed (None: all)."""

    name: str
    facilities: frozenset[str] | None


def _sha256(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _is_loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "testclient"  # Starlette's in-process test client


#: largest request body accepted (413 above it): about 80,000 reports
MAX_BODY_BYTES = 8 << 20


def create_app(engine: Engine, *, admin_token: str | None = None,
               plan_wait_s: float = 10.0, solve_options: dict[str, Any] | None = None,
               open_reads: bool = False, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    """The application for ``engine`` (a migrated database holding a scenario).

    Parameters
    ----------
    engine : Engine
        From :func:`o2opt.live.db.open_database`.
    admin_token : str, optional
        The administrator's token (``--token`` / ``O2OPT_TOKEN``).
    plan_wait_s : float
        ``POST /api/plan`` answers 200 with the plan when it is solved within this time,
        else 202 and the solve goes on in the background.
    solve_options : dict, optional
        Passed to :func:`o2opt.optimize` (``time_limit_s``, ``threads``, ...).
    open_reads : bool
        Let any client read (status, plans, the dashboard). By default a client off the
        loopback address needs a valid token to read too.
    max_body_bytes : int
        Larger request bodies are refused with 413.
    """
    planner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="o2opt-plan")

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        planner.shutdown(wait=False, cancel_futures=True)

    # the OpenAPI schema is served at /openapi.json; the interactive pages (/docs, /redoc)
    # are off because they load their scripts from a CDN, and no page may reach outside
    app = FastAPI(title="o2opt live", version="1", lifespan=lifespan, docs_url=None,
                  redoc_url=None,
                  description="Facility reports in, today's oxygen state and plans out.")
    running: dict[int, Future[dict[str, Any]]] = {}
    options = dict(solve_options or {})

    # plans left running by a server that stopped will never finish: say so
    with Session(engine) as session, session.begin():
        session.execute(update(PlanRow).where(PlanRow.status == "running").values(
            status="failed", error="interrupted: the server stopped while planning",
            finished_at=utc_now()))

    def writer(request: Request) -> Writer | None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else None
        if token and admin_token and hmac.compare_digest(token, admin_token):
            return Writer("admin", None)
        with Session(engine) as session:
            if token:
                row = session.scalars(select(TokenRow).where(
                    TokenRow.sha256 == _sha256(token))).first()
                if row is not None:
                    allowed = None if row.facilities is None else frozenset(row.facilities)
                    return Writer(row.name, allowed)
                return None
            any_token = session.scalars(select(TokenRow.name).limit(1)).first() is not None
        if admin_token is None and not any_token:
            host = request.client.host if request.client else None
            return Writer("local", None) if _is_loopback(host) else None
        return None

    @app.middleware("http")
    async def guard_reads(request: Request, call_next: Any) -> Response:
        host = request.client.host if request.client else None
        if (request.method == "GET" and request.url.path != "/api/health"
                and not open_reads and not _is_loopback(host)
                and writer(request) is None):
            return refused()
        return await call_next(request)

    def refused() -> JSONResponse:
        return JSONResponse({"detail": "a valid 'Authorization: Bearer TOKEN' is required"},
                            status_code=401, headers={"WWW-Authenticate": "Bearer"})

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/api/reports")
    async def post_reports(request: Request) -> Response:
        who = writer(request)
        if who is None:
            return refused()
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > max_body_bytes:
            return _too_large(max_body_bytes)
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > max_body_bytes:
                return _too_large(max_body_bytes)
        try:
            batch = json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError):
            return JSONResponse({"problems": [{"index": None, "field": None,
                                               "message": "the body is not valid JSON"}]},
                                status_code=422)
        try:
            # in a worker thread: a commit's fsync must not stall the event loop
            accepted = await run_in_threadpool(store_reports, engine, batch,
                                               reporter=who.name, allowed=who.facilities)
        except ReportsRejected as e:
            return JSONResponse({"problems": [p.as_dict() for p in e.problems]},
                                status_code=422)
        return JSONResponse({"accepted": accepted})

    @app.get("/api/status")
    def status() -> list[dict[str, Any]]:
        keys = ("facility", "kind", "region", "stock_cylinders", "burn_m3_day",
                "days_of_stock", "status", "report_date", "stale")
        return [{k: s[k] for k in keys} for s in facility_status(engine)]

    @app.get("/api/status/regions")
    def regions() -> list[dict[str, Any]]:
        from o2opt.live.dashboard import regions_now

        return regions_now(engine)

    @app.post("/api/plan")
    def post_plan(request: Request) -> Response:
        who = writer(request)
        if who is None or who.facilities is not None:  # reporters send reports, not plans
            return refused()
        plan_id = start_plan(engine, requested_by=who.name)
        future = planner.submit(finish_plan, engine, plan_id, **options)
        running[plan_id] = future
        try:
            return JSONResponse(_ok(future.result(timeout=plan_wait_s)))
        except FutureTimeout:
            return JSONResponse({"plan_id": plan_id, "status": "running"}, status_code=202)

    @app.get("/api/plans/latest")
    def latest_plan() -> Response:
        plan_id = _latest_done(engine)
        if plan_id is None:
            return JSONResponse({"detail": "no finished plan yet"}, status_code=404)
        return JSONResponse(_ok(plan_summary(engine, plan_id)))

    @app.get("/api/plans/latest/deliveries")
    def latest_deliveries(format: str = "json") -> Response:
        plan_id = _latest_done(engine)
        if plan_id is None:
            return JSONResponse({"detail": "no finished plan yet"}, status_code=404)
        with Session(engine) as session:
            row = session.get(PlanRow, plan_id)
            text = (row.deliveries_csv if row else None) or ""
        if format == "csv":
            return Response(text, media_type="text/csv")
        table = pd.read_csv(io.StringIO(text)) if text.strip() else pd.DataFrame()
        return JSONResponse(json.loads(table.to_json(orient="records")))

    @app.get("/api/plans/{plan_id}")
    def get_plan(plan_id: int) -> Response:
        try:
            summary = plan_summary(engine, plan_id)
        except KeyError:
            return JSONResponse({"detail": f"no plan {plan_id}"}, status_code=404)
        if summary["plan_status"] == "running":
            return JSONResponse({"plan_id": plan_id, "status": "running"}, status_code=202)
        return JSONResponse(_ok(summary))

    @app.get("/", response_class=HTMLResponse)
    def dashboard() -> HTMLResponse:
        from o2opt.live.dashboard import render_dashboard

        return HTMLResponse(render_dashboard(engine))

    return app


def _too_large(limit: int) -> JSONResponse:
    return JSONResponse({"detail": f"the request body is larger than {limit:,} bytes: send "
                                   "the reports in smaller batches"}, status_code=413)


def _ok(summary: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(summary, default=str))


def _latest_done(engine: Engine) -> int | None:
    with Session(engine) as session:
        return session.scalars(select(PlanRow.id).where(PlanRow.status == "done")
                               .order_by(PlanRow.finished_at.desc(), PlanRow.id.desc())
                               .limit(1)).first()
