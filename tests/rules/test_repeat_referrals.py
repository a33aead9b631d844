import pytest

from chronolink.engine.rules import repeat_referrals as rule
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, run


def _run(refs, dob=CHILD_DOB):
    evs = [event("C", "csc.referral", d, outcome=o) for d, o in refs]
    return run(rule, inputs([person("C", dob)], evs), "2025-06-30")


def test_three_referrals_first_two_nfa_fire():
    out = _run([("2024-01-31", "NFA"), ("2024-05-01", "NFA"), ("2024-09-01", "S47")])
    assert keys(out) == [("C", None, None, D("2024-09-01"))]
    assert [e["role"] for e in out["evidence"][0]] == ["referral"] * 3


@pytest.mark.parametrize("third, fires", [("2025-01-31", True), ("2025-02-01", False)])
def test_twelve_calendar_months(third, fires):
    out = _run([("2024-01-31", "NFA"), ("2024-05-01", "NFA"), (third, None)])
    assert (not out.is_empty()) is fires


def test_non_nfa_middle_referral_does_not_fire():
    assert _run([("2024-01-01", "NFA"), ("2024-02-01", "Progress to Assessment"),
                 ("2024-03-01", "NFA")]).is_empty()


def test_outcome_must_be_exactly_nfa():
    assert _run([("2024-01-01", "nfa"), ("2024-02-01", "NFA"), ("2024-03-01", "NFA")]).is_empty()
    assert _run([("2024-01-01", None), ("2024-02-01", "NFA"), ("2024-03-01", "NFA")]).is_empty()


def test_consecutive_runs():
    refs = [("2024-01-01", "NFA"), ("2024-02-01", "S47"), ("2024-03-01", "NFA"),
            ("2024-04-01", "NFA"), ("2024-05-01", "NFA"), ("2024-06-01", None)]
    out = _run(refs)
    assert out["trigger_date"].to_list() == [D("2024-05-01"), D("2024-06-01")]


def test_child_on_third_referral():
    assert _run([("2024-01-01", "NFA"), ("2024-02-01", "NFA"), ("2024-03-01", None)],
                dob=D("2006-02-15")).is_empty()
