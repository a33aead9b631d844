"""The clean (noise-free) world: people, households, addresses over time and
every agency event, as plain records.  ``render`` writes these with clerical
noise; ``rules`` computes the true flags from them.

Record layouts (tuples, one list per file):

* police:  (datetime, type, summary, [(Person, role, home Address|None,
           bail Address|None, bail_conditions)])  - one occurrence
* csc:     (Person, la_id, episode, start, end|None, outcome, team, notes, Address|None)
* rel:     (child Person, la_id, related Person, relationship, Address|None, show_dob)
* gp:      (date, Person, type, clinician, notes, Address|None)
* school:  (date, Person, category, details, action, Address|None,
           (carer Person, label)|None, (carer Person, label)|None)
* prob:    (date, Person, event, offence, category, Address|None, rosh, notes)
* housing: (tenancy_ref, Address, event, date, lead Person, [(Person, rel)], show_uprn)
* mash:    (datetime, agency, Person, Address|None, concern)
"""
from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import Counter

from . import ids, names, texts
from .dates import WorkingDays, add_months
from .places import Places

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


class World:
    def __init__(self, seed: int, n_families: int, as_of: dt.date):
        self.seed = seed
        self.rng = random.Random(seed)
        self.E = as_of
        self.n_families = n_families
        self.wd = WorkingDays(2014, as_of.year + 3)
        self.used = {k: set() for k in ("nhs", "upn", "pnc", "crn", "nom", "la", "uprn")}
        self.places = Places(random.Random(seed * 7919 + 17), int(n_families * 6.5) + 800, self.used["uprn"])
        self.persons: list[Person] = []
        self.families: list[Family] = []
        self.lone: list[Person] = []
        self.police: list = []
        self.csc: list = []
        self.rel: list = []
        self.gp: list = []
        self.school: list = []
        self.prob: list = []
        self.housing: list = []
        self.mash: list = []
        self.scenarios = Counter()
        self.tenancy_seq = 0
        self.ap = [self.places.take() for _ in range(max(2, n_families // 400))]
        self.police_rows: list = []
        self.first_arrest: dict = {}  # person idx -> first arrest date (PNC ids are issued in finalize)

    # ------------------------------------------------------------------ helpers
    def rd(self, a: dt.date, b: dt.date) -> dt.date:
        if b <= a:
            return a
        return dt.date.fromordinal(self.rng.randint(a.toordinal(), b.toordinal()))

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


def build_world(seed: int, n_families: int, as_of: dt.date) -> World:
    w = World(seed, n_families, as_of)
    w.build_people()
    w.build_events()
    return w


def finalize(w: World):
    """Order every file's records as the extract is written and expand police
    occurrences into one row per nominal (with the markers held that day)."""
    rng = w.rng
    for idx in sorted(w.first_arrest):
        p = w.persons[idx]
        d = w.first_arrest[idx]
        yr = d.year - (rng.randint(1, 12) if rng.random() < 0.4 else 0)
        p.pnc = ids.make_pnc(rng, w.used["pnc"], max(yr, p.dob.year + 12, 1995))
    w.police.sort(key=lambda o: o[0])
    rows = []
    seq: dict = {}
    for t, otype, summary, noms in w.police:
        y = t.year
        seq[y] = seq.get(y, 0) + 1
        ref = "OCC/%d/%06d" % (y, seq[y])
        d = t.date()
        for p, role, home, bail, cond in noms:
            is_bail = otype == "BAIL"
            rows.append((ref, t, otype, summary, p, role, home, bail if is_bail else None,
                         cond if is_bail else "", ";".join(p.markers_at(d))))
    w.police_rows = rows
    w.police = []
    w.csc.sort(key=lambda r: r[3])
    w.rel.sort(key=lambda r: r[1])
    w.gp.sort(key=lambda r: r[0])
    w.school.sort(key=lambda r: r[0])
    w.prob.sort(key=lambda r: r[0])
    w.housing.sort(key=lambda r: (r[0], r[3]))
    w.mash.sort(key=lambda r: r[1])
