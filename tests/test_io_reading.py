"""The fast CSV reading and number parsing behave exactly like the code they replaced.

Reading splits plain CSV files (no quotes, no blank or ragged rows) without the csv
module, validation does not strip CSV values a second time, lowers values only when that
changes one, and reads whole numbers of plain digits with numpy. Each test compares the
result, the error messages included, with a frozen copy of the former code
(:func:`old_csv_table`, :func:`old_text`, :func:`old_parse`): equal tables, dtypes, row
lines, dropped ids and problems, for texts and values made to hit every odd case.
"""

from __future__ import annotations

import contextlib
import csv
import io
import math
import tempfile
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

import o2opt
from o2opt import InputError, validate
from o2opt import io as o2io
from o2opt.errors import Problem


# --------------------------------------------------------------------------- the former code
def old_csv_table(name: str, text: str,
                  problems: list[Problem]) -> tuple[pd.DataFrame, list[str], set[str]] | None:
    """The former ``_read_csv`` after reading the text (csv module only)."""
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        records = list(reader)
    except csv.Error as e:
        _, line = old_record_starts(text)
        problems.append(Problem(name, None, f"line {line}", f"cannot be parsed as CSV: {e}"))
        return None
    lines = list(range(1, len(records) + 1)) if reader.line_num == len(records) \
        else old_record_starts(text)[0]
    keep = [i for i, r in enumerate(records) if r and (r[0].strip() or "".join(r).strip())]
    lines, records = [lines[i] for i in keep], [records[i] for i in keep]
    if not records:
        return pd.DataFrame(), [], set()
    header = [h.strip() for h in records[0]]
    if len(header) == 1 and (sep := next((s for s in ";\t|" if s in header[0]), None)):
        problems.append(Problem(name, None, f"line {lines[0]}",
                                f"fields are separated by {sep!r}; o2opt reads comma-separated "
                                "files"))
        return None
    header_line = lines[0]
    n = len(header)
    good_lines, body, dropped = [], [], set()
    at = header.index("id") if "id" in header else None
    for line, fields in zip(lines[1:], records[1:], strict=True):
        if len(fields) == n or (len(fields) > n and not "".join(fields[n:]).strip()):
            good_lines.append(line)
            body.append(fields[:n])
            continue
        row = f"line {line}"
        if at is not None and at < len(fields):
            dropped.add(fields[at].strip())
            row += f" (id {fields[at].strip()})"
        column = header[len(fields)] if len(fields) < n else None
        problems.append(Problem(name, column, row, f"has {len(fields)} fields, the header has {n}"))
    columns, seen = [], set()
    for j, column in enumerate(header):
        if not column:
            if any(f[j].strip() for f in body):
                problems.append(Problem(name, None, f"line {header_line}",
                                        f"column {j + 1} has values but no name in the header"))
        elif column in seen:
            problems.append(Problem(name, column, f"line {header_line}",
                                    "appears more than once in the header"))
        else:
            seen.add(column)
            columns.append(j)
    frame = pd.DataFrame({header[j]: pd.Series([r[j].strip() for r in body], dtype=str)
                          for j in columns})
    return frame, [f"line {line}" for line in good_lines], dropped


def old_record_starts(text: str) -> tuple[list[int], int]:
    starts: list[int] = []
    start = 1
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    with contextlib.suppress(csv.Error):
        for _ in reader:
            starts.append(start)
            start = reader.line_num + 1
    return starts, start


def old_text(values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.StringDtype):
        return np.array([v.strip() for v in values.to_numpy(dtype=object, na_value="")],
                        dtype=object)
    return np.array([validate._as_id(v) for v in values.to_numpy(dtype=object)], dtype=object)


