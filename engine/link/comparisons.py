"""Comparisons declared as ordered levels that compile to one SQL CASE each (Splink style).

A pair is compared over signature columns `l.<col>` and `r.<col>`. The first
level whose condition holds is the pair's level; a level flagged `null` carries
no evidence (weight 0). Levels flagged `tf` are adjusted by the frequency of the
agreeing value (agreeing on SMITH is worth less than on WOJCIK).
"""
from __future__ import annotations

import re

from pydantic.dataclasses import dataclass


@dataclass(frozen=True)
class Level:
    """One comparison level: a label and its SQL condition over a signature pair (aliases l, r).

    `null`: the no-evidence level (weight 0). `tf`: the signature column whose value frequency
    adjusts this level's u. `fixed_m` / `fixed_u`: not learned. `impossible`: the clustering never
    merges two signatures at this level (with dates of birth enforced), so a pair there is not
    scored and an edge whose pre-clusters sit there is not handed to the clustering."""

    label: str
    sql: str
    null: bool = False
    tf: str | None = None
    fixed_m: float | None = None
    fixed_u: float | None = None
    impossible: bool = False


@dataclass(frozen=True)
class Comparison:
    """A named, ordered list of levels; the last level should be the catch-all disagreement."""

    name: str
    levels: tuple[Level, ...]
    # Levels from `lookup_from` on are costly (string similarity) and read only columns that are
    # functions of `lookup_key`: they are evaluated once per distinct pair of keys, not per pair.
    lookup_from: int | None = None
    lookup_key: tuple[str, ...] = ()

    def case_sql(self) -> str:
        """`CASE ... END` giving the level index (0-based) for the pair in scope (aliases l, r)."""
        return self._case(0)

    def _case(self, first: int, tail: str | None = None) -> str:
        last = len(self.levels) - 1
        whens = " ".join(f"WHEN {lv.sql} THEN {i}" for i, lv in enumerate(self.levels) if first <= i < last)
        return f"CASE {whens} ELSE {tail if tail is not None else last} END"

    def head_sql(self, looked_up: str) -> str:
        """The level from the cheap leading levels, else `looked_up` (the tail's level)."""
        assert self.lookup_from is not None
        whens = " ".join(f"WHEN {lv.sql} THEN {i}" for i, lv in enumerate(self.levels[: self.lookup_from]))
        return f"CASE {whens} ELSE {looked_up} END"

    def tail_sql(self) -> str:
        """The level among `lookup_from`.. (for a pair whose leading levels did not apply)."""
        assert self.lookup_from is not None
        return self._case(self.lookup_from)

    def tail_columns(self) -> list[str]:
        """Columns the tail levels read (each a function of `lookup_key`)."""
        assert self.lookup_from is not None
        return pair_columns(" ".join(lv.sql for lv in self.levels[self.lookup_from:]))

    def level_of(self, label: str) -> int:
        """Index of the level called `label`."""
        return next(i for i, lv in enumerate(self.levels) if lv.label == label)

    def null_levels(self) -> list[int]:
        """Indices of the no-evidence levels."""
        return [i for i, lv in enumerate(self.levels) if lv.null]

    def impossible_levels(self) -> list[int]:
        """Indices of the levels the clustering never merges at."""
        return [i for i, lv in enumerate(self.levels) if lv.impossible]

    @property
    def learned(self) -> bool:
        """Is some evidence level's m learned (not fixed)?"""
        return any(lv.fixed_m is None for lv in self.levels if not lv.null)

    def tf_column(self) -> str | None:
        """The term-frequency column of this comparison's tf level, if any."""
        return next((lv.tf for lv in self.levels if lv.tf), None)


def pair_columns(sql: str) -> list[str]:
    """The signature columns a pair condition reads (`l.<col>` / `r.<col>`)."""
    return sorted(set(re.findall(r"\b[lr]\.(\w+)", sql)))


def _either_null(col: str) -> str:
    return f"(l.{col} IS NULL OR r.{col} IS NULL)"


