"""The docs are the contract: docs/input.md and docs/model.md state what the code does.

Each test parses the Markdown pages themselves (their tables and lists, not the generator
that wrote part of them) and compares them with what the code declares or writes:

- every input table, column and ``[model]`` key of :mod:`o2opt.schema` is listed in
  ``docs/input.md`` with the same default, and nothing is listed there that the code does
  not read;
- every result file :meth:`o2opt.Solution.to_folder` writes, and each of its columns, is
  listed in the "Result files" table of ``docs/model.md`` and explained below it;
- every ``summary.json`` key is documented in ``docs/model.md``, and every documented key
  is written in the case the page names;
- the exit statuses the page lists are the ones the command gives, with the files it says;
- every column and key is mentioned in ``docs/model.md``;
- no file of the repository refers to the project's former contract file outside the
  repository, or to a sibling folder a fresh clone does not have.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import o2opt
from o2opt import cli, schema

REPO = Path(__file__).resolve().parents[1]
INPUT_MD = REPO / "docs" / "input.md"
MODEL_MD = REPO / "docs" / "model.md"
# Built from parts so that this file does not itself hold the strings it looks for.
FORBIDDEN = ("MODEL" + ".md", ".." + "/shared")


# --------------------------------------------------------------------------- Markdown
def section(text: str, heading: str) -> str:
    """The body of the section whose heading (any level) is ``heading``, up to the next
    heading of the same or a higher level."""
    match = re.search(rf"^(#+) {re.escape(heading)}[ \t]*\n", text, re.M)
    assert match, f"no section {heading!r}"
    level = len(match.group(1))
    rest = text[match.end():]
    end = re.search(rf"^#{{1,{level}}} ", rest, re.M)
    return rest[:end.start()] if end else rest


def tables(text: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every pipe table in ``text`` as (header, rows) of stripped cell texts."""
    out: list[tuple[list[str], list[list[str]]]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        if (lines[i].startswith("|") and i + 1 < len(lines)
                and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[i + 1].strip())):
            header = _cells(lines[i])
            rows = []
            i += 2
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(_cells(lines[i]))
                i += 1
            out.append((header, rows))
        else:
            i += 1
    return out


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def table(text: str, first_column: str) -> list[dict[str, str]]:
    """The one table of ``text`` whose first header cell is ``first_column``, as dicts."""
    found = [(h, rows) for h, rows in tables(text) if h and h[0] == first_column]
    assert len(found) == 1, f"expected one table headed {first_column!r}, found {len(found)}"
    header, rows = found[0]
    for row in rows:
        assert len(row) == len(header), f"malformed table row {row}"
    return [dict(zip(header, row, strict=True)) for row in rows]


def code_spans(text: str) -> list[str]:
    return re.findall(r"`([^`\n]+)`", text)


def identifiers(text: str) -> set[str]:
    """Every identifier-like word inside a code span, or a formula's ``\\text{...}``, of
    ``text``."""
    spans = code_spans(text) + [s.replace("\\_", "_")
                                for s in re.findall(r"\\text\{([^}]*)\}", text)]
    return {w for span in spans for w in re.findall(r"[A-Za-z_][A-Za-z0-9_]*", span)}


def parse_default(cell: str) -> Any:
    """The value a default cell of docs/input.md states."""
    words = {"required": schema.REQUIRED, "empty": "", "none": None, "true": True,
             "false": False, "nan": math.nan, "inf": math.inf}
    if cell.lower() in ("true", "false"):
        return cell.lower() == "true"
    if cell in words:
        return words[cell]
    try:
        return int(cell)
    except ValueError:
        pass
    try:
        return float(cell)
    except ValueError:
        return cell  # a string default (e.g. "cost", "highs")


def same_default(doc: Any, code: Any) -> bool:
    if doc is schema.REQUIRED or code is schema.REQUIRED:
        return doc is code
    if isinstance(code, bool) or isinstance(doc, bool):
        return type(doc) is type(code) and doc == code
    if isinstance(code, (int, float)) and isinstance(doc, (int, float)):
        return (math.isnan(code) and math.isnan(doc)) or doc == code
    return doc == code


