"""Reading and writing scenarios (docs/input.md): folders, GeoPackages and
(Geo)DataFrames are equivalent inputs; writing is lossless and atomic."""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

import o2opt
from o2opt import InputError, OutputError
from o2opt.schema import TABLES

RICH = {
    "hospitals.csv": (
        "id,name,lat,lon,demand_m3_day,region,onsite_m3_day,priority,beds,osm_id\n"
        "007,مستشفى بغداد التعليمي,33.345179,44.378127,235.5,بغداد,120,2,340,94298797\n"
        'H2,"Al-Jumhuri, ""Republic""",36.357994,43.114292,0.30000000000000004,Nineveh,,,,\n'
        "H3,,-0.000001,179.999999,20,,5,0.5,12,\n"
    ),
    "demand.csv": "hospital,day,demand_m3\n007,0,250\n007,2,260.25\nH2,1,0\n",
    "producers.csv": "id,lat,lon,capacity_m3_day,name,kind,cost_per_m3\n"
                     "P1,33.24,44.39,2600,Baghdad ASU,ASU,0.3\n",
    "stations.csv": "id,lat,lon,fill_capacity_cyl_day,fill_cost_per_cyl,operator\n"
                    "S1,33.3,44.33,200,1.5,MoH\nS2,36.3,43.1,150,,\n",
    "candidates.csv": (
        "id,lat,lon,capacity_m3_day,fixed_cost,kind,fill_capacity_cyl_day\n"
        "C1,34.1397,42.3781,480,272.64,PSA,\n"
        "C2,30.5,47.8,960,500.5,PSA,inf\n"
        "C3,32.0,44.0,240,100,,80\n"
    ),
    "routes.csv": "origin,destination,distance_km,cost_per_unit\n"
                  "S1,007,12.5,\nP1,S1,,0.25\nC1,H3,,\n",
    "scenario.toml": (
        "# comment\n[model]\nhorizon_days = 3\ncylinder_m3 = 10\nmax_delivery_km = 300.0\n"
        'budget = 600\nintegers_cylinders = false\nsolver = "cbc"\nallow_unmet = false\n'
    ).replace("integers_cylinders", "integer_cylinders"),
}


