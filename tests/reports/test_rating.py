"""The rating: open flags only, recent ones weigh more, a child no agency knows is never green."""
from __future__ import annotations

from datetime import date, timedelta

from chronolink.reports.rating import RatedFlag, flag_weight, rate

AS_OF = date(2026, 10, 31)


def ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


def test_not_known_is_never_green():
    r = rate([], AS_OF, known=False)
    assert r.level == "not known" and "Not known" in r.reasons[0]
    assert rate([RatedFlag("bail_address_child", ago(10))], AS_OF, known=False).level == "not known"


def test_known_without_open_flags_is_green():
    assert rate([], AS_OF).level == "green"
    closed = [RatedFlag("bail_address_child", ago(10), "dismissed"), RatedFlag("repeat_referrals", ago(5), "actioned")]
    r = rate(closed, AS_OF)
    assert r.level == "green" and r.open_flags == 0
    assert "2 flags dismissed or actioned, not counted." in r.reasons


def test_recent_flags_weigh_more_than_old_ones():
    assert flag_weight(ago(30), AS_OF) == 1.0
    assert flag_weight(ago(400), AS_OF) == 0.5
    assert flag_weight(ago(4000), AS_OF) == 0.25
    recent = rate([RatedFlag("assessment_overdue", ago(d)) for d in (10, 20, 30)], AS_OF)
    old = rate([RatedFlag("assessment_overdue", ago(d)) for d in (2000, 2100, 2200)], AS_OF)
    assert (recent.level, recent.weight) == ("red", 3.0)
    assert (old.level, old.weight) == ("amber", 0.75)


def test_serious_flag_is_red_only_while_recent_and_open():
    assert rate([RatedFlag("bail_address_child", ago(100))], AS_OF).level == "red"
    assert rate([RatedFlag("bail_address_child", ago(100), "confirmed")], AS_OF).level == "red"
    assert rate([RatedFlag("bail_address_child", ago(100), "actioned")], AS_OF).level == "green"
    assert rate([RatedFlag("bail_address_child", ago(2000))], AS_OF).level == "amber"


def test_reasons_explain_the_level():
    r = rate([RatedFlag("bail_address_child", ago(100)), RatedFlag("assessment_overdue", ago(900))], AS_OF)
    assert r.reasons[0].startswith("Red: an open flag of a serious kind")
    assert "2 open flags: 1 in the last year" in r.reasons[1]
