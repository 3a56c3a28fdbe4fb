"""Malformed scenario folders (issue "Foundation", item 3; docs/input.md).

Every case starts from a small valid folder and applies one mutation. Python must raise
:class:`o2opt.InputError` with a problem naming the file, column and row; the command line
must exit 2, name the file and column, print no traceback and write nothing.
"""

from __future__ import annotations

import logging
import math
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import o2opt
from o2opt import InputError
from o2opt.cli import main

BASE = {
    "hospitals.csv": (
        "id,name,lat,lon,demand_m3_day,onsite_m3_day,priority\n"
        "H1,Alpha,33.30,44.40,50,0,1\n"
        "H2,Beta,33.50,44.10,30,,2\n"
        "H3,Gamma,32.00,45.00,20,5,\n"
    ),
    "producers.csv": "id,lat,lon,capacity_m3_day,cost_per_m3\nP1,33.20,44.30,1000,0.3\n",
    "stations.csv": (
        "id,lat,lon,fill_capacity_cyl_day,fill_cost_per_cyl\n"
        "S1,33.30,44.30,200,1.5\n"
        "S2,32.10,44.90,100,1.5\n"
    ),
    "candidates.csv": (
        "id,lat,lon,capacity_m3_day,fixed_cost,fill_capacity_cyl_day\n"
        "C1,32.50,44.80,500,300,\n"
    ),
    "routes.csv": "origin,destination,distance_km,cost_per_unit\nS1,H1,12,\nP1,S1,,0.5\n",
    "demand.csv": "hospital,day,demand_m3\nH1,0,50\nH1,1,55\nH2,0,30\n",
    "scenario.toml": "[model]\nhorizon_days = 2\ncylinder_m3 = 6.8\nallow_unmet = true\n",
}

Mutation = Callable[[Path], None]


def write_base(folder: Path) -> Path:
    """Write the valid base scenario into ``folder`` (created)."""
    folder.mkdir(parents=True)
    for name, text in BASE.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def sub(file: str, old: str, new: str) -> Mutation:
    """Replace ``old`` (which must occur exactly once) by ``new`` in ``file``."""

    def mutate(folder: Path) -> None:
        text = (folder / file).read_text(encoding="utf-8")
        assert text.count(old) == 1, (file, old)
        (folder / file).write_text(text.replace(old, new), encoding="utf-8")

    return mutate


def put(file: str, content: str | bytes) -> Mutation:
    """Replace ``file`` by ``content`` (bytes are written as they are)."""

    def mutate(folder: Path) -> None:
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        (folder / file).write_bytes(data)

    return mutate


def drop(file: str) -> Mutation:
    return lambda folder: (folder / file).unlink()


def to_folder(file: str) -> Mutation:
    """Replace ``file`` by a folder of the same name."""

    def mutate(folder: Path) -> None:
        (folder / file).unlink()
        (folder / file).mkdir()

    return mutate


def rmtree(folder: Path) -> None:
    shutil.rmtree(folder)


GARBAGE = bytes(np.random.default_rng(3).integers(0, 256, 600, dtype=np.uint8)) + b"\x00\x01"


@dataclass(frozen=True)
class Case:
    """One malformed folder and the problem it must produce.

    ``source`` may contain ``{folder}``; ``column`` ``None`` means a problem about the file
    or a line as a whole; ``row`` is a substring of the problem's row, ``None`` for no row.
    """

    id: str
    mutate: Mutation
    source: str
    column: str | None
    row: str | None
    message: str = ""


