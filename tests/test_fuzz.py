"""Property-based fuzzing of the command line and the Python API (issue 11, "Keep it that way").

Hypothesis draws hostile scenario folders (malformed CSV cells, missing and repeated
columns, byte-order marks, CRLF, wrong delimiters, binary garbage, ...), hostile
``scenario.toml`` files (unknown keys, wrong types, nested tables, invalid TOML) and
hostile arguments, and checks the promise of ``docs/model.md``, "Exit status":

- ``o2opt validate`` / ``o2opt solve`` end with status 0, 1 or 2 within :data:`TIME_BOUND_S`
  seconds, and print no traceback;
- on status 2 nothing is written (OUT is as it was: absent, or the user's folder untouched);
- on status 0 or 1 ``summary.json`` is strict JSON, and the result is complete (status 0:
  every result file) or absent (status 1: ``summary.json`` only);
- ``o2opt.read_network`` on the same folders returns a :class:`~o2opt.Network` or raises
  :class:`~o2opt.InputError` (nothing else), and the command agrees with it;
- ``o2opt.from_frames`` with hostile frames and values, ``[model]`` keys given from Python
  and the solver options of ``o2opt.optimize`` raise :class:`~o2opt.InputError` or work;
- ``o2opt report`` on a damaged result folder exits 0 (and writes the page) or 2 (and
  writes nothing), never with a traceback.

The command runs in-process (:func:`o2opt.cli.main`) for speed, plus a few real
subprocesses. The default run is capped so that the file takes well under 90 s; ``pytest -m
slow tests/test_fuzz.py`` runs many more examples.

:data:`KNOWN_PENDING` lists hostile inputs that are known defects being fixed elsewhere; the
strategies leave each of them out while its name is in the list. Remove a name when its fix
is merged, and the strategies start drawing those inputs again.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

import o2opt
from o2opt import cli, schema

#: Known defects still open, by gate name (empty: every gate is fuzzed). While a name is
#: here, the strategies below do not draw the inputs it describes.
KNOWN_PENDING: dict[str, str] = {}

#: The promise: every command ends within this many seconds.
TIME_BOUND_S = 30.0
RESULT_FILES = {"summary.json", "deliveries.csv", "bulk.csv", "service.csv", "sites.csv",
                "utilization.csv"}
OPTIONAL_RESULT_FILES = {"tankers.csv", "map.png", "shortfalls.csv"}
HEALTH = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
FAST = settings(max_examples=45, deadline=None, suppress_health_check=HEALTH,
                database=None, print_blob=True)
MANY = settings(max_examples=600, deadline=None, suppress_health_check=HEALTH,
                database=None, print_blob=True)


#: Every name the strategies ask :func:`pending` about.
GATES = ("huge-toml-integers", "huge-magnitudes", "threads-bounds", "cli-solver-options",
         "fleet-truck-horizon", "api-option-types", "frame-dtypes", "report-summary")


def pending(name: str) -> bool:
    """True while the defect ``name`` is known and not yet fixed here."""
    assert name in GATES, name
    return name in KNOWN_PENDING


def test_known_pending_names_are_gates():
    """A name in :data:`KNOWN_PENDING` that no strategy asks about would exclude nothing."""
    assert set(KNOWN_PENDING) <= set(GATES)


# --------------------------------------------------------------------------- cells
HOSTILE_NUMBERS = ["", " ", "nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-1", "-0.0",
                   "-1e-300", "1e400", "-1e400", "9" * 400, "abc", "Ω", "😀", "１２", "0x1A",
                   "1_000", "  7  ", "5e", "True", "None", "null", "1,5", '"3"', "\x7f",
                   "1e-320", "0.000000001"]
HUGE_NUMBERS = ["1e11", "1e20", "-1e20", "1e300", "123456789012345678901234567890"]
HOSTILE_IDS = ["", " ", "H0", "nan", "None", "1", "１", "مستشفى", "=cmd|' /C calc'!A0", "+1",
               "-1", "@x", "a,b", 'q"uote', "line\nbreak", "H" * 300, "\ttab", "é", "\u200b",
               "<script>"]
HOSTILE_DAYS = ["-1", "1.5", "1e3", "99999999999999999999", "", "x", "0.0", "3660", "3661"]


def hostile_number() -> st.SearchStrategy[str]:
    pool = HOSTILE_NUMBERS + ([] if pending("huge-magnitudes") else HUGE_NUMBERS)
    return st.sampled_from(pool) | st.text(max_size=6)


def number(low: float, high: float) -> st.SearchStrategy[str]:
    """A valid number in [low, high] as a CSV cell."""
    return (st.sampled_from([low, high, (low + high) / 2])
            | st.floats(low, high, allow_nan=False)).map(lambda x: f"{x:g}" if x % 1 else
                                                         str(int(x)))


#: Valid values of the numeric columns (the others take the default range).
RANGES = {"lat": (33.0, 33.5), "lon": (44.0, 44.5), "priority": (0.0, 3.0),
          "capacity_factor": (0.0, 2.0), "min_service_share": (0.0, 1.0),
          "truck_trips_day": (0.5, 4.0), "truck_capacity_cyl": (1.0, 50.0),
          "tanker_capacity_m3": (10.0, 500.0), "fleet_cylinders": (0.0, 500.0),
          "trucks": (0.0, 5.0), "tankers": (0.0, 3.0), "fixed_cost": (0.0, 1000.0),
          "demand_m3_day": (0.0, 300.0), "demand_m3": (0.0, 300.0),
          "capacity_m3_day": (0.0, 1000.0), "fill_capacity_cyl_day": (0.0, 100.0),
          "distance_km": (0.0, 200.0), "cost_per_unit": (0.0, 10.0)}
PREFIX = {"hospitals": "H", "producers": "P", "stations": "S", "candidates": "C"}


#: Optional columns that need another one (a vehicle count needs the vehicle's load).
NEEDS = {"trucks": "truck_capacity_cyl", "tankers": "tanker_capacity_m3"}


@st.composite
def csv_rows(draw: st.DrawFn, name: str, columns: list[str], ids: dict[str, list[str]],
             horizon: int) -> list[list[str]]:
    """Valid rows of table ``name``: ids and references right, keys unique."""
    table = schema.TABLES[name]
    fills = ids["stations"] + ids["candidates"]
    if name in PREFIX:
        keys: list[tuple[str, ...]] = [(i,) for i in ids[name]]
    elif name == "demand":
        keys = [(h, str(d)) for h in ids["hospitals"] for d in range(horizon + 1)]
    elif name == "availability":
        keys = [(f, str(d)) for f in ids["producers"] + fills for d in range(horizon + 1)]
    else:  # routes
        keys = [(f, h) for f in fills for h in ids["hospitals"]] + \
            [(p, s) for p in ids["producers"] for s in ids["stations"]]
    if name not in PREFIX:
        keys = draw(st.lists(st.sampled_from(keys), unique=True, max_size=4)) if keys else []
    rows = []
    for key in keys:
        row = []
        for col in columns:
            c = table.column(col)
            if col in table.key:
                row.append(key[table.key.index(col)])
            elif c.dtype == "str":
                row.append(draw(st.sampled_from(["", "Baghdad", "ASU", "Basra Ω", "x y"])))
            elif col in NEEDS.values():
                row.append(draw(number(*RANGES[col])))
            else:
                cell = number(*RANGES.get(col, (0.0, 10.0)))
                row.append(draw(cell if c.required or col in ("lat", "lon")
                                else cell | st.just("")))
        rows.append(row)
    return rows


@st.composite
def csv_table(draw: st.DrawFn, name: str, ids: dict[str, list[str]], horizon: int,
              hostile: bool) -> bytes:
    """One CSV table of the scenario: valid, or (``hostile``) with hostile cells, shape or
    encoding."""
    table = schema.TABLES[name]
    optional = [c.name for c in table.columns if not c.required]
    columns = list(table.required)
    if optional:
        columns += draw(st.lists(st.sampled_from(optional), unique=True, max_size=4))
    columns += [NEEDS[c] for c in columns if c in NEEDS and NEEDS[c] not in columns]
    rows = draw(csv_rows(name, columns, ids, horizon))
    if not hostile:
        text = _csv_text(columns, rows, ",", draw(st.sampled_from(["\n", "\r\n"])), False)
        return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig"])))
    for _ in range(draw(st.integers(0, 3))):  # hostile cells
        if not rows:
            break
        r = draw(st.integers(0, len(rows) - 1))
        j = draw(st.integers(0, len(columns) - 1))
        c = table.column(columns[j])
        if columns[j] == "day":
            rows[r][j] = draw(st.sampled_from(HOSTILE_DAYS))
        elif c.dtype == "str":
            rows[r][j] = draw(st.sampled_from(HOSTILE_IDS) | st.text(max_size=8))
        else:
            rows[r][j] = draw(hostile_number())
    header = list(columns)
    mutations = draw(st.lists(st.sampled_from(
        ["drop_column", "repeat_column", "unknown_column", "repeat_row", "ragged_long",
         "ragged_short", "header_only", "empty", "blank_lines", "quote_all", "header_case",
         "header_spaces"]), max_size=2, unique=True))
    for m in mutations:
        if m == "drop_column" and header:
            j = draw(st.integers(0, len(header) - 1))
            header.pop(j)
            rows = [row[:j] + row[j + 1:] for row in rows]
        elif m == "repeat_column" and header:
            j = draw(st.integers(0, len(header) - 1))
            header.append(header[j])
            rows = [[*row, row[j]] for row in rows]
        elif m == "unknown_column":
            header.append(draw(st.sampled_from(["notes", "demand_m3_dya", "", "Ω", "id "])))
            rows = [[*row, "x"] for row in rows]
        elif m == "repeat_row" and rows:
            rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
        elif m == "ragged_long" and rows:
            rows[-1].append(draw(st.sampled_from(["", "extra"])))
        elif m == "ragged_short" and rows and rows[-1]:
            rows[-1].pop()
        elif m == "header_only":
            rows = []
        elif m == "header_case":
            header = [h.upper() for h in header]
        elif m == "header_spaces":
            header = [f" {h} " for h in header]
    if "empty" in mutations:
        text = ""
    else:
        text = _csv_text(header, rows, draw(st.sampled_from([",", ",", ";", "\t", "|"])),
                         draw(st.sampled_from(["\n", "\r\n", "\r"])),
                         "quote_all" in mutations, "blank_lines" in mutations)
    encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "latin-1",
                                     "utf-16", "truncate", "garbage"]))
    if encoding == "garbage":
        return draw(st.binary(max_size=64))
    if encoding == "truncate":
        data = text.encode("utf-8")
        return data[:draw(st.integers(0, len(data)))]
    return text.encode(encoding, errors="replace")


def _csv_text(header: list[str], rows: list[list[str]], delimiter: str, newline: str,
              quote_all: bool, blank_lines: bool = False) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=newline,
                        quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow(row)
        if blank_lines:
            buffer.write(newline)
    return buffer.getvalue()


def toml_value(value: Any) -> str:
    """``value`` written as a TOML value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(value)


