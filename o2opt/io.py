"""Read scenario folders, GeoPackages and in-memory frames; write folders atomically.

Reading returns a :class:`RawInput` (tables as given, model keys as given, and the file
problems met on the way); :func:`o2opt.validate.check` turns it into a
:class:`~o2opt.network.Network`. The public entry points :func:`read_network` and
:func:`from_frames` do both.
"""

from __future__ import annotations

import contextlib
import io as _io
import logging
import os
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from o2opt.errors import InputError, OutputError, Problem
from o2opt.network import Network
from o2opt.schema import TABLES

__all__ = ["RawInput", "from_frames", "read_network", "write_folder"]

log = logging.getLogger(__name__)


@dataclass
class RawInput:
    """Input as read, before validation.

    ``tables`` maps a table name to its frame (strings when read from CSV);
    ``sources`` names where each came from (``"hospitals.csv"``); ``csv`` tells whether row
    ``r`` of a table is line ``r + 2`` of a file (for error messages).
    """

    tables: dict[str, pd.DataFrame]
    model: dict[str, Any]
    sources: dict[str, str]
    model_source: str = "scenario.toml"
    csv: bool = True
    problems: list[Problem] = field(default_factory=list)


def read_network(path: str | os.PathLike[str], *, model: Mapping[str, Any] | None = None) -> Network:
    """Read and validate a scenario folder or GeoPackage.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``hospitals.csv`` (required), the other tables of MODEL.md
        (optional) and ``scenario.toml`` (optional); or a ``.gpkg`` file with layers of the
        same names, its ``[model]`` keys read from ``scenario.toml`` or ``<name>.toml``
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
    from o2opt.validate import check  # noqa: PLC0415  (validate builds on this module)

    path = Path(path)
    raw = _read_geopackage(path) if path.suffix.lower() == ".gpkg" else _read_folder(path)
    if model:
        raw.model.update(model)
    return check(raw)


def from_frames(
    hospitals: pd.DataFrame,
    *,
    producers: pd.DataFrame | None = None,
    stations: pd.DataFrame | None = None,
    candidates: pd.DataFrame | None = None,
    routes: pd.DataFrame | None = None,
    demand: pd.DataFrame | None = None,
    model: Mapping[str, Any] | None = None,
) -> Network:
    """Build and validate a network from DataFrames or GeoDataFrames.

    GeoDataFrames may be in any CRS: point geometries are converted to WGS84 and give the
    ``lat``/``lon`` columns. A geometry that is not a point is an input error.

    Examples
    --------
    >>> import geopandas as gpd, pandas as pd, o2opt
    >>> h = gpd.GeoDataFrame({"id": ["H1"], "demand_m3_day": [40.0]},
    ...                      geometry=gpd.points_from_xy([44.4], [33.3]), crs="EPSG:4326")
    >>> net = o2opt.from_frames(h.to_crs("EPSG:32638"), model={"horizon_days": 2})
    >>> round(float(net.hospitals.lat.iloc[0]), 6), net.scenario.horizon_days
    (33.3, 2)
    """
    from o2opt.validate import check  # noqa: PLC0415

    given = {"hospitals": hospitals, "producers": producers, "stations": stations,
             "candidates": candidates, "routes": routes, "demand": demand}
    raw = RawInput(tables={}, model=dict(model or {}), sources={}, model_source="model",
                   csv=False)
    for name, frame in given.items():
        if frame is None:
            continue
        source = f"{name} (DataFrame)"
        raw.sources[name] = source
        raw.tables[name] = _points_to_latlon(frame, source, raw.problems)
    return check(raw)


# --------------------------------------------------------------------------- folders
def _read_folder(folder: Path) -> RawInput:
    raw = RawInput(tables={}, model={}, sources={})
    if not folder.is_dir():
        what = "is not a folder" if folder.exists() else "does not exist"
        raise InputError([Problem(str(folder), None, None, f"scenario folder {what}")])
    for name, table in TABLES.items():
        file = folder / table.file
        raw.sources[name] = table.file
        if not file.is_file():
            if name == "hospitals":
                raw.problems.append(Problem(table.file, None, None,
                                            f"required file is missing from {folder}"))
            continue
        frame = _read_csv(file, raw.problems)
        if frame is not None:
            raw.tables[name] = frame
    raw.model = _read_toml(folder / "scenario.toml", raw.problems)
    return raw


def _read_text(file: Path, problems: list[Problem]) -> str | None:
    try:
        data = file.read_bytes()
    except OSError as e:
        problems.append(Problem(file.name, None, None, f"cannot be read: {e.strerror}"))
        return None
    if b"\x00" in data:
        problems.append(Problem(file.name, None, None, "is a binary file, not UTF-8 text"))
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        problems.append(Problem(file.name, None, f"line {line}",
                                f"is not UTF-8 text (byte {data[e.start]:#04x})"))
        return None


def _read_csv(file: Path, problems: list[Problem]) -> pd.DataFrame | None:
    text = _read_text(file, problems)
    if text is None:
        return None
    if not text.strip():
        return pd.DataFrame()
    try:
        frame = pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as e:
        msg = " ".join(str(e).split())
        problems.append(Problem(file.name, None, None, f"cannot be parsed as CSV: {msg}"))
        return None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda col: col.str.strip())


def _read_toml(file: Path, problems: list[Problem]) -> dict[str, Any]:
    if not file.is_file():
        return {}
    text = _read_text(file, problems)
    if text is None:
        return {}
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        problems.append(Problem(file.name, None, None, f"is not valid TOML: {e}"))
        return {}
    from o2opt.validate import closest  # noqa: PLC0415

    model: dict[str, Any] = {}
    for key, value in doc.items():
        if key != "model":
            problems.append(Problem(file.name, key, None,
                                    f"unknown table or key [{key}]{closest(key, ['model'])}"))
        elif not isinstance(value, dict):
            problems.append(Problem(file.name, key, None, "must be a table: [model]"))
        else:
            model = value
    return model


# --------------------------------------------------------------------------- geo inputs
def _points_to_latlon(frame: pd.DataFrame, source: str, problems: list[Problem]) -> pd.DataFrame:
    """Replace a GeoDataFrame's point geometry by WGS84 ``lat``/``lon`` columns."""
    geometry = getattr(frame, "geometry", None) if hasattr(frame, "crs") else None
    if geometry is None:
        return pd.DataFrame(frame)
    import geopandas as gpd  # noqa: PLC0415

    gdf: gpd.GeoDataFrame = frame  # type: ignore[assignment]
    if gdf.crs is not None and not gdf.crs.equals("EPSG:4326"):
        gdf = gdf.to_crs("EPSG:4326")
    kinds = gdf.geometry.geom_type.to_numpy()
    bad = ~((kinds == "Point") & ~gdf.geometry.is_empty.to_numpy())
    ids = gdf["id"].astype(str).to_numpy() if "id" in gdf else None
    for i in np.flatnonzero(bad):
        row = f"row {gdf.index[i]}" + (f" (id {ids[i]})" if ids is not None else "")
        problems.append(Problem(source, "geometry", row,
                                f"must be a point, got {kinds[i] or 'an empty geometry'}"))
    out = pd.DataFrame(gdf.drop(columns=gdf.geometry.name))
    good = ~bad
    out["lat"] = np.where(good, gdf.geometry.y.where(good), np.nan) if good.any() else np.nan
    out["lon"] = np.where(good, gdf.geometry.x.where(good), np.nan) if good.any() else np.nan
    return out


