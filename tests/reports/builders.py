"""Report data for the tests: a fixed small child, payload-laden variants, big chronologies."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import polars as pl

from chronolink.reports.model import (
    AgencyName,
    Candidate,
    ChildReportData,
    ChildSummary,
    CurrentPlace,
    Disposition,
    Evidence,
    Flag,
    HouseholdMember,
    HouseholdReportData,
    Identifier,
    IndexRow,
    Link,
    Period,
    PlaceSummary,
    ResidentPeriods,
    WaterfallStep,
)

AS_OF = date(2024, 6, 30)

SCRIPT_PAYLOAD = "</script><script>document.title='PWNED'</script>"
IMG_PAYLOAD = "<img src=x onerror=\"document.title='PWNED'\">"
PAYLOAD = f"{SCRIPT_PAYLOAD}{IMG_PAYLOAD}<!-- \u2028\u2029 & \"q\" 'a' <svg onload=alert(1)>"


def _events(text) -> pl.DataFrame:
    rows = [
        # event_id, date, time, end, agency, type, label, summary, outcome, people, place, sources, age, sig
        ("e01", date(2022, 3, 14), "21:40", None, "police", "police.domestic", "DOMESTIC",
         "Neighbour reported shouting; child heard crying.", "Words of advice", "Daniel Hart (suspect); Lily Hart (present)",
         "12 Oak Road, Leeds LS1 2AB", ["police_occurrences.csv:12"], None, None),
        ("e02", date(2022, 4, 2), None, None, "health", "health.ae_attendance", "A&E Attendance",
         "Bruise to left cheek, mother says fell from scooter.", "Discharged", "Lily Hart", None,
         ["gp_consultations.csv:40"], None, None),
        ("e03", date(2022, 4, 20), None, None, "education", "education.disclosure", "Disclosure",
         "Told teacher 'daddy shouts at mummy'.", "DSL informed", "Lily Hart", None,
         ["school_safeguarding.xlsx:7"], None, None),
        ("e04", date(2022, 12, 1), None, None, "police", "police.bail", "BAIL",
         "Bailed pending investigation.", "Conditions: not to contact victim",
         "Daniel Hart (suspect)", "12 Oak Road, Leeds LS1 2AB", ["police_occurrences.csv:30"], None,
         "flag: bail_address_child"),
        ("e05", date(2023, 2, 10), None, date(2023, 4, 18), "csc", "csc.cf_assessment", "C&F Assessment",
         "Assessment of needs.", "CIN plan", "Lily Hart; Sarah Hart (mother)", None,
         ["csc_episodes.xlsx:40", "csc_episodes.xlsx:41"], None, None),
        ("e06", date(2023, 5, 1), None, None, "csc", "csc.cp_plan", "CP Plan",
         "Child protection plan, category emotional abuse.", None, "Lily Hart", None,
         ["csc_episodes.xlsx:44"], None, None),
        ("e07", date(2023, 12, 5), "09:00", None, "probation", "probation.licence_start", "licence start",
         "Released on licence to 12 Oak Road.", None, "Daniel Hart", "12 Oak Road, Leeds LS1 2AB",
         ["probation_events.csv:3"], None, None),
        ("e08", None, None, None, "housing", "housing.tenancy_start", "Tenancy Start",
         "Tenancy date unreadable in extract.", None, "Sarah Hart (lead tenant)", "12 Oak Road",
         ["housing_tenancies.csv:9"], None, None),
    ]
    cols = ["event_id", "date", "time", "end_date", "agency", "event_type", "label", "summary", "outcome",
            "people", "place", "sources", "child_age", "significance"]
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    for c in ("label", "summary", "outcome", "people", "place", "child_age", "significance"):
        data[c] = [text(v) if v is not None or c in ("summary", "outcome") else v for v in data[c]]
    data["sources"] = [[text(s) for s in ss] for ss in data["sources"]]
    return pl.DataFrame(data, schema_overrides={"date": pl.Date, "end_date": pl.Date, "child_age": pl.String,
                                                 "significance": pl.String})


def child_data(payload: str | None = None) -> ChildReportData:
    """The fixed small child; with ``payload``, appended to every free-text field."""

    def t(v: str | None) -> str:
        v = v or ""
        return v + payload if payload else v

    flags = [
        Flag(
            flag_id="F0001", rule="bail_address_child", trigger_date=date(2022, 12, 1),
            other_person=t("Daniel Hart (P00000002)"), place=t("12 Oak Road, Leeds LS1 2AB"),
            plain_english=t(""),
            evidence=[
                Evidence(source_file=t("police_occurrences.csv"), source_row=30, role=t("bail"),
                         summary=t("BAIL, BailAddress 12 Oak Road")),
                Evidence(source_file="school_safeguarding.xlsx", source_row=7, role="child_observed",
                         summary=t("Pupil address 12 Oak Road")),
            ],
            disposition=Disposition(status="open"),
            links=[Link(
                description=t("police_occurrences.csv:30 nominal ↔ probation_events.csv:3 offender"),
                match_weight=14.2, match_probability=0.99994,
                waterfall=[WaterfallStep(comparison=t("prior"), level=t("—"), weight=-9.5),
                           WaterfallStep(comparison="surname", level="exact", weight=8.1),
                           WaterfallStep(comparison="dob", level="exact", weight=11.3),
                           WaterfallStep(comparison="postcode", level="different", weight=-1.2),
                           WaterfallStep(comparison="PNC id", level="exact", weight=5.5)])],
        ),
        Flag(
            flag_id="F0002", rule="concerns_not_collated", trigger_date=date(2022, 4, 20),
            evidence=[Evidence(source_file="police_occurrences.csv", source_row=12, role="concern"),
                      Evidence(source_file="gp_consultations.csv", source_row=40, role="concern"),
                      Evidence(source_file="school_safeguarding.xlsx", source_row=7, role="concern")],
            disposition=Disposition(status="confirmed", by=t("A. Reviewer"),
                                    at=datetime(2024, 7, 1, 10, 30), reason=t("Agreed at MASH meeting")),
        ),
    ]
    child = ChildSummary(
        person_id="P00000001", display_name=t("Lily Hart"), dob=date(2015, 3, 9), sex="F",
        names=[AgencyName(agency="police", name=t("Lilly HART"), source_file="police_occurrences.csv", source_row=12),
               AgencyName(agency="education", name=t("Lily Hart-Jones"), source_file="school_safeguarding.xlsx",
                          source_row=7)],
        identifiers=[Identifier(kind="NHS number", value=t("943 476 5919"), valid=True),
                     Identifier(kind="UPN", value="A123456789012", valid=False),
                     Identifier(kind="CSC Person ID", value="LA1234567")],
        current_place=CurrentPlace(address=t("12 Oak Road, Leeds LS1 2AB"), place_id="A00000010",
                                   since=date(2021, 9, 1), seen_by=["police", "education", "housing"]),
        household=[HouseholdMember(person_id="P00000002", name=t("Daniel Hart"), role=t("father"),
                                   dob=date(1988, 1, 2), risk_markers=[t("DVPERP"), "probation: violence"],
                                   places_shared=[t("12 Oak Road, Leeds LS1 2AB")], period_from=date(2021, 9, 1)),
                   HouseholdMember(person_id="P00000003", name="Sarah Hart", role="mother", dob=date(1990, 5, 6),
                                   places_shared=["12 Oak Road, Leeds LS1 2AB"], period_from=date(2021, 9, 1),
                                   period_to=date(2024, 1, 31), kind="past"),
                   HouseholdMember(person_id="P00000004", name=t("Gary Hart"), role=t("uncle"), kind="related")],
    )
    return ChildReportData(as_of=AS_OF, child=child, events=_events(t), flags=flags, marking=t("OFFICIAL-SENSITIVE"))


def household_data(payload: str | None = None) -> HouseholdReportData:
    def t(v: str | None) -> str:
        v = v or ""
        return v + payload if payload else v

    child = child_data(payload)
    return HouseholdReportData(
        as_of=AS_OF,
        place=PlaceSummary(place_id="A00000010", address=t("12 Oak Road, Leeds LS1 2AB"), seen_by=["police", "housing"]),
        members=[
            ResidentPeriods(person_id="P00000001", name=t("Lily Hart"), role=t("child"), dob=date(2015, 3, 9),
                            periods=[Period(start=date(2021, 9, 1), sources=[t("school_safeguarding.xlsx:7")])]),
            ResidentPeriods(person_id="P00000002", name=t("Daniel Hart"), role="adult", risk_markers=[t("DVPERP")],
                            periods=[Period(start=date(2022, 3, 14), end=date(2022, 12, 1)),
                                     Period(start=date(2023, 12, 5))]),
        ],
        events=child.events,
        flags=[f.model_copy(update={"child": t("Lily Hart (P00000001)")}) for f in child.flags],
    )


def index_rows(payload: str | None = None) -> list[IndexRow]:
    def t(v: str) -> str:
        return v + payload if payload else v

    return [
        IndexRow(referral_id=t("R-0001"), received=date(2024, 6, 1), child_person_id="P00000001",
                 child_name=t("Lily Hart"), flag_count=2, rating="red"),
        IndexRow(referral_id=t("R-0003"), received=date(2024, 6, 20), child_person_id=None,
                 child_name=t("Unknown Child"),
                 candidates=[Candidate(person_id="P00000009", name=t("Jon Smith"), match_probability=0.62,
                                       has_report=True),
                             Candidate(person_id="P00000010", name="John Smyth", match_probability=0.31)],
                 flag_count=0, rating="amber"),
        IndexRow(referral_id="R-0002", received=date(2024, 6, 10), child_person_id="P00000004",
                 child_name="Sam Lee", flag_count=0, rating="green"),
    ]


AGENCY_TYPES = {
    "police": ["police.domestic", "police.misper", "police.arrest", "police.bail"],
    "csc": ["csc.contact", "csc.referral", "csc.cf_assessment", "csc.cp_plan", "csc.core_group"],
    "health": ["health.gp_appointment", "health.ae_attendance", "health.dna"],
    "education": ["education.attendance", "education.disclosure"],
    "probation": ["probation.sentence"],
    "housing": ["housing.tenancy_start"],
    "mash": ["mash.referral"],
}


def big_child_data(n: int, seed: int = 7, flags: int = 10) -> ChildReportData:
    """A child with ``n`` events spread over 12 years."""
    rng = random.Random(seed)
    start = date(2012, 1, 1)
    agencies = list(AGENCY_TYPES)
    rows = []
    for i in range(n):
        agency = rng.choice(agencies)
        etype = rng.choice(AGENCY_TYPES[agency])
        d = start + timedelta(days=rng.randrange(0, 12 * 365))
        end = d + timedelta(days=rng.randrange(20, 400)) if etype in ("csc.cp_plan", "csc.cf_assessment") and rng.random() < .8 else None
        rows.append({
            "event_id": f"e{i:06d}", "date": d, "time": None, "end_date": end, "agency": agency,
            "event_type": etype, "label": etype.split(".")[1].upper(),
            "summary": "Free text note " * rng.randrange(1, 12), "outcome": "NFA", "people": "Child A; Adult B",
            "place": "1 High Street", "sources": [f"{agency}.csv:{i + 2}"], "child_age": None, "significance": None,
        })
    frame = pl.DataFrame(rows, schema_overrides={"date": pl.Date, "end_date": pl.Date, "time": pl.String,
                                                 "child_age": pl.String, "significance": pl.String})
    fl = [Flag(flag_id=f"F{i:04d}", rule="repeat_referrals", trigger_date=start + timedelta(days=300 * i + 50))
          for i in range(flags)]
    child = ChildSummary(person_id="P00000099", display_name="Big Case", dob=date(2011, 6, 1))
    return ChildReportData(as_of=AS_OF, child=child, events=frame, flags=fl)
