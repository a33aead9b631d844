"""The one vocabulary of agencies and canonical event types (schemas: the contract every layer reads).

The ingest maps every agency's own labels onto these event types (mapping files are checked against
them), the rules read them (``engine.rules.vocabulary`` adds the rules' sets), and the reports name
and colour them (``reports.vocab``). Nothing here imports anything.
"""
from __future__ import annotations

from typing import Literal

POLICE = "police"
CSC = "csc"
HEALTH = "health"
EDUCATION = "education"
PROBATION = "probation"
HOUSING = "housing"
MASH = "mash"
AGENCIES: tuple[str, ...] = (POLICE, CSC, HEALTH, EDUCATION, PROBATION, HOUSING, MASH)
#: The agencies as a type (a test checks it lists AGENCIES).
Agency = Literal["police", "csc", "health", "education", "probation", "housing", "mash"]

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
CSC_RELATIONSHIP = "csc.relationship"  # a recorded relationship (csc_relationships rows, undated)

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
        CSC_LEGAL_PLANNING_MEETING, CSC_PLO, CSC_LAC, CSC_CLOSURE, CSC_RELATIONSHIP,
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
