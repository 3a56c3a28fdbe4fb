"""The bundled demo scenario ``data/iraq-demo`` is what ``data/make_iraq_demo.py`` writes."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[1]
DEMO = REPO / "data" / "iraq-demo"
OSM = REPO / "data" / "reference" / "iraq-osm" / "gaia_iraq_hospitals.geojson"
FILES = ("hospitals.csv", "producers.csv", "stations.csv", "candidates.csv", "scenario.toml")
FACILITY_FILES = ("hospitals.csv", "producers.csv", "stations.csv", "candidates.csv")

# The 13 OSM points the generator leaves out (see data/README.md).
EXCLUDED_OSM_IDS = {
    1037840450, 1037908152,  # dental clinics
    1455362332,  # pharmacy
    2480072096, 2488247031,  # veterinary
    2486242587, 2486242794, 2487948212, 2488441737, 2938108044,  # private outpatient clinics
    1966367994,  # UN office building
    2489330493, 2488247029,  # duplicates
}


def _generator() -> ModuleType:
    """Import data/make_iraq_demo.py (the data folder is not a package)."""
    name = "make_iraq_demo"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, REPO / "data" / "make_iraq_demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _rows(name: str) -> list[dict[str, str]]:
    with open(DEMO / name, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_bundled_folder_is_reproducible(tmp_path: Path) -> None:
    report = _generator().make_iraq_demo(OSM, tmp_path)
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    assert {osm_id for osm_id, _, _ in report.excluded} == EXCLUDED_OSM_IDS
    assert report.kept + len(report.excluded) == 86


def test_ids_unique_across_tables() -> None:
    ids = [row["id"] for name in FACILITY_FILES for row in _rows(name)]
    assert len(ids) == len(set(ids))
    assert all(ids)


def test_no_excluded_points() -> None:
    gen = _generator()
    hospitals = _rows("hospitals.csv")
    assert len(hospitals) == 86 - len(EXCLUDED_OSM_IDS)
    assert not {int(h["osm_id"]) for h in hospitals} & EXCLUDED_OSM_IDS
    for h in hospitals:
        assert h["id"] == f"osm-{h['osm_id']}"
        assert h["name"].strip()
        name = h["name"].lower()
        for _, keywords in gen.EXCLUDE_KEYWORDS:
            assert not any(word in name for word in keywords), h["name"]


def test_coordinates_inside_iraq() -> None:
    lat_min, lon_min, lat_max, lon_max = _generator().IRAQ_BBOX
    for name in FACILITY_FILES:
        for row in _rows(name):
            lat, lon = float(row["lat"]), float(row["lon"])
            assert lat_min <= lat <= lat_max and lon_min <= lon <= lon_max, (name, row["id"])
            assert round(lat, 6) == lat and round(lon, 6) == lon


def test_demo_solves_with_an_opened_site_and_some_unmet_demand() -> None:
    o2opt = pytest.importorskip("o2opt")
    sol = o2opt.optimize(o2opt.read_network(DEMO))
    summary = sol.summary()
    assert summary["status"] == "optimal"
    assert summary["opened"]
    assert 0 < summary["unmet_m3"] < 0.05 * summary["demand_m3"]