# --------------------------------------------------------------------------- the parsers
def test_parsers_see_what_is_there():
    """The helpers find tables and sections, so that the tests below can fail."""
    text = "# A\n\n## B\n\n| k | v |\n|---|---|\n| x | 1 |\n| y | none |\n\n## C\n\ntail `a_b`\n"
    assert section(text, "B").strip().startswith("| k | v |")
    assert "tail" not in section(text, "B") and "tail" in section(text, "A")
    assert table(section(text, "B"), "k") == [{"k": "x", "v": "1"}, {"k": "y", "v": "none"}]
    assert parse_default("none") is None and parse_default("1.0") == 1.0
    assert same_default(math.nan, math.nan) and not same_default(0.0, math.inf)
    assert not same_default(1, True) and same_default(schema.REQUIRED, schema.REQUIRED)
    assert identifiers(section(text, "C")) == {"a_b"}
    with pytest.raises(AssertionError):
        table(text, "missing")


# --------------------------------------------------------------------------- input.md
INPUT = INPUT_MD.read_text(encoding="utf-8")


def documented_tables() -> dict[str, list[dict[str, str]]]:
    """Each ``### `X.csv``` section of docs/input.md: its column table."""
    names = re.findall(r"^### `(\w+)\.csv`\s*$", INPUT, re.M)
    return {name: table(section(INPUT, f"`{name}.csv`"), "column") for name in names}


def test_input_md_lists_exactly_the_tables_of_the_schema():
    assert set(documented_tables()) == set(schema.TABLES)


@pytest.mark.parametrize("name", sorted(schema.TABLES))
def test_input_md_lists_every_column_with_its_default(name):
    rows = documented_tables()[name]
    documented = {row["column"]: row for row in rows}
    declared = {c.name: c for c in schema.TABLES[name].columns}
    assert len(documented) == len(rows), f"{name}.csv: a column is listed twice in input.md"
    assert set(declared) - set(documented) == set(), f"{name}.csv: undocumented columns"
    assert set(documented) - set(declared) == set(), f"{name}.csv: documented, not read"
    for column, row in documented.items():
        c = declared[column]
        assert row["dtype"] == c.dtype, f"{name}.{column}: dtype"
        assert same_default(parse_default(row["default"]), c.default), \
            f"{name}.{column}: docs say default {row['default']!r}, the code has {c.default!r}"


def test_input_md_lists_every_model_key_with_its_default():
    rows = table(section(INPUT, "`scenario.toml`, table `[model]`"), "key")
    documented = {row["key"]: row for row in rows}
    assert len(documented) == len(rows), "a [model] key is listed twice in input.md"
    assert set(documented) == set(schema.MODEL_KEYS)
    for key, row in documented.items():
        k = schema.MODEL_KEYS[key]
        assert row["type"] == k.kind, f"[model] {key}: type"
        assert same_default(parse_default(row["default"]), k.default), \
            f"[model] {key}: docs say default {row['default']!r}, the code has {k.default!r}"


def test_input_md_folder_listing_names_every_table():
    block = re.search(r"^```text\nmy-scenario/\n(.*?)^```", INPUT, re.M | re.S)
    assert block, "input.md has no folder listing"
    listed = dict(re.findall(r"^\s+(\S+)\s+(required|optional)", block.group(1), re.M))
    assert set(listed) == {t.file for t in schema.TABLES.values()} | {"scenario.toml"}
    assert {f for f, how in listed.items() if how == "required"} == {"hospitals.csv"}


def test_input_md_geopackage_layers_are_the_tables():
    text = section(INPUT, "GeoPackage")
    layers = re.search(r"layers have the table names \(([^)]*)\)", text.replace("\n", " "))
    assert layers, "input.md does not list the GeoPackage layers"
    assert set(code_spans(layers.group(1))) == set(schema.TABLES)


# --------------------------------------------------------------------------- model.md
MODEL = MODEL_MD.read_text(encoding="utf-8")


def test_model_md_mentions_every_column_and_key():
    """Every figure o2opt reads is given a meaning in docs/model.md (display-only text
    columns excepted)."""
    words = identifiers(MODEL)
    display = {"name", "kind"}
    missing = sorted({c.name for t in schema.TABLES.values() for c in t.columns} - display
                     - words) + sorted(set(schema.MODEL_KEYS) - words)
    assert missing == [], f"not mentioned in docs/model.md: {missing}"