#: Valid values of the [model] keys, small enough that every solve is quick.
VALID_KEYS: dict[str, st.SearchStrategy[Any]] = {
    "horizon_days": st.integers(1, 4),
    "cylinder_m3": st.sampled_from([6.8, 1.0, 50.0]),
    "cost_per_cylinder_km": st.floats(0, 1), "bulk_cost_per_m3_km": st.floats(0, 1),
    "unmet_penalty_per_m3": st.floats(0, 5000), "allow_unmet": st.booleans(),
    "demand_multiplier": st.floats(0, 3), "circuity": st.floats(1, 2),
    "max_delivery_km": st.floats(1, 500), "budget": st.floats(0, 1e4) | st.integers(0, 10**4),
    "max_new_sites": st.integers(0, 3), "integer_cylinders": st.booleans(),
    "routes_only": st.booleans(), "single_source": st.booleans(),
    "truck_speed_km_h": st.floats(10, 80), "working_hours_day": st.floats(1, 24),
    "hospital_dwell_days": st.floats(0, 5), "cylinder_loss_rate": st.floats(0, 0.2),
    "tanker_unload_days": st.floats(0, 1), "cost_per_truck_km": st.floats(0, 1),
    "integer_trucks": st.booleans(), "min_service_share": st.floats(0, 1),
    "region_min_service_share": st.floats(0, 1),
    "objective": st.sampled_from(["cost", "lexicographic"]),
    "solver": st.sampled_from(["highs", "highs", "cbc"]), "time_limit_s": st.floats(5, 20),
    "mip_gap": st.floats(0, 0.1), "threads": st.integers(1, 3),
    "discount_rate": st.floats(0, 0.3), "capital_budget": st.floats(0, 1e6),
    "currency": st.sampled_from(["USD", "IQD", "دينار"]),
    "marginal_values": st.booleans(),
    "shortage_sharing": st.sampled_from(["cost", "even"]),
}
assert set(VALID_KEYS) == set(schema.MODEL_KEYS), "a [model] key has no strategy here"


