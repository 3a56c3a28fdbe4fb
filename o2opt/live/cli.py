"""``o2opt serve`` and ``o2opt live ...``: the live service from the command line.

Exit status as for the other commands: 0 done, 1 a plan without a solution, 2 bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
from typing import Any

__all__ = ["add_live_parsers", "run_live", "run_serve"]

DEFAULT_DB = "sqlite:///o2opt-live.db"


def add_live_parsers(sub: Any) -> list[argparse.ArgumentParser]:
    """Add ``serve`` and ``live`` to the command's subparsers; the parsers added."""
    serve = sub.add_parser("serve", help="run the live service (reports in, plans out)")
    serve.add_argument("--scenario", help="scenario folder to load (or update) into the db")
    serve.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--token", help="administrator's token (default: $O2OPT_TOKEN)")
    serve.add_argument("--open-reads", action="store_true",
                       help="let any client read status, plans and the dashboard (default: "
                            "clients off the loopback address need a token to read too)")
    serve.add_argument("--plan-wait", type=float, default=10.0, metavar="SECONDS",
                       help="POST /api/plan answers 202 when a solve takes longer")

    live = sub.add_parser("live", help="the live database: import reports, tokens, plans")
    live.add_argument("--db", default=DEFAULT_DB, help=f"SQLAlchemy URL (default {DEFAULT_DB})")
    verbs = live.add_subparsers(dest="live_command", required=True, metavar="ACTION")
    imp = verbs.add_parser("import", help="import reports from a file")
    imp.add_argument("file", help="o2opt CSV (facility,date,kind,value) or JSON; or a DHIS2 "
                                  "dataValueSets export with --dhis2-mapping")
    imp.add_argument("--dhis2-mapping", metavar="TOML",
                     help="the file is a DHIS2 export; this maps data elements and org units")
    imp.add_argument("--reporter", default="import", help="name recorded in the audit trail")
    token = verbs.add_parser("token", help="reporters' tokens")
    token_verbs = token.add_subparsers(dest="token_command", required=True, metavar="ACTION")
    add = token_verbs.add_parser("add", help="create a reporter token (printed once)")
    add.add_argument("name")
    add.add_argument("--facilities", help="comma-separated facility ids it may report for")
    verbs.add_parser("plan", help="re-plan from today's state (in this process)")
    verbs.add_parser("status", help="print today's state as JSON")
    load = verbs.add_parser("load", help="load (or update) the scenario into the database")
    load.add_argument("scenario")
    return [serve, live]


def run_serve(args: argparse.Namespace) -> int:
    """``o2opt serve``."""
    import uvicorn

    from o2opt.live.app import create_app
    from o2opt.live.db import open_database
    from o2opt.live.scenario import load_scenario, stored_scenario

    engine = open_database(args.db)
    if args.scenario:
        load_scenario(engine, args.scenario)
    elif not stored_scenario(engine):
        print("o2opt: the database holds no scenario: pass --scenario FOLDER", file=sys.stderr)
        return 2
    token = args.token or os.environ.get("O2OPT_TOKEN") or None
    app = create_app(engine, admin_token=token, plan_wait_s=args.plan_wait,
                     open_reads=args.open_reads)
    print(f"o2opt live: http://{args.host}:{args.port}/ (database {engine.url!r})",
          file=sys.stderr)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")
    return 0


def run_live(args: argparse.Namespace) -> int:
    """``o2opt live ...``."""
    from sqlalchemy.orm import Session

    from o2opt.live.db import TokenRow, open_database, utc_now
    from o2opt.live.reports import ReportsRejected, store_reports

    engine = open_database(args.db)
    if args.live_command == "load":
        from o2opt.live.scenario import load_scenario

        net = load_scenario(engine, args.scenario)
        print(f"loaded {net!r}")
        return 0
    if args.live_command == "import":
        from o2opt.live.imports import dhis2_reports, read_reports

        skipped = 0
        if args.dhis2_mapping:
            reports, skipped = dhis2_reports(args.file, args.dhis2_mapping)
        else:
            reports = read_reports(args.file)
        try:
            n = store_reports(engine, reports, reporter=args.reporter)
        except ReportsRejected as e:
            print(f"o2opt: {args.file}: {len(e.problems)} problem(s), nothing imported:",
                  file=sys.stderr)
            for p in e.problems:
                where = f"report {p.index}" if p.index is not None else "file"
                print(f"  - {where}, {p.field or 'body'}: {p.message}", file=sys.stderr)
            return 2
        print(f"imported {n} report(s)" + (f"; skipped {skipped} unmapped DHIS2 value(s)"
                                           if skipped else ""))
        return 0
    if args.live_command == "token":
        token = secrets.token_urlsafe(24)
        from o2opt.live.app import _sha256

        facilities = ([f.strip() for f in args.facilities.split(",") if f.strip()]
                      if args.facilities else None)
        with Session(engine) as session, session.begin():
            if session.get(TokenRow, args.name) is not None:
                print(f"o2opt: a token named {args.name!r} exists already", file=sys.stderr)
                return 2
            session.add(TokenRow(name=args.name, sha256=_sha256(token), facilities=facilities,
                                 created_at=utc_now()))
        print(token)
        return 0
    if args.live_command == "status":
        from o2opt.live.state import facility_status

        print(json.dumps(facility_status(engine), indent=1, default=str))
        return 0
    from o2opt.live.planning import plan_now

    summary = plan_now(engine)
    print(json.dumps(summary, indent=1, default=str))
    return 0 if summary.get("plan_status") == "done" and summary.get("status") in (
        "optimal", "feasible") else 1
