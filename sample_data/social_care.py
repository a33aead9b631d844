"""Children's social care: referrals, assessments, CIN and CP plans, repeat referrals.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import datetime as dt
import random

from . import texts
from .dates import add_months
from .model import P0, MEETINGS, days, age_on, school_year, Family


class SocialCareMixin:

    def involvement(self, fam: Family, kids: list, d: dt.date, level: str, la_new: bool = True) -> dt.date:
        """One piece of work by children's social care with a sibling group."""
        rng = self.rng
        E = self.E
        wd = self.wd
        if d > E:
            return d
        la = {k.idx: self.la_id_for(k, la_new) for k in kids}
        team = rng.choice(("MASH", "Assessment Team North", "Assessment Team South", "Safeguarding Team 1",
                           "Safeguarding Team 2", "Children in Care", "Early Help Hub"))
        eps = []  # (episode, start, end, outcome)

        def add(ep, s, e=None, out=""):
            if ep in MEETINGS:
                s = wd.on_or_after(s)
            eps.append((ep, s, e, out))

        end = d
        if level == "contact":
            add("Contact", d, None, rng.choice(("NFA", "Step down to Early Help", "NFA", "Information and advice")))
        elif level == "referral_nfa":
            add("Contact", d, None, "Progress to Referral")
            add("Referral", d + days(rng.randint(0, 2)), None, rng.choice(("NFA", "NFA", "Step down to Early Help")))
            end = d + days(2)
        elif level == "assessment":
            add("Contact", d, None, "Progress to Referral")
            r = d + days(rng.randint(0, 3))
            add("Referral", r, None, "Progress to Assessment")
            end = self.assessment(add, r + days(rng.randint(0, 5)), allow_cin=True)
        else:
            end = self.cp_flow(add, d)
        for k in kids:
            for ep, s, e, out in eps:
                if s < k.dob:
                    continue
                self.emit_csc(k, la[k.idx], ep, s, e, out, team)
        return end

    def assessment(self, add, a: dt.date, allow_cin: bool) -> dt.date:
        rng = self.rng
        wd = self.wd
        a = wd.on_or_after(a)
        r = rng.random()
        if r < 0.62:
            n = rng.randint(8, 39)
        elif r < 0.78:
            n = rng.randint(40, 45)
        else:
            n = rng.randint(46, 95)
        c = wd.nth_after(a, n)
        out = rng.choices(("NFA", "CIN Plan", "Step down to Early Help", "Strategy Discussion"), (35, 35, 25, 5))[0] if allow_cin else "CP Plan"
        add("C&F Assessment", a, c, out)
        end = c
        if out == "CIN Plan":
            s = c + days(rng.randint(0, 10))
            e = add_months(s, rng.randint(3, 14))
            add("CIN Plan", s, e, rng.choice(("Closed", "Step down to Early Help", "Closed")))
            end = e
        if end <= self.E:
            add("Closure", end, None, "Case closed")
        return end

    def cp_flow(self, add, d: dt.date) -> dt.date:
        rng = self.rng
        wd = self.wd
        add("Contact", d, None, "Progress to Referral")
        r = d + days(rng.randint(0, 2))
        add("Referral", r, None, "Strategy Discussion")
        sd = r + days(rng.randint(0, 3))
        add("Strategy Discussion", sd, None, "S47")
        s47 = sd + days(rng.randint(0, 2))
        if rng.random() < 0.12:
            add("S47 Enquiry", s47, None, "NFA")
            return self.assessment(add, s47, allow_cin=True)
        add("S47 Enquiry", s47, None, "CP Plan")
        a = wd.on_or_after(s47)
        n = rng.randint(10, 40) if rng.random() < 0.75 else rng.randint(41, 70)
        add("C&F Assessment", a, wd.nth_after(a, n), "CP Plan")
        icpc = wd.nth_after(sd, rng.randint(10, 18))
        add("ICPC", icpc, None, "CP Plan")
        if rng.random() < 0.1:
            add("Legal Planning Meeting", icpc + days(rng.randint(20, 90)), None, "PLO")
            add("PLO", icpc + days(rng.randint(91, 150)), None, "")
        end = self.cp_plan(add, icpc)
        return end

    def cp_plan(self, add, s: dt.date) -> dt.date:
        rng = self.rng
        wd = self.wd
        E = self.E
        # review conferences: first due s + 3 months, then every 6 months
        k_end = rng.choices((1, 2, 3, 4, 5, 6), (14, 32, 22, 12, 12, 8))[0]
        off_schedule = rng.random() < 0.06
        rcpcs = []
        due = add_months(s, 3)
        prev = s
        for i in range(k_end):
            r = rng.random()
            p_late = 0.22 if i == 0 else 0.07
            if r < p_late:
                held = due + days(rng.randint(1, 40))
            elif r < p_late + 0.25:
                held = due - days(rng.randint(0, 7))
            else:
                held = due - days(rng.randint(8, 25))
            held = wd.on_or_before(held) if held <= due else wd.on_or_after(held)
            if held <= prev:
                held = wd.on_or_after(prev + days(7))
            rcpcs.append(held)
            prev = held
            due = add_months(held, 6)
        end = rcpcs[-1]
        if off_schedule:
            end = rcpcs[-1] - days(rng.randint(20, 120))
            if end <= s + days(30):
                end = s + days(rng.randint(30, 80))
            end = wd.on_or_after(end)
        # core groups
        r = rng.random()
        if r < 0.52:
            first = wd.nth_after(s, rng.randint(2, 7))
        elif r < 0.7:
            first = wd.nth_after(s, rng.randint(8, 10))
        elif r < 0.95:
            first = wd.nth_after(s, rng.randint(11, 30))
        else:
            first = None
        stop = min(end, E)
        cg = first if first is not None else s + days(rng.randint(60, 90))
        while cg < stop:
            add("Core Group", cg, None, "")
            cg = cg + days(rng.randint(35, 49))
        lac = rng.random() < 0.08
        for h in rcpcs:
            if h < end or (h == end and not off_schedule):
                add("RCPC", h, None, "End CP Plan" if h == end else "Continue CP Plan")
        add("CP Plan", s, end, rng.choice(("Neglect", "Emotional abuse", "Physical abuse", "Neglect", "Sexual abuse")))
        if lac:
            ls = s + days(rng.randint(10, 200))
            if ls < end:
                add("LAC", ls, ls + days(rng.randint(30, 700)), "Placed with foster carers")
        if end <= E:
            if rng.random() < 0.55:
                e2 = add_months(end, rng.randint(3, 9))
                add("CIN Plan", end, e2, "Step down to Early Help")
                end = e2
            if end <= E:
                add("Closure", end, None, "Case closed")
        # repeat plan
        r = rng.random()
        if rcpcs[-1] <= E and r < 0.2:
            if r < 0.14:
                s2 = add_months(rcpcs[-1], rng.randint(2, 23))
                self.scenarios["repeat_cp_within_2y"] += 1
            else:
                s2 = add_months(rcpcs[-1], rng.randint(24, 30)) + days(rng.randint(1, 20))
                self.scenarios["repeat_cp_near_miss"] += 1
            s2 = wd.on_or_after(s2)
            if s2 < E - days(20):
                add("Contact", s2 - days(25), None, "Progress to Referral")
                add("Referral", s2 - days(24), None, "Strategy Discussion")
                add("Strategy Discussion", s2 - days(22), None, "S47")
                add("S47 Enquiry", s2 - days(21), None, "CP Plan")
                add("ICPC", s2, None, "CP Plan")
                end = self.cp_plan_simple(add, s2)
        return end

    def cp_plan_simple(self, add, s: dt.date) -> dt.date:
        rng = self.rng
        wd = self.wd
        cg = wd.nth_after(s, rng.randint(3, 10))
        held = wd.on_or_before(add_months(s, 3) - days(rng.randint(0, 20)))
        end = wd.on_or_before(add_months(held, 6) - days(rng.randint(0, 20))) if rng.random() < 0.6 else held
        while cg < min(end, self.E):
            add("Core Group", cg, None, "")
            cg += days(rng.randint(35, 49))
        add("RCPC", held, None, "End CP Plan" if end == held else "Continue CP Plan")
        if end != held:
            add("RCPC", end, None, "End CP Plan")
        add("CP Plan", s, end, "Neglect")
        if end <= self.E:
            add("Closure", end, None, "Case closed")
        return end

    # scenario: concerns from three agencies that nobody put together
    def uncollated(self, fam: Family):
        rng = self.rng
        E = self.E
        d1 = self.rd(P0 + days(120), E - days(160))
        kids = [k for k in self.kids_at(fam, d1) if 0 <= school_year(k.dob, d1) <= 12]
        if not kids:
            return
        c = rng.choice(kids)
        mode = rng.choices(("fire", "responded", "spread", "two"), (62, 14, 14, 10))[0]
        self.scenarios["uncollated_" + mode] += 1
        mum = c.mother if c.mother in fam.members_at(d1) else None
        order = ["police", "health", "education"]
        rng.shuffle(order)
        gaps = sorted(rng.sample(range(3, 89), 2))
        if mode == "spread":
            gaps = [rng.randint(5, 60), rng.randint(91, 150)]
        ds = [d1, d1 + days(gaps[0]), d1 + days(gaps[1])]
        if mode == "two":
            order[2] = order[0]
        for ag, d in zip(order, ds):
            if ag == "police":
                otype = "MISPER" if age_on(c.dob, d) >= 12 and rng.random() < 0.5 else rng.choice(("CONCERN FOR WELFARE", "DOMESTIC"))
                if otype == "DOMESTIC" and self.man_at(fam, d) is not None:
                    self.domestic(fam, self.man_at(fam, d), mum, d, arrest_p=0.1)
                else:
                    otype = "MISPER" if otype == "DOMESTIC" and age_on(c.dob, d) >= 12 else ("CONCERN FOR WELFARE" if otype == "DOMESTIC" else otype)
                    summ = texts.fill(rng, rng.choice(texts.POLICE[otype]), {}, c=c.forename, b=mum.forename if mum else "carer",
                                      kids=c.forename, hrs=rng.randint(2, 20))
                    self.emit_police(d, otype, summ, [(c, "MISSING PERSON" if otype == "MISPER" else "SUBJECT")] + ([(mum, "INVOLVED")] if mum else []), evening=True)
            elif ag == "health":
                self.emit_gp(c, d, rng.choice(("A&E Attendance", "Injury", "DNA", "Safeguarding Concern")))
            else:
                self.emit_school(c, d, rng.choice(("Neglect", "Attendance", "Disclosure", "Injury")))
        if mode == "responded":
            self.involvement(fam, [c], ds[2] + days(rng.randint(1, 14)), "contact")

    def repeat_referrals(self, fam: Family):
        rng = self.rng
        E = self.E
        d1 = self.rd(P0 + days(30), E - days(400))
        kids = self.kids_at(fam, d1, 15)
        if not kids:
            return
        if len(kids) > 1 and rng.random() < 0.5:
            kids = [rng.choice(kids)]
        mode = rng.choices(("fire", "not_nfa", "late"), (65, 17, 18))[0]
        self.scenarios["repeat_referrals_" + mode] += 1
        g1 = rng.randint(30, 170)
        r1, r2 = d1, d1 + days(g1)
        if mode == "late":
            r3 = add_months(r1, 12) + days(rng.randint(1, 90))
        else:
            r3 = self.rd(r2 + days(20), add_months(r1, 12))
        outs = ["NFA", "NFA"]
        if mode == "not_nfa":
            outs[rng.randrange(2)] = "Step down to Early Help"
        team = "MASH"
        for i, (r, out) in enumerate(zip((r1, r2), outs)):
            for k in kids:
                la = self.la_id_for(k, i == 0)
                self.emit_csc(k, la, "Contact", r - days(rng.randint(0, 2)), None, "Progress to Referral", team)
                self.emit_csc(k, la, "Referral", r, None, out, team)
        self.involvement(fam, kids, r3, rng.choice(("referral_nfa", "assessment", "assessment")), la_new=False)