CASES = [
    # --- files
    Case("missing hospitals.csv", drop("hospitals.csv"), "hospitals.csv", None, None,
         "required file is missing"),
    Case("folder does not exist", rmtree, "{folder}", None, None, "does not exist"),
    Case("a folder named stations.csv", to_folder("stations.csv"), "stations.csv", None, None,
         "is not a file"),
    Case("empty hospitals.csv", put("hospitals.csv", ""), "hospitals.csv", "id", None,
         "required column is missing"),
    Case("garbage text hospitals.csv", put("hospitals.csv", "hello world\nno table here\n"),
         "hospitals.csv", "demand_m3_day", None, "required column is missing"),
    Case("binary garbage", put("stations.csv", GARBAGE), "stations.csv", None, None, "binary"),
    Case("UTF-16 file", put("producers.csv", BASE["producers.csv"].encode("utf-16")),
         "producers.csv", None, None, "UTF-16"),
    Case("latin-1 bytes", put("hospitals.csv", BASE["hospitals.csv"].replace(
        "Alpha", "Caf\xe9").encode("latin-1")), "hospitals.csv", "name", "line 2", "UTF-8"),
    Case("BOM, then latin-1 bytes", put("stations.csv", b"\xef\xbb\xbf" + BASE[
        "stations.csv"].replace("S2,32.10", "S2,32\xb010").encode("latin-1")), "stations.csv",
         "lat", "line 3", "byte 0xb0"),
    Case("ragged row, extra field", sub("hospitals.csv", "30,,2", "30,,2,oops"),
         "hospitals.csv", None, "line 3 (id H2)", "has 8 fields, the header has 7"),
    Case("ragged row, missing fields",
         sub("hospitals.csv", "Gamma,32.00,45.00,20,5,", "Gamma,32.0"),
         "hospitals.csv", "lon", "line 4 (id H3)", "has 3 fields"),
    Case("unterminated quote", sub("stations.csv", "S2,", '"S2,'), "stations.csv", None,
         "line 3", "cannot be parsed as CSV"),
    Case("unterminated quote, early", sub("hospitals.csv", "H2,Beta", 'H2,"Beta'),
         "hospitals.csv", None, "line 3", "cannot be parsed as CSV"),
    Case("semicolon separated", put("stations.csv", BASE["stations.csv"].replace(",", ";")),
         "stations.csv", None, "line 1", "separated by ';'"),
    Case("duplicate header column", sub("producers.csv", "cost_per_m3\n", "lat\n"),
         "producers.csv", "lat", "line 1", "more than once"),
    # --- columns and numbers
    Case("missing required column",
         put("hospitals.csv", "id,lat,lon\nH1,33.3,44.4\nH2,33.5,44.1\nH3,32,45\n"),
         "hospitals.csv", "demand_m3_day", None, "required column is missing"),
    Case("misspelt required column", sub("candidates.csv", "fixed_cost", "fixedcost"),
         "candidates.csv", "fixed_cost", None, "did you mean 'fixedcost'?"),
    Case("non-numeric number", sub("hospitals.csv", "33.50,44.10,30", "33.50,44.10,lots"),
         "hospitals.csv", "demand_m3_day", "line 3 (id H2)", "is not a number: 'lots'"),
    Case("decimal comma", sub("producers.csv", "0.3", '"0,3"'), "producers.csv",
         "cost_per_m3", "line 2 (id P1)", "is not a number"),
    Case("NaN", sub("hospitals.csv", "33.50", "NaN"), "hospitals.csv", "lat",
         "line 3 (id H2)", "NaN"),
    Case("blank required number", sub("hospitals.csv", "33.50,44.10", "33.50,"),
         "hospitals.csv", "lon", "line 3 (id H2)", "is missing"),
    Case("inf", sub("producers.csv", "1000", "inf"), "producers.csv", "capacity_m3_day",
         "line 2 (id P1)", "must be finite"),
    Case("-inf where inf is allowed", sub("candidates.csv", "300,\n", "300,-inf\n"),
         "candidates.csv", "fill_capacity_cyl_day", "line 2 (id C1)", "must be finite"),
    Case("negative demand", sub("hospitals.csv", "44.10,30", "44.10,-5"), "hospitals.csv",
         "demand_m3_day", "line 3 (id H2)", "must be >= 0, got -5"),
    Case("negative capacity", sub("stations.csv", "100,", "-1,"), "stations.csv",
         "fill_capacity_cyl_day", "line 3 (id S2)", "must be >= 0, got -1"),
    Case("latitude 95", sub("hospitals.csv", "33.30,44.40", "95,44.40"), "hospitals.csv",
         "lat", "line 2 (id H1)", "must be <= 90, got 95"),
    Case("longitude 200", sub("candidates.csv", "44.80", "200"), "candidates.csv", "lon",
         "line 2 (id C1)", "must be <= 180, got 200"),
    Case("empty id", sub("stations.csv", "S2,", ","), "stations.csv", "id", "line 3",
         "is empty"),
    # --- ids and references
    Case("duplicate id in a table", sub("hospitals.csv", "H3,", "H1,"), "hospitals.csv", "id",
         "line 4 (id H1)", "duplicate id 'H1'"),
    Case("duplicate id across tables", sub("stations.csv", "S2,", "H2,"), "stations.csv", "id",
         "line 3 (id H2)", "in hospitals"),
    Case("demand: unknown hospital", sub("demand.csv", "H2,0,30\n", "H2,0,30\nH9,0,10\n"),
         "demand.csv", "hospital", "line 5 (hospital H9)", "unknown hospital 'H9'"),
    Case("demand: negative day", sub("demand.csv", "H2,0,", "H2,-1,"), "demand.csv", "day",
         "line 4 (hospital H2)", "must be >= 0"),
    Case("demand: fractional day", sub("demand.csv", "H2,0,", "H2,0.5,"), "demand.csv", "day",
         "line 4 (hospital H2)", "whole number"),
    Case("demand: huge day", sub("demand.csv", "H2,0,", "H2,1e30,"), "demand.csv", "day",
         "line 4 (hospital H2)", "too large"),
    Case("demand: duplicate hospital-day", sub("demand.csv", "H2,0,30\n", "H2,0,30\nH1,1,60\n"),
         "demand.csv", "day", "line 5 (hospital H1)", "more than once"),
    Case("routes: unknown origin", sub("routes.csv", "S1,H1", "S9,H1"), "routes.csv", "origin",
         "line 2 (origin S9)", "unknown facility 'S9'"),
    Case("routes: hospital -> station", sub("routes.csv", "P1,S1,,0.5\n", "P1,S1,,0.5\nH1,S1,5,\n"),
         "routes.csv", "destination", "line 4 (origin H1)", "neither"),
    Case("routes: negative distance", sub("routes.csv", "S1,H1,12", "S1,H1,-12"), "routes.csv",
         "distance_km", "line 2 (origin S1)", "must be >= 0"),
    # --- scenario.toml
    Case("invalid TOML", sub("scenario.toml", "horizon_days = 2", "horizon_days = "),
         "scenario.toml", None, "line 2", "not valid TOML: Invalid value in 'horizon_days ='"),
    Case("TOML without quotes", sub("scenario.toml", "true", "yes"), "scenario.toml", None,
         "line 4", "not valid TOML"),
    Case("unknown key", sub("scenario.toml", "horizon_days", "horizon_day"), "scenario.toml",
         "horizon_day", "line 2", "did you mean 'horizon_days'?"),
    Case("misspelt table [modle]", sub("scenario.toml", "[model]", "[modle]"), "scenario.toml",
         "modle", "line 1", "did you mean 'model'?"),
    Case("key outside [model]", put("scenario.toml", "budget = 5\n[model]\n"), "scenario.toml",
         "budget", "line 1", "inside the [model] table"),
    Case("cylinder_m3 = 0", sub("scenario.toml", "6.8", "0"), "scenario.toml", "cylinder_m3",
         "line 3", "must be > 0"),
    Case("horizon_days = 'seven'", sub("scenario.toml", "= 2", '= "seven"'), "scenario.toml",
         "horizon_days", "line 2", "must be a number"),
    Case("allow_unmet = 'yes'", sub("scenario.toml", "true", '"yes"'), "scenario.toml",
         "allow_unmet", "line 4", "true or false"),
    Case("unknown solver", sub("scenario.toml", "[model]\n", '[model]\nsolver = "gurobi"\n'),
         "scenario.toml", "solver", "line 2", "must be one of"),
    Case("fractional max_new_sites", sub("scenario.toml", "[model]\n",
                                         "[model]\nmax_new_sites = 1.5\n"),
         "scenario.toml", "max_new_sites", "line 2", "whole number"),
    Case("binary scenario.toml", put("scenario.toml", GARBAGE), "scenario.toml", None, None,
         "binary"),
]
IDS = [c.id for c in CASES]