def _read_geopackage(file: Path) -> RawInput:
    import geopandas as gpd  # noqa: PLC0415
    import pyogrio  # noqa: PLC0415

    if not file.is_file():
        raise InputError([Problem(str(file), None, None, "GeoPackage does not exist")])
    try:
        layers = {str(row[0]) for row in pyogrio.list_layers(file)}
    except Exception as e:  # noqa: BLE001  (GDAL raises several types for a bad file)
        raise InputError([Problem(file.name, None, None, f"cannot be read as GeoPackage: {e}")]) \
            from None
    raw = RawInput(tables={}, model={}, sources={}, csv=False)
    for name in TABLES:
        source = f"{file.name} layer {name}"
        raw.sources[name] = source
        if name not in layers:
            if name == "hospitals":
                raw.problems.append(Problem(source, None, None, "required layer is missing"))
            continue
        frame = gpd.read_file(file, layer=name)
        raw.tables[name] = _points_to_latlon(frame, source, raw.problems)
    for toml in (file.with_suffix(".toml"), file.parent / "scenario.toml"):
        if toml.is_file():
            raw.model = _read_toml(toml, raw.problems)
            raw.model_source = toml.name
            break
    return raw


# --------------------------------------------------------------------------- writing
def write_folder(network: Network, folder: str | os.PathLike[str], *,
                 overwrite: bool = False) -> Path:
    """Write ``network`` as a scenario folder (CSV tables + ``scenario.toml``).

    Reading the folder back gives an equal network. The folder is written to a temporary
    sibling and renamed into place, so a crash never leaves half a folder.

    Parameters
    ----------
    overwrite : bool
        Replace an existing non-empty folder. Without it such a folder is an
        :class:`~o2opt.errors.OutputError`.
    """
    import tomli_w  # noqa: PLC0415

    folder = Path(folder)
    with atomic_folder(folder, replace=lambda _: overwrite) as tmp:
        for name, frame in network.tables().items():
            if name == "hospitals" or len(frame):
                frame.to_csv(tmp / TABLES[name].file, index=False)
        model = network.scenario.as_dict(skip_none=True)
        (tmp / "scenario.toml").write_text(tomli_w.dumps({"model": model}), encoding="utf-8")
    return folder


@contextlib.contextmanager
def atomic_folder(dest: Path, *, replace: Callable[[Path], bool]) -> Iterator[Path]:
    """Yield a temporary folder beside ``dest``; on success, move it to ``dest``.

    ``dest`` may be missing or empty. A non-empty ``dest`` is replaced only when
    ``replace(dest)`` is true; otherwise :class:`OutputError` is raised *before* anything
    is written. On an exception inside the block the temporary folder is removed and
    ``dest`` is untouched.
    """
    dest = Path(dest).absolute()
    if dest.exists() and not dest.is_dir():
        raise OutputError(f"{dest} exists and is not a folder")
    if dest.is_dir() and any(dest.iterdir()) and not replace(dest):
        raise OutputError(f"{dest} is not empty and was not written by o2opt; "
                          "choose another folder or empty it")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        yield tmp
        os.chmod(tmp, 0o777 & ~_umask())
        if dest.is_dir():
            old = dest.with_name(f".{dest.name}.{os.getpid()}.old")
            os.replace(dest, old)
            os.replace(tmp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
