import pytest

from chronolink.engine.rules import long_cp_plan as rule
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, run


def _run(start, end=None, as_of="2026-12-31", dob=CHILD_DOB):
    return run(rule, inputs([person("C", dob)], [event("C", "csc.cp_plan", start, end=end)]), as_of)


@pytest.mark.parametrize("end, fires", [("2024-03-15", True), ("2024-03-14", False)])
def test_exactly_24_months(end, fires):
    out = _run("2022-03-15", end=end)
    assert (not out.is_empty()) is fires
    if fires:
        assert keys(out) == [("C", None, None, D("2024-03-15"))]


@pytest.mark.parametrize("as_of, fires", [("2024-03-15", True), ("2024-03-14", False)])
def test_open_plan_at_as_of(as_of, fires):
    assert (not _run("2022-03-15", as_of=as_of).is_empty()) is fires


def test_leap_day_start():
    assert _run("2024-02-29")["trigger_date"].to_list() == [D("2026-02-28")]


def test_not_a_child_at_start():
    assert _run("2022-03-15", dob="2004-01-01").is_empty()
