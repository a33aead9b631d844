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
rejection. So one bad pair cannot merge two families: the first
conflicting member stops it. Analyst acceptances merge first, unconditionally.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
from dataclasses import dataclass, field
from contextlib import contextmanager
from typing import AbstractSet, Iterable, Iterator

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler

STRICT_IDS = ("nhs", "upn", "pnc", "police", "probation")


@dataclass(slots=True)
class Cluster:
    """What a cluster knows about its person, as sets (merged on union; a frozenset is copied before it changes)."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    dobs: AbstractSet[str] = field(default_factory=set)  # 'YYYYMMDD'
    forenames: AbstractSet[str] = field(default_factory=set)
    canon: AbstractSet[str] = field(default_factory=set)
    middles: AbstractSet[str] = field(default_factory=set)
    surnames: AbstractSet[str] = field(default_factory=set)
    suffixes: AbstractSet[str] = field(default_factory=set)
    max_birth_year: int | None = None
    reject_tags: AbstractSet[tuple[int, int]] = field(default_factory=set)
    records: AbstractSet[str] = field(default_factory=set)  # source rows (record ids) it is named in
    groups: AbstractSet[str] = field(default_factory=set)  # curated variant groups of its forenames

    def absorb(self, o: "Cluster") -> None:
        """Union `o` into this cluster."""
        for k, v in o.ids.items():
            self.ids.setdefault(k, set()).update(v)
        self.dobs = _union(self.dobs, o.dobs)
        self.forenames = _union(self.forenames, o.forenames)
        self.canon = _union(self.canon, o.canon)
        self.middles = _union(self.middles, o.middles)
        self.surnames = _union(self.surnames, o.surnames)
        self.suffixes = _union(self.suffixes, o.suffixes)
        if o.max_birth_year is not None:
            self.max_birth_year = o.max_birth_year if self.max_birth_year is None else min(self.max_birth_year, o.max_birth_year)
        self.reject_tags = _union(self.reject_tags, o.reject_tags)
        self.records = _union(self.records, o.records)
        self.groups = _union(self.groups, o.groups)


def _union(mine: AbstractSet, other: AbstractSet) -> AbstractSet:
    """`mine` with `other` added: a growing cluster's own set changes in place (a frozenset, maybe shared,
    is copied once first), so absorbing many small clusters stays linear."""
    if not other:
        return mine
    if type(mine) is frozenset:
        return set(mine) | other
    mine |= other  # type: ignore[operator]
    return mine


def dob_compatible(a: str, b: str) -> bool:
    """Same date of birth allowing a day/month swap, a one-digit slip, or the year one out."""
    if a == b:
        return True
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return True
    if a[4:] == b[4:] and abs(int(a[:4]) - int(b[:4])) == 1:
        return True
    return DamerauLevenshtein.distance(a, b) <= 1


def names_compatible(a: Cluster, b: Cluster) -> bool:
    """Could some forename of `a` and some forename of `b` be the same person's name?"""
    if not a.forenames or not b.forenames:
        return True
    # a nickname and its canonical form, or one curated group; not two nicknames of one canonical
    if a.forenames & b.forenames or a.forenames & b.canon or b.forenames & a.canon or a.groups & b.groups:
        return True
    if a.forenames & b.middles or b.forenames & a.middles:
        return True
    if a.forenames & b.surnames and b.forenames & a.surnames:  # forename and surname swapped
        return True
    for x in a.forenames:
        for y in b.forenames:
            if len(x) == 1 or len(y) == 1:
                if x[0] == y[0]:
                    return True
            elif JaroWinkler.similarity(x, y) >= 0.85:
                return True
            elif len(x) >= 3 and len(y) >= 3 and (x in y or y in x):
                return True
    return False


_DIFFERENT = {k: f"different {k}" for k in STRICT_IDS}


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


def conflict(a: Cluster, b: Cluster, enforce_dob: bool = True, enforce_twins: bool = True) -> str | None:
    """Why `a` and `b` cannot be one person, or None when they can.

    Called once per candidate merge (over a million at county scale): each test first looks for
    the cheap reason it cannot apply (an empty side, a shared value)."""
    hard = hard_conflict(a, b)
    if hard:
        return hard
    if (enforce_dob and a.dobs and b.dobs and a.dobs.isdisjoint(b.dobs)
            and not any(dob_compatible(x, y) for x in a.dobs for y in b.dobs)):
        return "incompatible dates of birth"
    if (enforce_twins and a.forenames and b.forenames and a.forenames.isdisjoint(b.forenames)
            and not names_compatible(a, b)):
        return "twin or relative pattern (forenames that cannot be one person's)"
    if a.suffixes and b.suffixes and (("JR" in a.suffixes and "SR" in b.suffixes) or ("SR" in a.suffixes and "JR" in b.suffixes)):
        return "junior/senior"
    # the earliest of a cluster's dates of birth: a later one may be a slip of a digit
    if ((a.max_birth_year is not None and b.dobs and int(min(b.dobs)[:4]) > a.max_birth_year)
            or (b.max_birth_year is not None and a.dobs and int(min(a.dobs)[:4]) > b.max_birth_year)):
        return "too young for a parent role"
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
    accepted: Iterable[tuple[int, int]] = (),
    enforce_dob: bool = True,
    enforce_twins: bool = True,
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
        why = conflict(data[ra], data[rb], enforce_dob, enforce_twins)
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