def _jw(col: str, t: float) -> str:
    return f"jaro_winkler_similarity(l.{col}, r.{col}) >= {t}"


SWAPPED = "(l.fn = r.sn AND l.sn = r.fn)"

FORENAME = Comparison("forename", (
    Level("null", _either_null("fn"), null=True),
    Level("exact", "l.fn = r.fn", tf="fn"),
    Level("swapped with surname", SWAPPED),
    # One name is a nickname of the other, both are in one curated variant group, or a preferred name
    # is (a nickname of) the other's forename. Two nicknames that only share a canonical form are not
    # one name (MAISIE and MEGAN: both MARGARITA; sisters often are).
    Level("nickname or preferred name",
          "(list_contains(l.fcanon, r.fn) OR list_contains(r.fcanon, l.fn) OR list_has_any(l.fgrp, r.fgrp)"
          " OR l.pref = r.fn OR l.fn = r.pref"
          " OR list_contains(coalesce(l.pcanon, []), r.fn) OR list_contains(r.fcanon, l.pref)"
          " OR list_contains(coalesce(r.pcanon, []), l.fn) OR list_contains(l.fcanon, r.pref)"
          " OR list_has_any(l.pgrp, r.fgrp) OR list_has_any(l.fgrp, r.pgrp))"),
    Level("jaro-winkler >= 0.92 or contained",
          f"({_jw('fn', 0.92)} OR (length(l.fn) >= 3 AND length(r.fn) >= 3"
          " AND (contains(l.fn, r.fn) OR contains(r.fn, l.fn))))"),
    Level("initial", "(length(l.fn) = 1 OR length(r.fn) = 1) AND l.fi = r.fi"),
    Level("known by middle name", "(list_contains(l.mids, r.fn) OR list_contains(r.mids, l.fn))"),
    Level("jaro-winkler >= 0.8", _jw("fn", 0.8)),
    Level("different", "TRUE"),
), lookup_from=3, lookup_key=("fn", "pref", "mid"))

SURNAME = Comparison("surname", (
    Level("null", _either_null("sn"), null=True),
    Level("exact", "l.sn = r.sn", tf="sn"),
    Level("swapped with forename", SWAPPED),
    Level("part of double-barrelled", "len(l.sn_parts) + len(r.sn_parts) > 2 AND list_has_any(l.sn_parts, r.sn_parts)"),
    Level("jaro-winkler >= 0.92", _jw("sn", 0.92)),
    Level("jaro-winkler >= 0.8", _jw("sn", 0.8)),
    Level("different", "TRUE"),
), lookup_from=3, lookup_key=("sn",))

DOB = Comparison("dob", (
    # A parent named only by role cannot be born after the event year minus LinkSettings.ages.parent_min_age
    # (features.max_birth_year): such a pair is almost never one person (fixed, not learned: id-linked pairs hold none).
    Level("too young for the role",
          "(l.dob IS NULL AND (r.dob_y > l.max_birth_year OR r.dob_y < l.min_birth_year))"
          " OR (r.dob IS NULL AND (l.dob_y > r.max_birth_year OR l.dob_y < r.min_birth_year))",
          fixed_m=0.0005, fixed_u=0.2, impossible=True),
    Level("null", _either_null("dob"), null=True),
    Level("exact", "l.dob = r.dob", tf="dob"),
    Level("day and month swapped", "l.dob_y = r.dob_y AND l.dob_d = r.dob_m AND l.dob_m = r.dob_d"),
    Level("one digit off", "damerau_levenshtein(l.dob_s, r.dob_s) <= 1"),
    # A year typed one out (1969 for 1970) changes two or more digits but keeps the birthday.
    Level("year one out, same birthday", "l.dob_m = r.dob_m AND l.dob_d = r.dob_d AND abs(l.dob_y - r.dob_y) = 1"),
    Level("same year", "l.dob_y = r.dob_y", impossible=True),
    Level("different", "TRUE", impossible=True),
), lookup_from=3, lookup_key=("dob",))

