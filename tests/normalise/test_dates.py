"""Date parsing: never guess, statuses, Excel serials, date-times."""
from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.normalise import parse_date, parse_datetime
from chronolink.engine.normalise.dates import format_regex
from tests.normalise.helpers import run

UK = ["%d/%m/%Y"]
MAX = date(2025, 6, 30)


def pd(values, formats=UK, **kw):
    return [(r["date"], r["status"]) for r in run(lambda e: parse_date(e, formats, **kw), values)]


@pytest.mark.parametrize(
    "raw,formats,kw,expected",
    [
        ("03/04/2015", UK, {}, (date(2015, 4, 3), "ok")),
        ("3/4/2015", UK, {}, (date(2015, 4, 3), "ok")),
        (" 03/04/2015 ", UK, {}, (date(2015, 4, 3), "ok")),
        ("03/04/15", UK, {}, (None, "invalid")),  # never year 15
        ("31/02/2020", UK, {}, (None, "invalid")),
        ("29/02/2019", UK, {}, (None, "invalid")),
        ("29/02/2020", UK, {}, (date(2020, 2, 29), "ok")),
        ("13/13/2020", UK, {}, (None, "invalid")),
        ("hello", UK, {}, (None, "invalid")),
        ("03/04/20155", UK, {}, (None, "invalid")),
        ("", UK, {}, (None, "missing")),
        ("   ", UK, {}, (None, "missing")),
        (None, UK, {}, (None, "missing")),
        ("N/K", UK, {}, (None, "missing")),
        ("03/04/1850", UK, {}, (date(1850, 4, 3), "implausible")),
        ("03/04/2030", UK, {"max_date": MAX}, (date(2030, 4, 3), "implausible")),
        ("03/04/1950", UK, {"min_year": 1960}, (date(1950, 4, 3), "implausible")),
        ("03-Mar-2012", ["%d-%b-%Y"], {}, (date(2012, 3, 3), "ok")),
        ("03-MAR-2012", ["%d-%b-%Y"], {}, (date(2012, 3, 3), "ok")),
        ("03-Mar-12", ["%d-%b-%Y"], {}, (None, "invalid")),
        ("2021-05-03", ["%Y-%m-%d"], {}, (date(2021, 5, 3), "ok")),
        # ISO dates and calamine's date cells read as text are always accepted
        ("2024-03-01 00:00:00", UK, {}, (date(2024, 3, 1), "ok")),
        ("2024-03-01T00:00:00", UK, {}, (date(2024, 3, 1), "ok")),
        ("2024-03-01", UK, {}, (date(2024, 3, 1), "ok")),
        # Excel serials (1900 system) only when asked
        ("44927", UK, {"excel_serial": True}, (date(2023, 1, 1), "ok")),
        ("44927.0", UK, {"excel_serial": True}, (date(2023, 1, 1), "ok")),
        ("44927.75", UK, {"excel_serial": True}, (date(2023, 1, 1), "ok")),
        ("61", UK, {"excel_serial": True}, (date(1900, 3, 1), "ok")),
        ("59", UK, {"excel_serial": True}, (date(1900, 2, 28), "ok")),
        ("60", UK, {"excel_serial": True}, (None, "invalid")),  # Excel's fictitious 1900-02-29
        ("44927", UK, {}, (None, "invalid")),
        # first matching format wins, in order
        ("03/04/2015", ["%m/%d/%Y", "%d/%m/%Y"], {}, (date(2015, 3, 4), "ok")),
        ("13/04/2015", ["%m/%d/%Y", "%d/%m/%Y"], {}, (date(2015, 4, 13), "ok")),
    ],
)
def test_parse_date_cases(raw, formats, kw, expected) -> None:
    assert pd([raw], formats, **kw) == [expected]


def test_two_digit_year_formats_resolve_only_when_unambiguous() -> None:
    fmt = ["%d/%m/%y"]
    out = pd(["03/04/85", "03/04/15", "29/02/00"], fmt, max_date=MAX)
    assert out[0] == (date(1985, 4, 3), "ok")  # 2085 is after max_date
    assert out[1][1] == "implausible"  # 1915 and 2015 both fit
    assert out[2] == (date(2000, 2, 29), "ok")  # 1900 was not a leap year


two_digit_year = st.builds(
    lambda d, m, y, sep: f"{d}{sep}{m}{sep}{y:02d}",
    st.integers(1, 31).map(lambda d: f"{d:02d}"),
    st.integers(1, 12).map(lambda m: f"{m:02d}"),
    st.integers(0, 99),
    st.sampled_from(["/", "-", "."]),
)


@settings(max_examples=40, deadline=None)
@given(st.lists(two_digit_year, min_size=1, max_size=50), st.booleans())
def test_two_digit_year_never_gives_a_date_for_four_digit_formats(values, excel) -> None:
    formats = ["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%b-%Y"]
    for d, status in pd(values, formats, excel_serial=excel):
        assert d is None and status == "invalid"


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(min_value=date(1900, 1, 1), max_value=date(2099, 12, 31)), min_size=1, max_size=50))
def test_round_trip_uk_dates(dates) -> None:
    text = [d.strftime("%d/%m/%Y") for d in dates]
    assert pd(text) == [(d, "ok") for d in dates]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.text(max_size=12), min_size=1, max_size=50))
def test_status_always_set_and_date_only_when_kept(values) -> None:
    for d, status in pd(values, UK, excel_serial=True, max_date=MAX):
        assert status in {"ok", "missing", "invalid", "implausible"}
        assert (d is not None) == (status in {"ok", "implausible"})


def test_unsupported_directive_fails_fast() -> None:
    with pytest.raises(ValueError):
        parse_date(pl.col("x"), ["%d/%m/%Y %Z"])
    assert format_regex("%d/%m/%Y") == r"^\d{1,2}/\d{1,2}/\d{4}$"


def test_parse_datetime() -> None:
    fmt = ["%d/%m/%Y %H:%M"]
    out = run(lambda e: parse_datetime(e, fmt), ["03/04/2021 13:45", "3/4/2021 9:05", "03/04/2021", "03/04/21 13:45",
                                                 "31/02/2021 10:00", "", "2024-03-01 00:00:00"])
    assert [(r["date"], r["time"], r["status"]) for r in out] == [
        (date(2021, 4, 3), "13:45", "ok"),
        (date(2021, 4, 3), "09:05", "ok"),
        (date(2021, 4, 3), None, "ok"),
        (None, None, "invalid"),
        (None, None, "invalid"),
        (None, None, "missing"),
        (date(2024, 3, 1), "00:00", "ok"),
    ]