def malformed(case: Case, parent: Path) -> Path:
    folder = write_base(parent / "scenario")
    case.mutate(folder)
    return folder


def matches(problem: o2opt.Problem, case: Case, folder: Path) -> bool:
    """Whether ``problem`` is the one ``case`` expects."""
    if problem.source != case.source.format(folder=folder) or problem.column != case.column:
        return False
    if case.row is None:
        row_ok = problem.row is None
    else:
        row_ok = problem.row is not None and case.row in problem.row
    return row_ok and case.message in problem.message


def test_the_base_folder_is_valid(tmp_path):
    net = o2opt.read_network(write_base(tmp_path / "base"))
    assert repr(net) == "Network(3 hospitals, 1 producers, 2 stations, 1 candidates, 2 routes, " \
                        "2 days)"


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_read_network_names_file_column_and_row(case, tmp_path):
    folder = malformed(case, tmp_path)
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    problems = info.value.problems
    assert isinstance(info.value, ValueError)
    assert any(matches(p, case, folder) for p in problems), "\n".join(map(str, problems))
    assert str(problems[0]) in str(info.value)


def test_the_message_format(tmp_path):
    folder = malformed(CASES[IDS.index("negative demand")], tmp_path)
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    assert [str(p) for p in info.value.problems] == [
        "hospitals.csv, column demand_m3_day, line 3 (id H2): must be >= 0, got -5"]