def old_parse(text: np.ndarray, allow_inf: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    text = np.array([t.lower() for t in text], dtype=object)
    blank = text == ""
    if allow_inf:
        text[np.isin(text, ["unlimited", "infinity"])] = "inf"
    numbers = np.asarray(pd.to_numeric(text, errors="coerce"), dtype=float)
    unparsed = ~blank & np.isnan(numbers) & (text != "nan")
    return blank, numbers, unparsed


@contextlib.contextmanager
def former_code() -> Iterator[None]:
    """Read and validate with the former code."""
    with mock.patch.object(o2io, "_csv_table", old_csv_table), \
            mock.patch.object(validate, "_text", lambda values, stripped=False: old_text(values)), \
            mock.patch.object(validate, "_parse", old_parse):
        yield


# --------------------------------------------------------------------------- odd inputs
#: Values that are not plain: spaces (ASCII and other), case, spellings pandas may or may
#: not read as numbers, whole numbers beyond int64, non-ASCII digits, separators, letters
#: whose lower case is special (final sigma, dotted I, Kelvin sign).
ODD = ["", " ", "  ", "\t", "H1", " H2 ", "h1", "S1", "P1", "1", " 2.5 ", "2.5", "-5", "+5",
       "007", "0", "-0", "1e3", "1E3", " 1e-3", "1_000", "0x10", "1.5.5", ".5", "5.", "Unlimited",
       "UNLIMITED", "unlimited", " infinity ", "Infinity", "INF", "inf", "-inf", "+Inf", "nan",
       "NaN", "NAN", " nan ", "-nan", "None", "null", "é", "Σ", "ΑΣ", "İ", "\u212a", "ß",
       "\u00a0", "\u00a05\u00a0", "\u20035", "\x0b", "\x1c7", "7\x1f", "\u2028", "\x85",
       "١٢", "²", "9" * 15, "9" * 16, "9" * 19, "9" * 25, "9223372036854775807",
       "9223372036854775808", "18446744073709551616", "00000000000000000000001", ";", "a;b",
       "x|y", "\ufeff", "\ufeffid", "id", "lat", "lon", "demand_m3_day", "hospital", "day"]
QUOTED = ['"a,b"', '""', '" 5 "', '"x\ny"', '"x\r\ny"', '"q""q"', '"', 'a"b', '"a"b', '" "']
ENDS = ["\n", "\n", "\r\n", "\r"]


@st.composite
def csv_texts(draw: st.DrawFn, quotes: bool) -> str:
    """A CSV text: a header and rows, mostly as wide as the header, of odd values."""
    width = draw(st.integers(1, 4))
    value = st.sampled_from(ODD + QUOTED if quotes else ODD)
    header = draw(st.lists(st.sampled_from(["id", "lat", " lat ", "", "day", "x;y", "\ufeffid"]),
                           min_size=width, max_size=width))
    rows = draw(st.lists(st.one_of(st.lists(value, min_size=width, max_size=width),
                                   st.lists(value, min_size=width, max_size=width),
                                   st.lists(value, max_size=width + 2)), max_size=6))
    text = "".join(",".join(row) + draw(st.sampled_from(ENDS)) for row in [header, *rows])
    if draw(st.booleans()):
        text = text.rstrip("\r\n")
    return draw(st.sampled_from(["", "", "\ufeff", "\n", " \n", ",,\n", "\r\n"])) + text


RANDOM_TEXT = st.lists(st.sampled_from(list('HS1.-e ,;"\n\r\t') + ODD), max_size=60).map("".join)


def same_reading(text: str) -> None:
    problems: list[Problem] = []
    expected_problems: list[Problem] = []
    got = o2io._csv_table("t.csv", text, problems)
    expected = old_csv_table("t.csv", text, expected_problems)
    assert problems == expected_problems
    assert (got is None) == (expected is None)
    if got is not None and expected is not None:
        pd.testing.assert_frame_equal(got[0], expected[0], check_exact=True,
                                      check_column_type=True)
        assert list(got[0].columns) == list(expected[0].columns)
        assert (list(got[1]), got[2]) == (list(expected[1]), expected[2])


# --------------------------------------------------------------------------- reading
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(csv_texts(quotes=False), csv_texts(quotes=True), RANDOM_TEXT))
@example("id,lat\n H1 , 2 \n\nH2,3\n")  # a blank line: not plain
@example("id,lat\r\nH1,2\r\n")
@example("id,lat\rH1,2\r")  # lone carriage returns: not plain
@example("id\n \n")  # a blank record in the only column
@example("id,lat\nH1,2,\n")  # ragged (a trailing empty field is tolerated)
@example("id;lat\nH1;2\n")
@example(",\n,\n")
def test_reading_a_csv_text_is_unchanged(text):
    same_reading(text)


PLAIN = ["id,lat,lon,demand_m3_day\nH1,33.3,44.4,50\nH2, 33.5 ,44.1,\n",
         "\ufeffid,x\r\nH1,\r\n\u00a0H2\u00a0,é\r\n", "id\nH1\nH2", "id,\nH1,\nH2,5\n",
         "a,b\n1,2\n" + "3,4\n" * 1000]
