"""Universal services and each family's story: health, school, domestic incidents.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import datetime as dt
import random

from . import texts
from .model import P0, days, age_on, school_year, Person, Family


class FamilyEventsMixin:

    # --------------------------------------------------------------- stories
    def build_events(self):
        for fam in self.families:
            self.universal(fam)
            self.family_story(fam)
            self.housing_story(fam.tl, fam, None)
        for p in self.lone:
            self.lone_universal(p)
        for p in self.persons:
            if p.off_cat:
                self.offender_story(p)
        self.make_relationships()
        self.make_mash()

    def universal(self, fam: Family):
        rng = self.rng
        E = self.E
        tier = fam.tier
        for p, a, b, role in fam.spans:
            lo = dt.date.fromordinal(max(a, p.dob.toordinal(), P0.toordinal()))
            hi = min(E, dt.date.fromordinal(min(b, E.toordinal())))
            if hi <= lo:
                continue
            if role == "child":
                n = rng.choices((0, 1, 2, 3), (40, 35, 17, 8))[0]
                for _ in range(n):
                    self.emit_gp(p, self.rd(lo, hi), "GP Appointment")
                if p.dob >= P0 and rng.random() < 0.75:
                    for k in range(rng.randint(1, 3)):
                        self.emit_gp(p, p.dob + days(rng.randint(10 + k * 120, 130 + k * 240)), "Health Visitor Contact")
                if p.dob >= P0 - days(365 * 4) and rng.random() < (0.03, 0.12, 0.25, 0.35)[tier]:
                    self.emit_gp(p, self.rd(max(lo, p.dob + days(365)), min(hi, p.dob + days(4 * 365))), "Missed Immunisation")
                if rng.random() < (0.15, 0.3, 0.45, 0.6)[tier]:
                    for _ in range(rng.randint(1, 2)):
                        self.emit_gp(p, self.rd(lo, hi), "A&E Attendance")
                if rng.random() < (0.04, 0.15, 0.3, 0.4)[tier]:
                    self.emit_gp(p, self.rd(lo, hi), "DNA")
                if rng.random() < 0.06 * (tier + 1):
                    self.emit_gp(p, self.rd(lo, hi), rng.choice(("School Nurse Contact", "CAMHS Referral", "Injury")))
                # school log
                mean = (0.3, 1.1, 2.2, 3.5)[tier]
                n = int(rng.expovariate(1 / mean) + 0.5) if mean else 0
                s_lo = max(lo, p.dob + days(4 * 365 + 200))
                s_hi = min(hi, p.dob + days(18 * 365 - 60))
                if s_hi > s_lo:
                    cats = ("Attendance", "Other", "Disclosure", "Neglect", "Injury", "Referral to MASH", "Exclusion", "HSB", "CME")
                    cw = ((60, 30, 3, 2, 3, 1, 3, 0.5, 0.5), (40, 20, 10, 10, 8, 5, 5, 1, 1),
                          (35, 15, 12, 14, 10, 7, 5, 1.5, 1.5), (30, 12, 14, 16, 10, 8, 6, 2, 2))[tier]
                    for _ in range(n):
                        self.emit_school(p, self.rd(s_lo, s_hi), rng.choices(cats, cw)[0])
            else:
                n = rng.choices((0, 1, 2, 3), (45, 33, 15, 7))[0]
                for _ in range(n):
                    self.emit_gp(p, self.rd(lo, hi), "GP Appointment" if rng.random() < 0.9 else "A&E Attendance")
                if role == "partner" and rng.random() < 0.5:
                    # registers with the family's GP soon after moving in
                    self.emit_gp(p, self.rd(lo, min(hi, lo + days(120))), "GP Appointment")
        # a teenager in trouble
        for k in fam.children:
            if tier >= 1 and k.sex == "M" and rng.random() < 0.08 * tier:
                d = self.rd(max(P0, k.dob + days(14 * 365)), min(E, k.dob + days(18 * 365)))
                if d < E and d > P0:
                    self.emit_police(d, "ARREST", texts.fill(rng, rng.choice(texts.POLICE["ARREST"]), {}, a=k.forename), [(k, "SUSPECT")])
            if tier >= 1 and rng.random() < 0.05 * tier:
                d = self.rd(max(P0, k.dob + days(12 * 365)), min(E, k.dob + days(18 * 365)))
                if P0 < d < E:
                    for _ in range(rng.randint(1, 3)):
                        self.emit_police(d, "MISPER", texts.fill(rng, rng.choice(texts.POLICE["MISPER"]), {}, c=k.forename, b="mum", hrs=rng.randint(3, 30)),
                                         [(k, "MISSING PERSON"), (k.mother, "INVOLVED")], evening=True)
                        d += days(rng.randint(5, 80))
        if tier == 0 and rng.random() < 0.06:
            m = rng.choice([p for p, _, _, _ in fam.spans])
            self.emit_police(self.rd(P0, E), "CONCERN FOR WELFARE",
                             f"Concern for welfare of {m.forename}: welfare check requested by family, found safe and well.",
                             [(m, "SUBJECT")])

    def kids_at(self, fam: Family, d: dt.date, max_age: int = 17) -> list:
        o = d.toordinal()
        return [p for p, a, b, r in fam.spans if r == "child" and a <= o < b and p.dob <= d and age_on(p.dob, d) <= max_age]

    def man_at(self, fam: Family, d: dt.date):
        here = fam.members_at(d)
        for p in (fam.partner, fam.father):
            if p is not None and p in here:
                return p
        return None

    def family_story(self, fam: Family):
        rng = self.rng
        E = self.E
        tier = fam.tier
        # scenario injections (independent of tier)
        if rng.random() < 0.09:
            self.uncollated(fam)
        if rng.random() < 0.08:
            self.repeat_referrals(fam)
        if tier == 0:
            return
        n_inv = {1: rng.randint(1, 2), 2: rng.randint(1, 3), 3: rng.randint(2, 4)}[tier]
        span = (E - P0).days
        dates = sorted(P0 + days(rng.randint(30, span - 20)) for _ in range(n_inv))
        top = rng.randrange(n_inv)
        last_end = P0
        for i, d in enumerate(dates):
            if d < last_end + days(60):
                d = last_end + days(rng.randint(60, 200))
            if d > E - days(5):
                break
            kids = self.kids_at(fam, d)
            if not kids:
                continue
            if rng.random() < 0.25 and len(kids) > 1:
                kids = [rng.choice(kids)]
            if tier == 1:
                level = rng.choice(("contact", "contact", "referral_nfa"))
            elif tier == 2:
                level = ("cp" if rng.random() < 0.1 else "assessment") if i == top else rng.choice(("contact", "referral_nfa", "assessment"))
            else:
                level = "cp" if i == top else rng.choice(("contact", "referral_nfa", "assessment", "cp"))
            t = self.trigger(fam, kids, d)
            last_end = self.involvement(fam, kids, t, level)

    def trigger(self, fam: Family, kids: list, d: dt.date) -> dt.date:
        """An incident that brings the family to notice; returns the contact date."""
        rng = self.rng
        man = self.man_at(fam, d)
        r = rng.random()
        mum = fam.mother if fam.mother in fam.members_at(d) else (fam.grans[0] if fam.grans else None)
        kidnames = " and ".join(k.forename for k in kids[:3])
        if man is not None and r < 0.55:
            self.domestic(fam, man, mum, d)
            return d + days(rng.randint(1, 6))
        if r < 0.7:
            c = rng.choice(kids)
            if school_year(c.dob, d) >= 0:
                self.emit_school(c, d, rng.choice(("Referral to MASH", "Disclosure", "Neglect", "Injury")))
            else:
                self.emit_gp(c, d, "Safeguarding Concern")
            return d + days(rng.randint(0, 3))
        if r < 0.85:
            c = rng.choice(kids)
            self.emit_gp(c, d, rng.choice(("Safeguarding Concern", "Injury", "A&E Attendance")))
            return d + days(rng.randint(0, 5))
        otype = rng.choice(("CONCERN FOR WELFARE", "POLICE PROTECTION")) if fam.tier == 3 else "CONCERN FOR WELFARE"
        summ = texts.fill(rng, rng.choice(texts.POLICE[otype]), {}, c=kids[0].forename, b=mum.forename if mum else "carer", kids=kidnames)
        self.emit_police(d, otype, summ, [(k, "SUBJECT") for k in kids] + ([(mum, "INVOLVED")] if mum else []), evening=True)
        return d + days(rng.randint(0, 2))

    def domestic(self, fam: Family, man: Person, victim, d: dt.date, arrest_p: float = 0.45):
        rng = self.rng
        kids = self.kids_at(fam, d)
        summ = texts.fill(rng, rng.choice(texts.POLICE["DOMESTIC"]), {}, a=man.forename, b=victim.forename if victim else "partner",
                          kids=" and ".join(k.forename for k in kids[:3]) or "No children", risk=rng.choice(("STANDARD", "MEDIUM", "HIGH")))
        noms = [(man, "SUSPECT")]
        if victim is not None:
            noms.append((victim, "VICTIM"))
        for k in kids:
            if rng.random() < 0.85:
                noms.append((k, rng.choice(("INVOLVED", "WITNESS", "INVOLVED"))))
        prior = sum(1 for _, ot, _, rows in self.police[-200:] if ot == "DOMESTIC" and rows and rows[0][0] is man)
        td = self.emit_police(d, "DOMESTIC", summ, noms, evening=True)
        if prior >= 1 or rng.random() < 0.35:
            man.add_marker(d, "DVPERP")
        if rng.random() < arrest_p and td is not None:
            self.justice(man, d, "dv", victim_home=fam.home_at(d), after=td)
        if rng.random() < 0.3 and victim is not None:
            self.emit_gp(victim, d + days(rng.randint(1, 20)), rng.choice(("GP Appointment", "A&E Attendance")),
                         "Injuries consistent with assault, disclosed DA. Referred to IDVA." + texts.tail(rng))
