from datetime import date, timedelta

import holidays
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.rules.calendar import (
    add_months,
    bank_holidays,
    is_working_day,
    nth_working_day_after,
    working_days_between,
)


def test_england_and_wales_share_bank_holidays():
    years = range(2000, 2041)
    eng = holidays.country_holidays("GB", subdiv="ENG", years=years)
    wls = holidays.country_holidays("GB", subdiv="WLS", years=years)
    assert set(eng) == set(wls)
    hols = bank_holidays(2020, 2023)
    assert date(2022, 9, 19) in hols  # state funeral
    assert date(2023, 5, 8) in hols  # coronation
    assert date(2021, 12, 28) in hols  # Boxing Day (observed)
    assert date(2024, 3, 17) not in bank_holidays(2024, 2024)  # St Patrick's: NI only


@pytest.mark.parametrize(
    "n, expected",
    [(1, "2024-12-23"), (2, "2024-12-24"), (3, "2024-12-27"), (5, "2024-12-31"),
     (6, "2025-01-02"), (10, "2025-01-08"), (45, "2025-02-26")],
)
def test_nth_working_day_across_christmas(n, expected):
    assert nth_working_day_after(date(2024, 12, 20), n) == date.fromisoformat(expected)


def test_saturday_start_makes_monday_day_one():
    assert nth_working_day_after(date(2024, 6, 1), 1) == date(2024, 6, 3)
    assert nth_working_day_after(date(2024, 6, 1), 10) == date(2024, 6, 14)
    assert working_days_between(date(2024, 6, 1), date(2024, 6, 3)) == 1


def test_start_day_never_counts_and_easter():
    assert nth_working_day_after(date(2024, 3, 27), 1) == date(2024, 3, 28)
    assert nth_working_day_after(date(2024, 3, 28), 1) == date(2024, 4, 2)  # Good Fri, Easter Mon
    assert working_days_between(date(2024, 3, 28), date(2024, 3, 28)) == 0
    assert working_days_between(date(2024, 12, 20), date(2025, 1, 2)) == 6
    assert working_days_between(date(2025, 1, 2), date(2024, 12, 20)) == -6


def test_series_keep_order_and_nulls():
    s = pl.Series("s", [date(2024, 12, 20), None, date(2024, 3, 28), date(2024, 12, 20)])
    out = nth_working_day_after(s, 1)
    assert out.to_list() == [date(2024, 12, 23), None, date(2024, 4, 2), date(2024, 12, 23)]
    e = pl.Series("e", [date(2025, 1, 2), date(2025, 1, 2), None, date(2024, 12, 20)])
    assert working_days_between(s, e).to_list() == [6, None, None, 0]
    assert nth_working_day_after(pl.Series([None], dtype=pl.Date), 3).to_list() == [None]


def test_n_must_be_positive():
    with pytest.raises(ValueError):
        nth_working_day_after(date(2024, 1, 1), 0)


def test_calendar_months_clamp():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 2, 29), 24) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 3) == date(2024, 4, 30)
    df = pl.DataFrame({"d": [date(2024, 1, 31)]}).select(add_months("d", 1))
    assert df.item() == date(2024, 2, 29)


def _naive_nth(s: date, n: int) -> date:
    d = s
    while n:
        d += timedelta(days=1)
        n -= is_working_day(d)
    return d


@settings(max_examples=60, deadline=None)
@given(st.dates(date(2019, 1, 1), date(2027, 12, 31)), st.integers(1, 60))
def test_nth_working_day_matches_naive_walk(s, n):
    got = nth_working_day_after(s, n)
    assert got == _naive_nth(s, n)
    assert is_working_day(got)
    assert working_days_between(s, got) == n
    assert working_days_between(s, got - timedelta(days=1)) == n - 1