FLEET_KEYS = ("truck_speed_km_h", "working_hours_day", "hospital_dwell_days",
              "tanker_unload_days")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def hostile_toml_value(key: str) -> st.SearchStrategy[Any]:
    values: list[Any] = ["abc", "", True, 1.5, -1, 0, -0.0, math.nan, math.inf, -math.inf,
                         [1, 2], {"a": 1}, dt.date(2024, 1, 1), 3660, 3661, 2**53 + 1,
                         "1e3", "ÄÖ"]
    if not pending("huge-toml-integers"):
        values += [2**63, -(2**63) - 1, 10**80, -(10**300)]
    if not pending("huge-magnitudes"):
        values += [1e20, 1e300, -1e300]
    if not pending("threads-bounds"):
        values += [100000, 2**31]
    if key in FLEET_KEYS and pending("fleet-truck-horizon"):
        values = [v for v in values if not _number(v) or not math.isfinite(v) or v <= 10]
    if key == "threads" and pending("threads-bounds"):
        values = [v for v in values if not _number(v) or v <= 64]
    return st.sampled_from(values)


BAD_TOML = ["[model", "[model]\nhorizon_days = ", "[model]\nhorizon_days = 1\nhorizon_days = 2",
            "horizon_days = 2\n[model]\n", "[model]\n[model]\n", "model = 3\n",
            "[[model]]\nbudget = 1\n", "[model.sub]\nx = 1\n", "\x00\x01\x02",
            "[model]\nhorizon_days = 1979-05-27T07:32:00Z\n", "[model]\n'' = 1\n",
            "[model]\nhorizon_days = 0x10\n", "[model]\nbudget = 1_000\n",
            "[Model]\nbudget = 1\n", "[model]\n\"horizon_days\" = 2\n", "\ufeff[model]\n",
            "[model]\nhorizon_days = 2 # comment\r\n", "[model]\nobjective = '''cost'''\n"]


def chance(p: float) -> st.SearchStrategy[bool]:
    """True with probability about ``p`` (hypothesis's integers favour small values)."""
    n = round(1 / p)
    return st.sampled_from([True] + [False] * (n - 1)) if p < 0.5 else \
        st.sampled_from([True] * (round(1 / (1 - p)) - 1) + [False])


