"""Clerical errors applied when the clean world is written out.

Two kinds: a *registration* error belongs to one agency's record of one
person and repeats on every row of that agency (a mistyped DOB on the police
nominal, a nickname the school uses, a GP that never updated a married
surname); a *row* error happens once (a typo, a swapped forename/surname, a
missing postcode).  Rates are moderate: most fields are clean.
"""
from __future__ import annotations

import datetime as dt
import random

from . import names
from .errors import ErrorProfile
from .places import ABBREV, Address

KEYBOARD = {
    "a": "qwsz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji",
    "v": "cfgb", "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}

# per-agency registration rates: (nickname, variant, surname typo, forename typo, dob error,
# keep middles, stale maiden surname)
REG_RATES = {
    "police": (0.05, 0.03, 0.025, 0.02, 0.03, 0.55, 0.10),
    "csc": (0.04, 0.03, 0.02, 0.02, 0.015, 0.05, 0.05),
    "rel": (0.10, 0.04, 0.03, 0.02, 0.03, 0.15, 0.25),
    "gp": (0.01, 0.02, 0.01, 0.01, 0.01, 0.92, 0.30),
    "school": (0.00, 0.02, 0.01, 0.01, 0.01, 0.0, 0.10),
    "probation": (0.04, 0.03, 0.02, 0.02, 0.02, 0.0, 0.10),
    "housing": (0.06, 0.03, 0.025, 0.02, 0.03, 0.10, 0.15),
    "mash": (0.25, 0.04, 0.03, 0.02, 0.04, 0.0, 0.10),
}


class Reg:
    __slots__ = ("forename", "middles", "surname", "dob", "stale")


COUNTIES = ("Leicestershire", "Leics", "Nottinghamshire", "Notts", "Lincolnshire", "Lincs", "Derbyshire", "Rutland")
NUMBER_PREFIXES = ("No. {}", "No {}", "No.{}", "#{}", "Number {}", "{},")


class Noise:
    def __init__(self, rng: random.Random, errors: ErrorProfile | None = None):
        self.rng = rng
        self.regs: dict = {}
        self.errors = errors or ErrorProfile()

    def _chance(self, rate: float) -> bool:
        # A kind at rate zero draws nothing, so the standard profile keeps every earlier world's bytes.
        return bool(rate) and self.rng.random() < rate

    def _street_errors(self, street: str, stype: str) -> str:
        """The profile's street errors: a typo in the type, the type run into the name, a split word."""
        e, rng = self.errors, self.rng
        base = street[: -len(stype)].rstrip() if street.endswith(stype) else None
        if base is not None and self._chance(e.street_type_typo):
            street = f"{base} {self.typo(stype)}"
        if self._chance(e.run_together):
            head, _, last = street.rpartition(" ")
            if head:
                street = head + (last if rng.random() < 0.7 else last.lower())
        if self._chance(e.split_word):
            words = street.split(" ")
            i = rng.randrange(len(words))
            if len(words[i]) >= 6:
                k = rng.randrange(2, len(words[i]) - 2)
                words[i] = words[i][:k] + " " + words[i][k:].lower()
                street = " ".join(words)
        return street

    def _number_errors(self, a: Address) -> str:
        """The house number as written under the profile: digits transposed or one key off."""
        e, rng = self.errors, self.rng
        num = a.number_str()
        digits = str(a.number)
        if len(digits) >= 2 and digits != digits[::-1] and self._chance(e.number_transposed):
            return digits[::-1] + a.suffix
        if self._chance(e.number_typo):
            return str(max(1, a.number + rng.choice((-1, 1)))) + a.suffix
        return num

    # ------------------------------------------------------------ primitives
    def typo(self, s: str) -> str:
        rng = self.rng
        n = len(s)
        if n < 3:
            return s
        i = rng.randrange(1, n - 1)
        r = rng.random()
        if r < 0.35:  # transposition
            if s[i] == s[i + 1]:
                i = max(1, i - 1)
            return s[:i] + s[i + 1] + s[i] + s[i + 2:]
        if r < 0.7:  # substitution by a neighbouring key
            c = s[i]
            nb = KEYBOARD.get(c.lower())
            if not nb:
                return s
            x = rng.choice(nb)
            return s[:i] + (x.upper() if c.isupper() else x) + s[i + 1:]
        if r < 0.9:  # deletion
            return s[:i] + s[i + 1:]
        return s[:i] + s[i] + s[i:]  # doubled letter

    def dob_error(self, d: dt.date) -> dt.date:
        rng = self.rng
        r = rng.random()
        if r < 0.45 and d.day <= 12 and d.day != d.month:
            return dt.date(d.year, d.day, d.month)  # day and month swapped
        if r < 0.8:
            try:
                return d.replace(year=d.year + rng.choice((-1, 1)))
            except ValueError:
                return d.replace(year=d.year + 1, day=28)
        if d.day in (12, 13, 21, 23, 31, 1, 10, 11, 2, 3):
            try:
                s = "%02d" % d.day
                return d.replace(day=int(s[::-1]) or 1)
            except ValueError:
                pass
        try:
            return d + dt.timedelta(days=rng.choice((-1, 1, 10, -10)))
        except OverflowError:
            return d

    def reg(self, p, agency: str) -> Reg:
        key = (p.idx, agency)
        r = self.regs.get(key)
        if r is not None:
            return r
        rng = self.rng
        nick_p, var_p, styp_p, ftyp_p, dob_p, mid_p, stale_p = REG_RATES[agency]
        r = Reg()
        f = p.forename
        x = rng.random()
        if x < nick_p:
            if p.pref:
                f = p.pref
            else:
                nk = names.nicknames_for(f)
                if nk:
                    f = rng.choice(nk)
        elif x < nick_p + var_p and f in names.VARIANTS:
            f = rng.choice(names.VARIANTS[f])
        elif x < nick_p + var_p + ftyp_p:
            f = self.typo(f)
        r.forename = f
        r.middles = p.middles if rng.random() < mid_p else ()
        s = None
        x = rng.random()
        if x < styp_p:
            s = self.typo(p.birth_surname)
        elif x < styp_p * 2 and p.birth_surname in names.VARIANTS:
            s = rng.choice(names.VARIANTS[p.birth_surname])
        r.surname = s  # None: the surname in use on the date
        r.stale = len(p.surnames) > 1 and rng.random() < stale_p
        r.dob = self.dob_error(p.dob) if rng.random() < dob_p else p.dob
        self.regs[key] = r
        return r

    # ------------------------------------------------------------ names
    def name_parts(self, p, agency: str, d: dt.date, row_typo: float = 0.012):
        """(forename, middles tuple, surname) as this agency writes them on d."""
        rng = self.rng
        r = self.reg(p, agency)
        f = r.forename
        if r.surname is not None and len(p.surnames) == 1:
            s = r.surname
        elif r.stale:
            s = p.surnames[0][1]
        else:
            s = p.surname_at(d)
        x = rng.random()
        if x < row_typo:
            f = self.typo(f)
        elif x < 2 * row_typo:
            s = self.typo(s)
        return f, r.middles, s

    def dob(self, p, agency: str, blank: float = 0.02):
        if self.rng.random() < blank:
            return None
        return self.reg(p, agency).dob

    def full_name(self, p, agency: str, d: dt.date, with_middle: bool = False) -> str:
        rng = self.rng
        f, m, s = self.name_parts(p, agency, d)
        x = rng.random()
        if x < 0.006:
            return f"{s} {f}"  # surname first
        if x < 0.012:
            return f"{f[0]} {s}"  # initial only
        if with_middle and m:
            return " ".join((f,) + m + (s,))
        return f"{f} {s}"

    def fold(self, s: str, p_keep: float) -> str:
        """Diacritics dropped unless the system keeps them (probability p_keep)."""
        if s.isascii() or self.rng.random() < p_keep:
            return s
        return names.fold_ascii(s)

    # ------------------------------------------------------------ identifiers
    def nhs(self, number: str, spaced: float) -> str:
        rng = self.rng
        if not number:
            return ""
        if rng.random() < 0.01:
            i = rng.randrange(10)
            number = number[:i] + str((int(number[i]) + rng.randint(1, 9)) % 10) + number[i + 1:]
        if rng.random() < spaced:
            return f"{number[:3]} {number[3:6]} {number[6:]}"
        return number

    # ------------------------------------------------------------ addresses
    def addr(self, a: Address, flat_style: int | None = None):
        """(lines, town, postcode) with the clerical variation of one writing."""
        rng = self.rng
        street = a.street
        x = rng.random()
        if x < 0.2:
            ab = ABBREV.get(a.stype)
            if ab:
                street = street[: -len(a.stype)] + rng.choice(ab)
        elif x < 0.22:
            street = self.typo(street)
        street = self._street_errors(street, a.stype)
        num = self._number_errors(a)
        style = rng.randrange(3) if flat_style is None else flat_style
        if a.kind == "flat":
            if style == 0:
                lines = [f"Flat {a.flat}", f"{num} {street}"]
            elif style == 1:
                lines = [f"{a.flat}/{num} {street}"]
            else:
                lines = [f"{num}{'abcdefgh'[int(a.flat) - 1]} {street}"]
        elif a.kind == "block_flat":
            bname = a.building
            if rng.random() < 0.15:
                bw = bname.rsplit(" ", 1)
                ab = ABBREV.get(bw[-1])
                if ab:
                    bname = bw[0] + " " + ab[0]
            if style == 0:
                lines = [f"Flat {a.flat}", bname, f"{num} {street}"]
            elif style == 1:
                lines = [f"{a.flat} {bname}", street]
            else:
                lines = [f"{a.flat}/{num} {street}"]
        else:
            lines = [f"{num} {street}"]
        if self._chance(self.errors.number_prefix) and lines[-1].startswith(num + " "):
            lines[-1] = rng.choice(NUMBER_PREFIXES).format(num) + lines[-1][len(num):]
        town = a.town
        x = rng.random()
        if x < 0.05:
            town = ""
        elif x < 0.06:
            town = self.typo(town)
        if town and self._chance(self.errors.county_line):
            town = f"{town}, {rng.choice(COUNTIES)}"
        pc = a.postcode
        x = rng.random()
        if x < 0.08:
            pc = ""
        elif x < 0.13:
            pc = pc.replace(" ", "")
        elif x < 0.15:
            i = rng.choice([j for j in range(len(pc)) if pc[j] != " "])
            c = pc[i]
            if c.isdigit():
                c2 = str((int(c) + rng.randint(1, 9)) % 10)
            else:
                c2 = rng.choice("ABDEFGHJLNPQRSTUWXYZ".replace(c, ""))
            pc = pc[:i] + c2 + pc[i + 1:]
        elif x < 0.16:
            pc = pc.lower()
        return lines, town, pc
