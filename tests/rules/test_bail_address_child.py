import pytest

from chronolink.engine.rules import bail_address_child as rule
from tests.rules.helpers import ADULT_DOB, CHILD_DOB, D, event, inputs, keys, obs, person, plus, rel, run

BAIL = D("2024-03-01")
PEOPLE = [person("C", CHILD_DOB), person("P", ADULT_DOB)]


def _run(observations, csc=(), people=PEOPLE, bails=None):
    bails = bails or [event("P", "police.bail", BAIL, role="SUSPECT", bail_address_id="A1",
                            address_id="A9")]
    return run(rule, inputs(people, [*bails, *csc], observations), "2025-06-30")


def test_child_at_bail_address_fires_with_evidence():
    out = _run([obs("C", "A1", plus(BAIL, -30))])
    assert keys(out) == [("C", "P", "A1", BAIL)]
    ev = out["evidence"][0].to_list()
    assert [e["role"] for e in ev] == ["bail", "child_observed"]
    assert ev[0]["source_file"] == "police.csv" and ev[0]["mention_id"] is not None


def test_neighbouring_house_does_not_fire():
    assert _run([obs("C", "A2", plus(BAIL, -30))]).is_empty()


@pytest.mark.parametrize("offset, fires", [(-365, True), (-366, False), (90, True), (91, False)])
def test_observation_window(offset, fires):
    out = _run([obs("C", "A1", plus(BAIL, offset))])
    assert (not out.is_empty()) is fires


@pytest.mark.parametrize(
    "episode, offset, fires",
    [
        ("csc.strategy_discussion", 28, False),
        ("csc.strategy_discussion", 29, True),
        ("csc.s47_enquiry", 0, False),
        ("csc.referral", 10, False),
        ("csc.referral", -1, True),
        ("csc.contact", 5, True),  # a Contact is not enough here
    ],
)
def test_csc_response_window(episode, offset, fires):
    out = _run([obs("C", "A1", BAIL)], csc=[event("C", episode, plus(BAIL, offset))])
    assert (not out.is_empty()) is fires


def test_response_for_another_child_does_not_clear():
    people = [*PEOPLE, person("C2", CHILD_DOB)]
    out = _run([obs("C", "A1", BAIL)], csc=[event("C2", "csc.referral", BAIL)], people=people)
    assert keys(out) == [("C", "P", "A1", BAIL)]


def test_bailed_person_is_not_their_own_child():
    people = [person("P", "2010-01-01")]  # a bailed 14-year-old
    assert _run([obs("P", "A1", BAIL)], people=people).is_empty()


def test_child_judged_on_observation_date():
    people = [person("C", "2006-03-15"), person("P", ADULT_DOB)]  # 18 on 2024-03-15
    assert not _run([obs("C", "A1", "2024-03-14")], people=people).is_empty()
    assert _run([obs("C", "A1", "2024-03-15")], people=people).is_empty()
    no_dob = [person("C", None), person("P", ADULT_DOB)]
    assert _run([obs("C", "A1", BAIL)], people=no_dob).is_empty()


def test_one_flag_per_bail_row_child_and_address():
    bails = [
        event("P", "police.bail", BAIL, bail_address_id="A1"),
        event("P", "police.bail", "2024-05-01", bail_address_id="A1"),
    ]
    out = _run([obs("C", "A1", BAIL), obs("C", "A1", "2024-04-01")], bails=bails)
    assert keys(out) == [("C", "P", "A1", BAIL), ("C", "P", "A1", D("2024-05-01"))]
    assert [len(e) for e in out["evidence"].to_list()] == [3, 3]


def test_relationship_does_not_matter_and_no_bail_address_no_flag():
    bails = [event("P", "police.bail", BAIL, address_id="A1")]  # no BailAddress
    assert _run([obs("C", "A1", BAIL)], bails=bails).is_empty()
    inp = inputs(PEOPLE, [event("P", "police.bail", BAIL, bail_address_id="A1")],
                 [obs("C", "A1", BAIL)], [rel("C", "P")])
    assert not run(rule, inp, "2025-01-01").is_empty()