@st.composite
def scenario_toml(draw: st.DrawFn) -> tuple[bytes, int]:
    """``scenario.toml`` and the horizon the tables should cover."""
    kind = draw(st.sampled_from(["model"] * 6 + ["raw", "text", "binary"]))
    if kind == "raw":
        return draw(st.sampled_from(BAD_TOML)).encode(), 1
    if kind == "text":
        return draw(st.text(max_size=40)).encode("utf-8", "replace"), 1
    if kind == "binary":
        return draw(st.binary(max_size=40)), 1
    keys = draw(st.lists(st.sampled_from(sorted(VALID_KEYS)), unique=True, max_size=6))
    model = {k: draw(VALID_KEYS[k]) for k in keys}
    for _ in range(draw(st.integers(1, 2)) if draw(chance(1 / 2)) else 0):
        key = draw(st.sampled_from(sorted(VALID_KEYS)))
        model[key] = draw(hostile_toml_value(key))
    if draw(chance(1 / 6)):
        model[draw(st.sampled_from(["horizon_day", "Budget", "foo", "model", "ü"]))] = 1
    lines = ["[model]"] + [f"{json.dumps(k, ensure_ascii=False) if not k.isidentifier() else k}"
                           f" = {toml_value(v)}" for k, v in model.items()]
    extra = draw(st.sampled_from(["[model.nested]\nx = 1\n", "[other]\ny = 2\n", "top = 1\n"])
                 if draw(chance(1 / 6)) else st.just(""))
    text = ("top = 1\n" if extra == "top = 1\n" else "") + "\n".join(lines) + "\n" + \
        ("" if extra == "top = 1\n" else extra)
    horizon = model.get("horizon_days", 1)
    return text.encode("utf-8"), horizon if isinstance(horizon, int) and 0 < horizon < 10 else 1


@st.composite
def scenario_files(draw: st.DrawFn) -> dict[str, bytes]:
    toml = draw(scenario_toml()) if draw(chance(1 / 2)) else None
    horizon = toml[1] if toml else 1
    present = ["hospitals"] + draw(st.lists(st.sampled_from(list(schema.TABLES)[1:]),
                                            unique=True))
    ids = {name: [f"{prefix}{i}" for i in range(draw(st.integers(name == "hospitals", 3)))]
           if name in present else [] for name, prefix in PREFIX.items()}
    hostile = draw(st.lists(st.sampled_from(present), unique=True, max_size=2)
                   if draw(chance(2 / 3)) else st.just([]))
    files: dict[str, bytes] = {}
    for name in present:
        if name == "hospitals" and "hospitals" in hostile and draw(chance(1 / 10)):
            continue  # the required table is missing
        files[f"{name}.csv"] = draw(csv_table(name, ids, horizon, name in hostile))
    if toml is not None:
        files["scenario.toml"] = toml[0]
    return files


@st.composite
def cli_args(draw: st.DrawFn) -> tuple[list[str], bool]:
    """Solver arguments of ``o2opt solve``, and whether all of them are valid."""
    args: list[str] = []
    valid = True
    for option in draw(st.lists(st.sampled_from(["--threads", "--time-limit", "--mip-gap",
                                                 "--solver", "--backend", "bogus"]),
                                unique=True, max_size=3)):
        good = {"--threads": ["1", "2", "3"], "--time-limit": ["20", "1e-9", "5.5"],
                "--mip-gap": ["0", "0.5", "1", "1e-12"], "--solver": ["highs", "cbc"],
                "--backend": ["pulp"]}.get(option, [])
        bad = {"--threads": ["x", "1.5", ""], "--time-limit": ["abc", ""],
               "--mip-gap": ["x", ""], "--solver": ["gurobi", ""], "--backend": ["x"]}.get(
            option, [])
        if not pending("cli-solver-options"):
            bad += {"--threads": ["0", "-4"], "--time-limit": ["0", "-1", "nan", "inf"],
                    "--mip-gap": ["-1", "nan", "inf"]}.get(option, [])
        if not pending("cli-solver-options") and option == "--backend":
            bad += ["highspy"]  # an input error with solver cbc (here or in scenario.toml)
        if not pending("threads-bounds") and option == "--threads":
            bad += ["100000", str(2**40)]
        if option == "bogus" and draw(chance(1 / 3)):
            args.append(draw(st.sampled_from(["--frobnicate", "-z", "--out"])))
            valid = False
            continue
        if option == "bogus":
            continue
        value = draw(st.sampled_from(bad if bad and draw(chance(1 / 4)) else good))
        valid &= value in good
        args += [option, value] if draw(st.booleans()) else [f"{option}={value}"]
    return args, valid


# --------------------------------------------------------------------------- running
def run_cli(argv: list[str]) -> tuple[int, str, float]:
    """Run :func:`o2opt.cli.main` in-process: exit status, stderr and seconds. Any exception
    other than ``SystemExit`` fails the test with its traceback."""
    err, out = io.StringIO(), io.StringIO()
    start = time.perf_counter()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code: Any = cli.main(argv)
    except SystemExit as e:
        code = e.code
    except Exception:
        pytest.fail(f"o2opt {' '.join(argv)} raised:\n{traceback.format_exc()}\n"
                    f"stderr: {err.getvalue()}")
    return code, err.getvalue(), time.perf_counter() - start


