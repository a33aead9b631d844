"""One record per agency event: the rows each agency's system would hold.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import datetime as dt
import random

from . import ids, texts
from .model import P0, age_on, school_year, Person


class EmittersMixin:

    # ------------------------------------------------------------- emitters
    def rtime(self, d: dt.date, evening: bool = False) -> dt.datetime:
        rng = self.rng
        h = rng.choice((18, 19, 20, 21, 22, 23, 0, 1)) if evening else rng.randint(7, 23)
        return dt.datetime(d.year, d.month, d.day, h, rng.randrange(60))

    def emit_police(self, d: dt.date, otype: str, summary: str, noms: list, evening: bool = False,
                    at: dt.datetime | None = None):
        if at is not None:
            d = at.date()
        if d < P0 or d > self.E:
            return None
        rows = []
        for item in noms:
            p, role = item[0], item[1]
            bail = item[2] if len(item) > 2 else None
            cond = item[3] if len(item) > 3 else ""
            if p is None or p.dob > d:
                continue
            if not p.nominal:
                p.nominal = ids.make_nominal(self.rng, self.used["nom"])
            rows.append((p, role, self.rec_addr(p, d, 0.04, 0.05), bail, cond))
        if rows:
            t = at or self.rtime(d, evening)
            self.police.append((t, otype, summary, rows))
            return t
        return None

    def emit_gp(self, p: Person, d: dt.date, gtype: str, notes: str | None = None):
        if d < P0 or d > self.E or d < p.dob:
            return
        rng = self.rng
        if notes is None:
            notes = texts.fill(rng, rng.choice(texts.GP[gtype]), texts.GP_FILL, age=age_on(p.dob, d)) + texts.tail(rng)
        if gtype == "A&E Attendance":
            clin = rng.choice(texts.ED_CLINICIANS)
        elif gtype == "Health Visitor Contact":
            clin = rng.choice(texts.HV_CLINICIANS)
        elif gtype == "School Nurse Contact":
            clin = "School Nurse"
        else:
            clin = rng.choice(texts.CLINICIANS)
        self.gp.append((d, p, gtype, clin, notes, self.rec_addr(p, d, 0.01, 0.06)))

    def carers_at(self, child: Person, d: dt.date) -> list:
        fam = child.fam
        if fam is None:
            return []
        rng = self.rng
        here = fam.members_at(d)
        out = []
        mum = child.mother
        if mum is not None and mum in here:
            out.append((mum, "Mother"))
        elif fam.grans and fam.grans[0] in here:
            out.append((fam.grans[0], rng.choice(("Grandmother", "Nan", "Grandmother"))))
        dad = child.father
        second = None
        if dad is not None and dad in here:
            second = (dad, "Father")
        elif fam.partner is not None and fam.partner in here and rng.random() < 0.6:
            second = (fam.partner, "Step-father" if fam.married_partner else rng.choice(("Mum's partner", "Mother's partner")))
        elif dad is not None and rng.random() < 0.35:
            second = (dad, "Father")
        elif fam.grans and rng.random() < 0.2 and (not out or out[0][0] is not fam.grans[0]):
            g = fam.grans[0]
            second = (g, "Grandmother" if g.sex == "F" else "Grandfather")
        if second is not None:
            out.append(second)
        if not out and dad is not None:
            out.append((dad, "Father"))
        return out

    def emit_school(self, child: Person, d: dt.date, cat: str, details: str | None = None):
        if d < P0 or d > self.E:
            return
        y = school_year(child.dob, d)
        if y < 0 or y > 13 or d.month == 8:
            return
        rng = self.rng
        if not child.upn:
            child.upn = ids.make_upn(rng, self.used["upn"], max(2000, child.dob.year + 4 + rng.choice((0, 0, 0, 1))))
        if details is None:
            fam = child.fam
            adult = fam.partner if fam and fam.partner else child.father or child.mother
            details = texts.fill(rng, rng.choice(texts.SCHOOL[cat]), texts.GP_FILL,
                                 c=child.pref or child.forename,
                                 adult=("mum's boyfriend" if adult is not None and adult.role == "partner" else "dad"),
                                 pct=rng.choice((78, 82, 85, 88)), n=rng.randint(1, 5)) + texts.tail(rng)
        action = "Referral to MASH" if cat == "Referral to MASH" else rng.choice(texts.SCHOOL_ACTIONS)
        carers = self.carers_at(child, d)
        c1 = carers[0] if carers else None
        c2 = carers[1] if len(carers) > 1 and rng.random() < 0.85 else None
        self.school.append((d, child, cat, details, action, self.rec_addr(child, d, 0.01, 0.05), c1, c2))

    def emit_csc(self, child: Person, la_id: str, episode: str, start: dt.date, end, outcome: str,
                 team: str, notes: str | None = None):
        if start < P0 or start > self.E:
            return
        if end is not None and end > self.E:
            end = None
        rng = self.rng
        if notes is None:
            notes = texts.fill(rng, rng.choice(texts.CSC_NOTES[episode]), texts.CSC_FILL)
            if rng.random() < 0.08:
                notes += texts.tail(rng)
        self.csc.append((child, la_id, episode, start, end, outcome, team, notes, self.rec_addr(child, start, 0.03, 0.05)))

    def emit_prob(self, p: Person, d: dt.date, event: str, offence: str, cat: str, rosh: str,
                  addr="auto", notes: str = ""):
        if d < P0 or d > self.E:
            return
        if not p.crn:
            p.crn = ids.make_crn(self.rng, self.used["crn"])
        if addr == "auto":
            addr = self.rec_addr(p, d, 0.02, 0.03)
        self.prob.append((d, p, event, offence, cat, addr, rosh, notes))

    def la_id_for(self, child: Person, new_involvement: bool) -> str:
        rng = self.rng
        if not child.la_ids:
            child.la_ids.append(ids.make_la_id(rng, self.used["la"]))
        elif new_involvement and rng.random() < 0.06:
            child.la_ids.append(ids.make_la_id(rng, self.used["la"]))
            self.scenarios["duplicate_la_id"] += 1
            return child.la_ids[-1]
        return child.la_ids[0] if rng.random() < 0.7 else child.la_ids[-1]
