"""The nine rules of docs risk-rules.md, evaluated on the clean world.

This is an independent reference implementation used only to write
``truth/flags.csv``: it works on true person and address identities (no
linkage), from the same rows that are written to the extracts.  Every window
includes both ends.
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict

from .dates import add_months
from .world import World, age_on

POLICE_CONCERNS = {"DOMESTIC", "MISPER", "CONCERN FOR WELFARE", "POLICE PROTECTION", "SEXUAL OFFENCE"}
HEALTH_CONCERNS = {"A&E Attendance", "Injury", "Safeguarding Concern", "DNA", "Missed Immunisation"}
SCHOOL_CONCERNS = {"Attendance", "Disclosure", "Injury", "Neglect", "HSB", "CME"}
CSC_RESPONSE = {"Contact", "Referral", "Strategy Discussion", "S47 Enquiry"}
BAIL_ACTION = {"Strategy Discussion", "S47 Enquiry", "Referral"}
RISK_MARKERS = {"RSO", "SCHED1", "DVPERP"}
RISK_CATEGORIES = {"sexual", "violence", "dv"}

RULES = ("bail_address_child", "unassessed_adult", "concerns_not_collated", "repeat_referrals", "assessment_overdue",
         "core_group_overdue", "rcpc_overdue", "long_cp_plan", "repeat_cp_plan")


def _d(o: int) -> dt.date:
    return dt.date.fromordinal(o)


def compute_flags(w: World, near: dict | None = None) -> list:
    """Return sorted rows (rule, child_pid, other_pid, address_id, trigger_iso).

    If ``near`` is a dict it is filled with near-miss counts (cases that
    almost fired), keyed ``rule -> reason -> count``."""
    nm = defaultdict(set)
    E = w.E
    Eo = E.toordinal()
    wd = w.wd
    persons = w.persons
    dob = [p.dob for p in persons]

    # observations: person -> [(ord, addr idx)], address -> [(ord, person idx)]
    obs_p = defaultdict(list)
    obs_a = defaultdict(list)

    def observe(p, a, d):
        if a is None:
            return
        o = d.toordinal()
        obs_p[p.idx].append((o, a.idx))
        obs_a[a.idx].append((o, p.idx))

    first_marker: dict = {}

    def mark(p, d):
        o = d.toordinal()
        if first_marker.get(p.idx, 1 << 30) > o:
            first_marker[p.idx] = o

    concerns = defaultdict(list)  # child idx -> [(ord, agency)]
    bails = []  # (person idx, addr idx, ord)
    for ref, t, otype, summary, p, role, home, bail, cond, markers in w.police_rows:
        d = t.date()
        observe(p, home, d)
        if otype == "BAIL" and bail is not None:
            observe(p, bail, d)
            bails.append((p.idx, bail.idx, d.toordinal()))
        if markers and any(m in RISK_MARKERS for m in markers.split(";")):
            mark(p, d)
        if otype == "CONVICTION" and role == "OFFENDER":
            mark(p, d)
        if otype in POLICE_CONCERNS and age_on(p.dob, d) < 18:
            concerns[p.idx].append((d.toordinal(), "police"))
    csc = defaultdict(list)  # child idx -> [(episode, start ord, end ord|None, outcome)]
    for child, la, ep, s, e, out, team, notes, addr in w.csc:
        observe(child, addr, s)
        csc[child.idx].append((ep, s.toordinal(), e.toordinal() if e else None, out))
    for d, p, gtype, clin, notes, addr in w.gp:
        observe(p, addr, d)
        if gtype in HEALTH_CONCERNS and age_on(p.dob, d) < 18:
            concerns[p.idx].append((d.toordinal(), "health"))
    for d, p, cat, details, action, addr, c1, c2 in w.school:
        observe(p, addr, d)
        if c1 is not None:
            observe(c1[0], addr, d)
        if c2 is not None:
            observe(c2[0], addr, d)
        if cat in SCHOOL_CONCERNS and age_on(p.dob, d) < 18:
            concerns[p.idx].append((d.toordinal(), "education"))
    for d, p, event, offence, cat, addr, rosh, notes in w.prob:
        observe(p, addr, d)
        if cat in RISK_CATEGORIES:
            mark(p, d)
    for tref, addr, event, d, lead, hh, show in w.housing:
        observe(lead, addr, d)
        for m, rel in hh:
            observe(m, addr, d)
    for ref, t, agency, c, addr, concern in w.mash:
        observe(c, addr, t.date())
    related = {(child.idx, p.idx) for child, la, p, label, addr, show in w.rel}
    for v in obs_a.values():
        v.sort()
    for v in obs_p.values():
        v.sort()

    flags = set()

    def starts(ci, kinds):
        return sorted(s for ep, s, e, out in csc.get(ci, ()) if ep in kinds)

    def any_in(sorted_list, lo, hi):
        i = bisect.bisect_left(sorted_list, lo)
        return i < len(sorted_list) and sorted_list[i] <= hi

    # 1. bail_address_child
    bail_action_cache: dict = {}
    for pi, ai, o in bails:
        lst = obs_a.get(ai, ())
        i = bisect.bisect_left(lst, (o - 365, -1))
        seen = set()
        while i < len(lst) and lst[i][0] <= o + 90:
            ob, ci = lst[i]
            i += 1
            if ci == pi or ci in seen:
                continue
            if age_on(dob[ci], _d(ob)) >= 18:
                continue
            seen.add(ci)
            acts = bail_action_cache.get(ci)
            if acts is None:
                acts = bail_action_cache[ci] = starts(ci, BAIL_ACTION)
            if any_in(acts, o, o + 28):
                nm[("bail_address_child", "csc_acted_within_28d")].add((pi, ci, o))
                continue
            flags.add(("bail_address_child", persons[ci].pid, persons[pi].pid, w.places.addresses[ai].aid, _d(o).isoformat()))

    # 2. unassessed_adult
    for ci, eps in csc.items():
        for ep, s, e, out in eps:
            if ep not in ("C&F Assessment", "CP Plan"):
                continue
            lo, hi = s - 180, s + 30
            my = obs_p.get(ci, ())
            j = bisect.bisect_left(my, (lo, -1))
            addrs = set()
            while j < len(my) and my[j][0] <= hi:
                addrs.add(my[j][1])
                j += 1
            d = _d(s)
            for ai in sorted(addrs):
                lst = obs_a[ai]
                k = bisect.bisect_left(lst, (lo, -1))
                while k < len(lst) and lst[k][0] <= hi:
                    mi = lst[k][1]
                    k += 1
                    if mi == ci or age_on(dob[mi], d) < 18:
                        continue
                    fm = first_marker.get(mi)
                    if fm is None:
                        continue
                    if fm > s:
                        nm[("unassessed_adult", "marker_recorded_after_start")].add((ci, mi, ai, s))
                        continue
                    if (ci, mi) in related:
                        nm[("unassessed_adult", "named_in_relationships")].add((ci, mi, ai, s))
                        continue
                    flags.add(("unassessed_adult", persons[ci].pid, persons[mi].pid, w.places.addresses[ai].aid, d.isoformat()))

    # 3. concerns_not_collated
    for ci, lst in concerns.items():
        lst.sort()
        if len({a for _, a in lst}) < 3:
            continue
        resp = starts(ci, CSC_RESPONSE)
        for i, (o1, a1) in enumerate(lst):
            ags = {a1}
            for o2, a2 in lst[i + 1:]:
                if o2 - o1 > 90:
                    break
                ags.add(a2)
                if len(ags) == 3:
                    if not any_in(resp, o1 - 90, o2 + 14):
                        flags.add(("concerns_not_collated", persons[ci].pid, "", "", _d(o2).isoformat()))
                    else:
                        nm[("concerns_not_collated", "csc_responded_in_window")].add((ci, o2))
                    break

    for ci, eps in csc.items():
        pid = persons[ci].pid
        # 4. repeat_referrals
        refs = sorted((s, out) for ep, s, e, out in eps if ep == "Referral")
        for k in range(len(refs) - 2):
            (s1, o1), (s2, o2), (s3, _) = refs[k], refs[k + 1], refs[k + 2]
            within = s3 <= add_months(_d(s1), 12).toordinal()
            if o1 == "NFA" and o2 == "NFA" and within and age_on(dob[ci], _d(s3)) < 18:
                flags.add(("repeat_referrals", pid, "", "", _d(s3).isoformat()))
            elif within:
                nm[("repeat_referrals", "earlier_referral_not_nfa")].add((ci, s3))
            elif o1 == "NFA" and o2 == "NFA" and s3 <= add_months(_d(s1), 15).toordinal():
                nm[("repeat_referrals", "third_in_12_to_15_months")].add((ci, s3))
        # 5. assessment_overdue
        for ep, s, e, out in eps:
            if ep != "C&F Assessment":
                continue
            d = _d(s)
            n = wd.between(d, _d(e)) if e is not None else wd.between(d, E)
            if n > 45 and age_on(dob[ci], d) < 18:
                flags.add(("assessment_overdue", pid, "", "", wd.nth_after(d, 45).isoformat()))
            elif n >= 40:
                nm[("assessment_overdue", "took_40_to_45_working_days")].add((ci, s))
        plans = sorted((s, e) for ep, s, e, out in eps if ep == "CP Plan")
        if not plans:
            continue
        cgs = starts(ci, {"Core Group"})
        rcpcs = starts(ci, {"RCPC"})
        for s, e in plans:
            d = _d(s)
            limit = e if e is not None else Eo
            if age_on(dob[ci], d) >= 18:  # a plan's subject is judged a child on its start date
                continue
            # 6. core_group_overdue
            d10 = wd.nth_after(d, 10).toordinal()
            if not any_in(cgs, s, d10) and limit > d10:
                flags.add(("core_group_overdue", pid, "", "", _d(d10).isoformat()))
            elif any_in(cgs, wd.nth_after(d, 8).toordinal(), d10) and not any_in(cgs, s, wd.nth_after(d, 7).toordinal()):
                nm[("core_group_overdue", "first_core_group_on_working_day_8_to_10")].add((ci, s))
            # 7. rcpc_overdue
            prev = s
            due = add_months(d, 3).toordinal()
            while due < limit:
                i = bisect.bisect_right(rcpcs, prev)
                j = bisect.bisect_right(rcpcs, due)
                if j <= i:
                    flags.add(("rcpc_overdue", pid, "", "", _d(due).isoformat()))
                    break
                prev = rcpcs[j - 1]
                if due - prev <= 7:
                    nm[("rcpc_overdue", "rcpc_held_0_to_7_days_before_due")].add((ci, prev))
                due = add_months(_d(prev), 6).toordinal()
            # 8. long_cp_plan
            two = add_months(d, 24)
            if limit >= two.toordinal():
                flags.add(("long_cp_plan", pid, "", "", two.isoformat()))
            elif limit >= add_months(d, 21).toordinal():
                nm[("long_cp_plan", "plan_lasted_21_to_24_months")].add((ci, s))
        # 9. repeat_cp_plan
        for s1, e1 in plans:
            if e1 is None:
                continue
            hi = add_months(_d(e1), 24).toordinal()
            for s2, e2 in plans:
                if s2 > s1 and e1 <= s2 <= hi and age_on(dob[ci], _d(s2)) < 18:
                    flags.add(("repeat_cp_plan", pid, "", "", _d(s2).isoformat()))
                elif s2 > hi and s2 <= add_months(_d(e1), 30).toordinal():
                    nm[("repeat_cp_plan", "later_plan_24_to_30_months_after_end")].add((ci, s2))
    if near is not None:
        for (rule, reason), keys in sorted(nm.items()):
            near.setdefault(rule, {})[reason] = len(keys)
    order = {r: i for i, r in enumerate(RULES)}
    return sorted(flags, key=lambda f: (order[f[0]], f[1], f[2], f[3], f[4]))
