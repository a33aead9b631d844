"""Words and colours of the reports: agency names, event families, rule wording."""

from __future__ import annotations

from datetime import date, datetime

from chronolink.schemas import vocabulary as ev

AGENCY_LABELS: dict[str, str] = {
    ev.POLICE: "Police",
    ev.CSC: "Children's social care",
    ev.HEALTH: "Health",
    ev.EDUCATION: "School",
    ev.PROBATION: "Probation",
    ev.HOUSING: "Housing",
    ev.MASH: "MASH",
}

# Event families: one colour each, the same across agencies (an injury is an injury
# whether a GP or a school records it). Colour-blind-safe-ish, printable.
FAMILIES: tuple[tuple[str, str], ...] = (
    ("Concern or incident", "#d62728"),
    ("Missed care or attendance", "#ff7f0e"),
    ("Criminal justice", "#7f3c8d"),
    ("Referral", "#1f77b4"),
    ("Enquiry or assessment", "#17becf"),
    ("Child protection", "#8c564b"),
    ("Child in need or care", "#2ca02c"),
    ("Closure", "#7f7f7f"),
    ("Routine contact", "#bcbd22"),
    ("Housing or address", "#e377c2"),
    ("Other", "#aaaaaa"),
)
FAMILY_NAMES = tuple(f for f, _ in FAMILIES)
FAMILY_COLOURS = tuple(c for _, c in FAMILIES)

_FAMILY_OF: dict[str, str] = {}
for _family, _types in {
    "Concern or incident": (
        ev.POLICE_DOMESTIC, ev.POLICE_MISPER, ev.POLICE_CONCERN_FOR_WELFARE,
        ev.POLICE_PROTECTION, ev.POLICE_SEXUAL_OFFENCE, ev.HEALTH_AE_ATTENDANCE,
        ev.HEALTH_INJURY, ev.HEALTH_SAFEGUARDING_CONCERN, ev.EDUCATION_DISCLOSURE,
        ev.EDUCATION_INJURY, ev.EDUCATION_NEGLECT, ev.EDUCATION_HSB, ev.HOUSING_ASB_REPORT,
    ),
    "Missed care or attendance": (
        ev.HEALTH_DNA, ev.HEALTH_MISSED_IMMUNISATION, ev.EDUCATION_ATTENDANCE,
        ev.EDUCATION_CME, ev.EDUCATION_EXCLUSION,
    ),
    "Criminal justice": (
        ev.POLICE_ARREST, ev.POLICE_CHARGE, ev.POLICE_BAIL, ev.POLICE_CONVICTION,
        ev.PROBATION_SENTENCE, ev.PROBATION_LICENCE_START, ev.PROBATION_BREACH,
        ev.PROBATION_RECALL, ev.PROBATION_APPROVED_PREMISES,
    ),
    "Referral": (
        ev.CSC_CONTACT, ev.CSC_REFERRAL, ev.MASH_REFERRAL, ev.EDUCATION_REFERRAL_TO_MASH,
        ev.HEALTH_CAMHS_REFERRAL,
    ),
    "Enquiry or assessment": (ev.CSC_STRATEGY_DISCUSSION, ev.CSC_S47_ENQUIRY, ev.CSC_CF_ASSESSMENT),
    "Child protection": (ev.CSC_ICPC, ev.CSC_RCPC, ev.CSC_CORE_GROUP, ev.CSC_CP_PLAN),
    "Child in need or care": (ev.CSC_CIN_PLAN, ev.CSC_LAC, ev.CSC_PLO, ev.CSC_LEGAL_PLANNING_MEETING),
    "Closure": (ev.CSC_CLOSURE,),
    "Routine contact": (
        ev.HEALTH_GP_APPOINTMENT, ev.HEALTH_HEALTH_VISITOR_CONTACT,
        ev.HEALTH_SCHOOL_NURSE_CONTACT, ev.EDUCATION_OTHER,
    ),
    "Housing or address": (
        ev.HOUSING_TENANCY_START, ev.HOUSING_TENANCY_END, ev.HOUSING_NOTICE_SEEKING_POSSESSION,
        ev.HOUSING_HOMELESS_APPLICATION, ev.HOUSING_TEMPORARY_ACCOMMODATION,
        ev.PROBATION_ADDRESS_CHANGE,
    ),
}.items():
    for _t in _types:
        _FAMILY_OF[_t] = _family