@pytest.mark.parametrize("case", [c for c in CASES if c.id in {
    "missing hospitals.csv", "empty hospitals.csv", "binary garbage", "latin-1 bytes",
    "ragged row, extra field", "missing required column", "demand: fractional day",
    "non-numeric number"}], ids=lambda c: c.id)
def test_one_mistake_is_one_problem(case, tmp_path):
    """A broken file is not echoed by follow-up problems (references to its ids, ...)."""
    folder = malformed(case, tmp_path)
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    problems = info.value.problems
    expected = 4 if case.id == "empty hospitals.csv" else 1  # one per required column
    assert len(problems) == expected, "\n".join(map(str, problems))


def test_every_problem_is_reported_at_once(tmp_path):
    folder = write_base(tmp_path / "scenario")
    for mutate in (sub("hospitals.csv", "44.10,30", "44.10,-5"),
                   sub("routes.csv", "S1,H1,12", "S1,H1,-12"),
                   sub("scenario.toml", "horizon_days", "horizon_day"),
                   put("stations.csv", GARBAGE),
                   sub("demand.csv", "H2,0,", "H2,x,"),
                   sub("hospitals.csv", "33.30,44.40", "95,44.40")):
        mutate(folder)
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    found = {(p.source, p.column) for p in info.value.problems}
    assert found >= {("hospitals.csv", "demand_m3_day"), ("hospitals.csv", "lat"),
                     ("routes.csv", "distance_km"), ("scenario.toml", "horizon_day"),
                     ("stations.csv", None), ("demand.csv", "day")}
    assert str(info.value).startswith(f"{len(info.value.problems)} problems in the input:")


def test_many_bad_rows_are_summarised(tmp_path):
    folder = write_base(tmp_path / "scenario")
    rows = "".join(f"X{i},1,1,-1\n" for i in range(50))
    (folder / "hospitals.csv").write_text("id,lat,lon,demand_m3_day\n" + rows)
    (folder / "demand.csv").unlink()
    (folder / "routes.csv").unlink()
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    problems = info.value.problems
    assert len(problems) == 21
    assert problems[-1].message == "... and 30 more rows like these"


