"""The scenario the live service plans from: stored in the database, file by file.

``o2opt serve --scenario FOLDER`` validates the folder with :func:`o2opt.read_network` and
stores its files, so that the service (and any later server on the same database) plans from
exactly what was loaded. Facilities are listed in ``facilities`` for report checks and state.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from o2opt.errors import InputError, Problem
from o2opt.io import read_network
from o2opt.live.db import FacilityRow, ReportRow, ScenarioFile, utc_now
from o2opt.network import Network

__all__ = ["load_scenario", "scenario_network", "stored_scenario"]

_TABLES = {"hospitals": "hospital", "stations": "station", "producers": "producer",
           "candidates": "candidate"}


def load_scenario(engine: Engine, folder: str | Path) -> Network:
    """Validate ``folder`` and store it (replacing any scenario stored before).

    Reports already stored are kept; a facility that disappears from the scenario keeps its
    reports in the audit table, and its latest reports are dropped with it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError([Problem(str(folder), None, None, "is not a scenario folder")])
    network = read_network(folder)
    files = {p.name: p.read_bytes() for p in sorted(folder.iterdir())
             if p.is_file() and p.suffix in {".csv", ".toml", ".geojson"}}
    now = utc_now()
    with Session(engine) as session, session.begin():
        session.execute(delete(ScenarioFile))
        session.add_all(ScenarioFile(name=n, content=c, loaded_at=now) for n, c in files.items())
        wanted = {}
        for table, kind in _TABLES.items():
            frame = getattr(network, table)
            for row in frame.itertuples(index=False):
                wanted[str(row.id)] = FacilityRow(
                    id=str(row.id), kind=kind, name=_text(getattr(row, "name", None)),
                    region=_text(getattr(row, "region", None)),
                    lat=float(row.lat), lon=float(row.lon))
        existing = {f.id: f for f in session.scalars(select(FacilityRow))}
        gone = set(existing) - set(wanted)
        if gone:
            session.execute(delete(ReportRow).where(ReportRow.facility.in_(gone)))
            session.execute(delete(FacilityRow).where(FacilityRow.id.in_(gone)))
        for row in wanted.values():
            session.merge(row)
    return network


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    text = str(value).strip()
    return text or None


def stored_scenario(engine: Engine) -> dict[str, bytes]:
    """The stored scenario's files (empty when none was loaded)."""
    with Session(engine) as session:
        return {f.name: f.content for f in session.scalars(select(ScenarioFile))}


@contextmanager
def scenario_folder(engine: Engine) -> Iterator[Path]:
    """The stored scenario written to a temporary folder (removed afterwards)."""
    files = stored_scenario(engine)
    if not files:
        raise InputError([Problem("database", None, None,
                                  "holds no scenario: start with --scenario FOLDER")])
    tmp = Path(tempfile.mkdtemp(prefix="o2opt-live-"))
    try:
        for name, content in files.items():
            (tmp / name).write_bytes(content)
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scenario_network(engine: Engine) -> Network:
    """The stored scenario as a validated :class:`~o2opt.Network`."""
    with scenario_folder(engine) as folder:
        return read_network(folder)