def write_files(folder: Path, files: dict[str, bytes]) -> None:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)


def strict_json(path: Path) -> Any:
    def reject(constant: str) -> Any:
        raise ValueError(f"{path.name} holds {constant}, which is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=reject)


def snapshot(path: Path) -> dict[str, bytes] | None:
    """Every file under ``path`` and its bytes (None when ``path`` does not exist)."""
    if not path.exists():
        return None
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*"))
            if p.is_file()}


def prepare_out(root: Path, how: str) -> Path:
    out = root / "out"
    if how == "empty":
        out.mkdir()
    elif how == "junk":
        out.mkdir()
        (out / "my-notes.txt").write_text("not an o2opt result\n", encoding="utf-8")
    elif how == "result":
        out.mkdir()
        (out / "summary.json").write_text('{"status": "optimal", "o2opt_version": "0"}\n',
                                          encoding="utf-8")
    return out


def check_promise(code: Any, stderr: str, seconds: float, out: Path,
                  before: dict[str, bytes] | None, argv: list[str]) -> None:
    """The promise of docs/model.md, "Exit status", for one finished ``o2opt solve``."""
    if currently_in_test_context():
        note(f"o2opt {' '.join(argv)} -> {code} in {seconds:.2f} s\n{stderr}")
        event(f"exit status {code}")
    assert code in (0, 1, 2), f"exit status {code!r}"
    assert seconds < TIME_BOUND_S, f"took {seconds:.1f} s"
    assert "Traceback" not in stderr
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".out")]
    assert leftovers == [], f"temporary folders left behind: {leftovers}"
    if code == 2 or (code == 1 and "solver error" in stderr):  # nothing written
        assert snapshot(out) == before, f"something was written on exit status {code}"
        assert stderr.strip(), f"exit status {code} without a message"
        return
    names = {p.name for p in out.iterdir()}
    summary = strict_json(out / "summary.json")
    assert isinstance(summary, dict) and "o2opt_version" in summary
    if code == 0:
        assert summary["status"] in ("optimal", "feasible")
        assert RESULT_FILES <= names <= RESULT_FILES | OPTIONAL_RESULT_FILES, names
        for name in names - {"summary.json", "map.png"}:
            assert (out / name).read_text(encoding="utf-8").splitlines(), f"{name} is empty"
        parts = summary["cost"]
        assert summary["objective"] == pytest.approx(sum(parts.values()), rel=1e-9, abs=1e-9)
        assert summary["unmet_m3"] >= 0 and summary["delivered_m3"] >= 0
    else:
        assert summary["status"] in ("infeasible", "no_solution")
        assert names == {"summary.json"}, f"exit status 1 with {names}"


