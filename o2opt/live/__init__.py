"""The live oxygen platform: facility reports in a database, today's state, re-planning.

Install with the ``live`` extra (``pip install "o2opt[live]"``). The library never imports
this package; it imports the library. Pipeline::

    reports (API, CSV, DHIS2)  →  reports.store_reports  →  database (db)
    database  →  state.facility_status  →  planning.network_from_state  →  o2opt.optimize

See ``docs/live.md`` for the command, the report format and the endpoints.
"""

from o2opt.live.db import open_database
from o2opt.live.planning import network_from_state, plan_now
from o2opt.live.reports import ReportsRejected, check_reports, store_reports
from o2opt.live.scenario import load_scenario
from o2opt.live.state import facility_status

__all__ = ["ReportsRejected", "check_reports", "facility_status", "load_scenario",
           "network_from_state", "open_database", "plan_now", "store_reports"]
