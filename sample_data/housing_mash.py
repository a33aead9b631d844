"""Tenancies, relationships recorded by CSC, and MASH referrals.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import datetime as dt
import random

from . import texts
from .model import P0, DAY, days, Person, Family


class HousingMashMixin:

    def housing_story(self, tl: list, fam: Family | None, lone: Person | None):
        rng = self.rng
        E = self.E
        social = fam.social if fam is not None else lone.social
        if not social:
            return
        tier = fam.tier if fam is not None else 1
        for i, (s, addr) in enumerate(tl):
            e = tl[i + 1][0] - DAY if i + 1 < len(tl) else None
            if rng.random() < 0.2:
                continue  # private rented spell
            self.tenancy_seq += 1
            tref = "HT%07d" % (1000000 + self.tenancy_seq)
            show_uprn = rng.random() < 0.75
            evs = []
            if s > P0:
                prev_end = s - DAY
                if i > 0 and rng.random() < 0.15:
                    evs.append(("Homeless Application", prev_end - days(rng.randint(10, 60)), tl[i - 1][1]))
                    evs.append(("Temporary Accommodation", s, addr))
                else:
                    evs.append(("Tenancy Start", s, addr))
            hi = e or E
            for _ in range(int(rng.expovariate(1 / (0.3 + 0.4 * tier)) + 0.3)):
                evs.append(("ASB Report", self.rd(s, hi), addr))
            if tier >= 2 and rng.random() < 0.3:
                evs.append(("Notice Seeking Possession", self.rd(s, hi), addr))
            if e is not None:
                evs.append(("Tenancy End", e, addr))
            for ev, d, a in evs:
                if d < P0 or d > E:
                    continue
                if fam is not None:
                    here = fam.members_at(d)
                    lead = fam.lead if fam.lead in here else (here[0] if here else None)
                    if lead is None:
                        continue
                    hh = [(m, self.hh_rel(fam, lead, m)) for m in here if m is not lead]
                else:
                    lead, hh = lone, []
                self.housing.append((tref, a, ev, d, lead, hh, show_uprn))

    def hh_rel(self, fam: Family, lead: Person, m: Person) -> str:
        kids = fam.children
        if m in kids:
            if lead is m.mother or lead is m.father:
                return "son" if m.sex == "M" else "daughter"
            if lead in fam.grans:
                return "grandson" if m.sex == "M" else "granddaughter"
            return "stepson" if m.sex == "M" else "stepdaughter"
        if m in fam.grans:
            return "mother" if m.sex == "F" else "father"
        if lead in kids:
            return "mother" if m.sex == "F" else "father"
        if lead in fam.grans:
            return "daughter" if m.sex == "F" else "son"
        married = fam.married_partner if m is fam.partner or lead is fam.partner else fam.married
        if self.rng.random() < 0.08:
            married = not married  # clerk's guess
        if married:
            return "husband" if m.sex == "M" else "wife"
        return "partner"

    def lone_universal(self, p: Person):
        rng = self.rng
        E = self.E
        if not p.res_o:
            return
        lo = max(P0, dt.date.fromordinal(p.res_o[0]))
        for _ in range(rng.choices((0, 1, 2, 3), (40, 35, 17, 8))[0] + (1 if p.role == "elderly" else 0)):
            self.emit_gp(p, self.rd(lo, E), "GP Appointment")
        tl = [(dt.date.fromordinal(o), a) for o, a in zip(p.res_o, p.res_a)]
        if p.fam is None:
            self.housing_story(tl, None, p)

    # ---------------------------------------------------------------- CSC relationships
    def make_relationships(self):
        rng = self.rng
        first_last: dict = {}
        for child, la, ep, s, e, out, team, notes, addr in self.csc:
            fl = first_last.get(child.idx)
            if fl is None:
                first_last[child.idx] = [child, s, s]
            else:
                fl[1] = min(fl[1], s)
                fl[2] = max(fl[2], s)
        for idx in sorted(first_last):
            child, first, last = first_last[idx]
            fam = child.fam
            if fam is None:
                continue
            rels = []
            if child.mother is not None and rng.random() < 0.96:
                rels.append((child.mother, "Mother"))
            if child.father is not None and rng.random() < 0.75:
                rels.append((child.father, "Father"))
            p = fam.partner
            if p is not None and not p.hidden:
                joined = [a for q, a, b, r in fam.spans if q is p][0]
                if joined <= last.toordinal() and rng.random() < 0.85:
                    rels.append((p, "Step-father" if fam.married_partner else "Mother's partner"))
            for sib in fam.children:
                if sib is not child and sib.dob <= last and rng.random() < 0.6:
                    rels.append((sib, "Sibling"))
            for g in fam.grans:
                if rng.random() < 0.45:
                    rels.append((g, "Grandmother" if g.sex == "F" else "Grandfather"))
            for k in fam.kin:
                if rng.random() < 0.4:
                    rels.append((k, "Aunt" if k.sex == "F" else "Uncle"))
            for person, label in rels:
                la = child.la_ids[0] if len(child.la_ids) == 1 or rng.random() < 0.7 else child.la_ids[-1]
                addr = person.addr_at(last) if rng.random() < 0.7 else None
                self.rel.append((child, la, person, label, addr, rng.random() < 0.85))

    def make_mash(self):
        rng = self.rng
        E = self.E
        n = max(5, round(self.n_families * 0.08))
        risky = [f for f in self.families if f.tier >= 1]
        seq = rng.sample(range(1, n * 3 + 1), n)
        made = 0
        tries = 0
        while made < n and tries < n * 20:
            tries += 1
            fam = rng.choice(risky if risky and rng.random() < 0.7 else self.families)
            d = self.rd(E - days(60), E)
            kids = self.kids_at(fam, d)
            if not kids:
                continue
            c = rng.choice(kids)
            man = self.man_at(fam, d)
            adult = man or fam.mother
            tmpl = rng.choice(texts.MASH if man is not None else texts.MASH[2:4])
            concern = texts.fill(rng, tmpl, {}, c=c.pref or c.forename, adult=f"{adult.forename} {adult.surname_at(d)}")
            if rng.random() < 0.15:
                concern += texts.tail(rng)
            agency = rng.choice(("Police", "Health", "Education", "Probation", "Housing", "Public", "Other LA"))
            t = self.rtime(d)
            self.mash.append(("MR-%d-%05d" % (E.year, seq[made]), t, agency, c, self.rec_addr(c, d, 0.05, 0.03), concern))
            made += 1
