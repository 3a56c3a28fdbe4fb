"""Read scenario folders, GeoPackages and in-memory frames; write folders atomically.

Reading returns a :class:`~o2opt.validate.RawInput` (tables as given, model keys as given,
and the file problems met on the way); :func:`o2opt.validate.check` turns it into a
:class:`~o2opt.network.Network`. The public entry points :func:`read_network` and
:func:`from_frames` do both. Data flows one way, ``io -> validate -> network``: this module
builds on :mod:`o2opt.validate` and never constructs a ``Network`` itself.

CSV files are read with the :mod:`csv` module, so that every row keeps the line it came
from (error messages name it, even after blank lines or quoted line breaks); a file without
quotes, blank rows or ragged rows is split at its commas and line ends directly, to the same
result. Files must be UTF-8 (a byte-order mark is allowed) and comma-separated; values are
stripped of surrounding spaces; rows whose fields are all blank are skipped; a row with
more or fewer fields than the header is an error (extra fields that are all empty are
tolerated).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io as _io
import logging
import os
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, overload

import numpy as np
import pandas as pd

from o2opt.atomic import atomic_folder
from o2opt.errors import InputError, Problem
from o2opt.schema import MODEL_KEYS, TABLES
from o2opt.validate import RawInput, check, closest

if TYPE_CHECKING:
    from o2opt.network import Network

__all__ = ["RawInput", "atomic_folder", "from_frames", "read_network", "write_folder"]

log = logging.getLogger(__name__)


def read_network(path: str | os.PathLike[str], *,
                 model: Mapping[str, Any] | None = None) -> Network:
    """Read and validate a scenario folder or GeoPackage.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``hospitals.csv`` (required), the other tables of docs/input.md
        (optional) and ``scenario.toml`` (optional); or a ``.gpkg`` file with layers of the
        same names, its ``[model]`` keys read from ``<name>.toml`` or ``scenario.toml``
        beside it.
    model : mapping, optional
        ``[model]`` keys that override the file's.

    Returns
    -------
    Network

    Raises
    ------
    InputError
        Listing every problem found, each with its file, column and row.

    Examples
    --------
    >>> import o2opt
    >>> net = o2opt.read_network(o2opt.datasets.demo_folder())
    >>> net.scenario.cylinder_m3
    6.8
    """
    path = Path(path)
    raw = _read_geopackage(path) if path.suffix.lower() == ".gpkg" else _read_folder(path)
    if model:
        raw.model.update(model)
        for key in model:
            raw.model_lines.pop(key, None)
    return check(raw)


def from_frames(
    hospitals: pd.DataFrame,
    *,
    producers: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    routes: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    availability: pd.DataFrame | None = None,
    options: pd.DataFrame | None = None,
    model: Mapping[str, Any] | None = None,
    columns: Mapping[str, str] | None = None,
) -> Network:
    """Build and validate a network from DataFrames or GeoDataFrames.

    ``columns`` renames your column names to o2opt's in every table given, e.g.
    ``columns={"hosp_id": "id", "beds": "beds_total", "O2_need": "demand_m3_day"}``; a name
    absent from a table is ignored there. A rename that would give a table two columns of
    the same name is an input error.

    GeoDataFrames may be in any CRS: point geometries are converted to WGS84 and give the
    ``lat``/``lon`` columns. A geometry that is not a point is an input error. Problems
    name a row by its index label (``row 3``).

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, o2opt
    >>> h = gpd.GeoDataFrame({"id": ["H1"], "demand_m3_day": [40.0]},
    ...                      geometry=gpd.points_from_xy([44.4], [33.3]), crs="EPSG:4326")
    >>> net = o2opt.from_frames(h.to_crs("EPSG:32638"), model={"horizon_days": 2})
    >>> round(float(net.hospitals.lat.iloc[0]), 6), net.scenario.horizon_days
    (33.3, 2)
    >>> mine = pd.DataFrame({"hosp_id": ["H1"], "need": [40.0], "lat": [33.3], "lon": [44.4]})
    >>> o2opt.from_frames(mine, columns={"hosp_id": "id", "need": "demand_m3_day"}).hospitals.id[0]
    'H1'
    """
    given = {"hospitals": hospitals, "producers": producers, "stations": stations,
             "candidates": candidates, "routes": routes, "demand": demand,
             "availability": availability, "options": options}
    raw = RawInput(tables={}, model={}, sources={}, model_source="model")
    if isinstance(model, Mapping):
        raw.model = dict(model)
    elif model is not None:
        raw.problems.append(Problem("model", None, None, "must be a mapping of [model] keys "
                                    f"to values, got {type(model).__name__}"))
    if hospitals is None:
        raw.problems.append(Problem("hospitals (DataFrame)", None, None,
                                    "is required: a DataFrame with the columns "
                                    + ", ".join(TABLES["hospitals"].required)))
    for name, frame in given.items():
        if frame is None:
            continue
        source = f"{name} (DataFrame)"
        raw.sources[name] = source
        if not isinstance(frame, pd.DataFrame):
            raw.problems.append(Problem(source, None, None,
                                        f"must be a DataFrame, got {type(frame).__name__}"))
            raw.unreadable.add(name)
            continue
        if columns:
            renamed = [columns.get(str(c), str(c)) for c in frame.columns]
            twice = sorted({c for c in renamed if renamed.count(c) > 1})
            if twice:
                raw.problems.append(Problem(source, ", ".join(twice), None, (
                    "the columns mapping gives the table two columns named "
                    f"{', '.join(map(repr, twice))}")))
                raw.unreadable.add(name)
                continue
            frame = frame.rename(columns=lambda c: columns.get(str(c), c))
        rows = [f"row {label}" for label in frame.index]
        raw.add(name, _points_to_latlon(frame, name, rows, raw), rows)
    return check(raw)


# --------------------------------------------------------------------------- folders
def _read_folder(folder: Path) -> RawInput:
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError([Problem(str(folder), None, None, f"scenario folder {what}")])
    raw = RawInput(tables={}, model={}, sources={})
    for name, table in TABLES.items():
        file = folder / table.file
        raw.sources[name] = table.file
        state = _file_state(file)
        if state not in ("file", "absent"):
            raw.problems.append(Problem(table.file, None, None, state))
            raw.unreadable.add(name)
            continue
        if state == "absent":
            if name == "hospitals":
                raw.problems.append(Problem(table.file, None, None,
                                            f"required file is missing from {folder}"))
                raw.unreadable.add(name)
            continue
        read = _read_csv(file, raw.problems)
        if read is None:
            raw.unreadable.add(name)
            continue
        frame, rows, raw.dropped_ids[name] = read
        raw.add(name, frame, rows)
        raw.stripped.add(name)
    toml = folder / "scenario.toml"
    state = _file_state(toml)
    if state == "file":
        raw.model, raw.model_lines = _read_toml(toml, raw.problems)
    elif state != "absent":
        raw.problems.append(Problem(toml.name, None, None, state))
    return raw


def _file_state(file: Path) -> str:
    """``"absent"`` (nothing of that name: :func:`os.lstat` finds none), ``"file"`` (a
    regular file, or a symbolic link to one), or what is wrong with what is there.

    Only a truly absent file is absent: a dangling symbolic link, a loop of links, a
    folder or a device in a file's place is an input problem, not a missing file.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _file_state(folder / "stations.csv"), _file_state(folder)
    ('absent', 'is not a file: it is a folder')
    """
    import stat

    try:
        os.lstat(file)
    except FileNotFoundError:
        return "absent"
    except OSError as e:
        return f"cannot be read: {e.strerror}"
    try:
        mode = os.stat(file).st_mode
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "is a symbolic link that loops"
        if isinstance(e, FileNotFoundError):
            return f"is a symbolic link to {os.readlink(file)}, which does not exist"
        return f"cannot be read: {e.strerror}"
    if stat.S_ISREG(mode):
        return "file"
    if stat.S_ISDIR(mode):
        return "is not a file: it is a folder"
    return "is not a file: it is a device, a pipe or a socket"


def _read_text(file: Path, problems: list[Problem], *, csv_file: bool = False) -> str | None:
    """The file's text, or ``None`` after adding a problem (unreadable, binary, not UTF-8)."""
    try:
        data = file.read_bytes()
    except OSError as e:
        problems.append(Problem(file.name, None, None, f"cannot be read: {e.strerror}"))
        return None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        problems.append(Problem(file.name, None, None, "is UTF-16 text; save it as UTF-8"))
        return None
    if b"\x00" in data:
        problems.append(Problem(file.name, None, None, "is a binary file, not UTF-8 text"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        problems.append(_utf8_problem(file.name, e.object, e.start, csv_file))  # (no BOM)
        return None


def _utf8_problem(name: str, data: bytes, start: int, csv_file: bool) -> Problem:
    """Locate the first byte that is not UTF-8: its line and, in a CSV file, its column
    (best effort: lines end with LF, CRLF or CR; no column where the line does not parse)."""
    head = data[:start].replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    start, data = len(head), head + data[start:]
    line_start = head.rfind(b"\n") + 1
    line = head.count(b"\n") + 1
    column = None
    if csv_file and line > 1:
        header = data[: data.find(b"\n")].decode("utf-8-sig", "replace")
        before = data[line_start:start].decode("utf-8", "replace")
        try:
            names = next(csv.reader([header]), [])
            position = len(next(csv.reader([before + "x"]), [])) - 1
        except csv.Error:  # a quote or line break the single line cannot hold
            names, position = [], 0
        column = names[position].strip() if position < len(names) else None
    return Problem(name, column, f"line {line}",
                   f"is not UTF-8 text (byte {data[start]:#04x}); save the file as UTF-8")


def _read_csv(file: Path,
              problems: list[Problem]) -> tuple[pd.DataFrame, Sequence[str], set[str]] | None:
    """The table (all values strings), the line of each row and the ids of the rows left
    out (ragged), or ``None`` if the file is unusable."""
    text = _read_text(file, problems, csv_file=True)
    if text is None:
        return None
    return _csv_table(file.name, text, problems)


def _csv_table(name: str, text: str,
               problems: list[Problem]) -> tuple[pd.DataFrame, Sequence[str], set[str]] | None:
    """:func:`_read_csv` of ``text``, the content of file ``name``."""
    plain = _csv_plain(text)
    lines: Sequence[int]
    dropped: set[str]
    if plain is not None:  # one record per line, none skipped or ragged
        header, values = plain
        if _wrong_separator(name, 1, header, problems):
            return None
        header_line, lines, dropped = 1, range(2, len(values[0]) + 2), set()
    else:
        parsed = _csv_records(name, text, problems)
        if parsed is None:
            return None
        lines, records = parsed
        if not records:
            return pd.DataFrame(), [], set()
        header = [h.strip() for h in records[0]]
        if _wrong_separator(name, lines[0], header, problems):
            return None
        header_line = lines[0]
        lines, body, dropped = _csv_body(name, header, lines[1:], records[1:], problems)
        values = [[r[j].strip() for r in body] for j in range(len(header))]
    columns = _csv_columns(name, header_line, header, values, problems)
    frame = pd.DataFrame({header[j]: pd.Series(values[j], dtype=str) for j in columns})
    return frame, _Lines(lines), dropped


class _Lines(Sequence[str]):
    """``"line N"`` for each row of a CSV table, written out only when a message needs one
    (a national demand table has 70,000 rows and few, if any, problems)."""

    def __init__(self, numbers: Sequence[int]) -> None:
        self._numbers = numbers

    def __len__(self) -> int:
        return len(self._numbers)

    @overload
    def __getitem__(self, i: int) -> str: ...

    @overload
    def __getitem__(self, i: slice) -> list[str]: ...

    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [f"line {n}" for n in self._numbers[i]]
        return f"line {self._numbers[i]}"


def _wrong_separator(name: str, line: int, header: list[str], problems: list[Problem]) -> bool:
    """Whether the header is one field holding ``;``, a tab or ``|`` (a problem added)."""
    if len(header) == 1 and (sep := next((s for s in ";\t|" if s in header[0]), None)):
        problems.append(Problem(name, None, f"line {line}",
                                f"fields are separated by {sep!r}; o2opt reads comma-separated "
                                "files"))
        return True
    return False


def _csv_plain(text: str) -> tuple[list[str], list[list[str]]] | None:
    """The header and the values of each column (all stripped) of a plain CSV text, else
    ``None``.

    A text is plain when it has no quote character, no NUL, no ``\\r`` outside ``\\r\\n``
    and no line longer than the field size limit of :mod:`csv`, every line has as many
    commas as the first, and at least one column has no empty value (so no record is
    blank). The :mod:`csv` reader of :func:`_csv_records` splits such a text into one
    record per line, at every comma, without an error, a skipped record or a ragged one:
    this splits it the same way, several times faster. Other texts are left to that reader.
    """
    if not text or '"' in text or "\0" in text or text.count("\r") != text.count("\r\n"):
        return None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    if text.endswith("\n"):
        text = text[:-1]  # ends the last record (a further line break would start one)
    data = np.frombuffer(text.encode(), dtype=np.uint8)  # "\n" and "," are single bytes
    ends = np.flatnonzero(data == 10)  # "\n"
    if np.diff(ends, prepend=-1, append=len(data)).max() > csv.field_size_limit():
        return None
    commas = np.flatnonzero(data == 44)  # ","
    per_line = np.diff(np.searchsorted(commas, ends), prepend=0, append=len(commas))
    n = int(per_line[0]) + 1
    if (per_line != n - 1).any():
        return None
    fields = text.replace("\n", ",").split(",")  # n per line
    columns = [list(map(str.strip, fields[j::n])) for j in range(n)]
    if all("" in column for column in columns):  # a blank record is empty in every column
        return None
    return [column[0] for column in columns], [column[1:] for column in columns]


def _csv_records(name: str, text: str,
                 problems: list[Problem]) -> tuple[list[int], list[list[str]]] | None:
    """The records that are not blank and the line each starts on."""
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as e:
        _, line = _record_starts(text)
        problems.append(Problem(name, None, f"line {line}", f"cannot be parsed as CSV: {e}"))
        return None
    # one line per record, unless a quoted field holds a line break
    lines = list(range(1, len(records) + 1)) if reader.line_num == len(records) \
        else _record_starts(text)[0]
    keep = [i for i, r in enumerate(records) if r and (r[0].strip() or "".join(r).strip())]
    if len(keep) == len(records):
        return lines, records
    return [lines[i] for i in keep], [records[i] for i in keep]


def _record_starts(text: str) -> tuple[list[int], int]:
    """The line each CSV record starts on, and the line after the last record read (where
    a record that cannot be parsed starts)."""
    starts: list[int] = []
    start = 1
    reader = csv.reader(_io.StringIO(text, newline=""), strict=True)
    with contextlib.suppress(csv.Error):
        for _ in reader:
            starts.append(start)
            start = reader.line_num + 1
    return starts, start


def _csv_body(name: str, header: list[str], lines: Sequence[int], records: list[list[str]],
              problems: list[Problem]) -> tuple[Sequence[int], list[list[str]], set[str]]:
    """The data records whose field count matches the header (and their lines), and the
    ids of the others (each reported)."""
    n = len(header)
    if all(len(r) == n for r in records):
        return lines, records, set()
    good_lines, body = [], []
    dropped: set[str] = set()
    at = header.index("id") if "id" in header else None
    for line, fields in zip(lines, records, strict=True):
        if len(fields) == n or (len(fields) > n and not "".join(fields[n:]).strip()):
            good_lines.append(line)
            body.append(fields[:n])  # trailing empty fields: nothing is lost
            continue
        row = f"line {line}"
        if at is not None and at < len(fields):
            dropped.add(fields[at].strip())
            row += f" (id {fields[at].strip()})"
        column = header[len(fields)] if len(fields) < n else None
        problems.append(Problem(name, column, row,
                                f"has {len(fields)} fields, the header has {n}"))
    return good_lines, body, dropped


def _csv_columns(name: str, header_line: int, header: list[str], values: list[list[str]],
                 problems: list[Problem]) -> list[int]:
    """Positions of the columns to keep: named ones, each name once (``values``: each
    column's stripped values)."""
    keep: list[int] = []
    seen: set[str] = set()
    for j, column in enumerate(header):
        if not column:
            if any(values[j]):
                problems.append(Problem(name, None, f"line {header_line}",
                                        f"column {j + 1} has values but no name in the header"))
        elif column in seen:
            problems.append(Problem(name, column, f"line {header_line}",
                                    "appears more than once in the header"))
        else:
            seen.add(column)
            keep.append(j)
    return keep


def _read_toml(file: Path, problems: list[Problem]) -> tuple[dict[str, Any], dict[str, int]]:
    """The ``[model]`` table and the line of each of its keys (``{}`` after a problem)."""
    text = _read_text(file, problems)
    if text is None:
        return {}, {}
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        message, line = _toml_error(e)
        text_lines = text.splitlines()
        if line and 0 < line <= len(text_lines) and text_lines[line - 1].strip():
            message += f" in {text_lines[line - 1].strip()[:60]!r}"
        row = f"line {line}" if line else None
        problems.append(Problem(file.name, None, row, f"is not valid TOML: {message}"))
        return {}, {}
    except ValueError as e:  # tomllib: an integer longer than Python converts (4300 digits)
        why = "holds a number too long to read" if "digits" in str(e) else str(e)
        problems.append(Problem(file.name, None, None, f"is not valid TOML: {why}"))
        return {}, {}
    lines = _toml_lines(text)
    model: dict[str, Any] = {}
    for key, value in doc.items():
        row = f"line {lines[key]}" if key in lines else None
        if key == "model" and isinstance(value, dict):
            model = value
        elif key == "model":
            problems.append(Problem(file.name, key, row, "must be a table: [model]"))
        elif key in MODEL_KEYS:
            problems.append(Problem(file.name, key, row,
                                    "must be inside the [model] table (put it below a line "
                                    "[model])"))
        else:
            problems.append(Problem(file.name, key, row,
                                    f"unknown table or key [{key}]{closest(key, ['model'])}"))
    return model, {k[6:]: n for k, n in lines.items() if k.startswith("model.")}


def _toml_error(error: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    """The message of a TOML syntax error without its position, and its line."""
    message = str(error)
    match = re.fullmatch(r"(.*) \(at line (\d+), column \d+\)", message, flags=re.DOTALL)
    if match:
        return match.group(1), int(match.group(2))
    return message, getattr(error, "lineno", None)  # Python >= 3.14


_TOML_TABLE = re.compile(r"\s*\[\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*\]")
_TOML_KEY = re.compile(r"\s*([A-Za-z0-9_-]+|\"[^\"]*\"|'[^']*')\s*[=.]")


def _toml_lines(text: str) -> dict[str, int]:
    """Line of each top-level table or key (``"model"``) and table key (``"model.budget"``).

    A plain scan, good enough to point at a line in an error message.
    """
    lines: dict[str, int] = {}
    table = ""
    for number, line in enumerate(text.splitlines(), start=1):
        if match := _TOML_TABLE.match(line):
            table = match.group(1).strip("\"'")
            lines.setdefault(table, number)
        elif match := _TOML_KEY.match(line):
            key = match.group(1).strip("\"'")
            lines.setdefault(f"{table}.{key}" if table else key, number)
    return lines


# --------------------------------------------------------------------------- geo inputs
def _geometry(frame: pd.DataFrame) -> Any:
    """The active geometry column of a GeoDataFrame, or ``None``."""
    if "geopandas" not in sys.modules:
        return None
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame):
        return None
    try:
        return frame.geometry
    except AttributeError:  # a GeoDataFrame without an active geometry column
        return None


def _points_to_latlon(frame: pd.DataFrame, name: str, rows: list[str],
                      raw: RawInput) -> pd.DataFrame:
    """Replace a GeoDataFrame's point geometry by WGS84 ``lat``/``lon`` columns.

    ``frame`` is table ``name``; ``rows`` names each row for error messages. A geometry
    that is missing, empty or not a point is a problem, and its ``lat``/``lon`` are NaN
    (not reported again).
    """
    geometry = _geometry(frame)
    if geometry is None:
        return pd.DataFrame(frame)
    source = raw.sources[name]
    column = geometry.name
    given = geometry
    if geometry.crs is not None and not geometry.crs.equals("EPSG:4326"):
        try:
            geometry = geometry.to_crs("EPSG:4326")
        except Exception as e:  # pyproj raises several types
            raw.problems.append(Problem(source, column, None, f"cannot be converted from "
                                                              f"{geometry.crs} to WGS84: {e}"))
            geometry = None
    out = pd.DataFrame(frame.drop(columns=column))
    lat = np.full(len(out), np.nan)
    lon = np.full(len(out), np.nan)
    good = np.zeros(len(out), dtype=bool)
    if geometry is not None:
        kinds = geometry.geom_type.to_numpy()
        good = (kinds == "Point") & ~geometry.is_empty.to_numpy(dtype=bool)
        ids = out["id"].to_numpy() if "id" in out.columns else None
        for i in np.flatnonzero(~good):
            row = rows[i] + (f" (id {ids[i]})" if ids is not None and pd.notna(ids[i]) else "")
            got = "no geometry" if pd.isna(kinds[i]) else kinds[i]
            got = "an empty point" if got == "Point" else got
            raw.problems.append(Problem(source, column, row, f"must be a point, got {got}"))
        outside = _outside_crs(given, geometry, good)
        for i in np.flatnonzero(outside):
            row = rows[i] + (f" (id {ids[i]})" if ids is not None and pd.notna(ids[i]) else "")
            point = given.iloc[i]
            raw.problems.append(Problem(
                source, column, row, f"point ({point.x:g}, {point.y:g}) is "
                f"outside the range of {given.crs.name}: it has no place on the globe (is "
                "the CRS right?)"))
        good &= ~outside
        points = geometry[good]
        lat[good] = points.y.to_numpy()
        lon[good] = points.x.to_numpy()
    out["lat"] = lat
    out["lon"] = lon
    for axis in ("lat", "lon"):
        raw.reported[(name, axis)] = set(np.flatnonzero(~good).tolist())
    return out


def _outside_crs(given: Any, wgs84: Any, good: np.ndarray) -> np.ndarray:
    """Which ``good`` points lie outside the range of their CRS.

    pyproj clips or wraps such points (far beyond EPSG:3857's square become latitude 90 or
    another longitude) instead of failing; converting back does not give them again.
    """
    outside = np.zeros(len(good), dtype=bool)
    if given is wgs84 or not good.any():
        return outside
    x, y = given[good].x.to_numpy(), given[good].y.to_numpy()
    lon, lat = wgs84[good].x.to_numpy(), wgs84[good].y.to_numpy()
    with np.errstate(invalid="ignore"):
        back = wgs84[good].to_crs(given.crs)
        same = (np.isfinite(lon) & np.isfinite(lat)
                & np.isclose(back.x.to_numpy(), x, rtol=1e-7, atol=1e-2)
                & np.isclose(back.y.to_numpy(), y, rtol=1e-7, atol=1e-2))
    outside[np.flatnonzero(good)[~same]] = True
    return outside


def _read_geopackage(file: Path) -> RawInput:
    import geopandas as gpd
    import pyogrio

    state = _file_state(file)
    if state != "file":
        what = "GeoPackage does not exist" if state == "absent" else state
        raise InputError([Problem(str(file), None, None, what)])
    try:
        layers = [str(row[0]) for row in pyogrio.list_layers(file)]
    except Exception as e:  # GDAL raises several types
        raise InputError([Problem(file.name, None, None, f"cannot be read as GeoPackage: {e}")]) \
            from None
    raw = RawInput(tables={}, model={}, sources={})
    for name in TABLES:
        source = f"{file.name} layer {name}"
        raw.sources[name] = source
        if name not in layers:
            if name == "hospitals":
                have = ", ".join(layers) or "none"
                raw.problems.append(Problem(source, None, None,
                                            f"required layer is missing (layers: {have})"
                                            f"{closest(name, layers)}"))
                raw.unreadable.add(name)
            continue
        try:
            frame = gpd.read_file(file, layer=name, fid_as_index=True)
        except Exception as e:
            raw.problems.append(Problem(source, None, None, f"cannot be read: {e}"))
            raw.unreadable.add(name)
            continue
        rows = [f"feature {fid}" for fid in frame.index]
        raw.add(name, _points_to_latlon(frame, name, rows, raw), rows)
    for toml in (file.with_suffix(".toml"), file.parent / "scenario.toml"):
        state = _file_state(toml)
        if state == "absent":
            continue
        if state == "file":
            raw.model, raw.model_lines = _read_toml(toml, raw.problems)
        else:
            raw.problems.append(Problem(toml.name, None, None, state))
        raw.model_source = toml.name
        break
    return raw


# --------------------------------------------------------------------------- writing
def write_folder(network: Network, folder: str | os.PathLike[str], *,
                 overwrite: bool = False) -> Path:
    """Write ``network`` as a scenario folder (CSV tables + ``scenario.toml``).

    Reading the folder back gives an equal network. ``hospitals.csv`` is always written,
    another table when it has rows or extra columns. The folder is written to a temporary
    sibling and renamed into place, so a crash never leaves half a folder.

    Parameters
    ----------
    overwrite : bool
        Replace an existing non-empty folder (and everything in it). Without it such a
        folder is an :class:`~o2opt.errors.OutputError` and is left untouched.
    """
    import tomli_w

    folder = Path(folder)
    with atomic_folder(folder, replace=lambda _: overwrite) as tmp:
        for name, frame in network.tables().items():
            if name == "hospitals" or len(frame) or len(frame.columns) > len(TABLES[name].names):
                frame.to_csv(tmp / TABLES[name].file, index=False)
        model = network.scenario.as_dict(skip_none=True)
        (tmp / "scenario.toml").write_text(tomli_w.dumps({"model": model}), encoding="utf-8")
    return folder


def write_csv(frame: pd.DataFrame, path: str | os.PathLike[str] | TextIO) -> None:
    """Write ``frame`` (without its index) as ``frame.to_csv(path, index=False)`` would.

    The same bytes (numbers as their shortest round-trip text, missing values empty,
    booleans as ``True``/``False``, minimal quoting, ``os.linesep`` line ends) in a
    fraction of the time. Each column is turned into its text fields once, formatting
    each distinct value only once (the result tables repeat days, distances and
    quantities), and the rows are joined as one string instead of going field by field
    through :func:`csv.writer`; strings that may need quotes (holding a comma, a quote or
    a line break) are still quoted by the :mod:`csv` module itself. Frames with
    other column types (dates, categories, nullable integers, ``float32``, ...) or
    non-string column names are left to pandas.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table to write; its index is not written.
    path : str, os.PathLike or text file
        The file to create (UTF-8), or an open text stream to write to.

    Examples
    --------
    >>> import io, pandas as pd
    >>> frame = pd.DataFrame({"id": ["H1", "a,b"], "m3": [1.5, float("nan")], "day": [0, 1]})
    >>> buffer = io.StringIO()
    >>> write_csv(frame, buffer)
    >>> buffer.getvalue() == frame.to_csv(index=False)
    True
    """
    fields: list[list[str] | None] = []
    if len(frame.columns) and all(isinstance(name, str) for name in frame.columns):
        fields = [_csv_fields(frame.iloc[:, j]) for j in range(len(frame.columns))]
    columns = [column for column in fields if column is not None]
    if not fields or len(columns) < len(fields):
        frame.to_csv(path, index=False)
        return
    if len(columns) == 1:  # csv quotes a row made of one empty field
        columns[0] = [text or '""' for text in columns[0]]
    header = _io.StringIO()
    csv.writer(header, lineterminator=os.linesep).writerow(frame.columns)  # as pandas
    width, n_rows = 2 * len(columns), len(frame)
    with contextlib.ExitStack() as stack:
        sink = path if hasattr(path, "write") else stack.enter_context(
            open(path, "w", newline="", encoding="utf-8"))
        sink.write(header.getvalue())
        for start in range(0, n_rows, _CSV_CHUNK_ROWS):
            stop = min(start + _CSV_CHUNK_ROWS, n_rows)
            parts = [","] * (width * (stop - start))  # field, ",", field, ..., field, "\n"
            for j, column in enumerate(columns):
                parts[2 * j::width] = column[start:stop]
            parts[width - 1::width] = [os.linesep] * (stop - start)
            sink.write("".join(parts))


_CSV_CHUNK_ROWS = 1 << 16
_CSV_SPECIAL = frozenset(',"\r\n' + os.linesep)  # characters that may make csv quote a field


def _csv_fields(series: pd.Series) -> list[str] | None:
    """The text fields ``to_csv`` writes for ``series``; None for types left to pandas."""
    dtype = series.dtype
    if isinstance(dtype, np.dtype) and (dtype.kind in "biu" or dtype == np.float64):
        values = series.to_numpy()
        if dtype.kind == "f":  # by bit pattern, so that -0.0 stays apart from 0.0
            codes, uniques = pd.factorize(values.view(np.uint64))
            uniques = uniques.view(np.float64)
            texts = list(map(repr, uniques.tolist()))  # pandas's astype(str): the same text
            for i in np.flatnonzero(np.isnan(uniques)).tolist():
                texts[i] = ""
        else:
            codes, uniques = pd.factorize(values)
            texts = list(map(str, uniques.tolist()))
        if len(texts) == len(values):  # all distinct: codes are 0, 1, 2, ...
            return texts
        return np.array(texts, dtype=object).take(codes).tolist()
    if not (isinstance(dtype, pd.StringDtype) or isinstance(dtype, np.dtype) and dtype.kind == "O"):
        return None
    values = series.to_numpy(dtype=object)
    mask = pd.isna(values)
    if mask.any():
        values = np.where(mask, "", values)
    texts = values.tolist()
    if pd.api.types.infer_dtype(values, skipna=False) not in ("string", "empty"):
        texts = [str(v) for v in texts]  # as csv does
    joined = "".join(texts)
    if any(char in joined for char in _CSV_SPECIAL):
        quoted = {text: _csv_quoted(text) for text in set(texts)
                  if not _CSV_SPECIAL.isdisjoint(text)}
        texts = [quoted.get(text, text) for text in texts]
    return texts


def _csv_quoted(text: str) -> str:
    """``text`` as :func:`csv.writer` writes it inside a row (quoted if it must be)."""
    buffer = _io.StringIO()
    csv.writer(buffer, lineterminator=os.linesep).writerow([text, ""])
    return buffer.getvalue()[:-1 - len(os.linesep)]
