import pytest

from chronolink.engine.rules import unassessed_adult as rule
from tests.rules.helpers import ADULT_DOB, CHILD_DOB, D, event, inputs, keys, obs, person, plus, rel, run

D0 = D("2024-05-01")


def _run(*, m_dob=ADULT_DOB, marker_date="2023-01-01", marker=None, child_obs=-10,
         adult_obs=5, adult_addr="A1", trigger="csc.cp_plan", rels=(), extra=()):
    marker = marker or event("M", "police.domestic", marker_date, role="SUSPECT",
                             markers=["RSO"], address_id="A7")
    events = [event("C", trigger, D0, end=None), marker, *extra]
    observations = [obs("C", "A1", plus(D0, child_obs)), obs("M", adult_addr, plus(D0, adult_obs))]
    return run(rule, inputs([person("C", CHILD_DOB), person("M", m_dob)], events, observations,
                            list(rels)), "2024-12-31")


def test_fires_with_evidence():
    out = _run()
    assert keys(out) == [("C", "M", "A1", D0)]
    roles = [e["role"] for e in out["evidence"][0]]
    assert roles == ["plan", "child_observed", "adult_observed", "marker"]


def test_assessment_also_triggers():
    assert keys(_run(trigger="csc.cf_assessment")) == [("C", "M", "A1", D0)]
    assert _run(trigger="csc.cin_plan").is_empty()


def test_named_in_relationships_does_not_fire():
    assert _run(rels=[rel("C", "M")]).is_empty()
    assert not _run(rels=[rel("C", "X")]).is_empty()


def test_adult_judged_on_d():
    turns_18_on_d = D("2006-05-01")
    assert not _run(m_dob=turns_18_on_d).is_empty()
    assert _run(m_dob=D("2006-05-02")).is_empty()  # turns 18 the day after d
    assert _run(m_dob=None).is_empty()


def test_marker_on_or_before_d():
    assert not _run(marker_date=D0).is_empty()
    assert _run(marker_date=plus(D0, 1)).is_empty()


@pytest.mark.parametrize(
    "child_obs, adult_obs, fires",
    [(-180, 30, True), (-181, 0, False), (0, -181, False), (0, 31, False), (31, 0, False)],
)
def test_window(child_obs, adult_obs, fires):
    assert (not _run(child_obs=child_obs, adult_obs=adult_obs).is_empty()) is fires


def test_neighbouring_house_does_not_fire():
    assert _run(adult_addr="A2").is_empty()


@pytest.mark.parametrize(
    "marker, fires",
    [
        (event("M", "police.domestic", "2023-01-01", markers=["VIOLENCE", "WEAPONS"]), False),
        (event("M", "police.conviction", "2023-01-01", role="OFFENDER"), True),
        (event("M", "police.conviction", "2023-01-01", role="WITNESS"), False),
        (event("M", "probation.sentence", "2023-01-01", offence_category="dv"), True),
        (event("M", "probation.sentence", "2023-01-01", offence_category="acquisitive"), False),
    ],
)
def test_marker_kinds(marker, fires):
    assert (not _run(marker=marker).is_empty()) is fires