def check_cli_case(files: dict[str, bytes], args: list[str], valid_args: bool,
                   out_how: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "scenario"
        write_files(folder, files)
        v_code, v_err, v_s = run_cli(["validate", str(folder), "-q"])
        assert v_code in (0, 2) and "Traceback" not in v_err and v_s < TIME_BOUND_S, \
            (v_code, v_err)
        try:
            o2opt.read_network(folder)
            read_ok = True
        except o2opt.InputError as e:
            assert e.problems and all(isinstance(p.source, str) for p in e.problems)
            read_ok = False
        assert read_ok == (v_code == 0), "read_network and o2opt validate disagree"
        out = prepare_out(root, out_how)
        before = snapshot(out)
        argv = ["solve", str(folder), "--out", str(out), "-q", *args]
        code, err, seconds = run_cli(argv)
        check_promise(code, err, seconds, out, before, argv)
        if valid_args and out_how != "junk":
            assert (code == 2) == (v_code == 2), \
                f"validate says {v_code} but solve exits {code}: {err}"
        if out_how == "junk":
            assert code == 2


# --------------------------------------------------------------------------- the properties
def _cli(files: dict[str, bytes], args: tuple[list[str], bool], out_how: str) -> None:
    note(f"files: { {k: v[:300] for k, v in files.items()} }")
    check_cli_case(files, args[0], args[1], out_how)


OUT_MODES = st.sampled_from(["absent", "absent", "absent", "empty", "result", "junk"])


@FAST
@given(files=scenario_files(), args=cli_args(), out_how=OUT_MODES)
def test_cli_keeps_its_promise_on_hostile_folders(files, args, out_how):
    _cli(files, args, out_how)


@pytest.mark.slow
@MANY
@given(files=scenario_files(), args=cli_args(), out_how=OUT_MODES)
def test_cli_keeps_its_promise_on_hostile_folders_many(files, args, out_how):
    _cli(files, args, out_how)


def _api(files: dict[str, bytes]) -> None:
    note(f"files: { {k: v[:300] for k, v in files.items()} }")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "scenario"
        write_files(folder, files)
        try:
            net = o2opt.read_network(folder)
        except o2opt.InputError as e:
            assert e.problems
            assert all(str(p) for p in e.problems)
            return
        except Exception:
            pytest.fail(f"read_network raised:\n{traceback.format_exc()}")
        start = time.perf_counter()
        sol = o2opt.optimize(net, time_limit_s=20)
        assert time.perf_counter() - start < TIME_BOUND_S
        assert sol.status in ("optimal", "feasible", "infeasible", "no_solution")
        json.dumps(sol.summary(), allow_nan=False)
        out = sol.to_folder(Path(tmp) / "out")
        names = {p.name for p in out.iterdir()}
        if sol.has_solution:
            assert RESULT_FILES <= names
            service = sol.service
            assert (service["unmet_m3"] >= 0).all() and (service["delivered_m3"] >= 0).all()
        else:
            assert names == {"summary.json"}


@FAST
@given(files=scenario_files())
def test_read_network_raises_only_input_error(files):
    _api(files)


@pytest.mark.slow
@MANY
@given(files=scenario_files())
def test_read_network_raises_only_input_error_many(files):
    _api(files)


# --------------------------------------------------------------------------- frames and keys
def hostile_python_value() -> st.SearchStrategy[Any]:
    values: list[Any] = [None, "x", "", True, False, -1, 0, 1.5, math.nan, math.inf, [1],
                         {"a": 1}, (1, 2), object(), b"bytes", 3 + 4j, dt.date(2024, 1, 1),
                         pd.NA, pd.NaT]
    if not pending("api-option-types"):
        values += [np.int64(3), np.float32(0.5), np.bool_(True), np.float64("nan")]
    if not pending("huge-toml-integers"):
        values += [10**80, -(10**80)]
    if not pending("threads-bounds"):
        values += [100000]
    return st.sampled_from(values)


def _frames_model(key: str, value: Any) -> None:
    hospitals = pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0],
                              "demand_m3_day": [10.0]})
    if key in FLEET_KEYS and pending("fleet-truck-horizon") and _number(value) \
            and math.isfinite(value) and value > 10:
        return
    try:
        net = o2opt.from_frames(hospitals, model={key: value})
    except o2opt.InputError as e:
        assert e.problems and key in str(e)
        return
    except Exception:
        pytest.fail(f"from_frames(model={{{key!r}: {value!r}}}) raised:\n"
                    f"{traceback.format_exc()}")
    assert net.scenario is not None
    try:
        net.with_model(**{key: value})
    except o2opt.InputError:
        pytest.fail(f"with_model rejects {key}={value!r}, which from_frames accepted")
    except Exception:
        pytest.fail(f"with_model({key}={value!r}) raised:\n{traceback.format_exc()}")


@FAST
@given(key=st.sampled_from(sorted(schema.MODEL_KEYS) + ["unknown_key"]),
       value=hostile_python_value())
def test_model_keys_from_python_raise_only_input_error(key, value):
    _frames_model(key, value)


@pytest.mark.slow
@MANY
@given(key=st.sampled_from(sorted(schema.MODEL_KEYS) + ["unknown_key"]),
       value=hostile_python_value())
def test_model_keys_from_python_raise_only_input_error_many(key, value):
    _frames_model(key, value)


# --------------------------------------------------------------------------- optimize()
def solver_option() -> st.SearchStrategy[tuple[str, Any]]:
    valid = {"time_limit_s": [None, 20, 5.5], "mip_gap": [None, 0, 0.01, 1],
             "threads": [None, 1, 2], "solver": [None, "highs", "cbc"],
             "backend": [None, "pulp"]}
    hostile: dict[str, list[Any]] = {k: [] for k in valid}
    if not pending("api-option-types"):
        for k in hostile:
            hostile[k] += ["x", [1], {"a": 1}, b"1", object()]
        hostile["backend"] += ["highspy"]  # an input error with solver cbc
    if not pending("cli-solver-options"):
        hostile["time_limit_s"] += [0, -1, math.nan, math.inf]
        hostile["mip_gap"] += [-1, math.nan, math.inf]
        hostile["threads"] += [0, -4, 1.5, True]
    if not pending("threads-bounds"):
        hostile["threads"] += [100000, 2**40]
    return st.sampled_from(sorted(valid)).flatmap(
        lambda k: st.tuples(st.just(k), st.sampled_from(valid[k] + hostile[k])))


_OPTIONS_NET: list[o2opt.Network] = []


def _optimize(options: list[tuple[str, Any]]) -> None:
    if not _OPTIONS_NET:
        _OPTIONS_NET.append(o2opt.from_frames(
            pd.DataFrame({"id": ["H1"], "lat": [33.0], "lon": [44.0], "demand_m3_day": [68.0]}),
            stations=pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                                   "fill_capacity_cyl_day": [5.0]}),
            producers=pd.DataFrame({"id": ["P1"], "lat": [33.2], "lon": [44.0],
                                    "capacity_m3_day": [100.0]})))
    kwargs = dict(options)
    start = time.perf_counter()
    try:
        sol = o2opt.optimize(_OPTIONS_NET[0], **kwargs)
    except o2opt.InputError as e:
        assert e.problems
        return
    except Exception:
        pytest.fail(f"optimize(net, **{kwargs!r}) raised:\n{traceback.format_exc()}")
    assert time.perf_counter() - start < TIME_BOUND_S
    assert sol.status in ("optimal", "feasible", "infeasible", "no_solution")


