"""Defects the fuzz suite (tests/test_fuzz.py) found, each pinned by a test that failed
before its fix."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import o2opt
from o2opt import cli
from o2opt.report import ADDED_RESULT_COLUMNS, RESULT_COLUMNS


def _hospitals(**columns) -> pd.DataFrame:
    frame = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                          "demand_m3_day": [10.0, 20.0]})
    return frame.assign(**columns)


@pytest.mark.parametrize(("column", "values", "shown"), [
    ("demand_m3_day", pd.to_datetime(["2024-01-01", "2024-01-02"]), "Timestamp('2024-01-01"),
    ("demand_m3_day", pd.to_datetime(["2024-01-01", None]).tz_localize("UTC"), "Timestamp("),
    ("priority", pd.to_timedelta([1, 2], unit="D"), "Timedelta('1 days"),
    ("onsite_m3_day", pd.period_range("2024-01", periods=2, freq="M"), "Period('2024-01'"),
])
def test_dates_in_a_number_column_are_not_numbers(column, values, shown):
    """A date column passed as demand read as nanoseconds since 1970 (1.7e18 m3 a day) and a
    period as its ordinal: both were accepted and solved."""
    with pytest.raises(o2opt.InputError) as error:
        o2opt.from_frames(_hospitals(**{column: values}))
    problems = [p for p in error.value.problems if p.column == column]
    assert problems and problems[0].source == "hospitals (DataFrame)"
    assert problems[0].row == "row 0 (id H1)"
    assert "is not a number" in problems[0].message and shown in problems[0].message


def test_missing_dates_in_an_optional_number_column_take_the_default():
    net = o2opt.from_frames(_hospitals(priority=pd.Series([pd.NaT, pd.NaT])))
    assert net.hospitals["priority"].tolist() == [1.0, 1.0]


def test_dates_in_a_text_column_are_text():
    net = o2opt.from_frames(_hospitals(name=pd.to_datetime(["2024-01-01", "2024-01-02"])))
    assert net.hospitals["name"].iloc[0].startswith("2024-01-01")


# --------------------------------------------------------------------------- o2opt report
@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[Path, Path]:
    """A scenario folder and the result o2opt solve wrote for it (every table has rows)."""
    root = tmp_path_factory.mktemp("report")
    net = o2opt.from_frames(
        _hospitals(),
        producers=pd.DataFrame({"id": ["P1"], "lat": [33.5], "lon": [44.0],
                                "capacity_m3_day": [100.0]}),
        stations=pd.DataFrame({"id": ["S1"], "lat": [33.05], "lon": [44.0],
                               "fill_capacity_cyl_day": [50.0]}),
        candidates=pd.DataFrame({"id": ["C1"], "lat": [33.1], "lon": [44.1],
                                 "capacity_m3_day": [5.0], "fixed_cost": [1.0]}))
    net.to_folder(root / "scenario")
    assert cli.main(["solve", str(root / "scenario"), "--out", str(root / "out"), "-q"]) == 0
    return root / "scenario", root / "out"


def test_report_reads_the_columns_solve_writes(solved):
    _, out = solved
    for name, columns in RESULT_COLUMNS.items():
        header = (out / f"{name}.csv").read_text("utf-8").splitlines()[0].split(",")
        assert tuple(header) == columns


def _damage(out: Path, tmp_path: Path, name: str, how: str) -> Path:
    result = tmp_path / "result"
    result.mkdir()
    for p in out.iterdir():
        (result / p.name).write_bytes(p.read_bytes())
    file = result / f"{name}.csv"
    if how == "missing":
        file.unlink()
    elif how == "other_header":
        file.write_text("a,b\n", encoding="utf-8")
    else:
        table = pd.read_csv(file, dtype=str, keep_default_na=False)
        if how == "column_dropped":
            required = [c for c in table.columns if c not in ADDED_RESULT_COLUMNS]
            table = table.drop(columns=required[-1])
        else:  # "bad_cell:COLUMN=VALUE"
            column, value = how.split(":", 1)[1].split("=", 1)
            table.loc[0, column] = value
        table.to_csv(file, index=False)
    return result


@pytest.mark.parametrize("name", sorted(RESULT_COLUMNS))
@pytest.mark.parametrize("how", ["missing", "other_header", "column_dropped"])
def test_report_on_a_damaged_result_table_exits_2_naming_the_file(solved, tmp_path, capsys,
                                                                   name, how):
    """A result table missing a column gave a KeyError traceback; one with another header
    gave a report with that part silently empty (exit 0); a missing service.csv was
    reported as 'not solved from this scenario'."""
    scenario, out = solved
    result = _damage(out, tmp_path, name, how)
    html = tmp_path / "report.html"
    code = cli.main(["report", str(result), "--html", str(html), "--scenario", str(scenario)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err
    assert f"{name}.csv" in err and ("missing" in err or "lacks the column" in err)
    assert not html.exists()


@pytest.mark.parametrize(("name", "column", "value"), [
    ("deliveries", "source", "x"), ("deliveries", "hospital", "P1"), ("deliveries", "m3", "x"),
    ("deliveries", "cost", "x"), ("bulk", "producer", "x"), ("bulk", "m3", "inf"),
    ("service", "hospital", "x"), ("service", "day", "inf"), ("service", "day", "1"),
    ("service", "day", "0.5"), ("service", "unmet_m3", "x"), ("sites", "candidate", ""),
    ("sites", "opened", "x"), ("utilization", "kind", "x"), ("utilization", "used", "x"),
    ("utilization", "capacity", "nan"),
])
def test_report_on_a_damaged_result_cell_exits_2_naming_file_column_and_line(
        solved, tmp_path, capsys, name, column, value):
    """Such cells gave KeyError, TypeError or OverflowError tracebacks, or a misleading
    'not solved from this scenario' (a day beyond the one-day horizon is one)."""
    scenario, out = solved
    result = _damage(out, tmp_path, name, f"bad_cell:{column}={value}")
    html = tmp_path / "report.html"
    code = cli.main(["report", str(result), "--html", str(html), "--scenario", str(scenario)])
    err = capsys.readouterr().err
    assert code == 2 and "Traceback" not in err, err
    if name == "service" and (column, value) in (("hospital", "x"), ("day", "1")):
        assert "not solved from this scenario" in err  # the check of the scenario's shape
        assert "'x' is not in the scenario" in err or "over 2 days" in err
    else:
        assert f"{name}.csv, column {column}, line 2: unexpected value" in err
    assert not html.exists()


def test_report_reads_a_result_folder_from_before_need_and_cost_parts(solved, tmp_path):
    """A folder written before ``need_m3``, ``onsite_m3`` and the cost parts is still
    reported (the need comes from the scenario), not refused."""
    scenario, out = solved
    result = tmp_path / "old"
    result.mkdir()
    for p in out.iterdir():
        (result / p.name).write_bytes(p.read_bytes())
    for name in ("service", "deliveries", "bulk"):
        table = pd.read_csv(result / f"{name}.csv", dtype=str, keep_default_na=False)
        table.drop(columns=[c for c in table.columns if c in ADDED_RESULT_COLUMNS]
                   ).to_csv(result / f"{name}.csv", index=False)
    html = tmp_path / "report.html"
    assert cli.main(["report", str(result), "--html", str(html),
                     "--scenario", str(scenario)]) == 0
    assert "need" in html.read_text("utf-8")


def test_non_utf8_byte_in_a_file_with_carriage_return_line_ends(tmp_path):
    """Found by the fuzz: a byte that is not UTF-8 in a CSV whose lines end with CR (and a
    line break inside a field) raised csv.Error while locating the byte, not an InputError."""
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "hospitals.csv").write_bytes(
        b"id,lat,lon,demand_m3_day,name,region,onsite_m3_day,priority\rline\nbreak,\x80,44,0,,,"
        b"0,0\rH1,33,44,0,,,0,\rH2,33,44,0,,,0,0\r")
    with pytest.raises(o2opt.InputError) as caught:
        o2opt.read_network(folder)
    message = str(caught.value)
    assert "hospitals.csv" in message and "not UTF-8" in message and "0x80" in message
    assert "column lat, line 3" in message  # physical lines: the LF in "line\nbreak" ends one


def test_non_utf8_byte_is_located_in_a_carriage_return_file(tmp_path):
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "hospitals.csv").write_bytes(
        b"id,lat,lon,demand_m3_day\rH1,33,44,1\rH2,33,44,1\rH3,33,\x80,1\r")
    with pytest.raises(o2opt.InputError) as caught:
        o2opt.read_network(folder)
    problem = caught.value.problems[0]
    assert (problem.column, problem.row) == ("lon", "line 4"), problem
