"""Write the clean world as the eight agency extracts, with clerical noise,
plus the truth files that map every written mention back to the clean world."""
from __future__ import annotations

import csv
import json
import os
import random

from . import names
from .dates import fmt_dmy, fmt_gp, fmt_iso
from .errors import ErrorProfile
from .noise import Noise

FILES = (
    "police_occurrences.csv", "csc_episodes.xlsx", "csc_relationships.csv", "gp_consultations.csv",
    "school_safeguarding.csv", "probation_events.jsonl", "housing_tenancies.csv", "mash_referrals.csv",
)


def _join(*parts) -> str:
    return ", ".join(p for p in parts if p)


class Renderer:
    def __init__(self, world, out_dir: str, seed: int, errors: ErrorProfile | None = None):
        self.w = world
        self.out = out_dir
        self.rng = random.Random(seed * 1000003 + 29)
        self.errors = errors or ErrorProfile()
        self.noise = Noise(self.rng, self.errors)
        self.mentions: list = []
        self.addrs: list = []
        self.counts: dict = {}

    def write_all(self):
        os.makedirs(self.out, exist_ok=True)
        self.police()
        self.csc()
        self.relationships()
        self.gp()
        self.school()
        self.probation()
        self.housing()
        self.mash()

    # ------------------------------------------------------------------ police
    def police(self):
        fn = "police_occurrences.csv"
        n, rng = self.noise, self.rng
        mentions, addrs = self.mentions, self.addrs
        rows = []
        for i, (ref, t, otype, summary, p, role, home, bail, cond, markers) in enumerate(self.w.police_rows, 1):
            d = t.date()
            f, m, s = n.name_parts(p, "police", d)
            surname = names.fold_ascii(s).upper()
            if "'" in surname and rng.random() < 0.3:
                surname = surname.replace("'", "" if rng.random() < 0.5 else " ")
            x = rng.random()
            if x < 0.01:
                forenames = f[0].upper()
            elif x < 0.016:
                surname, forenames = names.fold_ascii(f).upper(), surname
            else:
                forenames = names.fold_ascii(" ".join((f,) + m)).upper()
            if p.gen and rng.random() < 0.3:
                forenames += " " + (p.gen if rng.random() < 0.6 else p.gen[0] + p.gen[2])
            dob = n.dob(p, "police", 0.03)
            dob_s = fmt_dmy(dob) if dob else ("01/01/1900" if rng.random() < 0.01 else "")
            gender = p.sex if rng.random() > 0.01 else "U"
            pnc = p.pnc if p.pnc and rng.random() < 0.55 else ""
            if pnc and rng.random() < 0.02:
                pnc = pnc[:-1] + rng.choice("ABCDEFGHJKLMNPQRTUVWXYZ")
            home_s = bail_s = ""
            if home is not None:
                lines, town, pc = n.addr(home)
                home_s = names.fold_ascii(_join(*lines, town, pc)).upper()
                addrs.append((fn, i, "HomeAddress", home.aid))
            if bail is not None:
                lines, town, pc = n.addr(bail)
                if rng.random() < 0.15:
                    if rng.random() < 0.5:
                        lines = ["C/O " + lines[0]] + lines[1:]
                    else:
                        lines = ["C/O " + rng.choice(("MRS ", "MR ", "MS ")) + self.w.surname_for(p.culture)] + lines
                bail_s = names.fold_ascii(_join(*lines, town, pc)).upper()
                addrs.append((fn, i, "BailAddress", bail.aid))
            mentions.append((fn, i, "nominal", p.pid))
            rows.append((ref, "%02d/%02d/%04d %02d:%02d" % (t.day, t.month, t.year, t.hour, t.minute), otype, summary,
                         p.nominal, role, surname, forenames, dob_s, gender, pnc, home_s, bail_s, cond, markers))
        with open(os.path.join(self.out, fn), "w", encoding="utf-8-sig", newline="") as fh:
            wr = csv.writer(fh, quoting=csv.QUOTE_ALL)
            wr.writerow(("OccurrenceRef", "OccurrenceDateTime", "OccurrenceType", "Summary", "NominalRef", "NominalRole",
                         "Surname", "Forenames", "DOB", "Gender", "PNCID", "HomeAddress", "BailAddress", "BailConditions", "Markers"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ CSC
    def csc(self):
        import xlsxwriter

        fn = "csc_episodes.xlsx"
        n, rng = self.noise, self.rng
        wb = xlsxwriter.Workbook(os.path.join(self.out, fn), {"constant_memory": True})
        # fixed metadata so the same seed gives the same bytes
        import datetime as _dt
        wb.set_properties({"created": _dt.datetime(2026, 1, 1), "author": "Children's Social Care"})
        ws = wb.add_worksheet("Episodes")
        df = wb.add_format({"num_format": "dd/mm/yyyy"})
        header = ("Person ID", "Forename", "Surname", "DOB", "Gender", "NHS Number", "Address", "Postcode", "Episode",
                  "Start Date", "End Date", "Outcome", "Team", "Notes")
        ws.write_row(0, 0, header)
        gender = {"M": "Male", "F": "Female"}
        mentions, addrs = self.mentions, self.addrs
        ws_s, ws_d = ws.write_string, ws.write_datetime
        for i, (child, la, ep, start, end, outcome, team, notes, addr) in enumerate(self.w.csc, 1):
            f, m, s = n.name_parts(child, "csc", start)
            if rng.random() < 0.004:
                f, s = s, f
            ws_s(i, 0, la)
            ws_s(i, 1, f)
            ws_s(i, 2, s)
            dob = n.dob(child, "csc", 0.01)
            if dob is not None:
                ws_d(i, 3, dob, df)
            ws_s(i, 4, gender[child.sex] if rng.random() > 0.01 else "Unknown")
            if child.nhs and rng.random() < 0.4:
                ws_s(i, 5, n.nhs(child.nhs, 0.1))
            if addr is not None:
                lines, town, pc = n.addr(addr)
                ws_s(i, 6, _join(*lines, town))
                if pc:
                    ws_s(i, 7, pc)
                addrs.append((fn, i, "Address", addr.aid))
            ws_s(i, 8, ep)
            ws_d(i, 9, start, df)
            if end is not None:
                ws_d(i, 10, end, df)
            if outcome:
                ws_s(i, 11, outcome)
            ws_s(i, 12, team)
            ws_s(i, 13, notes)
            mentions.append((fn, i, "child", child.pid))
        wb.close()
        self.counts[fn] = len(self.w.csc)

    # ------------------------------------------------------------------ relationships
    def relationships(self):
        fn = "csc_relationships.csv"
        n, rng = self.noise, self.rng
        E = self.w.E
        rows = []
        for i, (child, la, p, label, addr, show_dob) in enumerate(self.w.rel, 1):
            name = n.fold(n.full_name(p, "rel", E, with_middle=rng.random() < 0.2), 0.7)
            dob = n.dob(p, "rel", 0.0) if show_dob else None
            addr_s = ""
            if addr is not None:
                lines, town, pc = n.addr(addr)
                addr_s = _join(*lines, town, pc)
                self.addrs.append((fn, i, "Related Address", addr.aid))
            self.mentions.append((fn, i, "child", child.pid))
            self.mentions.append((fn, i, "related", p.pid))
            rows.append((la, name, label, fmt_dmy(dob) if dob else "", addr_s))
        with open(os.path.join(self.out, fn), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("Person ID", "Related Name", "Relationship", "Related DOB", "Related Address"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ GP
    def gp(self):
        fn = "gp_consultations.csv"
        n, rng = self.noise, self.rng
        sex = {"M": "Male", "F": "Female"}
        rows = []
        for i, (d, p, gtype, clin, notes, addr) in enumerate(self.w.gp, 1):
            f, m, s = n.name_parts(p, "gp", d)
            s = n.fold(s, 0.7).upper()
            f = n.fold(" ".join((f,) + m), 0.7)
            if rng.random() < 0.004:
                pname = f"{f.upper()}, {s.title()}"
            else:
                pname = f"{s}, {f}"
            dob = n.dob(p, "gp", 0.01)
            addr_s = pc = ""
            if addr is not None:
                lines, town, pc = n.addr(addr)
                addr_s = _join(*lines, town)
                self.addrs.append((fn, i, "Address", addr.aid))
            nhs = n.nhs(p.nhs, 0.85) if rng.random() > 0.03 else ""
            if not nhs and self.errors.placeholder_nhs and rng.random() < self.errors.placeholder_nhs:
                nhs = rng.choice(("0000000000", "9999999999"))  # what some systems write for "not known"
            self.mentions.append((fn, i, "patient", p.pid))
            rows.append((nhs, pname, fmt_gp(dob) if dob else "", sex[p.sex] if rng.random() > 0.005 else "Unknown",
                         addr_s, pc, fmt_gp(d), gtype, clin, notes))
        with open(os.path.join(self.out, fn), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("NHS Number", "Patient Name", "Date of Birth", "Sex", "Address", "Postcode", "Date", "Type", "Clinician", "Notes"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ school
    def school(self):
        from .world import school_year

        fn = "school_safeguarding.csv"
        n, rng = self.noise, self.rng
        rows = []
        for i, (d, p, cat, details, action, addr, c1, c2) in enumerate(self.w.school, 1):
            f, m, s = n.name_parts(p, "school", d)
            pref = p.pref or f
            if pref == p.forename:
                pref = f
            dob = n.dob(p, "school", 0.005)
            upn = p.upn if rng.random() > 0.02 else ""
            if upn and rng.random() < 0.005:
                upn = n.typo(upn)
            y = school_year(p.dob, d)
            addr_s = pc = ""
            if addr is not None:
                lines, town, pc = n.addr(addr)
                addr_s = "\n".join(x for x in lines + [town] if x)
                self.addrs.append((fn, i, "Address", addr.aid))
            self.mentions.append((fn, i, "pupil", p.pid))
            carer = []
            for slot, c in (("carer1", c1), ("carer2", c2)):
                if c is None:
                    carer += ["", "", ""]
                    continue
                cp, label = c
                if rng.random() < 0.05:
                    title = "Mr" if cp.sex == "M" else rng.choice(("Mrs", "Ms", "Miss"))
                    nm = f"{title} {n.name_parts(cp, 'school', d)[2]}"
                else:
                    nm = n.full_name(cp, "school", d)
                carer += [nm, label, cp.phone if rng.random() < 0.8 else ""]
                self.mentions.append((fn, i, slot, cp.pid))
            rows.append([upn, f, pref, s, fmt_dmy(dob) if dob else "", p.sex, "R" if y == 0 else str(y), addr_s, pc,
                         fmt_dmy(d), cat, details, action] + carer)
        with open(os.path.join(self.out, fn), "w", encoding="cp1252", errors="replace", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("UPN", "Legal Forename", "Preferred Forename", "Legal Surname", "DOB", "Gender", "Year Group", "Address",
                         "Postcode", "Incident Date", "Category", "Details", "Action", "Carer 1 Name", "Carer 1 Relationship",
                         "Carer 1 Phone", "Carer 2 Name", "Carer 2 Relationship", "Carer 2 Phone"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ probation
    def probation(self):
        fn = "probation_events.jsonl"
        n, rng = self.noise, self.rng
        with open(os.path.join(self.out, fn), "w", encoding="utf-8", newline="\n") as fh:
            for i, (d, p, event, offence, cat, addr, rosh, notes) in enumerate(self.w.prob, 1):
                f, m, s = n.name_parts(p, "probation", d)
                dob = n.dob(p, "probation", 0.01)
                a = None
                if addr is not None:
                    lines, town, pc = n.addr(addr)
                    a = {"line1": _join(*lines), "town": town or None, "postcode": pc or None}
                    self.addrs.append((fn, i, "address", addr.aid))
                obj = {"crn": p.crn, "name": {"forename": f, "surname": s}, "dob": fmt_iso(dob) if dob else None,
                       "pnc": p.pnc if p.pnc and rng.random() < 0.85 else None, "offence": offence,
                       "offence_category": cat, "event": event, "event_date": fmt_iso(d), "address": a,
                       "rosh": rosh, "notes": notes}
                fh.write(json.dumps(obj, ensure_ascii=False) + "\n")
                self.mentions.append((fn, i, "offender", p.pid))
        self.counts[fn] = len(self.w.prob)

    # ------------------------------------------------------------------ housing
    def housing(self):
        fn = "housing_tenancies.csv"
        n = self.noise
        rows = []
        for i, (tref, addr, event, d, lead, hh, show_uprn) in enumerate(self.w.housing, 1):
            lines, town, pc = n.addr(addr)
            self.addrs.append((fn, i, "Address", addr.aid))
            lead_name = n.fold(n.full_name(lead, "housing", d), 0.5)
            ldob = n.dob(lead, "housing", 0.03)
            entries = []
            for k, (m, rel) in enumerate(hh, 1):
                nm = n.fold(n.full_name(m, "housing", d), 0.5)
                mdob = n.dob(m, "housing", 0.15)
                entries.append(f"{nm} ({fmt_dmy(mdob)}, {rel})" if mdob else f"{nm} ({rel})")
                self.mentions.append((fn, i, f"household{k}", m.pid))
            self.mentions.append((fn, i, "lead_tenant", lead.pid))
            uprn = addr.uprn if show_uprn else ""
            if not uprn and self.errors.placeholder_uprn and self.rng.random() < self.errors.placeholder_uprn:
                uprn = self.rng.choice(("0", "-1", "999999999999"))  # housing exports' "no UPRN"
            rows.append((tref, uprn, _join(*lines, town), pc, event, fmt_iso(d), lead_name,
                         fmt_iso(ldob) if ldob else "", "; ".join(entries)))
        with open(os.path.join(self.out, fn), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("Tenancy Ref", "UPRN", "Address", "Postcode", "Event", "Event Date", "Lead Tenant Name",
                         "Lead Tenant DOB", "Household"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ MASH
    def mash(self):
        fn = "mash_referrals.csv"
        n, rng = self.noise, self.rng
        rows = []
        for i, (ref, t, agency, c, addr, concern) in enumerate(self.w.mash, 1):
            d = t.date()
            f, m, s = n.name_parts(c, "mash", d)
            if rng.random() < 0.005:
                f, s = s, f
            dob = n.dob(c, "mash", 0.12)
            addr_s = pc = ""
            if addr is not None:
                lines, town, pc = n.addr(addr)
                addr_s = _join(*lines, town)
                self.addrs.append((fn, i, "Address", addr.aid))
            self.mentions.append((fn, i, "child", c.pid))
            rows.append((ref, "%02d/%02d/%04d %02d:%02d" % (t.day, t.month, t.year, t.hour, t.minute), agency, f, s,
                         fmt_dmy(dob) if dob else "", addr_s, pc, concern))
        with open(os.path.join(self.out, fn), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("Referral ID", "Received", "Referrer Agency", "Child Forename", "Child Surname", "Child DOB",
                         "Address", "Postcode", "Concern"))
            wr.writerows(rows)
        self.counts[fn] = len(rows)

    # ------------------------------------------------------------------ truth
    def write_truth(self, flags: list):
        w = self.w
        td = os.path.join(self.out, "truth")
        os.makedirs(td, exist_ok=True)
        with open(os.path.join(td, "mentions.csv"), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("source_file", "source_row", "slot", "person_id"))
            wr.writerows(self.mentions)
        with open(os.path.join(td, "addresses.csv"), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("source_file", "source_row", "field", "address_id"))
            wr.writerows(self.addrs)
        with open(os.path.join(td, "persons.csv"), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("person_id", "forename", "middle_names", "surname", "birth_surname", "other_surnames", "dob", "sex",
                         "nhs_number", "upn", "pnc_id", "crn", "police_nominal", "la_person_ids", "preferred_forename",
                         "family_id", "role", "culture"))
            for p in w.persons:
                others = [s for _, s in p.surnames if s != p.surname]
                wr.writerow((p.pid, p.forename, " ".join(p.middles), p.surname, p.birth_surname, ";".join(dict.fromkeys(others)),
                             fmt_iso(p.dob), p.sex, p.nhs, p.upn, p.pnc, p.crn, p.nominal, ";".join(p.la_ids), p.pref,
                             p.family_id, p.role, p.culture))
        with open(os.path.join(td, "addresses_master.csv"), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("address_id", "uprn", "flat", "building", "number", "suffix", "street", "town", "postcode", "kind"))
            for a in w.places.addresses:
                wr.writerow((a.aid, a.uprn, a.flat, a.building, a.number, a.suffix, a.street, a.town, a.postcode, a.kind))
        with open(os.path.join(td, "flags.csv"), "w", encoding="utf-8", newline="") as fh:
            wr = csv.writer(fh)
            wr.writerow(("rule", "child_person_id", "other_person_id", "address_id", "trigger_date"))
            wr.writerows(flags)
