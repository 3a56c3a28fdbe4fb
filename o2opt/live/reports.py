"""Facility reports: check a whole batch, then store it in one transaction.

A report is ``{"facility": ID, "date": "YYYY-MM-DD", "kind": KIND, "value": VALUE}``:

==================  ==========================================  =========================
kind                value                                       facilities
==================  ==========================================  =========================
``stock_cylinders`` full cylinders on hand at the day's end, a   hospitals, stations
                    whole number ≥ 0
``consumption_m3``  m³ used that day, ≥ 0                         hospitals
``status``          ``"up"``, ``"down"`` or a capacity factor      producers, stations,
                    in [0, 1]; holds until a later status report   hospitals (on-site plant)
``occupied_beds``   a whole number ≥ 0                             hospitals
==================  ==========================================  =========================

The batch is checked as a whole (:func:`check_reports`); one problem and nothing is stored.
:func:`store_reports` writes the latest value per (facility, date, kind) and every version
in the audit table, in one transaction, and returns only after the commit.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.live.db import AuditRow, FacilityRow, ReportRow, utc_now

__all__ = ["KINDS", "Report", "ReportProblem", "ReportsRejected", "check_reports",
           "store_reports", "today"]

#: report kind → facility kinds that may send it
KINDS: dict[str, frozenset[str]] = {
    "stock_cylinders": frozenset({"hospital", "station"}),
    "consumption_m3": frozenset({"hospital"}),
    "status": frozenset({"hospital", "station", "producer"}),
    "occupied_beds": frozenset({"hospital"}),
}
FIELDS = ("facility", "date", "kind", "value")


def today() -> dt.date:
    """The server's current UTC date ("today" in the contract)."""
    return utc_now().date()


@dataclass(frozen=True)
class Report:
    """One checked report; ``value`` is a number (a status ``up`` is 1, ``down`` 0)."""

    facility: str
    date: dt.date
    kind: str
    value: float
    raw: Mapping[str, Any]


@dataclass(frozen=True)
class ReportProblem:
    """What is wrong with report number ``index`` (0-based) of a batch, in ``field``."""

    index: int | None
    field: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "field": self.field, "message": self.message}


class ReportsRejected(ValueError):
    """A batch with problems; nothing of it was stored."""

    def __init__(self, problems: Sequence[ReportProblem]):
        self.problems = list(problems)
        head = "; ".join(f"report {p.index}, {p.field}: {p.message}" for p in self.problems[:5])
        more = f" (+{len(self.problems) - 5} more)" if len(self.problems) > 5 else ""
        super().__init__(f"{len(self.problems)} problem(s), nothing stored: {head}{more}")


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _value(kind: str, value: Any) -> tuple[float | None, str]:
    """The stored number for ``value`` of a ``kind`` report, or None and why not."""
    if kind == "status":
        if isinstance(value, str) and value.strip().lower() in ("up", "down"):
            return (1.0 if value.strip().lower() == "up" else 0.0), ""
        number = _number(value)
        if number is None or not 0 <= number <= 1:
            return None, "must be 'up', 'down' or a capacity factor between 0 and 1"
        return number, ""
    number = _number(value)
    if number is None:
        return None, "must be a finite number"
    if number < 0:
        return None, "must be >= 0"
    if kind in ("stock_cylinders", "occupied_beds") and number != int(number):
        return None, "must be a whole number"
    if number > 1e12:
        return None, "is implausibly large (> 1e12)"
    return number, ""


