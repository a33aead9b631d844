"""Constrained greedy clustering of pre-clusters into persons, resistant to chaining.

Edges (pre-cluster pairs, best pair weight) are merged in descending weight. A
merge is refused when the two clusters, taken whole, cannot be one person:
different valid NHS numbers / UPNs / PNC ids / police NominalRefs / probation
CRNs; both named in one source row (a row lists different people: a pupil and
carers, a tenant and household); no compatible date of birth (equal, day-month
swap, one digit off, or the year one out on the same birthday);
forenames that cannot be one person's (twins share a surname, a date of birth and
an address, a couple a surname and an address: only the forename tells them apart);
a JR/SR clash; a parent-role mention too young for the other's dob; or an analyst's
rejection. The date-of-birth and forename tests are the comparisons' own declared levels
(CONSTRAINTS), evaluated in Python from the same SQL (pyexpr). So one bad pair cannot merge two families: the first
conflicting member stops it. Analyst acceptances merge first, unconditionally.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import AbstractSet, Any

from pydantic.dataclasses import dataclass as declared

from chronolink.engine.link.comparisons import COMPARISONS, Comparison, pair_columns
from chronolink.engine.link.pyexpr import level_function

STRICT_IDS = ("nhs", "upn", "pnc", "police", "probation")


@declared(frozen=True)
class ValueConstraint:
    """Two clusters cannot be one person when every pair of their values sits at a `refuse` level of
    `comparison` (its levels from `from_level` on, evaluated from the declaration itself on value
    records: the columns those levels read, of every signature meeting `where`). Enabled by the
    ClusterSettings flag `setting`."""

    reason: str
    comparison: str
    refuse: tuple[str, ...]
    where: str
    from_level: str
    setting: str

    def spec(self, comparisons: tuple[Comparison, ...] = COMPARISONS) -> Comparison:
        """The comparison this constraint reads."""
        return next(c for c in comparisons if c.name == self.comparison)

    def columns(self, comparisons: tuple[Comparison, ...] = COMPARISONS) -> list[str]:
        """The signature columns a value record holds: what the levels from `from_level` on read."""
        c = self.spec(comparisons)
        return pair_columns(" ".join(lv.sql for lv in c.levels[c.level_of(self.from_level):]))


CONSTRAINTS: tuple[ValueConstraint, ...] = (
    # No compatible date of birth: more than a typo, a day/month swap, a one-digit slip or the year
    # one out on the same birthday apart (the dob comparison's impossible levels).
    ValueConstraint("incompatible dates of birth", "dob", ("same year", "different"), "dob IS NOT NULL", "exact",
                    "enforce_dob"),
    # Forenames that cannot be one person's: twins share a surname, a date of birth and an address,
    # a couple a surname and an address; only the forename tells them apart.
    ValueConstraint("twin or relative pattern (forenames that cannot be one person's)", "forename",
                    ("different",), "fn IS NOT NULL", "exact", "enforce_twins"),
)


@dataclass(slots=True)
class Cluster:
    """What a cluster knows about its person, as sets (merged on union; a frozenset is copied before it changes).

    `values[k]` holds the ids of its value records for CONSTRAINTS[k] (see Judge)."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    values: tuple[AbstractSet[int], ...] = ()
    min_dob_year: int | None = None
    suffixes: AbstractSet[str] = field(default_factory=set)
    max_birth_year: int | None = None
    reject_tags: AbstractSet[tuple[int, int]] = field(default_factory=set)
    records: AbstractSet[str] = field(default_factory=set)  # source rows (record ids) it is named in
    max_dob_year: int | None = None
    min_birth_year: int | None = None

    def absorb(self, o: "Cluster") -> None:
        """Union `o` into this cluster."""
        for k, v in o.ids.items():
            self.ids.setdefault(k, set()).update(v)
        if o.values:
            self.values = tuple(_union(a, b) for a, b in zip(self.values, o.values)) if self.values else o.values
        self.min_dob_year = _least(self.min_dob_year, o.min_dob_year)
        self.suffixes = _union(self.suffixes, o.suffixes)
        self.max_birth_year = _least(self.max_birth_year, o.max_birth_year)
        self.reject_tags = _union(self.reject_tags, o.reject_tags)
        self.records = _union(self.records, o.records)
        self.max_dob_year = _most(self.max_dob_year, o.max_dob_year)
        self.min_birth_year = _most(self.min_birth_year, o.min_birth_year)