NOT_PLAIN = ["", "\n", 'id,name\nH1,"A, B"\n', "id,lat\nH1,2\n\nH2,3\n", "id,lat\nH1,2\n,\n",
             "id,lat\nH1\n", "id,lat\nH1,2,3\n", "id,lat\rH1,2\r", "id\n \nH1\n",
             "id,x\nH1,\n,5\n", "id,x\nH1,\0\n"]


@pytest.mark.parametrize("text", PLAIN)
def test_plain_texts_take_the_fast_path(text):
    assert o2io._csv_plain(text) is not None
    same_reading(text)


@pytest.mark.parametrize("text", NOT_PLAIN)
def test_other_texts_are_left_to_the_csv_module(text):
    assert o2io._csv_plain(text) is None
    same_reading(text)


def test_a_field_beyond_the_csv_field_size_limit_is_still_an_error():
    limit = csv.field_size_limit()
    try:
        csv.field_size_limit(8)
        for text in ("id,lat\nH1,12345678\n", "id,lat\nH1,123456789\n", "id,lat\nH1,1234567\n"):
            same_reading(text)
        problems: list[Problem] = []
        assert o2io._csv_table("t.csv", "id,lat\nH1,123456789\n", problems) is None
        assert "field larger than field limit" in problems[0].message
    finally:
        csv.field_size_limit(limit)


def test_the_national_size_files_take_the_fast_path():
    rows = [f"H{i:05d},Hospital {i},{30 + i / 1e5:.5f},44.1,{i % 97 + 0.5},0,1"
            for i in range(20_000)]
    text = "id,name,lat,lon,demand_m3_day,onsite_m3_day,priority\n" + "\n".join(rows) + "\n"
    assert o2io._csv_plain(text) is not None
    same_reading(text)


# --------------------------------------------------------------------------- numbers
def same_numbers(text: np.ndarray, allow_inf: bool) -> None:
    got = validate._parse(text.copy(), allow_inf)
    expected = old_parse(text.copy(), allow_inf)
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == b.dtype and a.shape == b.shape
        assert np.array_equal(a, b, equal_nan=True)
        assert np.array_equal(np.signbit(a), np.signbit(b))  # -0.0 stays -0.0


DIGITS = st.text(st.sampled_from("0123456789"), min_size=1, max_size=22)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(ODD), DIGITS), max_size=12), st.booleans())
@example(["1", "2", "unlimited"], True)
@example(["9223372036854775807", "1"], False)
@example(["9223372036854775808", "1"], False)
@example(["9007199254740993", "1.5"], False)
@example(["9007199254740993", "INF"], True)
@example(["", "12"], False)
@example([], False)
def test_parsing_numbers_is_unchanged(values, allow_inf):
    """Stripped values, as validation passes them (from CSV, or stripped by _text)."""
    same_numbers(np.array([v.strip() for v in values], dtype=object), allow_inf)


VALUES = st.one_of(st.sampled_from(ODD), DIGITS, st.integers(-10**20, 10**20),
                   st.floats(allow_nan=True), st.sampled_from([None, np.nan, pd.NA, True]))


@settings(max_examples=200, deadline=None)
@given(st.lists(VALUES, max_size=10), st.booleans())
def test_parsing_frame_values_is_unchanged(values, allow_inf):
    """Values of an object column of a user's DataFrame: not stripped, not all strings."""
    series = pd.Series(values, dtype=object)
    assert np.array_equal(validate._text(series), old_text(series))
    same_numbers(validate._text(series), allow_inf)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ODD), max_size=10))
def test_csv_values_need_no_second_strip(values):
    """A column as read from CSV (stripped strings, dtype str)."""
    series = pd.Series([v.strip() for v in values], dtype=str)
    got = validate._text(series, stripped=True)
    assert got.dtype == object and got.tolist() == old_text(series).tolist()
    assert all(type(v) is str for v in got)
    got[:] = "changed"  # a copy: the frame read is left as it was
    assert series.tolist() == [v.strip() for v in values]