SEX = Comparison("sex", (
    Level("null", _either_null("sex"), null=True),
    Level("same", "l.sex = r.sex"),
    Level("different", "TRUE"),
))

SUFFIX = Comparison("suffix", (
    Level("null", _either_null("sfx"), null=True),
    Level("same", "l.sfx = r.sfx"),
    Level("different (JR/SR)", "TRUE"),
))

LOCATION = Comparison("location", (
    Level("same place", "list_has_any(l.places, r.places)"),
    # Named in source rows beside the same person (one household's rows), wherever each was living.
    Level("named beside the same person", "(list_has_any(l.comps, r.comps) OR list_has_any(l.ckeys, r.ckeys))"),
    Level("null", "(len(l.places) = 0 AND len(l.pcs) = 0) OR (len(r.places) = 0 AND len(r.pcs) = 0)", null=True),
    Level("same postcode", "list_has_any(l.pcs, r.pcs)"),
    Level("same street", "list_has_any(l.streets, r.streets)"),
    Level("same postcode sector", "list_has_any(l.sectors, r.sectors)"),
    Level("same postcode district", "list_has_any(l.districts, r.districts)"),
    Level("different", "TRUE"),
))


def _id_comparison(name: str, col: str, label: str, m_same: float, strict: bool = True) -> Comparison:
    # Identifier agreement is near-certain, and disagreement on a strict id rules a match out: m is
    # fixed rather than learned, because deterministic pre-clusters leave no agreeing pairs to learn from.
    return Comparison(name, (
        Level("null", f"(coalesce(len(l.{col}), 0) = 0 OR coalesce(len(r.{col}), 0) = 0)", null=True),
        Level(f"same {label}", f"list_has_any(l.{col}, r.{col})", fixed_m=m_same),
        Level(f"different {label}", "TRUE", fixed_m=round(1 - m_same, 6), impossible=strict),
    ))


NHS = _id_comparison("nhs_number", "nhs_set", "NHS number", 0.999)
UPN = _id_comparison("upn", "upn_set", "UPN", 0.999)
PNC = _id_comparison("pnc", "pnc_set", "PNC id", 0.999)
POLICE = _id_comparison("police_id", "police_set", "police NominalRef", 0.99)
PROBATION = _id_comparison("probation_id", "probation_set", "probation CRN", 0.99)
# A child can hold two CSC ids when a duplicate record was made: not strict.
CSC = _id_comparison("csc_id", "csc_set", "CSC Person ID", 0.9, strict=False)

COMPARISONS: tuple[Comparison, ...] = (FORENAME, SURNAME, DOB, SEX, SUFFIX, LOCATION, NHS, UPN, PNC, POLICE,
                                       PROBATION, CSC)

def comparison(name: str) -> Comparison:
    """The comparison called `name`."""
    return next(c for c in COMPARISONS if c.name == name)


def impossible_levels(name: str) -> list[int]:
    """Indices of the impossible levels of comparison `name`."""
    return comparison(name).impossible_levels()


def possible_sql(comparisons: tuple[Comparison, ...] = COMPARISONS) -> str:
    """SQL over a signature pair (aliases l, r): true unless some comparison is at an impossible level."""
    return " AND ".join(f"({c.case_sql()}) NOT IN ({', '.join(map(str, c.impossible_levels()))})"
                        for c in comparisons if c.impossible_levels())


def gamma_select_sql() -> str:
    """Select-list of `g_<name>` level columns for every comparison."""
    return ", ".join(f"{c.case_sql()} AS g_{c.name}" for c in COMPARISONS)


def lookup_key_sql(src: str) -> str:
    """Select-list giving each row of `src` a `k_<name>` per lookup key: a hash of the key's values,
    the same for the same spelling in any table and any run (new signatures of an incremental run
    meet the stored ones on it)."""
    looked = [c for c in COMPARISONS if c.lookup_from is not None]
    return ", ".join(f"hash({', '.join(f'{src}.{k}' for k in c.lookup_key)}) AS k_{c.name}" for c in looked)
