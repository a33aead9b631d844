import pytest

from chronolink.engine.rules import core_group_overdue as rule
from tests.rules.helpers import CHILD_DOB, D, event, inputs, keys, person, plus, run

START = D("2024-12-20")
DUE = D("2025-01-08")  # 10th working day after, past Christmas, Boxing Day, New Year


def _run(core_groups=(), end=None, as_of="2025-12-31", start=START):
    evs = [event("C", "csc.cp_plan", start, end=end)]
    evs += [event("C", "csc.core_group", d) for d in core_groups]
    return run(rule, inputs([person("C", CHILD_DOB)], evs), as_of)


@pytest.mark.parametrize(
    "core_group, fires",
    [(START, False), (DUE, False), (plus(DUE, 1), True), (plus(START, -1), True)],
)
def test_core_group_timing(core_group, fires):
    out = _run([core_group])
    assert (not out.is_empty()) is fires
    if fires:
        assert keys(out) == [("C", None, None, DUE)]


def test_evidence_names_plan_and_late_core_group():
    ev = _run([plus(DUE, 5), plus(DUE, 9)])["evidence"][0].to_list()
    assert [e["role"] for e in ev] == ["plan", "late_core_group"]


@pytest.mark.parametrize("end, fires", [(plus(DUE, -1), False), (DUE, False), (plus(DUE, 1), True)])
def test_plan_must_run_past_due_day(end, fires):
    assert (not _run(end=end).is_empty()) is fires


@pytest.mark.parametrize("as_of, fires", [(DUE, False), (plus(DUE, 1), True)])
def test_open_plan_judged_at_as_of(as_of, fires):
    assert (not _run(as_of=as_of).is_empty()) is fires


def test_saturday_start():
    out = _run(start=D("2024-06-01"))
    assert out["trigger_date"].to_list() == [D("2024-06-14")]
    assert _run([D("2024-06-14")], start=D("2024-06-01")).is_empty()