def test_lines_are_counted_across_blank_lines_and_quoted_line_breaks(tmp_path):
    folder = write_base(tmp_path / "scenario")
    (folder / "hospitals.csv").write_text(
        "id,name,lat,lon,demand_m3_day\n"
        "\n"
        'H1,"two\nlines",33.3,44.4,50\n'
        ",,,,\n"
        "H2,Beta,33.5,44.1,-5\n"
        "H3,Gamma,32,45,20\n")
    with pytest.raises(InputError) as info:
        o2opt.read_network(folder)
    assert [str(p) for p in info.value.problems] == [
        "hospitals.csv, column demand_m3_day, line 6 (id H2): must be >= 0, got -5"]


def test_model_override_is_checked(tmp_path):
    folder = write_base(tmp_path / "scenario")
    with pytest.raises(InputError, match="cylinder_m3: must be > 0"):
        o2opt.read_network(folder, model={"cylinder_m3": -1})
    assert o2opt.read_network(folder, model={"horizon_days": 5}).scenario.horizon_days == 5


# --------------------------------------------------------------------------- what is fine
def test_blank_optional_values_take_their_defaults(tmp_path):
    net = o2opt.read_network(write_base(tmp_path / "scenario"))
    h = net.hospitals.set_index("id")
    assert h.loc["H2", "onsite_m3_day"] == 0.0 and h.loc["H3", "priority"] == 1.0
    assert h.loc["H1", "region"] == "" and h["demand_m3_day"].dtype == np.float64
    assert math.isinf(net.candidates.loc[0, "fill_capacity_cyl_day"])
    assert net.candidates.loc[0, "cost_per_m3"] == 0.0 and net.candidates.loc[0, "kind"] == ""
    routes = net.routes.set_index(["origin", "destination"])
    assert math.isnan(routes.loc[("S1", "H1"), "cost_per_unit"])
    assert math.isnan(routes.loc[("P1", "S1"), "distance_km"])
    assert net.demand["day"].dtype == np.int64


def test_unlimited_fill_capacity_may_be_spelt_out(tmp_path):
    folder = write_base(tmp_path / "scenario")
    sub("candidates.csv", "300,\n", "300,inf\nC2,32.6,44.7,100,50,unlimited\n")(folder)
    assert np.isinf(o2opt.read_network(folder).candidates["fill_capacity_cyl_day"]).all()


@pytest.mark.parametrize("content", ["empty", "header", "blank lines"])
def test_empty_or_header_only_optional_tables_have_no_rows(tmp_path, content):
    folder = write_base(tmp_path / "scenario")
    (folder / "routes.csv").unlink()
    for name in ("producers.csv", "demand.csv"):
        header = BASE[name].splitlines()[0] + "\n"
        text = {"empty": "", "header": header, "blank lines": "\n \n"}[content]
        (folder / name).write_text(text)
    net = o2opt.read_network(folder)
    assert len(net.producers) == 0 and len(net.demand) == 0
    assert list(net.producers.columns[:4]) == ["id", "lat", "lon", "capacity_m3_day"]
    assert list(net.demand.columns) == ["hospital", "day", "demand_m3"]


def test_absent_optional_tables_and_scenario_take_defaults(tmp_path):
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "hospitals.csv").write_text(BASE["hospitals.csv"])
    net = o2opt.read_network(folder)
    assert net.scenario == o2opt.Scenario()
    assert [len(t) for t in net.tables().values()] == [3, 0, 0, 0, 0, 0, 0, 0]


