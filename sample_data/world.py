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

import datetime as dt
import random
from collections import Counter

from . import ids
from .dates import WorkingDays
from .emitters import EmittersMixin
from .family_events import FamilyEventsMixin
from .households import HouseholdsMixin
from .housing_mash import HousingMashMixin
from .justice import JusticeMixin
from .model import P0, Family, Person, age_on, school_year  # noqa: F401 (age_on, school_year: re-exported)
from .places import Places
from .social_care import SocialCareMixin


class World(HouseholdsMixin, EmittersMixin, FamilyEventsMixin, JusticeMixin, SocialCareMixin, HousingMashMixin):
    """The whole clean world; each mixin adds one job (households, events of one kind, ...)."""

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
