from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chronolink.engine.rules import rcpc_overdue as rule
from chronolink.engine.rules.calendar import add_months
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, plus, run

START = D("2024-01-31")
DUE1 = D("2024-04-30")  # 2024-01-31 + 3 months, clamped


def _run(rcpcs=(), end=None, as_of="2026-12-31", start=START):
    evs = [event("C", "csc.cp_plan", start, end=end)]
    evs += [event("C", "csc.rcpc", d) for d in rcpcs]
    return run(rule, inputs([person("C", CHILD_DOB)], evs), as_of)


def test_no_rcpc_misses_first_due_date():
    out = _run()
    assert keys(out) == [("C", None, None, DUE1)]
    assert [e["role"] for e in out["evidence"][0]] == ["plan"]


def test_rcpc_on_due_date_is_on_time_and_next_due_is_six_months_later():
    assert _run([DUE1], as_of="2024-10-30").is_empty()  # next due 2024-10-30 == E
    out = _run([DUE1], as_of="2024-10-31")
    assert out["trigger_date"].to_list() == [D("2024-10-30")]
    assert [e["role"] for e in out["evidence"][0]] == ["plan", "rcpc"]


@pytest.mark.parametrize(
    "end, fires", [(plus(DUE1, -1), False), (DUE1, False), (plus(DUE1, 1), True)]
)
def test_plan_ending_around_the_due_date(end, fires):
    # a due date is missed only if earlier than the plan's end
    assert (not _run(end=end).is_empty()) is fires


def test_late_rcpc_still_misses():
    assert _run([plus(DUE1, 1)])["trigger_date"].to_list() == [DUE1]


def test_rcpc_on_start_day_does_not_count():
    assert _run([START])["trigger_date"].to_list() == [DUE1]


def test_latest_rcpc_sets_next_due():
    # two early reviews: the latest (2024-04-01) gives 2024-10-01
    out = _run([D("2024-03-01"), D("2024-04-01")])
    assert out["trigger_date"].to_list() == [D("2024-10-01")]


def test_walks_several_reviews():
    out = _run([D("2022-04-10"), D("2022-10-10")], start=D("2022-01-10"), as_of="2023-06-01")
    assert out["trigger_date"].to_list() == [D("2023-04-10")]


def test_open_plan_before_first_due():
    assert _run(as_of=DUE1).is_empty()
    assert _run(as_of=plus(DUE1, 1))["trigger_date"].to_list() == [DUE1]


def test_two_plans_walked_independently():
    evs = [
        event("C", "csc.cp_plan", "2020-01-15", end="2021-01-01"),
        event("C", "csc.rcpc", "2020-04-15"),
        event("C", "csc.rcpc", "2020-10-15"),
        event("C", "csc.cp_plan", "2022-01-15", end="2022-12-01"),
        event("C", "csc.rcpc", "2022-04-15"),
    ]
    out = run(rule, inputs([person("C", CHILD_DOB)], evs), "2024-01-01")
    assert out["trigger_date"].to_list() == [D("2022-10-15")]


# --- differential test against a literal step-by-step walk -------------------------
def _reference(start, end, rcpcs):
    prev, due = start, add_months(start, 3)
    while due < end:
        met = [r for r in rcpcs if prev < r <= due]
        if not met:
            return due
        prev = max(met)
        due = add_months(prev, 6)
    return None


@settings(max_examples=40, deadline=None)
@given(
    st.integers(0, 800),
    st.one_of(st.none(), st.integers(1, 1200)),
    st.lists(st.integers(-10, 1200), max_size=6),
)
def test_matches_reference(start_off, length, rcpc_offs):
    base = date(2020, 1, 31)
    as_of = date(2024, 1, 1)
    start = base + timedelta(days=start_off)
    end = start + timedelta(days=length) if length is not None else None
    rcpcs = [start + timedelta(days=o) for o in rcpc_offs]
    got = _run(rcpcs, end=end, as_of=as_of, start=start)["trigger_date"].to_list()
    want = _reference(start, min(end or as_of, as_of), rcpcs)
    assert got == ([want] if want else [])
