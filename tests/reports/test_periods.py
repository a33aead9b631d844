from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chronolink.reports.periods import age_text, contact_gaps, duration_text


def test_age_text():
    assert age_text(date(2015, 3, 9), date(2024, 6, 30)) == "9y 3m"
    assert age_text(date(2015, 3, 9), date(2015, 3, 8)) == "unborn"
    assert age_text(date(2015, 3, 31), date(2015, 4, 30)) == "0y 0m"
    assert age_text(date(1988, 1, 2), date(2024, 6, 30)) == "36y"
    assert age_text(None, date(2024, 1, 1)) is None


def test_duration_text():
    assert duration_text(date(2022, 4, 20), date(2022, 12, 1)) == "7 months"
    assert duration_text(date(2022, 1, 1), date(2023, 3, 5)) == "1 year 2 months"
    assert duration_text(date(2022, 1, 1), date(2024, 1, 1)) == "2 years"
    assert duration_text(date(2022, 1, 1), date(2022, 4, 1)) == "3 months"
    assert duration_text(date(2022, 1, 10), date(2022, 4, 5)) == "85 days"


def test_gaps():
    ds = [date(2022, 1, 1), date(2022, 4, 1), date(2022, 4, 2), None, date(2022, 10, 1)]
    gaps = contact_gaps(ds, date(2022, 12, 1))
    assert [(g.start, g.end, g.to_as_of) for g in gaps] == [(date(2022, 4, 2), date(2022, 10, 1), False)]
    assert contact_gaps([date(2022, 1, 1)], date(2022, 4, 1)) == []  # 90 days exactly: not a gap
    assert contact_gaps([date(2022, 1, 1)], date(2022, 4, 2))[0].text == "No agency contact for 3 months (up to the as-of date)"
    assert contact_gaps([], date(2022, 1, 1)) == []


@given(st.lists(st.integers(0, 4000), max_size=40))
def test_gaps_properties(offsets):
    base = date(2010, 1, 1)
    ds = [base + timedelta(days=o) for o in offsets]
    as_of = base + timedelta(days=4100)
    gaps = contact_gaps(ds, as_of)
    for g in gaps:
        assert (g.end - g.start).days > 90
        assert not any(g.start < d < g.end for d in ds)  # nobody in between
    assert [g.start for g in gaps] == sorted(g.start for g in gaps)
    assert all(a.end <= b.start for a, b in zip(gaps, gaps[1:]))
