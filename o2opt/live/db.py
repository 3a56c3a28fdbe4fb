"""The live service's database: SQLAlchemy 2 tables, an engine per URL, migrations on open.

SQLite (a file, nothing to install) is the embedded default; PostgreSQL is the choice for a
ministry's shared server. The schema is created and changed only by the Alembic migrations
in ``o2opt/live/migrations`` (:func:`open_database` runs them to the newest revision), so a
database made by an older o2opt is upgraded in place, never re-created.

Tables
------
``scenario_files``  the scenario folder the service plans from (file name → bytes)
``facilities``      one row per hospital, station, producer and candidate of that scenario
``reports``         the latest report per (facility, date, kind)
``report_audit``    every report ever accepted, with who sent it and when it arrived
``tokens``          reporters' tokens (SHA-256 only) and the facilities each may report for
``plans``           every plan: the state it was made from, its summary and deliveries
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["AuditRow", "Base", "FacilityRow", "PlanRow", "ReportRow", "ScenarioFile",
           "TokenRow", "open_database", "utc_now"]

MIGRATIONS = Path(__file__).with_name("migrations")


def utc_now() -> dt.datetime:
    """The current time in UTC (timezone-aware)."""
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of the live tables."""


class ScenarioFile(Base):
    __tablename__ = "scenario_files"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FacilityRow(Base):
    __tablename__ = "facilities"
    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # hospital, station, producer, candidate
    name: Mapped[str | None] = mapped_column(String(400))
    region: Mapped[str | None] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class ReportRow(Base):
    __tablename__ = "reports"
    __table_args__ = (UniqueConstraint("facility", "date", "kind", name="uq_report"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility: Mapped[str] = mapped_column(ForeignKey("facilities.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)  # a status 'up' is 1.0, 'down' 0.0
    reporter: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "report_audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    facility: Mapped[str] = mapped_column(String(200), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    raw: Mapped[Any] = mapped_column(JSON)  # the report as received
    reporter: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class TokenRow(Base):
    __tablename__ = "tokens"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    facilities: Mapped[Any] = mapped_column(JSON, nullable=True)  # None: every facility
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class PlanRow(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    status: Mapped[str] = mapped_column(String(20))  # running, done, failed
    start_date: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    requested_by: Mapped[str] = mapped_column(String(200))
    state: Mapped[Any] = mapped_column(JSON)  # the inputs the plan was made from
    summary: Mapped[Any] = mapped_column(JSON, nullable=True)
    deliveries_csv: Mapped[str | None] = mapped_column(Text)
    service_csv: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


def _sqlite_durable(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: write-ahead log with a full sync at every commit (a commit survives kill -9
    and power loss), foreign keys enforced, and a wait instead of 'database is locked'."""
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def open_database(url: str) -> Engine:
    """An engine for ``url``, with the schema migrated to the newest revision.

    Parameters
    ----------
    url : str
        An SQLAlchemy URL: ``sqlite:///o2opt-live.db`` (a file) or
        ``postgresql+psycopg://user@host/db``; ``postgresql://`` is taken to mean psycopg 3.

    Examples
    --------
    >>> import tempfile, pathlib, sqlalchemy
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "live.db"
    >>> engine = open_database(f"sqlite:///{path}")
    >>> sorted(sqlalchemy.inspect(engine).get_table_names())[:3]
    ['alembic_version', 'facilities', 'plans']
    >>> engine.dispose()
    """
    from alembic import command
    from alembic.config import Config

    if url.startswith("postgresql://") or url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url.split("://", 1)[1]
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_durable)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")
    return engine
