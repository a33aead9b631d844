import pytest

from chronolink.engine.rules import repeat_cp_plan as rule
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, run

END1 = "2021-06-30"


def _run(plans, as_of="2025-12-31"):
    evs = [event("C", "csc.cp_plan", s, end=e) for s, e in plans]
    return run(rule, inputs([person("C", CHILD_DOB)], evs), as_of)


@pytest.mark.parametrize(
    "start2, fires",
    [("2021-06-30", True), ("2023-06-30", True), ("2023-07-01", False)],
)
def test_window_after_end(start2, fires):
    out = _run([("2020-01-01", END1), (start2, None)])
    assert (not out.is_empty()) is fires
    if fires:
        assert keys(out) == [("C", None, None, D(start2))]
        assert [e["role"] for e in out["evidence"][0]] == ["plan", "earlier_plan"]


def test_month_end_clamp():
    # e = 2022-02-28 + 24 months = 2024-02-28: 2024-02-28 in, 2024-02-29 out
    assert not _run([("2021-01-01", "2022-02-28"), ("2024-02-28", None)]).is_empty()
    assert _run([("2021-01-01", "2022-02-28"), ("2024-02-29", None)]).is_empty()


def test_single_or_open_earlier_plan_does_not_fire():
    assert _run([("2020-01-01", END1)]).is_empty()
    assert _run([("2020-01-01", None), ("2021-01-01", None)]).is_empty()


def test_earlier_plan_must_have_ended_by_as_of():
    assert _run([("2020-01-01", "2024-01-01"), ("2024-06-01", None)], as_of="2023-12-31").is_empty()


def test_three_plans():
    out = _run([("2018-01-01", "2019-01-01"), ("2020-01-01", "2020-06-01"), ("2021-01-01", None)])
    assert out["trigger_date"].to_list() == [D("2020-01-01"), D("2021-01-01")]
