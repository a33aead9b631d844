"""Words and colours of the reports: agency names, event families, rule wording."""

from __future__ import annotations

from datetime import date, datetime

AGENCY_LABELS: dict[str, str] = {
    "police": "Police",
    "csc": "Children's social care",
    "health": "Health",
    "education": "School",
    "probation": "Probation",
    "housing": "Housing",
    "mash": "MASH",
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
        "police.domestic", "police.misper", "police.concern_for_welfare",
        "police.police_protection", "police.sexual_offence", "health.ae_attendance",
        "health.injury", "health.safeguarding_concern", "education.disclosure",
        "education.injury", "education.neglect", "education.hsb", "housing.asb_report",
    ),
    "Missed care or attendance": (
        "health.dna", "health.missed_immunisation", "education.attendance",
        "education.cme", "education.exclusion",
    ),
    "Criminal justice": (
        "police.arrest", "police.charge", "police.bail", "police.conviction",
        "probation.sentence", "probation.licence_start", "probation.breach",
        "probation.recall", "probation.approved_premises",
    ),
    "Referral": (
        "csc.contact", "csc.referral", "mash.referral", "education.referral_to_mash",
        "health.camhs_referral",
    ),
    "Enquiry or assessment": ("csc.strategy_discussion", "csc.s47_enquiry", "csc.cf_assessment"),
    "Child protection": ("csc.icpc", "csc.rcpc", "csc.core_group", "csc.cp_plan"),
    "Child in need or care": ("csc.cin_plan", "csc.lac", "csc.plo", "csc.legal_planning_meeting"),
    "Closure": ("csc.closure",),
    "Routine contact": (
        "health.gp_appointment", "health.health_visitor_contact",
        "health.school_nurse_contact", "education.other",
    ),
    "Housing or address": (
        "housing.tenancy_start", "housing.tenancy_end", "housing.notice_seeking_possession",
        "housing.homeless_application", "housing.temporary_accommodation",
        "probation.address_change",
    ),
}.items():
    for _t in _types:
        _FAMILY_OF[_t] = _family

#: Event types drawn as spans (start to end, or to the as-of date while open).
SPAN_TYPES = frozenset({"csc.cp_plan", "csc.cin_plan", "csc.cf_assessment", "csc.lac", "csc.plo"})


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
