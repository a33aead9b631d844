"""People, families and where they live: cultures, names, households, moves, partners.

Methods of the generator's World (sample_data.world), one job per module."""
from __future__ import annotations

import bisect
import datetime as dt
import random

from . import ids, names
from .model import P0, STRUCTS, STRUCT_W, TIER_W, MOVES_W, days, age_on, Person, Family


class HouseholdsMixin:

    def pick_culture(self) -> str:
        c = self.rng.choices([c for c, _ in names.CULTURE_WEIGHTS], [w for _, w in names.CULTURE_WEIGHTS])[0]
        return c

    def surname_for(self, culture: str) -> str:
        pool = names.CULTURES[culture]["surnames"]
        return names.zipf_choice(self.rng, pool, 1.0 if culture == "english" else 0.7)

    def new_person(self, culture: str, sex: str, dob: dt.date, surname: str, role: str, fid: str,
                   forename: str | None = None) -> Person:
        rng = self.rng
        pool = names.CULTURES[culture]
        p = Person()
        p.idx = len(self.persons)
        p.pid = "P%07d" % (p.idx + 1)
        young = dob.year >= 1997
        if forename is None:
            if sex == "M":
                forename = names.zipf_choice(rng, pool["m_child" if young else "m_adult"], 0.9)
            else:
                forename = names.zipf_choice(rng, pool["f_child" if young else "f_adult"], 0.9)
        p.forename = forename
        mids = []
        if rng.random() < pool["p_middle"]:
            mp = pool["mid_m" if sex == "M" else "mid_f"]
            mids.append(rng.choice(mp))
            if rng.random() < 0.2:
                m2 = rng.choice(mp)
                if m2 not in mids:
                    mids.append(m2)
        p.middles = tuple(m for m in mids if m != forename)
        surname = names.feminine_surname(surname, culture) if sex == "F" else names.masculine_surname(surname, culture)
        p.surnames = [(0, surname)]
        p.birth_surname = surname
        p.sex, p.dob, p.culture, p.role, p.family_id = sex, dob, culture, role, fid
        p.nhs = ids.make_nhs(rng, self.used["nhs"]) if rng.random() < 0.985 else ""
        p.upn = p.pnc = p.crn = p.nominal = ""
        p.la_ids = []
        p.phone = "07%03d %06d" % (rng.randrange(100, 1000), rng.randrange(10**6))
        p.res_o, p.res_a, p.markers = [], [], []
        nick = names.nicknames_for(forename)
        p.pref = rng.choice(nick) if nick and rng.random() < (0.3 if young else 0.15) else ""
        p.mother = p.father = None
        p.off_cat = ""
        p.fam = None
        p.kin = []
        p.hidden = False
        p.social = False
        p.gen = ""
        self.persons.append(p)
        return p

    def timeline(self, town: str | None, start: dt.date, n_moves: int) -> list:
        rng = self.rng
        a = self.places.take(town)
        tl = [(start, a)]
        lo = start + days(60)
        hi = self.E - days(30)
        if hi <= lo:
            return tl
        dates = sorted(self.rd(lo, hi) for _ in range(n_moves))
        last = start
        for d in dates:
            if (d - last).days < 120:
                continue
            a = self.places.take(a.town if rng.random() < 0.8 else None)
            tl.append((d, a))
            last = d
        return tl

    @staticmethod
    def clip(tl: list, a: dt.date, b: dt.date) -> list:
        out = []
        for i, (s, addr) in enumerate(tl):
            e = tl[i + 1][0] if i + 1 < len(tl) else dt.date.max
            if e <= a or s >= b:
                continue
            out.append((max(s, a), addr))
        return out

    @staticmethod
    def set_res(p: Person, tl: list):
        clean = []
        for d, a in tl:
            if clean and clean[-1][0] == d:
                clean[-1] = (d, a)
            elif clean and clean[-1][1] is a:
                continue
            else:
                clean.append((d, a))
        p.res_o = [d.toordinal() for d, _ in clean]
        p.res_a = [a for _, a in clean]

    def rec_addr(self, p: Person, d: dt.date, blank: float = 0.03, stale: float = 0.04):
        """The address an agency records for p on d: usually current, sometimes
        blank, sometimes the previous one (a move not yet notified)."""
        i = bisect.bisect_right(p.res_o, d.toordinal()) - 1
        if i < 0:
            return None
        r = self.rng.random()
        if r < blank:
            return None
        if r < blank + stale and i > 0 and d.toordinal() - p.res_o[i] < 240:
            return p.res_a[i - 1]
        return p.res_a[i]

    # ---------------------------------------------------------------- people
    def build_people(self):
        for f in range(self.n_families):
            self.make_family("F%06d" % (f + 1))
        n_lone = int(self.n_families * 0.35) + 3
        for _ in range(n_lone):
            self.make_lone()

    def make_lone(self, role: str | None = None, culture: str | None = None, town: str | None = None,
                  dob: dt.date | None = None, sex: str | None = None, surname: str | None = None) -> Person:
        rng = self.rng
        culture = culture or self.pick_culture()
        if role is None:
            role = rng.choices(("single", "elderly", "offender"), (48, 17, 35))[0]
        if sex is None:
            sex = "M" if role == "offender" and rng.random() < 0.9 else rng.choice("MF")
        if dob is None:
            if role == "elderly":
                dob = self.rd(dt.date(1935, 1, 1), dt.date(1960, 12, 31))
            else:
                dob = self.rd(dt.date(1960, 1, 1), dt.date(2004, 12, 31))
        forename = None
        if surname is None:
            surname = self.surname_for(culture)
            if culture == "english" and rng.random() < 0.05:
                # very common names
                surname = rng.choice(("Smith", "Smith", "Jones", "Brown"))
                forename = rng.choice(("John", "David", "Michael")) if sex == "M" else rng.choice(("Sarah", "Emma", "Claire"))
        p = self.new_person(culture, sex, dob, surname, role, "", forename)
        if role == "offender":
            p.off_cat = rng.choices(("violence", "dv", "sexual", "acquisitive", "other"), (30, 22, 12, 24, 12))[0]
        start = max(P0, dob + days(365 * 17))
        tl = self.timeline(town, start, rng.choices((0, 1, 2, 3), (45, 30, 17, 8))[0])
        self.set_res(p, tl)
        p.social = rng.random() < 0.3
        self.lone.append(p)
        return p

    def make_children(self, mum: Person, culture: str, surname: str, fid: str, n: int,
                      earliest: dt.date | None = None) -> list:
        rng = self.rng
        E = self.E
        t = mum.dob + days(rng.randint(17 * 365, 33 * 365))
        if earliest and t < earliest:
            t = earliest
        lo_dob = dt.date(P0.year - 17, 3, 1)
        dobs = []
        i = 0
        while i < n:
            if t > E - days(20):
                break
            dobs.append(t)
            if rng.random() < 0.03:
                dobs.append(t)  # twins
                i += 1
            i += 1
            t = t + days(rng.randint(330, 6 * 365))
        dobs = [d for d in dobs if d >= lo_dob]
        if not dobs:
            a = max(lo_dob, mum.dob + days(17 * 365))
            dobs = [self.rd(a, max(a, E - days(60)))]
        kids = []
        for d in dobs:
            sex = rng.choice("MF")
            k = self.new_person(culture, sex, d, surname, "child", fid)
            # twins and siblings never share a forename
            while any(x.forename == k.forename for x in kids):
                pool = names.CULTURES[culture]["m_child" if sex == "M" else "f_child"]
                k.forename = rng.choice(pool)
                nick = names.nicknames_for(k.forename)
                k.pref = rng.choice(nick) if nick and rng.random() < 0.3 else ""
            k.mother = mum
            kids.append(k)
        return kids

    def make_family(self, fid: str):
        rng = self.rng
        E = self.E
        culture = self.pick_culture()
        tier = rng.choices((0, 1, 2, 3), TIER_W)[0]
        struct = rng.choices(STRUCTS, STRUCT_W)[0]
        fam = Family()
        fam.fid, fam.culture, fam.tier, fam.struct = fid, culture, tier, struct
        fam.town = town = rng.choices(self.places.town_names, self.places.town_weights)[0]
        fam.tl = self.timeline(town, P0, rng.choices((0, 1, 2, 3, 4), MOVES_W[tier])[0])
        fam.father = fam.partner = None
        fam.grans, fam.kin, fam.spans = [], [], []
        fam.married_partner = False
        fam.married = False
        end_o = (E + days(400)).toordinal()
        p0 = P0.toordinal()
        young_mum = (1975, 2002) if tier >= 2 else (1968, 1998)
        mdob = self.rd(dt.date(young_mum[0], 1, 1), dt.date(young_mum[1], 12, 31))
        maiden = self.surname_for(culture)
        mum = self.new_person(culture, "F", mdob, maiden, "mother", fid)
        fam.mother = mum
        fcult = culture if rng.random() < 0.88 else self.pick_culture()
        n_kids = rng.choices((1, 2, 3, 4, 5), (33, 33, 19, 10, 5))[0]
        dad = None
        dad_tl = None

        def make_man(role, base_dob, cult):
            dob = base_dob + days(rng.randint(-3 * 365, 9 * 365))
            return self.new_person(cult, "M", min(dob, dt.date(2003, 6, 1)), self.surname_for(cult), role, fid)

        if struct in ("couple", "lone_father"):
            dad = make_man("father", mdob, fcult)
            married = fam.married = rng.random() < 0.6
            kid_surname = dad.surname if (married or rng.random() < 0.7) else mum.surname
            if married:
                mar = P0 if rng.random() < 0.8 else self.rd(P0, E - days(365))
                wife = names.feminine_surname(dad.surname, fcult if fcult == culture else "english")
                mum.surnames = [(0, maiden)] if mar > P0 else [(0, wife)]
                if mar > P0:
                    mum.surnames.append((mar.toordinal(), wife))
                    self.scenarios["marriage_in_period"] += 1
            kids = self.make_children(mum, culture if rng.random() < 0.8 else fcult, kid_surname, fid, n_kids)
            fam.children = kids
            for k in kids:
                k.father = dad
            fam.father = dad
            if struct == "lone_father":
                # mother lives elsewhere
                self.set_res(mum, self.timeline(None, P0, 1))
                mum.role = "mother_apart"
                fam.spans.append((dad, p0, end_o, "father"))
                self.lone.append(mum)
                dad_tl = None
            else:
                leave = None
                if tier >= 1 and rng.random() < 0.3:
                    leave = self.rd(P0 + days(200), E - days(200))
                fam.spans.append((mum, p0, end_o, "mother"))
                fam.spans.append((dad, p0, leave.toordinal() if leave else end_o, "father"))
                if leave:
                    dad_tl = self.clip(fam.tl, P0, leave) + self.timeline(None, leave, rng.randint(0, 2))
                    self.set_res(dad, dad_tl)
                    if rng.random() < 0.5:
                        self.add_partner(fam, self.rd(leave + days(60), E - days(60)))
        elif struct == "lone_mother":
            ex_exists = rng.random() < 0.6
            kid_surname = mum.surname
            if ex_exists:
                dad = make_man("father_apart", mdob, fcult)
                if rng.random() < 0.5:
                    kid_surname = dad.surname
                self.set_res(dad, self.timeline(town if rng.random() < 0.7 else None, P0, rng.randint(0, 2)))
                self.lone.append(dad)
                if tier >= 1 and rng.random() < 0.35:
                    dad.off_cat = rng.choice(("dv", "violence", "dv", "acquisitive", "sexual"))
            kids = self.make_children(mum, culture, kid_surname, fid, n_kids)
            fam.children = kids
            for k in kids:
                k.father = dad
            fam.father = dad
            fam.spans.append((mum, p0, end_o, "mother"))
            if rng.random() < 0.4:
                self.add_partner(fam, self.rd(P0 + days(90), E - days(60)))
        elif struct == "blended":
            ex = None
            if rng.random() < 0.5:
                ex = make_man("father_apart", mdob, fcult)
                self.set_res(ex, self.timeline(None, P0, rng.randint(0, 2)))
                self.lone.append(ex)
            kid_surname = ex.surname if ex and rng.random() < 0.6 else mum.surname
            kids = self.make_children(mum, culture, kid_surname, fid, max(1, n_kids - 1))
            for k in kids:
                k.father = ex
            fam.father = ex
            fam.children = kids
            fam.spans.append((mum, p0, end_o, "mother"))
            step = self.add_partner(fam, P0 if rng.random() < 0.7 else self.rd(P0, P0 + days(700)))
            if rng.random() < 0.4 and mum.dob.year > 1980:
                baby_d = self.rd(max(P0 + days(300), mum.dob + days(18 * 365)), E - days(30))
                if baby_d < E - days(30) and age_on(mum.dob, baby_d) < 44:
                    b = self.new_person(culture, rng.choice("MF"), baby_d, step.surname, "child", fid)
                    b.mother, b.father = mum, step
                    fam.children.append(b)
        else:  # grand_carer: grandmother brings up grandchildren
            gdob = mdob - days(rng.randint(18 * 365, 28 * 365))
            gran = self.new_person(culture, "F", max(gdob, dt.date(1940, 1, 1)), mum.surname, "grandmother", fid)
            fam.grans.append(gran)
            kids = self.make_children(mum, culture, mum.surname, fid, max(1, n_kids - 1))
            fam.children = kids
            fam.spans.append((gran, p0, end_o, "grandmother"))
            self.set_res(mum, self.timeline(None, P0, rng.randint(0, 2)))
            mum.role = "mother_apart"
            self.lone.append(mum)
        # grandparents outside the household, aunts and uncles
        if struct != "grand_carer":
            if rng.random() < 0.35:
                g = self.make_lone("grandmother", culture, town,
                                   dob=max(dt.date(1938, 1, 1), mum.dob - days(rng.randint(18 * 365, 30 * 365))),
                                   sex="F", surname=mum.birth_surname)
                g.family_id = fid
                fam.grans.append(g)
            if rng.random() < 0.12:
                g = self.make_lone("grandfather", culture, town,
                                   dob=max(dt.date(1936, 1, 1), mum.dob - days(rng.randint(20 * 365, 32 * 365))),
                                   sex="M", surname=mum.birth_surname)
                g.family_id = fid
                fam.grans.append(g)
            if rng.random() < (0.15 if culture in ("pakistani", "indian") else 0.03):
                g = self.new_person(culture, "F", max(dt.date(1938, 1, 1), mum.dob - days(rng.randint(19 * 365, 30 * 365))),
                                    mum.birth_surname, "grandmother", fid)
                fam.grans.append(g)
                fam.spans.append((g, p0, end_o, "grandmother"))
        if rng.random() < 0.06:
            sex = rng.choice("MF")
            k = self.make_lone("aunt" if sex == "F" else "uncle", culture, town,
                               dob=mum.dob + days(rng.randint(-8 * 365, 8 * 365)), sex=sex, surname=mum.birth_surname)
            k.family_id = fid
            fam.kin.append(k)
        # a son named after his father (Jr / Sr)
        dad = fam.father
        if dad is not None and rng.random() < 0.08:
            sons = [k for k in fam.children if k.sex == "M" and k.father is dad]
            if sons and all(k.forename != dad.forename for k in fam.children):
                son = sons[0]
                son.forename = dad.forename
                son.pref = ""
                if rng.random() < 0.5:
                    son.middles = dad.middles
                son.gen, dad.gen = "JNR", "SNR"
                self.scenarios["father_son_same_name"] += 1
        for k in fam.children:
            fam.spans.append((k, max(p0, k.dob.toordinal()), end_o, "child"))
        # fathers in the household sometimes offend
        if fam.father is not None and fam.father.role == "father" and not fam.father.off_cat:
            if rng.random() < (0.03, 0.10, 0.2, 0.3)[tier]:
                fam.father.off_cat = rng.choice(("violence", "acquisitive", "other", "dv", "violence"))
        # residence of the household members
        for p, a, b, _ in fam.spans:
            if p.res_o:  # built already (father who left, partner)
                continue
            start = dt.date.fromordinal(max(a, p.dob.toordinal()))
            self.set_res(p, self.clip(fam.tl, start, dt.date.fromordinal(min(b, dt.date.max.toordinal()))))
        for p, _, _, _ in fam.spans:
            p.fam = fam
        fam.social = rng.random() < (0.25, 0.45, 0.6, 0.7)[tier]
        if fam.struct == "lone_father":
            fam.lead = dad
        elif fam.struct == "grand_carer":
            fam.lead = fam.grans[0]
        else:
            fam.lead = mum
        self.families.append(fam)

    def add_partner(self, fam: Family, join: dt.date) -> Person:
        """A new partner moves in with the mother on ``join``."""
        rng = self.rng
        E = self.E
        mum = fam.mother
        cult = fam.culture if rng.random() < 0.8 else self.pick_culture()
        dob = mum.dob + days(rng.randint(-4 * 365, 10 * 365))
        p = self.new_person(cult, "M", min(dob, dt.date(2003, 1, 1)), self.surname_for(cult), "partner", fam.fid)
        if rng.random() < (0.05, 0.25, 0.5, 0.55)[fam.tier]:
            p.off_cat = rng.choices(("dv", "violence", "sexual", "acquisitive", "other"), (35, 30, 12, 15, 8))[0]
        leave = None
        if rng.random() < 0.25 and join < E - days(300):
            leave = self.rd(join + days(120), E - days(60))
        own = self.timeline(fam.town, P0, rng.randint(0, 1))
        tl = self.clip(own, P0, join) + self.clip(fam.tl, join, leave or dt.date.max)
        if leave:
            tl += self.timeline(None, leave, 0)
        self.set_res(p, tl)
        fam.spans.append((p, join.toordinal(), leave.toordinal() if leave else (E + days(400)).toordinal(), "partner"))
        fam.partner = p
        # hidden partners: never told to children's social care
        p.hidden = rng.random() < (0.45 if p.off_cat else 0.12)
        if rng.random() < 0.4:
            fam.married_partner = True
            mar = self.rd(join + days(90), E) if join < E - days(120) else E
            if mar < E:
                mum.surnames.append((mar.toordinal(), names.feminine_surname(p.surname, mum.culture)))
                self.scenarios["marriage_in_period"] += 1
        return p