def check_reports(batch: Any, facilities: Mapping[str, str], *,
                  allowed: Collection[str] | None = None,
                  on: dt.date | None = None) -> list[Report]:
    """Check a batch of reports; raise :class:`ReportsRejected` listing every problem.

    Parameters
    ----------
    batch : list of dict
        The reports, as parsed from JSON.
    facilities : mapping
        Facility id → kind (``hospital``, ``station``, ``producer``, ``candidate``).
    allowed : collection of str, optional
        The facilities the reporter may report for (None: all).
    on : date, optional
        Today (UTC); a report dated after tomorrow is refused.

    Examples
    --------
    >>> import datetime as dt
    >>> ok = check_reports([{"facility": "H1", "date": "2026-12-01", "kind": "status",
    ...                      "value": "down"}], {"H1": "hospital"}, on=dt.date(2026, 12, 1))
    >>> ok[0].value
    0.0
    >>> try:
    ...     check_reports([{"facility": "X", "date": "2026-13-01", "kind": "stock",
    ...                     "value": -1}], {"H1": "hospital"}, on=dt.date(2026, 12, 1))
    ... except ReportsRejected as e:
    ...     [p.field for p in e.problems]
    ['facility', 'date', 'kind']
    """
    on = on or today()
    latest = on + dt.timedelta(days=1)
    if not isinstance(batch, list):
        raise ReportsRejected([ReportProblem(None, None, "the body must be a JSON list of "
                                                         "reports")])
    problems: list[ReportProblem] = []
    reports: list[Report] = []
    for i, item in enumerate(batch):
        if not isinstance(item, dict):
            problems.append(ReportProblem(i, None, "must be an object with facility, date, "
                                                   "kind and value"))
            continue
        bad = [ReportProblem(i, f, "is missing") for f in FIELDS if f not in item]
        facility, kind = item.get("facility"), item.get("kind")
        fkind = facilities.get(facility) if isinstance(facility, str) else None
        if "facility" in item and fkind is None:
            bad.append(ReportProblem(i, "facility", f"unknown facility {facility!r}"))
        elif fkind is not None and allowed is not None and facility not in allowed:
            bad.append(ReportProblem(i, "facility",
                                     f"{facility!r} is not one of this reporter's facilities"))
        date: dt.date | None = None
        if "date" in item:
            try:
                date = dt.date.fromisoformat(item["date"]) if isinstance(item["date"], str) \
                    else None
            except ValueError:
                date = None
            if date is None:
                bad.append(ReportProblem(i, "date", f"{item['date']!r} is not a date "
                                                    "(YYYY-MM-DD)"))
            elif date > latest:
                bad.append(ReportProblem(i, "date", f"{date} is after tomorrow ({latest})"))
        if "kind" in item and kind not in KINDS:
            bad.append(ReportProblem(i, "kind", f"unknown kind {kind!r}; one of "
                                                f"{', '.join(KINDS)}"))
        elif kind in KINDS and fkind is not None and fkind not in KINDS[kind]:
            bad.append(ReportProblem(i, "kind", f"a {fkind} cannot report {kind}"))
        value: float | None = None
        if kind in KINDS and "value" in item:
            value, why = _value(kind, item["value"])
            if value is None:
                bad.append(ReportProblem(i, "value", f"{item['value']!r} {why}"))
        if bad:
            problems.extend(bad)
        elif value is not None and date is not None:
            reports.append(Report(str(facility), date, str(kind), value, dict(item)))
    if problems:
        raise ReportsRejected(problems)
    return reports


def _upsert(dialect: str, rows: list[dict[str, Any]]) -> Any:
    """``INSERT … ON CONFLICT (facility, date, kind) DO UPDATE``: an atomic upsert, so that
    concurrent batches for one key cannot collide or be lost (SQLite and PostgreSQL)."""
    stmt = (pg_insert(ReportRow) if dialect == "postgresql" else sqlite_insert(ReportRow)
            ).values(rows)
    return stmt.on_conflict_do_update(
        index_elements=["facility", "date", "kind"],
        set_={"value": stmt.excluded.value, "reporter": stmt.excluded.reporter,
              "received_at": stmt.excluded.received_at})


def facility_kinds(engine: Engine) -> dict[str, str]:
    """Facility id → kind, from the stored scenario."""
    with Session(engine) as session:
        rows = session.execute(select(FacilityRow.id, FacilityRow.kind))
        return {fid: kind for fid, kind in rows}


def store_reports(engine: Engine, batch: Any, *, reporter: str = "admin",
                  allowed: Collection[str] | None = None, on: dt.date | None = None) -> int:
    """Check ``batch`` and store it in one transaction; return the number stored.

    A later report for the same (facility, date, kind) replaces the earlier one in
    ``reports``; every version stays in ``report_audit``. Returns after the commit, so a
    stored report survives a crash of the process.
    """
    reports = check_reports(batch, facility_kinds(engine), allowed=allowed, on=on)
    if not reports:
        return 0
    now = utc_now()
    latest: dict[tuple[str, dt.date, str], dict[str, Any]] = {}
    for r in reports:  # within a batch, the later report for a key wins
        latest[r.facility, r.date, r.kind] = {
            "facility": r.facility, "date": r.date, "kind": r.kind, "value": r.value,
            "reporter": reporter, "received_at": now}
    rows = list(latest.values())
    with Session(engine) as session, session.begin():
        session.add_all(AuditRow(facility=r.facility, date=r.date, kind=r.kind, value=r.value,
                                 raw=r.raw, reporter=reporter, received_at=now)
                        for r in reports)
        for start in range(0, len(rows), 1000):  # SQLite limits the parameters of a statement
            session.execute(_upsert(engine.dialect.name, rows[start:start + 1000]))
    return len(reports)
