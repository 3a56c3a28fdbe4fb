"""The documentation stays true to the code.

- The tables in ``docs/input.md`` between ``<!-- schema:start -->`` and
  ``<!-- schema:end -->`` are exactly ``o2opt.schema.markdown()``. Regenerate them with
  ``python tests/test_docs.py``.
- The worked example of ``docs/model.md`` solves to its hand-computed objective. The data
  and numbers below are the ones printed there, and the test checks that the page still
  prints them.
"""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pandas as pd
import pytest

import o2opt
from o2opt import schema

DOCS = Path(__file__).resolve().parents[1] / "docs"
INPUT_MD = DOCS / "input.md"
MODEL_MD = DOCS / "model.md"
START, END = "<!-- schema:start -->", "<!-- schema:end -->"
REGENERATE = "run `python tests/test_docs.py` to regenerate the tables in docs/input.md"


# --------------------------------------------------------------------------- input.md
def _schema_block(text: str) -> tuple[int, int]:
    """Start and end offsets of the text between the two markers."""
    assert text.count(START) == 1 and text.count(END) == 1, \
        f"docs/input.md must hold {START} and {END} once each"
    start = text.index(START) + len(START)
    end = text.index(END)
    assert start <= end, f"{START} must come before {END}"
    return start, end


def _expected_block() -> str:
    return "\n\n" + schema.markdown() + "\n"


def test_input_md_schema_block_matches_schema():
    text = INPUT_MD.read_text(encoding="utf-8")
    start, end = _schema_block(text)
    assert text[start:end] == _expected_block(), \
        f"docs/input.md is out of date with o2opt.schema: {REGENERATE}"


def regenerate() -> bool:
    """Rewrite the schema block of docs/input.md; True when it changed."""
    text = INPUT_MD.read_text(encoding="utf-8")
    start, end = _schema_block(text)
    new = text[:start] + _expected_block() + text[end:]
    if new != text:
        INPUT_MD.write_text(new, encoding="utf-8")
    return new != text


# --------------------------------------------------------------------------- model.md
# The worked example of docs/model.md, section "Worked example" (default [model] keys).
HOSPITALS_CSV = """\
id,lat,lon,demand_m3_day,onsite_m3_day,priority
H1,33.6,44.0,136,0,1
H2,33.8,44.0,112,10,2
"""
PRODUCERS_CSV = """\
id,lat,lon,capacity_m3_day,cost_per_m3
P1,33.0,44.0,204,0.5
"""
STATIONS_CSV = """\
id,lat,lon,fill_capacity_cyl_day,fill_cost_per_cyl
S1,33.5,44.0,100,2
"""
# Hand-computed in docs/model.md (rounded to 6 decimals there and here).
OBJECTIVE = 34234.855017
COST = {"unmet_penalty": 34000.0, "transport": 72.855017, "production": 102.0,
        "filling": 60.0, "fixed": 0.0}
CYLINDERS = {"H1": 15.0, "H2": 15.0}
UNMET_M3 = {"H1": 34.0, "H2": 0.0}
BULK_M3 = 204.0


def _frame(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype={"id": str})


def example_network() -> o2opt.Network:
    return o2opt.from_frames(_frame(HOSPITALS_CSV), producers=_frame(PRODUCERS_CSV),
                             stations=_frame(STATIONS_CSV))


def _worked_example(text: str) -> str:
    match = re.search(r"^## Worked example\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    assert match, "docs/model.md has no '## Worked example' section"
    return match.group(1)


def test_model_md_prints_the_tested_example():
    section = _worked_example(MODEL_MD.read_text(encoding="utf-8"))
    tables = dict(re.findall(r"^`(\w+)\.csv`:\n\n```csv\n(.*?)```", section, re.S | re.M))
    assert tables == {"hospitals": HOSPITALS_CSV, "producers": PRODUCERS_CSV,
                      "stations": STATIONS_CSV}, \
        "the example tables in docs/model.md differ from tests/test_docs.py"
    assert f"**{OBJECTIVE:.6f}**" in section, \
        f"docs/model.md does not state the objective {OBJECTIVE:.6f}"


@pytest.mark.parametrize(("solver", "backend"),
                         [("highs", "highspy"), ("highs", "pulp"), ("cbc", "pulp")])
def test_worked_example_solves_to_hand_computed_objective(solver, backend):
    sol = o2opt.optimize(example_network(), solver=solver, backend=backend)
    assert sol.status == "optimal", sol.message
    assert sol.objective == pytest.approx(OBJECTIVE, rel=1e-9)
    assert sol.cost == pytest.approx(COST, abs=1e-6)  # parts are printed to 6 decimals
    assert sol.model.num_col == 5 and sol.model.num_row == 5 and not sol.model.is_mip
    cylinders = sol.deliveries.set_index("hospital")["cylinders"].to_dict()
    assert cylinders == pytest.approx(CYLINDERS, abs=1e-6)
    unmet = sol.service.set_index("hospital")["unmet_m3"].to_dict()
    assert unmet == pytest.approx(UNMET_M3, abs=1e-6)
    assert sol.bulk["m3"].sum() == pytest.approx(BULK_M3, abs=1e-6)
    # the cost columns of the result tables add up to the objective
    total = (sol.deliveries["cost"].sum() + sol.bulk["cost"].sum()
             + sol.cost["unmet_penalty"] + sol.cost["fixed"])
    assert total == pytest.approx(OBJECTIVE, rel=1e-9)


def test_worked_example_without_unmet_demand_is_explained():
    sol = o2opt.optimize(example_network().with_model(allow_unmet=False))
    assert sol.status == "infeasible"
    assert "H1 day 0: 34.0 m3 short" in sol.message
    message = " ".join(sol.message.split())
    text = " ".join(MODEL_MD.read_text(encoding="utf-8").split())
    assert message in text, "docs/model.md quotes a different infeasibility message"


if __name__ == "__main__":
    changed = regenerate()
    print(f"{INPUT_MD}: {'schema tables regenerated' if changed else 'already up to date'}")
    sys.exit(0)
