"""Working days (England and Wales) and calendar-month arithmetic.

A working day is Monday to Friday, not an England and Wales bank holiday
(`holidays`, GB subdivision ``ENG``; England and Wales share their bank
holidays, checked equal to ``WLS`` for 1950-2060, substitute days included).

Vectorised through a *working-day index*: for a span of dates, ``ordinal`` is
the number of working days from the span's start up to and including each
date. Then

* ``working_days_between(s, e)`` = ordinal(e) - ordinal(s): the working days
  in (s, e] (negative when e < s);
* ``nth_working_day_after(s, n)`` = the working day whose ordinal is
  ordinal(s) + n. s itself never counts: a Saturday start makes Monday day 1.

Both take a ``datetime.date`` (returning a scalar) or a polars Series (returning
a Series of the same length and order; nulls stay null), and resolve a whole
column with two joins, no per-row Python.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import cast, overload

import holidays
import polars as pl

HOLIDAY_COUNTRY = "GB"
HOLIDAY_SUBDIV = "ENG"  # England; Wales ("WLS") has the same bank holidays


@functools.lru_cache(maxsize=32)
def bank_holidays(first_year: int, last_year: int) -> frozenset[date]:
    """England and Wales bank holidays in [first_year, last_year]."""
    cal = holidays.country_holidays(
        HOLIDAY_COUNTRY, subdiv=HOLIDAY_SUBDIV, years=range(first_year, last_year + 1)
    )
    return frozenset(cal.keys())


def is_working_day(d: date) -> bool:
    return d.weekday() < 5 and d not in bank_holidays(d.year, d.year)


@functools.lru_cache(maxsize=32)
def working_day_index(lo: date, hi: date) -> pl.DataFrame:
    """One row per date in [lo, hi]: ``date``, ``is_working_day``, ``ordinal``."""
    hols = sorted(bank_holidays(lo.year, hi.year))
    return (
        pl.DataFrame({"date": pl.date_range(lo, hi, "1d", eager=True)})
        .with_columns(
            is_working_day=(pl.col("date").dt.weekday() <= 5) & ~pl.col("date").is_in(hols)
        )
        .with_columns(ordinal=pl.col("is_working_day").cast(pl.Int64).cum_sum())
    )


def _span(s: pl.Series, pad_after: int) -> tuple[date, date] | None:
    vals = s.drop_nulls()
    if vals.is_empty():
        return None
    # round to whole years so the cached index is reused across calls
    first, last = cast(date, vals.min()), cast(date, vals.max())  # a Date series' bounds are dates
    lo = date(first.year - 1, 1, 1)
    hi_needed = last + timedelta(days=pad_after)
    return lo, date(hi_needed.year + 1, 12, 31)


def _ordinals(dates: pl.Series, index: pl.DataFrame) -> pl.Series:
    return (
        pl.DataFrame({"date": dates.cast(pl.Date)})
        .join(index.select("date", "ordinal"), on="date", how="left", maintain_order="left")
        .get_column("ordinal")
    )


@overload
def nth_working_day_after(start: date, n: int) -> date: ...
@overload
def nth_working_day_after(start: pl.Series, n: int) -> pl.Series: ...
def nth_working_day_after(start: date | pl.Series, n: int) -> date | pl.Series:
    """The n-th working day after ``start`` (n >= 1; ``start`` itself never counts)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    if isinstance(start, date):
        return nth_working_day_after(pl.Series([start], dtype=pl.Date), n)[0]
    name = start.name
    # n working days fit in 2n + 30 calendar days whatever the holidays
    span = _span(start, 2 * n + 30)
    if span is None:
        return pl.Series(name, [None] * len(start), dtype=pl.Date)
    index = working_day_index(*span)
    by_ordinal = index.filter("is_working_day").select("ordinal", result="date")
    return (
        pl.DataFrame({"target": _ordinals(start, index) + n})
        .join(by_ordinal, left_on="target", right_on="ordinal", how="left", maintain_order="left")
        .get_column("result")
        .alias(name)
    )


@overload
def working_days_between(start: date, end: date) -> int: ...
@overload
def working_days_between(start: date | pl.Series, end: pl.Series) -> pl.Series: ...
@overload
def working_days_between(start: pl.Series, end: date | pl.Series) -> pl.Series: ...
def working_days_between(start: date | pl.Series, end: date | pl.Series) -> int | pl.Series:
    """Working days in (start, end]; negative when end < start."""
    if isinstance(start, date) and isinstance(end, date):
        out = working_days_between(
            pl.Series([start], dtype=pl.Date), pl.Series([end], dtype=pl.Date)
        )
        return out[0]
    if isinstance(start, date):
        assert isinstance(end, pl.Series)  # both dates returned above
        start = pl.Series([start] * len(end), dtype=pl.Date)
    if isinstance(end, date):
        end = pl.Series([end] * len(start), dtype=pl.Date)
    if len(start) != len(end):
        raise ValueError("start and end must have the same length")
    span = _span(pl.concat([start.cast(pl.Date), end.cast(pl.Date)]), 0)
    if span is None:
        return pl.Series("working_days", [None] * len(start), dtype=pl.Int64)
    index = working_day_index(*span)
    return (_ordinals(end, index) - _ordinals(start, index)).alias("working_days")


def add_months(d: date | pl.Expr | str, months: int) -> date | pl.Expr:
    """Calendar-month arithmetic, clamped to month end (2024-01-31 + 1 = 2024-02-29)."""
    if isinstance(d, date):
        return pl.select(pl.lit(d, dtype=pl.Date).dt.offset_by(f"{months}mo")).item()
    expr = pl.col(d) if isinstance(d, str) else d
    return expr.dt.offset_by(f"{months}mo")


def add_days(d: pl.Expr | str, days: int) -> pl.Expr:
    expr = pl.col(d) if isinstance(d, str) else d
    return expr + pl.duration(days=days)
