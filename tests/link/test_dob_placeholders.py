"""Placeholder dates of birth are found by the days around them, so a real population's crowded dates are not."""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from chronolink.engine.link.engine import DuckDBEngine
from chronolink.engine.link.placeholders import dob_placeholders
from chronolink.engine.link.settings import PlaceholderSettings


def _found(per_day: dict[dt.date, int], cfg: PlaceholderSettings | None = None) -> list[str]:
    """The placeholder dates among people of `per_day[date]` distinct surnames born on each date."""
    rows = [(f"S{d.isoformat()}-{i}", d) for d, n in per_day.items() for i in range(n)]
    con = duckdb.connect()
    con.register("pm", pl.DataFrame(rows, schema={"surname": pl.String, "dob": pl.Date}, orient="row").with_columns(
        pl.lit("ok").alias("dob_status")))
    return dob_placeholders(DuckDBEngine(con), "pm", cfg)["value"].to_list()


def _days(start: dt.date, end: dt.date, n: int) -> dict[dt.date, int]:
    return {start + dt.timedelta(days=i): n for i in range((end - start).days + 1)}


def test_an_age_cut_off_does_not_make_its_first_days_placeholders():
    # children born from 20 December 2008 on (an extract of the under-18s): twelve of them a day. Their
    # year's other dates average 11 * 12 / 365 = 0.36, so a calendar year's chance made every one of those
    # twelve December dates a placeholder; the days after them say twelve a day is what chance gives.
    people = _days(dt.date(2008, 12, 20), dt.date(2009, 3, 31), 12)
    assert _found(people) == []
    # a placeholder among them still stands out: 1 January written for 150 children of unknown birthday
    people[dt.date(2009, 1, 1)] = 150
    assert _found(people) == ["2009-01-01"]


def test_a_date_of_no_placeholder_shape_needs_more_evidence():
    people = _days(dt.date(2010, 1, 1), dt.date(2010, 12, 31), 2)
    people[dt.date(2010, 7, 1)] = 25  # the 1st of a month (an estimated day): 12.5 times its neighbours
    people[dt.date(2010, 9, 14)] = 25  # a mid-month date: the same count is not enough
    assert _found(people) == ["2010-07-01"]
    people[dt.date(2010, 9, 14)] = 45  # 22.5 times its neighbours: beyond twice the ratio and holders
    assert _found(people) == ["2010-07-01", "2010-09-14"]
    assert _found(people, PlaceholderSettings(dob_other_shape=3.0)) == ["2010-07-01"]


def test_a_default_date_alone_in_its_years_is_found_and_says_why():
    people = {dt.date(1900, 1, 1): 12, dt.date(1985, 3, 15): 12, dt.date(2012, 6, 3): 3}
    con = duckdb.connect()
    rows = [(f"S{d}-{i}", d) for d, n in people.items() for i in range(n)]
    con.register("pm", pl.DataFrame(rows, schema={"surname": pl.String, "dob": pl.Date}, orient="row").with_columns(
        pl.lit("ok").alias("dob_status")))
    found = dob_placeholders(DuckDBEngine(con), "pm", PlaceholderSettings())
    # 1985-03-15 with twelve surnames and nobody near: not a placeholder's shape, so it needs twenty
    assert found["value"].to_list() == ["1900-01-01"]
    assert found["reason"][0] == "12 surnames (chance gives 0.0 from the 30 days either side)"
