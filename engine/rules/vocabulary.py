"""Canonical vocabulary the rules speak: agencies, event types, markers.

The ingest maps every agency's own labels (``OccurrenceType``, ``Episode``,
``Type``, ``Category``, ``event``, ``Event``) onto these canonical event types.
Every rule takes its sets from here, so that the reading of `risk-rules.md`
lives in one place.
"""

from __future__ import annotations

POLICE = "police"
CSC = "csc"
HEALTH = "health"
EDUCATION = "education"
PROBATION = "probation"
HOUSING = "housing"
MASH = "mash"
AGENCIES: tuple[str, ...] = (POLICE, CSC, HEALTH, EDUCATION, PROBATION, HOUSING, MASH)

# --- police -----------------------------------------------------------------
POLICE_DOMESTIC = "police.domestic"
POLICE_ARREST = "police.arrest"
POLICE_CHARGE = "police.charge"
POLICE_BAIL = "police.bail"
POLICE_CONVICTION = "police.conviction"
POLICE_MISPER = "police.misper"
POLICE_PROTECTION = "police.police_protection"
POLICE_CONCERN_FOR_WELFARE = "police.concern_for_welfare"
POLICE_SEXUAL_OFFENCE = "police.sexual_offence"

# --- children's social care ---------------------------------------------------
CSC_CONTACT = "csc.contact"
CSC_REFERRAL = "csc.referral"
CSC_STRATEGY_DISCUSSION = "csc.strategy_discussion"
CSC_S47_ENQUIRY = "csc.s47_enquiry"
CSC_CF_ASSESSMENT = "csc.cf_assessment"
CSC_ICPC = "csc.icpc"
CSC_RCPC = "csc.rcpc"
CSC_CORE_GROUP = "csc.core_group"
CSC_CP_PLAN = "csc.cp_plan"
CSC_CIN_PLAN = "csc.cin_plan"
CSC_LEGAL_PLANNING_MEETING = "csc.legal_planning_meeting"
CSC_PLO = "csc.plo"
CSC_LAC = "csc.lac"
CSC_CLOSURE = "csc.closure"

# --- health -------------------------------------------------------------------
HEALTH_GP_APPOINTMENT = "health.gp_appointment"
HEALTH_AE_ATTENDANCE = "health.ae_attendance"
HEALTH_DNA = "health.dna"
HEALTH_MISSED_IMMUNISATION = "health.missed_immunisation"
HEALTH_INJURY = "health.injury"
HEALTH_SAFEGUARDING_CONCERN = "health.safeguarding_concern"
HEALTH_HEALTH_VISITOR_CONTACT = "health.health_visitor_contact"
HEALTH_SCHOOL_NURSE_CONTACT = "health.school_nurse_contact"
HEALTH_CAMHS_REFERRAL = "health.camhs_referral"

# --- education ----------------------------------------------------------------
EDUCATION_ATTENDANCE = "education.attendance"
EDUCATION_DISCLOSURE = "education.disclosure"
EDUCATION_INJURY = "education.injury"
EDUCATION_NEGLECT = "education.neglect"
EDUCATION_HSB = "education.hsb"
EDUCATION_EXCLUSION = "education.exclusion"
EDUCATION_CME = "education.cme"
EDUCATION_REFERRAL_TO_MASH = "education.referral_to_mash"
EDUCATION_OTHER = "education.other"

# --- probation ----------------------------------------------------------------
PROBATION_SENTENCE = "probation.sentence"
PROBATION_LICENCE_START = "probation.licence_start"
PROBATION_ADDRESS_CHANGE = "probation.address_change"
PROBATION_BREACH = "probation.breach"
PROBATION_RECALL = "probation.recall"
PROBATION_APPROVED_PREMISES = "probation.approved_premises"

# --- housing ------------------------------------------------------------------
HOUSING_TENANCY_START = "housing.tenancy_start"
HOUSING_TENANCY_END = "housing.tenancy_end"
HOUSING_NOTICE_SEEKING_POSSESSION = "housing.notice_seeking_possession"
HOUSING_HOMELESS_APPLICATION = "housing.homeless_application"
HOUSING_TEMPORARY_ACCOMMODATION = "housing.temporary_accommodation"
HOUSING_ASB_REPORT = "housing.asb_report"

# --- MASH ---------------------------------------------------------------------
MASH_REFERRAL = "mash.referral"

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    POLICE: (
        POLICE_DOMESTIC, POLICE_ARREST, POLICE_CHARGE, POLICE_BAIL, POLICE_CONVICTION,
        POLICE_MISPER, POLICE_PROTECTION, POLICE_CONCERN_FOR_WELFARE, POLICE_SEXUAL_OFFENCE,
    ),
    CSC: (
        CSC_CONTACT, CSC_REFERRAL, CSC_STRATEGY_DISCUSSION, CSC_S47_ENQUIRY, CSC_CF_ASSESSMENT,
        CSC_ICPC, CSC_RCPC, CSC_CORE_GROUP, CSC_CP_PLAN, CSC_CIN_PLAN,
        CSC_LEGAL_PLANNING_MEETING, CSC_PLO, CSC_LAC, CSC_CLOSURE,
    ),
    HEALTH: (
        HEALTH_GP_APPOINTMENT, HEALTH_AE_ATTENDANCE, HEALTH_DNA, HEALTH_MISSED_IMMUNISATION,
        HEALTH_INJURY, HEALTH_SAFEGUARDING_CONCERN, HEALTH_HEALTH_VISITOR_CONTACT,
        HEALTH_SCHOOL_NURSE_CONTACT, HEALTH_CAMHS_REFERRAL,
    ),
    EDUCATION: (
        EDUCATION_ATTENDANCE, EDUCATION_DISCLOSURE, EDUCATION_INJURY, EDUCATION_NEGLECT,
        EDUCATION_HSB, EDUCATION_EXCLUSION, EDUCATION_CME, EDUCATION_REFERRAL_TO_MASH,
        EDUCATION_OTHER,
    ),
    PROBATION: (
        PROBATION_SENTENCE, PROBATION_LICENCE_START, PROBATION_ADDRESS_CHANGE,
        PROBATION_BREACH, PROBATION_RECALL, PROBATION_APPROVED_PREMISES,
    ),
    HOUSING: (
        HOUSING_TENANCY_START, HOUSING_TENANCY_END, HOUSING_NOTICE_SEEKING_POSSESSION,
        HOUSING_HOMELESS_APPLICATION, HOUSING_TEMPORARY_ACCOMMODATION, HOUSING_ASB_REPORT,
    ),
    MASH: (MASH_REFERRAL,),
}
ALL_EVENT_TYPES: frozenset[str] = frozenset(t for ts in EVENT_TYPES.values() for t in ts)

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