def test_model_md_data_table_names_real_columns_and_keys():
    rows = table(section(MODEL, "Data"), "symbol")
    known = {c.name for t in schema.TABLES.values() for c in t.columns} | set(schema.MODEL_KEYS)
    for row in rows:
        names = set(code_spans(row["column or key"]))
        assert names and names <= known, f"model.md Data row {row} names unknown columns"
        if row["table"] == "`[model]`":
            assert names <= set(schema.MODEL_KEYS), row


def test_model_md_is_the_authority():
    intro = MODEL[:MODEL.index("## Purpose")]
    assert "authority" in intro and "test_docs_contract" in intro


# --------------------------------------------------------------------------- results
def result_files() -> dict[str, tuple[str, list[str], list[str]]]:
    """The Result files table: file -> (when written, base columns, optional columns)."""
    out = {}
    for row in table(section(MODEL, "Result files"), "file"):
        (name,) = code_spans(row["file"])
        spans = code_spans(row["columns"])
        base = [c.strip() for c in spans[0].split(",")] if spans else []
        out[name] = (row["written"], base, [s.strip() for s in spans[1:]])
    return out


def column_notes() -> dict[str, str]:
    """The bullet that explains each CSV file's columns, by file name."""
    text = section(MODEL, "Result files")
    return dict(re.findall(r"^- `(\w+\.csv)`:(.*?)(?=^- |^\S|\Z)", text, re.M | re.S))


def small_network(**model: Any) -> o2opt.Network:
    """One producer, one station, one candidate, two hospitals: every base result file has
    rows, and the keyword arguments switch extensions on."""
    hospitals = pd.DataFrame({"id": ["H1", "H2"], "lat": [33.0, 33.2], "lon": [44.0, 44.1],
                              "demand_m3_day": [68.0, 300.0]})
    producers = pd.DataFrame({"id": ["P1"], "lat": [33.5], "lon": [44.0],
                              "capacity_m3_day": [100.0]})
    stations = pd.DataFrame({"id": ["S1"], "lat": [33.1], "lon": [44.0],
                             "fill_capacity_cyl_day": [50.0]})
    candidates = pd.DataFrame({"id": ["C1"], "lat": [33.2], "lon": [44.2],
                               "capacity_m3_day": [500.0], "fixed_cost": [10.0]})
    extra_h = model.pop("hospitals_extra", {})
    extra_p = model.pop("producers_extra", {})
    return o2opt.from_frames(hospitals.assign(**extra_h), producers=producers.assign(**extra_p),
                             stations=stations, candidates=candidates, model=model)


# Cases whose written files and keys, together, are every one the docs list.
CASES = {
    "base": {},
    "storage": {"hospitals_extra": {"stock_capacity_m3": [50.0, 0.0]}, "horizon_days": 2},
    "tankers": {"hospitals_extra": {"lox_tank_m3": [0.0, 400.0]},
                "producers_extra": {"tankers": [2.0], "tanker_capacity_m3": [200.0]}},
    "lexicographic": {"objective": "lexicographic"},
    "integer": {"integer_cylinders": True},
    "infeasible": {"allow_unmet": False, "max_new_sites": 0},
    "short": {"max_new_sites": 0},  # unmet demand: shortfalls.csv
    "investment": {"currency": "USD"},
}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> dict[str, Path]:
    """Each case of :data:`CASES` written by ``o2opt solve`` (the command, in-process), so
    that ``summary.json`` also has the keys only the command writes."""
    folders = {}
    for name, model in CASES.items():
        root = tmp_path_factory.mktemp(name)
        small_network(**model).to_folder(root / "scenario")
        code = cli.main(["solve", str(root / "scenario"), "--out", str(root / "out"), "-q"])
        assert code == (1 if name == "infeasible" else 0), name
        folders[name] = root / "out"
    return folders


def test_every_result_file_and_column_is_documented(written):
    files = result_files()
    notes = column_notes()
    seen: set[str] = set()
    for case, folder in written.items():
        for path in folder.iterdir():
            seen.add(path.name)
            assert path.name in files, f"{case}: {path.name} is written but not documented"
            if path.suffix != ".csv":
                continue
            _, base, optional = files[path.name]
            header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
            # the base columns in order; the optional ones may stand between them (sites.csv's
            # kind follows candidate)
            assert [c for c in header if c not in optional] == base, \
                f"{case}: {path.name} columns {header}"
            assert set(header) - set(base) <= set(optional), \
                f"{case}: {path.name} has undocumented columns {set(header) - set(base)}"
            explained = identifiers(notes.get(path.name, ""))
            assert set(header) <= explained, \
                f"{path.name}: columns {set(header) - explained} are not explained in model.md"
    documented_csv = {f for f in files if f.endswith(".csv")} | {"summary.json"}
    assert documented_csv <= seen, f"documented but never written: {documented_csv - seen}"