def _least(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _most(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)


def _union(mine: AbstractSet, other: AbstractSet) -> AbstractSet:
    """`mine` with `other` added: a growing cluster's own set changes in place (a frozenset, maybe shared,
    is copied once first), so absorbing many small clusters stays linear."""
    if not other:
        return mine
    if type(mine) is frozenset:
        return set(mine) | other
    mine |= other
    return mine


class Judge:
    """Decides the value constraints: holds each constraint's value records (id -> tuple in
    `columns()` order), its level function compiled from the declaration, and a cache of the level
    of every pair of records it has met (the same two dates or names meet again and again)."""

    def __init__(self, records: Sequence[dict[int, tuple]], enabled: Sequence[bool] | None = None,
                 constraints: tuple[ValueConstraint, ...] = CONSTRAINTS, comparisons: tuple[Comparison, ...] = COMPARISONS):
        self.constraints = constraints
        self.records = list(records)
        self.enabled = list(enabled) if enabled is not None else [True] * len(constraints)
        self._level: list[Callable[[Any, Any], int]] = []
        self._refuse: list[frozenset[int]] = []
        for k in constraints:
            c = k.spec(comparisons)
            self._level.append(level_function(c, k.columns(comparisons), first=c.level_of(k.from_level)))
            self._refuse.append(frozenset(c.level_of(x) for x in k.refuse))
        self._cache: list[dict[tuple[int, int], bool]] = [{} for _ in constraints]

    def _compatible(self, k: int, x: int, y: int) -> bool:
        key = (x, y) if x <= y else (y, x)
        cache = self._cache[k]
        ok = cache.get(key)
        if ok is None:
            recs = self.records[k]
            ok = cache[key] = self._level[k](recs[key[0]], recs[key[1]]) not in self._refuse[k]
        return ok

    def refuses(self, k: int, xs: AbstractSet[int], ys: AbstractSet[int]) -> bool:
        """True when constraint k is on and every pair of values of `xs` and `ys` is at a refusing level."""
        if not (self.enabled[k] and xs and ys):
            return False
        common = xs & ys  # a value shared is usually its own exact level: try those first
        if any(self._compatible(k, x, x) for x in common):
            return False
        return not any(self._compatible(k, x, y) for x in xs for y in ys)


def hard_conflict(a: Cluster, b: Cluster) -> str | None:
    """Why `a` and `b` are certainly two people (different strict ids, named side by side in one
    source row, an analyst's rejection), or None."""
    if a.ids and b.ids:
        for k, x in a.ids.items():
            y = b.ids.get(k)
            if y and x.isdisjoint(y):
                return _DIFFERENT[k]
    if a.records and b.records and not a.records.isdisjoint(b.records):
        return "named together in one record"
    if a.reject_tags and b.reject_tags and any((i, 1 - s) in b.reject_tags for i, s in a.reject_tags):
        return "rejected by analyst"
    return None


_DIFFERENT = {k: f"different {k}" for k in STRICT_IDS}


def conflict(a: Cluster, b: Cluster, judge: Judge) -> str | None:
    """Why `a` and `b` cannot be one person, or None when they can.

    Called once per candidate merge (over a million at county scale): each test first looks for
    the cheap reason it cannot apply (an empty side, a shared value)."""
    hard = hard_conflict(a, b)
    if hard:
        return hard
    if a.values and b.values:
        for k, (xs, ys) in enumerate(zip(a.values, b.values)):
            if judge.refuses(k, xs, ys):
                return judge.constraints[k].reason
    if a.suffixes and b.suffixes and (("JR" in a.suffixes and "SR" in b.suffixes) or ("SR" in a.suffixes and "JR" in b.suffixes)):
        return "junior/senior"
    # the earliest of a cluster's dates of birth: a later one may be a slip of a digit
    if ((a.max_birth_year is not None and b.min_dob_year is not None and b.min_dob_year > a.max_birth_year)
            or (b.max_birth_year is not None and a.min_dob_year is not None and a.min_dob_year > b.max_birth_year)):
        return "too young for a parent role"
    # the latest of a cluster's dates of birth, likewise
    if ((a.min_birth_year is not None and b.max_dob_year is not None and b.max_dob_year < a.min_birth_year)
            or (b.min_birth_year is not None and a.max_dob_year is not None and a.max_dob_year < b.min_birth_year)):
        return "too old for a parent role"
    return None


class UnionFind:
    """Union-find over pre-cluster ids with a Cluster payload per root."""

    def __init__(self, clusters: dict[int, Cluster]):
        self.parent: dict[int, int] = {k: k for k in clusters}
        self.data = clusters

    def find(self, x: int) -> int:
        """Root of x (path halving)."""
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: int, b: int) -> int:
        """Merge the clusters of a and b; the smaller root id survives (deterministic)."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        self.parent[gone] = keep
        self.data[keep].absorb(self.data.pop(gone))
        return keep


def greedy_cluster(
    clusters: dict[int, Cluster],
    edges: Iterable[tuple[int, int, float]],
    judge: Judge,
    accepted: Iterable[tuple[int, int]] = (),
) -> tuple[dict[int, int], list[tuple[int, int, float, str]]]:
    """Cluster pre-clusters; returns (pre-cluster -> root, refused edges with reasons).

    `edges` must already be filtered to the link threshold and sorted by weight (descending),
    ties broken by ids, so runs are reproducible.
    """
    uf = UnionFind(clusters)
    for a, b in accepted:
        if a in uf.parent and b in uf.parent:
            uf.union(a, b)
    refused: list[tuple[int, int, float, str]] = []
    find, data, parent = uf.find, uf.data, uf.parent
    for a, b, w in edges:
        # find() inlined for roots, which most endpoints are: this loop runs a million times
        ra = a if parent[a] == a else find(a)
        rb = b if parent[b] == b else find(b)
        if ra == rb:
            continue
        why = conflict(data[ra], data[rb], judge)
        if why:
            refused.append((a, b, w, why))
            continue
        uf.union(ra, rb)
    return {k: find(k) for k in parent}, refused


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while millions of cluster records are built and merged.

    They hold no reference cycles, but each full collection walks all of them, and allocation
    keeps triggering collections: paused, building and clustering take half the time."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def release_memory() -> None:
    """Hand the clustering's freed Python objects back to the operating system.

    Half a million cluster records are freed at once, but the C allocator keeps the pages, and
    DuckDB's later work would stack on top of them (the link must fit a laptop's memory)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name:
        try:
            ctypes.CDLL(name).malloc_trim(0)
        except (OSError, AttributeError):  # not glibc: nothing to trim
            pass
