"""Dates: calendar month arithmetic and England & Wales working days."""
from __future__ import annotations

import bisect
import calendar as _cal
import datetime as dt

import holidays

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def add_months(d: dt.date, n: int) -> dt.date:
    m = d.month - 1 + n
    y = d.year + m // 12
    m = m % 12 + 1
    return dt.date(y, m, min(d.day, _cal.monthrange(y, m)[1]))


class WorkingDays:
    """Monday-Friday minus England and Wales bank holidays."""

    def __init__(self, first_year: int, last_year: int):
        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
        self.holidays = set(hol.keys())
        start = dt.date(first_year, 1, 1).toordinal()
        end = dt.date(last_year, 12, 31).toordinal()
        days = []
        for o in range(start, end + 1):
            d = dt.date.fromordinal(o)
            if d.weekday() < 5 and d not in self.holidays:
                days.append(o)
        self.days = days

    def is_working(self, d: dt.date) -> bool:
        o = d.toordinal()
        i = bisect.bisect_left(self.days, o)
        return i < len(self.days) and self.days[i] == o

    def on_or_after(self, d: dt.date) -> dt.date:
        i = bisect.bisect_left(self.days, d.toordinal())
        return dt.date.fromordinal(self.days[i])

    def on_or_before(self, d: dt.date) -> dt.date:
        i = bisect.bisect_right(self.days, d.toordinal())
        return dt.date.fromordinal(self.days[i - 1])

    def nth_after(self, d: dt.date, n: int) -> dt.date:
        """The n-th working day after d (d itself never counts)."""
        i = bisect.bisect_right(self.days, d.toordinal())
        return dt.date.fromordinal(self.days[i + n - 1])

    def between(self, a: dt.date, b: dt.date) -> int:
        """Working days in (a, b]."""
        return bisect.bisect_right(self.days, b.toordinal()) - bisect.bisect_right(self.days, a.toordinal())


def fmt_dmy(d: dt.date) -> str:
    return "%02d/%02d/%04d" % (d.day, d.month, d.year)


def fmt_iso(d: dt.date) -> str:
    return "%04d-%02d-%02d" % (d.year, d.month, d.day)


def fmt_gp(d: dt.date) -> str:
    return "%02d-%s-%04d" % (d.day, MONTHS[d.month - 1], d.year)