# --------------------------------------------------------------------------- end to end
BASE_FILES = {
    "producers.csv": "id,lat,lon,capacity_m3_day,cost_per_m3\nP1,33.2,44.3,1000,0.3\n",
    "stations.csv": "id,lat,lon,fill_capacity_cyl_day,fill_cost_per_cyl,fleet_cylinders\n"
                    "S1,33.3,44.3,200,1.5,Unlimited\n",
    "routes.csv": "origin,destination,distance_km\nS1,H1,12\nP1,S1,\n",
    "scenario.toml": "[model]\nhorizon_days = 2\nallow_unmet = true\n",
}
HOSPITAL_COLUMNS = ["id", "lat", "lon", "demand_m3_day", "onsite_m3_day", "vaporiser_m3_day",
                    "name", "beds"]


def outcome(folder: Path) -> tuple[str, object]:
    try:
        net = o2opt.read_network(folder)
    except InputError as e:
        return "problems", e.problems
    return "network", net


def assert_same_outcome(a: tuple[str, object], b: tuple[str, object]) -> None:
    assert a[0] == b[0]
    if a[0] == "problems":
        assert list(a[1]) == list(b[1])
        return
    for name, frame in a[1].tables().items():
        pd.testing.assert_frame_equal(frame, b[1].tables()[name], check_exact=True, obj=name)
    assert a[1].scenario == b[1].scenario


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(ODD + ['"4,5"', '" 6 "']), min_size=8, max_size=8),
                min_size=1, max_size=5),
       st.lists(st.tuples(st.sampled_from(["H1", " H1 ", "H2", "", "h1"]),
                          st.sampled_from(["0", "1", " 1 ", "007", "1.0", "1e0", "", "x"] + ODD),
                          st.sampled_from(["5", " 5 ", "NaN", "-1", "INF", "Unlimited", ""])),
                max_size=5),
       st.booleans())
def test_read_network_is_unchanged(hospital_rows, demand_rows, valid_ids):
    """Folders of odd values read to the same network, or the same problems."""
    if valid_ids:
        for i, row in enumerate(hospital_rows):
            row[0] = f"H{i + 1}"
    files = dict(BASE_FILES)
    files["hospitals.csv"] = "\n".join(",".join(r) for r in [HOSPITAL_COLUMNS, *hospital_rows])
    files["demand.csv"] = "\n".join(",".join(r) for r in [("hospital", "day", "demand_m3"),
                                                           *demand_rows]) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in files.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8", newline="")
        got = outcome(Path(tmp))
        with former_code():
            expected = outcome(Path(tmp))
    assert_same_outcome(got, expected)


def test_read_network_of_a_valid_folder_is_unchanged(tmp_path):
    rows = [f"H{i},{30 + i / 7:.5f},44.{i},{i % 9 * 2.5},,{'Unlimited' if i % 3 else ''},"
            f"Name {i},{i}" for i in range(1, 200)]
    files = dict(BASE_FILES)
    files["hospitals.csv"] = ",".join(HOSPITAL_COLUMNS) + "\n" + "\n".join(rows) + "\n"
    files["demand.csv"] = "hospital,day,demand_m3\n" + "".join(
        f"H{i},{d},{i / 3:.3f}\n" for i in range(1, 200) for d in range(2))
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    got = outcome(tmp_path)
    assert got[0] == "network"
    with former_code():
        assert_same_outcome(got, outcome(tmp_path))
    assert math.isinf(got[1].hospitals["vaporiser_m3_day"].iloc[1])


def test_frames_are_still_stripped():
    """Only tables read from CSV skip the strip: a user's frame of strings is stripped."""
    h = pd.DataFrame({"id": [" H1 ", "H2"], "lat": [" 33.3 ", "33.5"], "lon": ["44.4", " 44.1"],
                      "demand_m3_day": [" 5 ", "Infinity "]}, dtype=str)
    d = pd.DataFrame({"hospital": [" H1"], "day": [" 0 "], "demand_m3": ["7"]}, dtype=str)
    with pytest.raises(InputError) as info:
        o2opt.from_frames(h, demand=d)
    assert [str(p) for p in info.value.problems] == [
        "hospitals (DataFrame), column demand_m3_day, row 1 (id H2): must be finite, got "
        "'Infinity '"]
    h.loc[1, "demand_m3_day"] = " 6 "
    net = o2opt.from_frames(h, demand=d)
    assert net.hospitals["id"].tolist() == ["H1", "H2"]
    assert net.hospitals["lat"].tolist() == [33.3, 33.5]
    assert net.demand["day"].tolist() == [0] and net.demand["hospital"].tolist() == ["H1"]
