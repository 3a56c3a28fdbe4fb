"""Defects the fuzz suite (tests/test_fuzz.py) found, each pinned by a test that failed
before its fix."""

from __future__ import annotations

import pandas as pd
import pytest

import o2opt


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
