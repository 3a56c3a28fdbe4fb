"""The live oxygen platform: facility reports in a database, today's state, re-planning.

Install with the ``live`` extra (``pip install "o2opt[live]"``). The library never imports
this package; it imports the library. Pipeline::

    reports (API, CSV, DHIS2)  →  reports.store_reports  →  database (db)
    database  →  state.facility_status  →  planning.network_from_state  →  o2opt.optimize

The names below are imported on first use, so that ``o2opt.live.cli`` (which declares the
``serve`` and ``live`` commands for the command line's parser) loads without the extra.
See ``docs/live.md`` for the command, the report format and the endpoints.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from o2opt.live.db import open_database
    from o2opt.live.planning import network_from_state, plan_now
    from o2opt.live.reports import ReportsRejected, check_reports, store_reports
    from o2opt.live.scenario import load_scenario
    from o2opt.live.state import facility_status

__all__ = ["ReportsRejected", "check_reports", "facility_status", "load_scenario",
           "network_from_state", "open_database", "plan_now", "store_reports"]

_WHERE = {"open_database": "db", "network_from_state": "planning", "plan_now": "planning",
          "ReportsRejected": "reports", "check_reports": "reports",
          "store_reports": "reports", "load_scenario": "scenario",
          "facility_status": "state"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"o2opt.live.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'o2opt.live' has no attribute {name!r}")