@FAST
@given(options=st.lists(solver_option(), max_size=3, unique_by=lambda kv: kv[0]))
def test_optimize_options_raise_only_input_error(options):
    _optimize(options)


# --------------------------------------------------------------------------- hostile frames
NUMBER_COLUMNS = [c.name for c in schema.TABLES["hospitals"].columns if c.dtype != "str"]


def hostile_cell() -> st.SearchStrategy[Any]:
    return st.sampled_from([0, 1.5, 10, np.float32(2.5), np.int8(3), "7", " 8 ", None,
                            math.nan, "x", "", [1], {"a": 1}, b"5", (1,), math.inf, -1,
                            pd.NaT, pd.Timestamp("2024-01-01"), dt.date(2024, 1, 1),
                            dt.timedelta(days=1), "1e400", pd.NA, "nan"])


def hostile_column(n: int) -> st.SearchStrategy[Any]:
    """A whole column of a type no number column takes (always an input error)."""
    columns = [pd.to_datetime(["2024-01-01"] * n), pd.to_timedelta([1] * n, unit="D"),
               pd.period_range("2024-01", periods=n, freq="D"),
               pd.arrays.IntervalArray.from_breaks(range(n + 1))]
    if not pending("frame-dtypes"):
        columns += [[True] * n, np.array([1 + 2j] * n), pd.Categorical([5.0] * n),
                    pd.array([True] * n, dtype="boolean")]
    return st.sampled_from(columns)


def _frames(column: str, cells: list[Any] | None, whole: Any, table_as: str) -> None:
    frame = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.1], "lon": [44.0, 44.1],
                          "demand_m3_day": [10.0, 20.0]})
    if whole is not None:
        frame[column] = whole
    else:
        frame[column] = pd.Series(cells, dtype=object)
    hospitals: Any = {"frame": frame, "dict": frame.to_dict("list"), "records":
                      frame.to_dict("records"), "series": frame.iloc[0],
                      "array": frame.to_numpy()}.get(table_as, None)
    if table_as == "none" and pending("frame-dtypes"):
        return
    try:
        net = o2opt.from_frames(hospitals)
    except o2opt.InputError as e:
        assert e.problems and all(str(p) for p in e.problems)
        return
    except Exception:
        pytest.fail(f"from_frames raised:\n{traceback.format_exc()}")
    assert table_as == "frame", f"from_frames accepted hospitals given as {table_as}"
    assert whole is None, f"from_frames accepted a {column} column of {whole!r}"
    values = net.hospitals[column].to_numpy(float)
    assert np.isfinite(values[~np.isnan(values)]).all() or column == "vaporiser_m3_day"
    sol = o2opt.optimize(net, time_limit_s=20)
    assert sol.status in ("optimal", "feasible", "infeasible", "no_solution")


@FAST
@given(column=st.sampled_from(NUMBER_COLUMNS),
       cells=st.lists(hostile_cell(), min_size=2, max_size=2) | st.none(),
       whole=st.none() | hostile_column(2),
       table_as=st.sampled_from(["frame"] * 6 + ["dict", "records", "series", "array", "none"]))
def test_hostile_frames_raise_only_input_error(column, cells, whole, table_as):
    _frames(column, cells if cells is not None else [1.0, 2.0], whole, table_as)


@pytest.mark.slow
@MANY
@given(column=st.sampled_from(NUMBER_COLUMNS),
       cells=st.lists(hostile_cell(), min_size=2, max_size=2) | st.none(),
       whole=st.none() | hostile_column(2),
       table_as=st.sampled_from(["frame"] * 6 + ["dict", "records", "series", "array", "none"]))
def test_hostile_frames_raise_only_input_error_many(column, cells, whole, table_as):
    _frames(column, cells if cells is not None else [1.0, 2.0], whole, table_as)


# --------------------------------------------------------------------------- o2opt report
REPORT_SCENARIO = {
    "hospitals.csv": b"id,lat,lon,demand_m3_day\nH1,33.0,44.0,68\nH2,33.2,44.1,300\n",
    "producers.csv": b"id,lat,lon,capacity_m3_day\nP1,33.5,44.0,100\n",
    "stations.csv": b"id,lat,lon,fill_capacity_cyl_day\nS1,33.1,44.0,50\n",
    "candidates.csv": b"id,lat,lon,capacity_m3_day,fixed_cost\nC1,33.2,44.2,500,10\n",
}
_SOLVED: dict[str, bytes] = {}


def solved_result() -> dict[str, bytes]:
    """The result files of :data:`REPORT_SCENARIO` (solved once per session)."""
    if not _SOLVED:
        with tempfile.TemporaryDirectory() as tmp:
            write_files(Path(tmp) / "scenario", REPORT_SCENARIO)
            code, err, _ = run_cli(["solve", str(Path(tmp) / "scenario"), "--out",
                                    str(Path(tmp) / "out"), "-q"])
            assert code == 0, err
            _SOLVED.update({p.name: p.read_bytes() for p in (Path(tmp) / "out").iterdir()})
    return dict(_SOLVED)


