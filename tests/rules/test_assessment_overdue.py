import pytest

from chronolink.engine.rules import assessment_overdue as rule
from chronolink.engine.rules.calendar import nth_working_day_after
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, plus, run

START = D("2024-12-20")  # a Friday before Christmas; day 45 is 2025-02-26
DUE = D("2025-02-26")


def _run(end, as_of="2025-12-31", start=START, dob=CHILD_DOB):
    return run(rule, inputs([person("C", dob)], [event("C", "csc.cf_assessment", start, end=end)]),
               as_of)


def test_due_date_across_bank_holidays():
    assert nth_working_day_after(START, 45) == DUE


@pytest.mark.parametrize("end, fires", [(DUE, False), (plus(DUE, 1), True)])
def test_completed(end, fires):
    out = _run(end)
    assert (not out.is_empty()) is fires
    if fires:
        assert keys(out) == [("C", None, None, DUE)]
        assert out["evidence"][0][0]["role"] == "assessment"


@pytest.mark.parametrize("as_of, fires", [(DUE, False), (plus(DUE, 1), True)])
def test_open_at_as_of(as_of, fires):
    assert (not _run(None, as_of=as_of).is_empty()) is fires


def test_weekend_after_day_45_is_not_more_than_45():
    start = D("2024-06-07")  # a Friday; no bank holiday for 9 weeks
    due = nth_working_day_after(start, 45)
    assert due.weekday() == 4  # a Friday
    assert _run(plus(due, 1), start=start).is_empty()  # Saturday: still 45 working days
    assert _run(plus(due, 3), start=start)["trigger_date"].to_list() == [due]  # Monday


def test_not_a_child_at_start():
    assert _run(plus(DUE, 10), dob=D("2006-12-01")).is_empty()


def test_unknown_dob_is_still_a_csc_child():
    """A CSC episode is about a child: a missing date of birth must not hide an overdue assessment."""
    assert keys(_run(plus(DUE, 10), dob=None)) == [("C", None, None, DUE)]