def write_rich(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name, text in RICH.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture()
def rich(tmp_path_factory) -> o2opt.Network:
    return o2opt.read_network(write_rich(tmp_path_factory.mktemp("rich") / "scenario"))


def assert_same(a: o2opt.Network, b: o2opt.Network, *, check_extra: bool = True) -> None:
    """Every table equal (values, dtypes, column order) and the scenario equal."""
    for name, frame in a.tables().items():
        other = b.tables()[name]
        if not check_extra:
            frame, other = (f[list(TABLES[name].names)] for f in (frame, other))
        pd.testing.assert_frame_equal(frame, other, check_exact=True, obj=name)
    assert a.scenario == b.scenario


# --------------------------------------------------------------------------- folders
def test_the_rich_folder_reads_as_written(rich):
    h = rich.hospitals
    assert h["id"].tolist() == ["007", "H2", "H3"]
    assert h.loc[0, "name"] == "مستشفى بغداد التعليمي"
    assert h.loc[1, "name"] == 'Al-Jumhuri, "Republic"'
    assert h["onsite_m3_day"].tolist() == [120.0, 0.0, 5.0]
    assert h["priority"].tolist() == [2.0, 1.0, 0.5]
    assert h["beds"].tolist() == ["340", "", "12"]
    assert rich.candidates["fill_capacity_cyl_day"].tolist() == [math.inf, math.inf, 80.0]
    assert rich.stations["operator"].tolist() == ["MoH", ""]
    assert rich.scenario == o2opt.Scenario(horizon_days=3, cylinder_m3=10.0, max_delivery_km=300.0,
                                           budget=600.0, solver="cbc", allow_unmet=False)


def test_read_write_read_is_lossless(rich, tmp_path):
    again = o2opt.read_network(rich.to_folder(tmp_path / "copy"))
    assert_same(rich, again)
    third = o2opt.read_network(again.to_folder(tmp_path / "copy2"))
    assert_same(rich, third)
    for name in ("hospitals.csv", "candidates.csv", "routes.csv", "scenario.toml"):
        assert (tmp_path / "copy" / name).read_bytes() == (tmp_path / "copy2" / name).read_bytes()


def test_full_float_precision_survives(tmp_path):
    rng = np.random.default_rng(1)
    lat = rng.uniform(-90, 90, 200)
    h = pd.DataFrame({"id": [f"H{i}" for i in range(200)], "lat": lat,
                      "lon": rng.uniform(-180, 180, 200),
                      "demand_m3_day": rng.random(200) * 10.0 ** rng.integers(-8, 8, 200)})
    net = o2opt.from_frames(h)
    again = o2opt.read_network(net.to_folder(tmp_path / "f"))
    assert_same(net, again)


def test_only_tables_with_rows_or_extra_columns_are_written(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "hospitals.csv").write_text("id,lat,lon,demand_m3_day\nH1,33,44,1\n")
    (folder / "producers.csv").write_text("id,lat,lon,capacity_m3_day,note\n")
    net = o2opt.read_network(folder)
    out = net.to_folder(tmp_path / "out")
    assert sorted(p.name for p in out.iterdir()) == ["hospitals.csv", "producers.csv",
                                                     "scenario.toml"]
    assert_same(net, o2opt.read_network(out))


# --------------------------------------------------------------------------- GeoPackage
def to_geo(frame: pd.DataFrame, crs: str = "EPSG:4326") -> gpd.GeoDataFrame:
    """The frame with its lat/lon as point geometry in ``crs``."""
    points = gpd.points_from_xy(frame["lon"], frame["lat"], crs="EPSG:4326")
    gdf = gpd.GeoDataFrame(frame.drop(columns=["lat", "lon"]), geometry=points)
    return gdf.to_crs(crs)


def write_gpkg(net: o2opt.Network, file: Path, crs: str = "EPSG:4326") -> Path:
    for name, frame in net.tables().items():
        if not len(frame):
            continue
        if "lat" in frame:
            to_geo(frame, crs).to_file(file, layer=name, driver="GPKG")
        else:
            pyogrio.write_dataframe(frame, file, layer=name, driver="GPKG")
    return file


def test_a_geopackage_gives_the_same_network_as_the_folder(rich, tmp_path):
    gpkg = write_gpkg(rich, tmp_path / "iraq.gpkg")
    (tmp_path / "scenario.toml").write_text(RICH["scenario.toml"], encoding="utf-8")
    assert_same(rich, o2opt.read_network(gpkg))


def test_a_projected_geopackage_and_its_own_toml(rich, tmp_path):
    gpkg = write_gpkg(rich, tmp_path / "iraq.gpkg", crs="EPSG:32638")
    (tmp_path / "scenario.toml").write_text("[model]\nhorizon_days = 9\n")
    (tmp_path / "iraq.toml").write_text(RICH["scenario.toml"], encoding="utf-8")
    net = o2opt.read_network(gpkg)
    assert net.scenario == rich.scenario
    for name in ("hospitals", "stations", "candidates"):
        for axis in ("lat", "lon"):
            np.testing.assert_allclose(net.tables()[name][axis], rich.tables()[name][axis],
                                       rtol=0, atol=1e-9)


def test_geopackage_problems_name_layer_column_and_feature(rich, tmp_path):
    gpkg = tmp_path / "bad.gpkg"
    h = to_geo(rich.hospitals)
    h.loc[1, "geometry"] = shapely.box(43, 36, 44, 37)
    h.loc[2, "demand_m3_day"] = -1.0
    h.to_file(gpkg, layer="hospitals", driver="GPKG")
    (tmp_path / "scenario.toml").write_text("[model]\ncylinder = 3\n")
    with pytest.raises(InputError) as info:
        o2opt.read_network(gpkg)
    assert [str(p) for p in info.value.problems] == [
        "bad.gpkg layer hospitals, column geometry, feature 2 (id H2): must be a point, got "
        "Polygon",
        "bad.gpkg layer hospitals, column demand_m3_day, feature 3 (id H3): must be >= 0, "
        "got -1",
        "scenario.toml, key cylinder, line 2: unknown key (did you mean 'cylinder_m3'?)",
    ]


def test_geopackage_without_hospitals_or_not_a_geopackage(rich, tmp_path):
    gpkg = tmp_path / "x.gpkg"
    to_geo(rich.hospitals).to_file(gpkg, layer="hospital", driver="GPKG")
    with pytest.raises(InputError, match="did you mean 'hospital'"):
        o2opt.read_network(gpkg)
    junk = tmp_path / "junk.gpkg"
    junk.write_bytes(b"\x00\x01not sqlite" * 50)
    with pytest.raises(InputError, match="junk.gpkg: cannot be read as GeoPackage"):
        o2opt.read_network(junk)
    with pytest.raises(InputError, match="GeoPackage does not exist"):
        o2opt.read_network(tmp_path / "missing.gpkg")


# --------------------------------------------------------------------------- frames
def test_from_frames_with_projected_geodataframes(rich):
    frames = {name: to_geo(rich.tables()[name], "EPSG:32638")
              for name in ("hospitals", "producers", "stations", "candidates")}
    net = o2opt.from_frames(**frames, routes=rich.routes, demand=rich.demand,
                            model=rich.scenario.as_dict(skip_none=True))
    for name in frames:
        got, want = net.tables()[name], rich.tables()[name]
        np.testing.assert_allclose(got["lat"], want["lat"], rtol=0, atol=1e-9)
        np.testing.assert_allclose(got["lon"], want["lon"], rtol=0, atol=1e-9)
        assert "geometry" not in got.columns
        rest = [c for c in want.columns if c not in ("lat", "lon")]
        pd.testing.assert_frame_equal(got[rest], want[rest], obj=name)
    assert net.scenario == rich.scenario


def test_from_frames_matches_the_folder(rich):
    net = o2opt.from_frames(**{k: v for k, v in rich.tables().items()},
                            model=rich.scenario.as_dict())
    assert_same(rich, net)


def test_a_polygon_is_an_input_error_naming_geometry_and_row(rich):
    h = to_geo(rich.hospitals, "EPSG:32638")
    h.index = ["a", "b", "c"]
    h.loc["b", "geometry"] = h.loc["b", "geometry"].buffer(100)
    h.loc["c", "geometry"] = None
    with pytest.raises(InputError) as info:
        o2opt.from_frames(h)
    assert [str(p) for p in info.value.problems] == [
        "hospitals (DataFrame), column geometry, row b (id H2): must be a point, got Polygon",
        "hospitals (DataFrame), column geometry, row c (id H3): must be a point, got no "
        "geometry",
    ]


def test_from_frames_plain_frames_with_odd_indexes_and_types():
    h = pd.DataFrame({"id": [7, 8], "lat": [33.0, 95.0], "lon": [44, 45],
                      "demand_m3_day": [1, 2]}, index=[5, 5])
    with pytest.raises(InputError) as info:
        o2opt.from_frames(h, producers=[1, 2], demand=pd.DataFrame({"hospital": [7.0],
                                                                     "day": [0],
                                                                     "demand_m3": [3]}))
    assert [str(p) for p in info.value.problems] == [
        "producers (DataFrame): must be a DataFrame, got list",
        "hospitals (DataFrame), column lat, row 5 (id 8): must be <= 90, got 95",
    ]
    h.loc[:, "lat"] = 33.0
    net = o2opt.from_frames(h, demand=pd.DataFrame({"hospital": [7.0], "day": [0],
                                                    "demand_m3": [3]}))
    assert net.hospitals["id"].tolist() == ["7", "8"] and net.demand["hospital"].tolist() == ["7"]
    assert net.hospitals.index.tolist() == [0, 1]


def test_from_frames_missing_values_and_repeated_columns():
    h = pd.DataFrame([["H1", 33.0, 44.0, 5.0, np.nan], ["H2", np.nan, 44.0, 5.0, 2.0]],
                     columns=["id", "lat", "lon", "demand_m3_day", "lat"])
    with pytest.raises(InputError) as info:
        o2opt.from_frames(h)
    assert [str(p) for p in info.value.problems] == [
        "hospitals (DataFrame), column lat: is given more than once",
        "hospitals (DataFrame), column lat, row 1 (id H2): is missing",
    ]


# --------------------------------------------------------------------------- writing
def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def test_write_folder_refuses_a_non_empty_folder(rich, tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("precious")
    (dest / "hospitals.csv").write_text("old")
    before = snapshot(dest)
    with pytest.raises(OutputError, match="not empty"):
        o2opt.write_folder(rich, dest)
    with pytest.raises(OutputError, match="not empty"):
        rich.to_folder(dest)
    assert snapshot(dest) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]
    rich.to_folder(dest, overwrite=True)
    assert "notes.txt" not in snapshot(dest)
    assert_same(rich, o2opt.read_network(dest))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_write_folder_into_a_file_or_an_empty_folder(rich, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="not a folder"):
        rich.to_folder(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    assert rich.to_folder(tmp_path / "empty") == tmp_path / "empty"
    assert (tmp_path / "empty" / "hospitals.csv").is_file()
    assert oct((tmp_path / "empty").stat().st_mode & 0o777) == oct(0o777 & ~_umask())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fail_on_second_call(monkeypatch):
    real = pd.DataFrame.to_csv
    calls = []

    def to_csv(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(pd.DataFrame, "to_csv", to_csv)


def test_a_failure_mid_write_leaves_nothing(rich, tmp_path, monkeypatch):
    _fail_on_second_call(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        rich.to_folder(tmp_path / "a" / "b" / "out")
    assert list(tmp_path.iterdir()) == []


def test_a_failure_mid_overwrite_leaves_the_old_folder(rich, tmp_path, monkeypatch):
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "notes.txt").write_text("precious")
    _fail_on_second_call(monkeypatch)
    with pytest.raises(RuntimeError, match="disk full"):
        rich.to_folder(dest, overwrite=True)
    assert snapshot(dest) == {"notes.txt": b"precious"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_a_failure_while_renaming_restores_the_old_folder(rich, tmp_path, monkeypatch):
    # where the platform cannot swap two folders: the old one is renamed aside, then back
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "notes.txt").write_text("precious")
    real = os.replace
    monkeypatch.setattr("o2opt.atomic._exchange", lambda a, b: False)

    def replace(src, dst):
        if Path(dst) == dest and str(src).endswith(".tmp"):
            raise OSError("rename failed")
        return real(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OSError, match="rename failed"):
        rich.to_folder(dest, overwrite=True)
    assert snapshot(dest) == {"notes.txt": b"precious"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_write_csv_matches_pandas(tmp_path):
    from o2opt.io import write_csv

    frame = pd.DataFrame({
        "id": pd.array(["H1", "a,b", 'say "hi"', "line\nbreak", None], dtype="string"),
        "obj": ["x", None, float("nan"), "", "é"],
        "m3": [1.5, float("nan"), float("inf"), -0.0, 1e20],
        "tiny": [1e-7, 0.1 + 0.2, 2.0 / 3.0, -1e-300, 123456789.123],
        "day": [0, 1, 2, 3, 4],
        "opened": [True, False, True, False, True],
    })
    write_csv(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def _edge_frames() -> dict[str, pd.DataFrame]:
    nan, inf = float("nan"), float("inf")
    special = ["a,b", 'say "hi"', "line\nbreak", "cr\rhere", "crlf\r\nx", " pad ", "", None,
               "مستشفى é 中", nan]
    return {
        "floats": pd.DataFrame({
            "x": [-0.0, 0.0, 1e16, 1e15, 1e-05, 1e-4, inf, -inf, nan, 5e-324],
            "y": [0.1 + 0.2, 2.0 / 3.0, -1e-300, 1.7976931348623157e308, 3.0, 3.0, 3.0,
                  nan, nan, 123456789.123],
        }),
        "ints": pd.DataFrame({
            "i": [2**63 - 1, -(2**63), 0, 7],
            "u": np.array([2**64 - 1, 0, 5, 5], dtype=np.uint64),
            "i8": np.array([-128, 127, 0, 0], dtype=np.int8),
            "b": [True, False, False, True],
        }),
        "strings": pd.DataFrame({"s": special, "n": range(10),
                                 "t": pd.array([None if v is nan else v for v in special],
                                               dtype="string")}),
        "objects": pd.DataFrame({
            "o": np.array([np.float64(1.5), 1, None, pd.NaT, pd.NA, "z", b"by", True, 1e16,
                           np.int64(3)], dtype=object),
            "k": range(10),
        }),
        "one string column": pd.DataFrame({"s": ["", None, nan, "x", "a,b"]}),
        "one float column": pd.DataFrame({"": [1.0, nan, -0.0]}),
        "empty": pd.DataFrame({"a": pd.Series([], dtype=float),
                               "b": pd.Series([], dtype=object)}),
        "no columns": pd.DataFrame(index=[0, 1]),
        "odd names": pd.DataFrame({"a,b": [1], 'c"d': [2.5], "é": ["ß"], "": ["x"]}),
        "duplicate names": pd.DataFrame([[1, 2.5, "x"]], columns=["a", "a", "b"]),
        "left to pandas": pd.DataFrame({
            "f32": np.array([0.1, nan], dtype=np.float32),
            "I": pd.array([1, None], dtype="Int64"),
            "d": pd.to_datetime(["2024-01-01", None]),
            "c": pd.Categorical(["a", "b"]),
        }),
        "int labels": pd.DataFrame({1: [1.5], "x": [2]}),
    }


@pytest.mark.parametrize("name", list(_edge_frames()))
def test_write_csv_edge_cases_match_pandas(tmp_path, name):
    from o2opt.io import write_csv

    frame = _edge_frames()[name]
    write_csv(frame, tmp_path / "fast.csv")
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_write_csv_random_frames_in_chunks_match_pandas(monkeypatch):
    import io as _io

    import o2opt.io

    monkeypatch.setattr(o2opt.io, "_CSV_CHUNK_ROWS", 7)  # rows are joined in several chunks
    rng = np.random.default_rng(5)
    alphabet = list('ab,"\n\r xé')
    for _ in range(40):
        n = int(rng.integers(0, 60))
        bits = rng.integers(0, 2**64, n, dtype=np.uint64).view(np.float64)  # any double
        pick = rng.choice([0.0, -0.0, np.nan, np.inf, 1.5, 1e16, 1e-5, 3.0], n)
        text = ["".join(rng.choice(alphabet, int(rng.integers(0, 4)))) for _ in range(n)]
        frame = pd.DataFrame({
            "f": np.where(rng.random(n) < 0.5, bits, pick), "i": rng.integers(-3, 3, n),
            "s": [None if rng.random() < 0.1 else t for t in text], "b": rng.random(n) < 0.5,
        })
        frame = frame[list(rng.permutation(frame.columns)[: int(rng.integers(1, 5))])]
        buffer = _io.StringIO()
        o2opt.io.write_csv(frame, buffer)
        assert buffer.getvalue() == frame.to_csv(index=False)
