"""The clean model's records: people, families and the calendar helpers the generator shares."""
from __future__ import annotations

import bisect
import datetime as dt

P0 = dt.date(2015, 1, 1)
DAY = dt.timedelta(days=1)

STRUCTS = ("couple", "lone_mother", "blended", "grand_carer", "lone_father")
STRUCT_W = (52, 27, 14, 3, 4)
TIER_W = (50, 24, 14, 12)
# CSC episodes that happen on working days (RCPCs are placed by cp_plan itself)
MEETINGS = {"Strategy Discussion", "S47 Enquiry", "ICPC", "Core Group", "Legal Planning Meeting", "PLO", "Closure",
            "CIN Plan", "LAC"}
MOVES_W = ((50, 30, 13, 5, 2), (35, 33, 20, 8, 4), (25, 30, 25, 12, 8), (20, 30, 25, 15, 10))


def days(n: int) -> dt.timedelta:
    return dt.timedelta(days=n)


def age_on(dob: dt.date, d: dt.date) -> int:
    return d.year - dob.year - ((d.month, d.day) < (dob.month, dob.day))


def school_year(dob: dt.date, d: dt.date) -> int:
    """Year group number (0 = Reception) in England on date d."""
    ay = d.year if d.month >= 9 else d.year - 1
    cohort = dob.year if dob.month >= 9 else dob.year - 1
    return ay - cohort - 5


class Person:
    __slots__ = (
        "idx", "pid", "forename", "middles", "surnames", "birth_surname", "sex", "dob", "culture",
        "nhs", "upn", "pnc", "crn", "nominal", "la_ids", "phone", "family_id", "role", "res_o",
        "res_a", "markers", "pref", "mother", "father", "off_cat", "fam", "kin", "hidden",
        "social", "gen",
    )

    def surname_at(self, d: dt.date) -> str:
        s = self.surnames[0][1]
        o = d.toordinal()
        for start, name in self.surnames[1:]:
            if o >= start:
                s = name
        return s

    @property
    def surname(self) -> str:
        return self.surnames[-1][1]

    def addr_at(self, d: dt.date):
        i = bisect.bisect_right(self.res_o, d.toordinal()) - 1
        return self.res_a[i] if i >= 0 else None

    def markers_at(self, d: dt.date) -> list:
        out = []
        for md, code in self.markers:
            if md <= d and code not in out:
                out.append(code)
        return out

    def add_marker(self, d: dt.date, code: str):
        for md, c in self.markers:
            if c == code and md <= d:
                return
        self.markers.append((d, code))


class Family:
    __slots__ = ("fid", "culture", "tier", "struct", "tl", "mother", "father", "partner", "children",
                 "grans", "spans", "lead", "married_partner", "married", "social", "kin", "town")

    def members_at(self, d: dt.date) -> list:
        o = d.toordinal()
        return [p for p, a, b, _ in self.spans if a <= o < b and p.dob <= d]

    def home_at(self, d: dt.date):
        o = d.toordinal()
        a = None
        for start, addr in self.tl:
            if start.toordinal() <= o:
                a = addr
        return a