#: Event types drawn as spans (start to end, or to the as-of date while open).
SPAN_TYPES = frozenset({ev.CSC_CP_PLAN, ev.CSC_CIN_PLAN, ev.CSC_CF_ASSESSMENT, ev.CSC_LAC, ev.CSC_PLO})


def family_of(event_type: str | None) -> str:
    return _FAMILY_OF.get(event_type or "", "Other")


RULE_TITLES: dict[str, str] = {
    "bail_address_child": "Bailed to an address where a child lives",
    "unassessed_adult": "Adult with a risk marker in the household, not assessed",
    "concerns_not_collated": "Concerns from three agencies, no social-care response",
    "repeat_referrals": "Repeat referrals closed with no further action",
    "assessment_overdue": "Child and family assessment over 45 working days",
    "core_group_overdue": "First core group late or missing",
    "rcpc_overdue": "Review child protection conference missed",
    "long_cp_plan": "Child protection plan of two years or more",
    "repeat_cp_plan": "Second child protection plan within two years",
}

_RULE_TEXT: dict[str, str] = {
    "bail_address_child": (
        "{other} was bailed on {date} to {place}, where {child} was seen living within the year "
        "before or 90 days after. No strategy discussion, section 47 enquiry or referral for "
        "{child} followed within 28 days."
    ),
    "unassessed_adult": (
        "An assessment or child protection plan for {child} started on {date}. {other}, an adult "
        "with a risk marker, was seen at {place} in the same period as {child}, but is not "
        "recorded by children's social care as a related person."
    ),
    "concerns_not_collated": (
        "Concerns about {child} were recorded by three different agencies within 90 days "
        "(the third on {date}), and children's social care recorded no contact, referral, "
        "strategy discussion or section 47 enquiry around that time."
    ),
    "repeat_referrals": (
        "{child} was referred to children's social care three times within 12 months (the third "
        "on {date}); the earlier referrals were each closed with no further action."
    ),
    "assessment_overdue": (
        "A child and family assessment for {child} was not completed within 45 working days; "
        "it was due by {date}."
    ),
    "core_group_overdue": (
        "No core group meeting was held for {child} within 10 working days of the child "
        "protection plan starting; the first was due by {date}."
    ),
    "rcpc_overdue": (
        "A review child protection conference for {child} was due by {date} and was not held "
        "while the plan was open."
    ),
    "long_cp_plan": "{child} has been on a child protection plan for two years or more, since {date}.",
    "repeat_cp_plan": (
        "{child} became subject to a new child protection plan on {date}, within two years of "
        "an earlier plan ending."
    ),
}


def rule_title(rule: str) -> str:
    return RULE_TITLES.get(rule, rule.replace("_", " ").capitalize())


def rule_text(rule: str, child: str, trigger: date, other: str | None, place: str | None) -> str:
    """The standard plain-English wording of a flag (plain text, escaped by the template)."""
    template = _RULE_TEXT.get(rule)
    if template is None:
        return f"Rule {rule} fired on {fmt_date(trigger)}."
    if rule == "long_cp_plan":  # the trigger is start + 2 years: say when the plan started
        trigger = _minus_two_years(trigger)
    return template.format(
        child=child, date=fmt_date(trigger), other=other or "another person",
        place=place or "the same address",
    )


def _minus_two_years(d: date) -> date:
    try:
        return d.replace(year=d.year - 2)
    except ValueError:  # 29 February
        return d.replace(year=d.year - 2, day=28)


def fmt_date(d: date | None) -> str:
    return "" if d is None else f"{d.day} {d.strftime('%b')} {d.year}"


def fmt_when(x: datetime | date | None) -> str:
    """'3 Mar 2026 14:05' for a time, '3 Mar 2026' for a date, '' for nothing."""
    if x is None:
        return ""
    if isinstance(x, datetime):
        return f"{fmt_date(x.date())} {x:%H:%M}"
    return fmt_date(x)