def test_unknown_columns_are_kept_and_ignored(tmp_path):
    folder = write_base(tmp_path / "scenario")
    sub("hospitals.csv", "priority\n", "priority,beds, note \n")(folder)
    for line in ("50,0,1", "30,,2", "20,5,"):
        sub("hospitals.csv", line + "\n", line + ",120, a b \n")(folder)
    net = o2opt.read_network(folder)
    assert list(net.hospitals.columns[-2:]) == ["beds", "note"]
    assert net.hospitals["beds"].tolist() == ["120"] * 3
    assert net.hospitals["note"].tolist() == ["a b"] * 3


def test_ids_stay_strings(tmp_path):
    folder = write_base(tmp_path / "scenario")
    sub("hospitals.csv", "H1,", "007,")(folder)
    sub("routes.csv", "S1,H1", "S1,007")(folder)
    sub("demand.csv", "H1,0", "007,0")(folder)
    sub("demand.csv", "H1,1", "007,1")(folder)
    sub("stations.csv", "S1,", "1e3,")(folder)
    sub("routes.csv", "S1,007", "1e3,007")(folder)
    sub("routes.csv", "P1,S1", "P1,1e3")(folder)
    net = o2opt.read_network(folder)
    assert net.hospitals["id"].tolist() == ["007", "H2", "H3"]
    assert net.stations["id"].tolist() == ["1e3", "S2"]
    assert net.demand["hospital"].tolist() == ["007", "007", "H2"]
    assert net.routes["origin"].tolist() == ["1e3", "P1"]


def test_bom_crlf_spaces_and_trailing_commas_are_fine(tmp_path):
    folder = write_base(tmp_path / "scenario")
    text = ("\ufeffid , lat,lon , demand_m3_day\r\n H1 , 33.3 ,44.4, 50 ,,\r\n"
            "H2,33.5,44.1,30\r\n,,,\r\nH3,32,45,20\r\n")
    (folder / "hospitals.csv").write_text(text, encoding="utf-8", newline="")
    net = o2opt.read_network(folder)
    assert net.hospitals["id"].tolist() == ["H1", "H2", "H3"]
    assert net.hospitals["demand_m3_day"].tolist() == [50.0, 30.0, 20.0]


@pytest.fixture()
def o2opt_logger() -> Iterator[logging.Logger]:
    """The "o2opt" logger as on import, restored afterwards (``o2opt.cli.main`` reconfigures
    it for good)."""
    logger = logging.getLogger("o2opt")
    saved = logger.handlers[:], logger.propagate, logger.level
    logger.handlers[:] = [logging.NullHandler()]
    logger.propagate = True
    logger.setLevel(logging.NOTSET)
    yield logger
    logger.handlers[:], logger.propagate = saved[:2]
    logger.setLevel(saved[2])


def test_demand_beyond_the_horizon_is_ignored_with_a_warning(tmp_path, caplog, o2opt_logger):
    folder = write_base(tmp_path / "scenario")
    sub("demand.csv", "H2,0,30\n", "H2,0,30\nH2,2,30\n")(folder)
    net = o2opt.read_network(folder)
    assert "have a day >= horizon_days (2)" in caplog.text
    assert net.net_demand_m3().tolist() == [[50.0, 55.0], [30.0, 0.0], [0.0, 0.0]]


# --------------------------------------------------------------------------- fuzzing
def _fuzz_folder(file: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_base(Path(tmp) / "scenario")
        (folder / file).write_bytes(data)
        try:
            o2opt.read_network(folder)
        except InputError as e:
            assert e.problems and all(p.source for p in e.problems)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_are_an_input_error_or_a_network(data):
    _fuzz_folder("hospitals.csv", data)


CSV_ALPHABET = st.sampled_from(list("HPS12-.,;\"\n\r eE+inaf") + ["H1", "H2", "S1", "inf",
                                                                   "nan", "\t", "é", "-5"])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(["hospitals.csv", "demand.csv", "routes.csv", "candidates.csv"]),
       st.lists(CSV_ALPHABET, max_size=80).map("".join))