@st.composite
def damaged_result(draw: st.DrawFn) -> dict[str, bytes]:
    """The solved result with up to two of its files missing or damaged."""
    files = solved_result()
    names = sorted(files) if not pending("report-summary") else \
        sorted(set(files) - {"summary.json"})
    for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=2)):
        how = draw(st.sampled_from(["delete", "empty", "header", "drop_column", "binary",
                                    "extra_column", "no_rows", "json_list", "text",
                                    "bad_cell", "bad_cell"]))
        data = files[name]
        lines = data.decode("utf-8").splitlines(keepends=True)
        if how == "delete":
            del files[name]
        elif how == "empty":
            files[name] = b""
        elif how == "header":
            files[name] = b"a,b\n1,2\n"
        elif how == "binary":
            files[name] = draw(st.binary(max_size=32))
        elif how == "json_list":
            files[name] = b"[1, 2]\n"
        elif how == "text":
            files[name] = draw(st.text(max_size=20)).encode("utf-8")
        elif name.endswith(".csv") and how == "no_rows":
            files[name] = lines[0].encode("utf-8")
        elif name.endswith(".csv"):
            table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
            if how == "drop_column" and len(table.columns):
                table = table.drop(columns=draw(st.sampled_from(list(table.columns))))
            elif how == "extra_column":
                table["notes"] = "x"
            elif how == "bad_cell" and len(table):
                row = draw(st.integers(0, len(table) - 1))
                column = draw(st.sampled_from(list(table.columns)))
                table.loc[row, column] = draw(st.sampled_from(
                    ["", "x", "nan", "inf", "-1", "1e400", "H1", "S1", "7", "0.5", "True"]))
            files[name] = table.to_csv(index=False).encode("utf-8")
    return files


def _report(files: dict[str, bytes], html_how: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_files(root / "scenario", REPORT_SCENARIO)
        write_files(root / "result", files)
        html = root / "report.html"
        if html_how == "folder":
            html.mkdir()
        elif html_how == "missing_parent":
            html = root / "nowhere" / "report.html"
        argv = ["report", str(root / "result"), "--html", str(html), "--scenario",
                str(root / "scenario"), "-q"]
        code, err, seconds = run_cli(argv)
        note(f"o2opt {' '.join(argv)} -> {code}\n{err}")
        assert code in (0, 2), f"exit status {code!r}"
        assert seconds < TIME_BOUND_S and "Traceback" not in err
        if code == 0:
            assert html.is_file() and html.stat().st_size > 0
        else:
            assert err.strip()
            assert html_how == "folder" or not html.exists()
        assert not [p for p in html.parent.glob(".*tmp*")] if html.parent.exists() else True


HTML_MODES = st.sampled_from(["file"] * 4 + ["missing_parent"]
                             + ([] if pending("report-summary") else ["folder"]))


@settings(FAST, max_examples=12)  # each report draws a map and charts (about 0.6 s)
@given(files=damaged_result(), html_how=HTML_MODES)
def test_report_keeps_its_promise_on_damaged_results(files, html_how):
    _report(files, html_how)


@pytest.mark.slow
@settings(MANY, max_examples=150)
@given(files=damaged_result(), html_how=HTML_MODES)
def test_report_keeps_its_promise_on_damaged_results_many(files, html_how):
    _report(files, html_how)


# --------------------------------------------------------------------------- subprocesses
def _subprocess(files: dict[str, bytes], args: list[str]) -> None:
    """The real command in its own process: the same promise, with the real stderr."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        folder = root / "scenario"
        write_files(folder, files)
        out = root / "out"
        argv = ["solve", str(folder), "--out", str(out), *args]
        env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "o2opt", *argv], capture_output=True,
                              text=True, env=env, timeout=TIME_BOUND_S + 30)
        check_promise(proc.returncode, proc.stderr, time.perf_counter() - start, out, None,
                      argv)


SUBPROCESS = settings(max_examples=4, deadline=None, suppress_health_check=HEALTH,
                      database=None, print_blob=True)


@SUBPROCESS
@given(files=scenario_files(), args=cli_args())
def test_command_in_a_subprocess_keeps_its_promise(files, args):
    _subprocess(files, args[0])


@pytest.mark.parametrize("files", [
    {"hospitals.csv": b"\xff\xfe\x00garbage"},
    {"hospitals.csv": b"id;lat;lon;demand_m3_day\r\nH1;33;44;10\r\n"},
    {"hospitals.csv": b"\xef\xbb\xbfid,lat,lon,demand_m3_day\r\nH1,33,44,1e400\r\n",
     "scenario.toml": b"[model]\nhorizon_days = '3'\n[model.x]\ny = 1\n"},
    {"hospitals.csv": b"id,lat,lon,demand_m3_day\nH1,33,44,10\n",
     "producers.csv": b"id,lat,lon,capacity_m3_day\nP1,33.1,44,100\n",
     "stations.csv": b"id,lat,lon,fill_capacity_cyl_day\nS1,33.05,44,100\n"},
], ids=["binary", "semicolons", "bom-crlf-bad-toml", "valid"])
def test_command_in_a_subprocess_on_fixed_hostile_folders(files):
    _subprocess(files, [])
