"""Canonical vocabulary the rules speak: agencies, event types, markers.

The ingest maps every agency's own labels (``OccurrenceType``, ``Episode``,
``Type``, ``Category``, ``event``, ``Event``) onto these canonical event types.
Every rule takes its sets from here, so that the reading of `risk-rules.md`
lives in one place.
"""

from __future__ import annotations

from chronolink.schemas.vocabulary import (  # noqa: F401 (the rules read the vocabulary from here)
    AGENCIES,
    ALL_EVENT_TYPES,
    CSC,
    CSC_CF_ASSESSMENT,
    CSC_CIN_PLAN,
    CSC_CLOSURE,
    CSC_CONTACT,
    CSC_CORE_GROUP,
    CSC_CP_PLAN,
    CSC_ICPC,
    CSC_LAC,
    CSC_LEGAL_PLANNING_MEETING,
    CSC_PLO,
    CSC_RCPC,
    CSC_REFERRAL,
    CSC_RELATIONSHIP,
    CSC_S47_ENQUIRY,
    CSC_STRATEGY_DISCUSSION,
    EDUCATION,
    EDUCATION_ATTENDANCE,
    EDUCATION_CME,
    EDUCATION_DISCLOSURE,
    EDUCATION_EXCLUSION,
    EDUCATION_HSB,
    EDUCATION_INJURY,
    EDUCATION_NEGLECT,
    EDUCATION_OTHER,
    EDUCATION_REFERRAL_TO_MASH,
    EVENT_TYPES,
    HEALTH,
    HEALTH_AE_ATTENDANCE,
    HEALTH_CAMHS_REFERRAL,
    HEALTH_DNA,
    HEALTH_GP_APPOINTMENT,
    HEALTH_HEALTH_VISITOR_CONTACT,
    HEALTH_INJURY,
    HEALTH_MISSED_IMMUNISATION,
    HEALTH_SAFEGUARDING_CONCERN,
    HEALTH_SCHOOL_NURSE_CONTACT,
    HOUSING,
    HOUSING_ASB_REPORT,
    HOUSING_HOMELESS_APPLICATION,
    HOUSING_NOTICE_SEEKING_POSSESSION,
    HOUSING_TEMPORARY_ACCOMMODATION,
    HOUSING_TENANCY_END,
    HOUSING_TENANCY_START,
    MASH,
    MASH_REFERRAL,
    POLICE,
    POLICE_ARREST,
    POLICE_BAIL,
    POLICE_CHARGE,
    POLICE_CONCERN_FOR_WELFARE,
    POLICE_CONVICTION,
    POLICE_DOMESTIC,
    POLICE_MISPER,
    POLICE_PROTECTION,
    POLICE_SEXUAL_OFFENCE,
    PROBATION,
    PROBATION_ADDRESS_CHANGE,
    PROBATION_APPROVED_PREMISES,
    PROBATION_BREACH,
    PROBATION_LICENCE_START,
    PROBATION_RECALL,
    PROBATION_SENTENCE,
)

# --- "concern about a child" (risk-rules.md, Terms) -----------------------------
# A police concern counts whatever the child's role on the occurrence.
CONCERN_TYPES: dict[str, tuple[str, ...]] = {
    POLICE: (
        POLICE_DOMESTIC, POLICE_MISPER, POLICE_CONCERN_FOR_WELFARE, POLICE_PROTECTION,
        POLICE_SEXUAL_OFFENCE,
    ),
    HEALTH: (
        HEALTH_AE_ATTENDANCE, HEALTH_INJURY, HEALTH_SAFEGUARDING_CONCERN, HEALTH_DNA,
        HEALTH_MISSED_IMMUNISATION,
    ),
    EDUCATION: (
        EDUCATION_ATTENDANCE, EDUCATION_DISCLOSURE, EDUCATION_INJURY, EDUCATION_NEGLECT,
        EDUCATION_HSB, EDUCATION_CME,
    ),
}
CONCERN_EVENT_TYPES: frozenset[str] = frozenset(t for ts in CONCERN_TYPES.values() for t in ts)

# --- "CSC response" (risk-rules.md, Terms) ---------------------------------------
CSC_RESPONSE_TYPES: tuple[str, ...] = (
    CSC_CONTACT, CSC_REFERRAL, CSC_STRATEGY_DISCUSSION, CSC_S47_ENQUIRY,
)
# bail_address_child: the responses that clear a bail flag (no Contact).
BAIL_CSC_RESPONSE_TYPES: tuple[str, ...] = (
    CSC_STRATEGY_DISCUSSION, CSC_S47_ENQUIRY, CSC_REFERRAL,
)
# unassessed_adult: the episodes that open the look at the household.
UNASSESSED_TRIGGER_TYPES: tuple[str, ...] = (CSC_CF_ASSESSMENT, CSC_CP_PLAN)

# --- "risk marker" (risk-rules.md, Terms) -----------------------------------------
RISK_POLICE_MARKERS: tuple[str, ...] = ("RSO", "SCHED1", "DVPERP")
ROLE_OFFENDER = "OFFENDER"
RISK_OFFENCE_CATEGORIES: tuple[str, ...] = ("sexual", "violence", "dv")
# marker names in the derived `markers` frame
MARKER_CONVICTION = "CONVICTION"
MARKER_OFFENCE_PREFIX = "OFFENCE_"  # + upper-cased offence_category: OFFENCE_SEXUAL, ...

OUTCOME_NFA = "NFA"