def test_random_csv_is_an_input_error_or_a_network(file, body):
    header = BASE[file].splitlines()[0]
    _fuzz_folder(file, f"{header}\n{body}".encode())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(["horizon_days", "cylinder_m3", "budget", "solver",
                                        "allow_unmet", "max_new_sites", "horizon"]),
                       st.one_of(st.integers(-3, 10**20), st.floats(), st.booleans(),
                                 st.text(max_size=5), st.lists(st.integers(), max_size=2))))
def test_random_model_values_are_an_input_error_or_a_network(model):
    import tomli_w

    _fuzz_folder("scenario.toml", tomli_w.dumps({"model": model}).encode())


# --------------------------------------------------------------------------- the command line
#: One case of each kind is also run as ``python -m o2opt`` in a subprocess; all cases run
#: through :func:`o2opt.cli.main` in-process (same code, without the start-up time).
SUBPROCESS = ["missing hospitals.csv", "folder does not exist", "binary garbage",
              "latin-1 bytes", "ragged row, extra field", "missing required column",
              "non-numeric number", "negative demand", "demand: unknown hospital",
              "routes: hospital -> station", "invalid TOML", "unknown key"]


def check_cli_output(case: Case, folder: Path, out: Path, code: int, stdout: str,
                     stderr: str) -> None:
    assert code == 2, stderr
    assert "Traceback" not in stderr
    assert case.source.format(folder=folder) in stderr
    if case.column:
        label = "key" if case.source.endswith(".toml") else "column"
        assert f"{label} {case.column}" in stderr
    if case.row:
        assert case.row in stderr
    assert not out.exists() and not out.parent.exists()
    assert stdout == ""


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory) -> dict[str, tuple[Path, Path, subprocess.CompletedProcess]]:
    """Run ``python -m o2opt solve FOLDER --out OUT`` on the :data:`SUBPROCESS` cases, in
    parallel."""
    root = tmp_path_factory.mktemp("cli")

    def run(case: Case) -> tuple[str, tuple[Path, Path, subprocess.CompletedProcess]]:
        parent = root / str(IDS.index(case.id))
        folder = malformed(case, parent)
        out = parent / "nested" / "out"
        proc = subprocess.run([sys.executable, "-m", "o2opt", "solve", str(folder), "--out",
                               str(out)], capture_output=True, text=True, timeout=120)
        return case.id, (folder, out, proc)

    cases = [c for c in CASES if c.id in SUBPROCESS]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        return dict(pool.map(run, cases))


def test_subprocess_cases_exist():
    assert set(SUBPROCESS) <= set(IDS) and len(SUBPROCESS) >= 12


@pytest.mark.parametrize("case", [c for c in CASES if c.id in SUBPROCESS],
                         ids=lambda c: c.id)
def test_cli_subprocess_exits_2_names_file_and_column_and_writes_nothing(case, cli_runs):
    folder, out, proc = cli_runs[case.id]
    check_cli_output(case, folder, out, proc.returncode, proc.stdout, proc.stderr)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_exits_2_names_file_and_column_and_writes_nothing(case, tmp_path, capsys,
                                                              o2opt_logger):
    folder = malformed(case, tmp_path)
    out = tmp_path / "nested" / "out"
    code = main(["solve", str(folder), "--out", str(out)])
    captured = capsys.readouterr()
    check_cli_output(case, folder, out, code, captured.out, captured.err)


def test_cli_validate_lists_every_problem(tmp_path, capsys, o2opt_logger):
    folder = malformed(CASES[IDS.index("negative demand")], tmp_path)
    sub("scenario.toml", "6.8", "0")(folder)
    assert main(["validate", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "2 problems in the input" in err
    assert "hospitals.csv, column demand_m3_day, line 3 (id H2): must be >= 0, got -5" in err
    assert "scenario.toml, key cylinder_m3, line 3: must be > 0, got 0" in err


def test_a_file_instead_of_a_folder(tmp_path):
    folder = write_base(tmp_path / "scenario")
    with pytest.raises(InputError, match="hospitals.csv: scenario folder is not a folder"):
        o2opt.read_network(folder / "hospitals.csv")