def test_optional_result_columns_are_written_in_their_case(written):
    header = (written["storage"] / "service.csv").read_text("utf-8").splitlines()[0].split(",")
    _, base, optional = result_files()["service.csv"]
    assert header[:len(base)] == base
    assert header[len(base):] == [c for c in optional if c in header]  # in documented order
    assert {"stock_m3", "safety_shortfall_m3"} <= set(header)


def test_files_written_without_a_plan_are_the_documented_ones(written):
    always = {f for f, (when, _, _) in result_files().items() if when == "always"}
    assert {p.name for p in written["infeasible"].iterdir()} == always == {"summary.json"}


def summary_keys() -> dict[str, dict[str, str]]:
    return {code_spans(row["key"])[0]: row
            for row in table(section(MODEL, "summary.json"), "key")}


def test_every_summary_key_is_documented_and_written(written):
    documented = summary_keys()
    summaries = {case: json.loads((folder / "summary.json").read_text("utf-8"))
                 for case, folder in written.items()}
    for case, summary in summaries.items():
        assert isinstance(summary, dict)
        undocumented = set(summary) - set(documented)
        assert not undocumented, f"{case}: summary.json keys not in model.md: {undocumented}"
        always = {k for k, row in documented.items() if row["when"] == "always"}
        assert always <= set(summary), f"{case}: missing keys {always - set(summary)}"
    ever = set().union(*(set(s) for s in summaries.values()))
    assert set(documented) <= ever, f"documented, never written: {set(documented) - ever}"
    base = summaries["base"]
    assert set(code_spans(documented["cost"]["meaning"])) - {"null"} == set(base["cost"]) \
        == set(o2opt.solution.COST_PARTS)
    assert set(code_spans(documented["seconds"]["meaning"])) == set(base["seconds"])
    statuses = set(code_spans(documented["status"]["meaning"]))
    assert {"optimal", "feasible", "infeasible", "no_solution"} <= statuses


def test_exit_statuses_are_the_documented_ones(written, tmp_path):
    rows = {row["status"]: row for row in table(section(MODEL, "Exit status"), "status")}
    assert set(rows) == {"0", "1", "2", "130"}
    assert "complete" in rows["0"]["what is written"]
    assert "summary.json" in rows["1"]["what is written"]
    assert rows["2"]["what is written"] == "nothing"
    # 0: every file of a plan; 1: summary.json only (checked above); 2: nothing at all
    files = result_files()
    with_plan = {f for f, (when, _, _) in files.items() if when in ("always", "with a plan")}
    assert {p.name for p in written["base"].iterdir()} == with_plan
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "hospitals.csv").write_text("id,lat,lon,demand_m3_day\nH1,95,44,-1\n", "utf-8")
    assert cli.main(["solve", str(bad), "--out", str(tmp_path / "out"), "-q"]) == 2
    assert not (tmp_path / "out").exists()
    assert cli.main(["validate", str(written["base"].parent / "scenario"), "-q"]) == 0


# --------------------------------------------------------------------------- the repository
def repository_files() -> list[Path]:
    """The repository's files: those git tracks or would track, else every file outside
    hidden and cache folders."""
    try:
        out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard"], cwd=REPO, capture_output=True,
                             check=True, timeout=60).stdout
        files = [REPO / name for name in out.decode("utf-8").split("\0") if name]
    except (OSError, subprocess.SubprocessError):
        files = [p for p in REPO.rglob("*")
                 if not any(part.startswith(".") or part == "__pycache__"
                            for part in p.relative_to(REPO).parts)]
    return [p for p in files if p.is_file()]


def test_repository_stands_alone():
    files = repository_files()
    assert any(p.name == "model.md" for p in files)
    offenders = sorted(f"{p.relative_to(REPO)}: {word}" for p in files
                       for word in FORBIDDEN if word.encode() in p.read_bytes())
    assert offenders == [], "the docs in docs/ are the contract; a fresh clone has no " \
        f"sibling folders: {offenders}"
