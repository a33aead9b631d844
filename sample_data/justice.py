"""Arrests, bail, charges, convictions and probation, and offenders' stories.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import datetime as dt
import random

from . import texts
from .model import P0, days, Person


class JusticeMixin:

    def justice(self, p: Person, d: dt.date, cat: str, victim_home=None, after: dt.datetime | None = None):
        """Arrest -> bail -> charge -> conviction -> probation for one offence."""
        rng = self.rng
        E = self.E
        if d > E or d < P0:
            return
        fa = self.first_arrest.get(p.idx)
        if fa is None or d < fa:
            self.first_arrest[p.idx] = d
        offence = rng.choice(texts.OFFENCES[cat])
        ta = self.emit_police(d, "ARREST", texts.fill(rng, rng.choice(texts.POLICE["ARREST"]), {}, a=p.forename), [(p, "SUSPECT")],
                              at=after + dt.timedelta(minutes=rng.randint(10, 180)) if after else None)
        if rng.random() < 0.75 and ta is not None:
            tb = ta + dt.timedelta(minutes=rng.randint(90, 40 * 60))
            bd = tb.date()
            if rng.random() < 0.82:
                cond = rng.choice(texts.BAIL_CONDITIONS)
                baddr = self.bail_address(p, bd, cat, victim_home)
            else:
                cond, baddr = rng.choice(texts.BAIL_NO_RESIDENCE), None
            self.emit_police(bd, "BAIL", texts.fill(rng, rng.choice(texts.POLICE["BAIL"]), {}, a=p.forename),
                             [(p, "SUSPECT", baddr, cond)], at=tb)
        if rng.random() < 0.55:
            self.emit_police(d + days(rng.randint(1, 60)), "CHARGE", texts.fill(rng, rng.choice(texts.POLICE["CHARGE"]), {}, a=p.forename),
                             [(p, "SUSPECT")])
            if rng.random() < 0.7:
                cd = d + days(rng.randint(60, 330))
                if cd > E:
                    return
                self.emit_police(cd, "CONVICTION", texts.fill(rng, rng.choice(texts.POLICE["CONVICTION"]), {}, a=p.forename, offence=offence),
                                 [(p, "OFFENDER")])
                marker = {"dv": "DVPERP", "violence": "VIOLENCE", "sexual": "RSO", "other": "WEAPONS"}.get(cat)
                if marker:
                    p.add_marker(cd, marker)
                if cat == "sexual":
                    p.add_marker(cd, "SCHED1")
                if cat in ("dv", "violence", "sexual") or rng.random() < 0.5:
                    self.probation(p, cd, offence, cat)

    def bail_address(self, p: Person, d: dt.date, cat: str, victim_home):
        rng = self.rng
        home = p.addr_at(d)
        r = rng.random()
        if cat == "dv" and victim_home is not None and home is victim_home:
            # cannot go home: to a relative, a friend (who may have children) or a hostel
            if r < 0.3:
                g = self.rng.choice(self.lone)
                a = g.addr_at(d)
                if a is not None and g.role == "elderly":
                    return a
            if r < 0.55:
                a = self.family_address_with_kids(d)
                if a is not None:
                    self.scenarios["bail_to_other_family"] += 1
                    return a
            if r < 0.62:
                n = self.places.neighbour(victim_home)
                if n is not None:
                    self.scenarios["bail_neighbour_near_miss"] += 1
                    return n
            return self.places.take()
        if r < 0.12:
            a = self.family_address_with_kids(d)
            if a is not None:
                self.scenarios["bail_to_other_family"] += 1
                return a
        if r < 0.2 and home is not None:
            n = self.places.neighbour(home)
            if n is not None:
                self.scenarios["bail_neighbour_near_miss"] += 1
                return n
        return home if home is not None else self.places.take()

    def family_address_with_kids(self, d: dt.date):
        rng = self.rng
        for _ in range(6):
            fam = rng.choice(self.families)
            if self.kids_at(fam, d):
                return fam.home_at(d)
        return None

    def probation(self, p: Person, d: dt.date, offence: str, cat: str):
        rng = self.rng
        E = self.E
        rosh = {"sexual": ("High", "Very High", "Medium"), "violence": ("Medium", "High"), "dv": ("Medium", "High", "High"),
                "acquisitive": ("Low", "Medium"), "other": ("Low", "Medium")}[cat]
        rosh = rng.choice(rosh)
        note = rng.choice(("", "Reporting as required.", "Disclosure scheme check requested re new partner with children.",
                           "Pre-sentence report: lives with partner and her children.", "Home visit completed."))
        self.emit_prob(p, d, "Sentence", offence, cat, rosh, notes=note)
        t = d
        if rng.random() < 0.5:  # custody then licence
            t = d + days(rng.randint(90, 700))
            if t > E:
                return
            if cat in ("sexual", "violence") and rng.random() < 0.6:
                self.emit_prob(p, t, "Approved Premises", offence, cat, rosh, addr=rng.choice(self.ap), notes="Living at AP, curfew compliant.")
                self.emit_prob(p, t, "Licence Start", offence, cat, rosh, addr=rng.choice(self.ap))
            else:
                self.emit_prob(p, t, "Licence Start", offence, cat, rosh)
        # address changes the probation officer hears about
        for o in p.res_o[1:]:
            md = dt.date.fromordinal(o)
            if t < md <= min(E, t + days(3 * 365)) and rng.random() < 0.85:
                self.emit_prob(p, md + days(rng.randint(0, 21)), "Address Change", offence, cat, rosh,
                               addr=p.addr_at(md), notes="New address verified, household checks requested.")
        if rng.random() < 0.25:
            b = t + days(rng.randint(30, 400))
            self.emit_prob(p, b, "Breach", offence, cat, rosh, notes="Failed to attend appointments.")
            if rng.random() < 0.5:
                self.emit_prob(p, b + days(rng.randint(1, 20)), "Recall", offence, cat, rosh)

    def offender_story(self, p: Person):
        rng = self.rng
        E = self.E
        n = rng.choices((1, 2, 3, 4), (45, 30, 15, 10))[0]
        lo = max(P0, p.dob + days(16 * 365))
        if lo >= E:
            return
        for _ in range(n):
            d = self.rd(lo, E)
            cat = p.off_cat if rng.random() < 0.75 else rng.choice(("acquisitive", "other", "violence"))
            victim_home = None
            if cat == "dv":
                fam = p.fam
                if fam is not None and fam.home_at(d) is p.addr_at(d):
                    victim = fam.mother if fam.mother in fam.members_at(d) else None
                    self.domestic(fam, p, victim, d, arrest_p=0.0)
                    victim_home = p.addr_at(d)
                else:
                    p.add_marker(d, "DVPERP") if rng.random() < 0.4 else None
            if cat == "sexual" and rng.random() < 0.4:
                fam = p.fam
                kids = self.kids_at(fam, d) if fam is not None else []
                if not kids:
                    f2 = rng.choice(self.families)
                    kids = self.kids_at(f2, d)
                if kids:
                    c = rng.choice(kids)
                    self.emit_police(d, "SEXUAL OFFENCE", texts.fill(rng, rng.choice(texts.POLICE["SEXUAL OFFENCE"]), {}, c=c.forename, a=p.forename),
                                     [(c, "VICTIM"), (p, "SUSPECT")])
            self.justice(p, d + days(rng.randint(0, 10)), cat, victim_home)
