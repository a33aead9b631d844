"""One person per cluster of list rows: constrained greedy clustering, resistant to chaining.

Rows sharing an identifier value merge first (an identifier counts within its own column: the
documented contract of link-files). Then links (a weight at or above the link weight) merge clusters
strongest first, with the agency clustering's machinery (clustering.py): a merge is refused when the two
clusters, taken whole, disagree on a veto field of the list model (list_model.VETO_FIELDS: every
pair of their values beyond a typo apart, evaluated from the comparison's own declared levels), and,
with --link-only, when both already hold a row of the same file (two deduplicated lists: a person
appears once in each). So one strong pair between twins, or a chain through a third row, cannot put
two people with different NHS numbers or dates of birth years apart into one.
"""
from __future__ import annotations

from collections.abc import Iterable

import duckdb
import polars as pl

from chronolink.engine.link.clustering import Cluster, Judge, UnionFind, ValueConstraint, conflict
from chronolink.engine.link.list_model import VETO_LEVEL, ListScores, value_records

ONE_TO_ONE = "one-to-one (--link-only): a stronger pair took one of these rows"


def _label(name: str) -> str:
    return name[3:] if name.startswith("id_") else {"dob": "dates of birth", "forename": "forenames"}.get(name, name)


TWINS = "twins: two forenames, each written on several rows with one surname and date of birth"


def veto_constraints(scores: ListScores) -> list[tuple[ValueConstraint, bool]]:
    """One constraint per veto field (refused where every pair of values sits at its VETO_LEVEL), each
    with whether only recurring values count. A forename that is no veto still keeps twins apart:
    two forenames each written on two or more rows with the same surname and date of birth are two
    people, where a replaced or mistyped forename is a one-off."""
    out = []
    for name in scores.vetoes:
        c = next(x for x in scores.comparisons if x.name == name)
        first = next(i for i, lv in enumerate(c.levels) if not lv.null)
        out.append((ValueConstraint(f"different {_label(name)}", name, (VETO_LEVEL,), "", c.levels[first].label, ""),
                    False))
    if "forename" not in scores.vetoes:
        out.append((ValueConstraint(TWINS, "forename", (VETO_LEVEL,), "", "exact", ""), True))
    return out


def cluster_rows(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, scores: ListScores,
                 same_id: Iterable[tuple[int, int]], edges: Iterable[tuple[int, int, float]],
                 link_only: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
    """((rid, cluster), refused links (rid_l, rid_r, reason)). `same_id` pairs share an identifier value
    and merge first, whatever else they disagree on (only --link-only's one-to-one rule holds them);
    `edges` (rid, rid, weight) are the scored links, strongest first (ties by ids); `rows` holds rid
    and file_seq."""
    declared = veto_constraints(scores)
    constraints = tuple(k for k, _ in declared)
    records: list[dict[int, tuple]] = []
    value_of: list[dict[int, int]] = []  # per constraint: rid -> value id
    for k, recurring in declared:
        cols = k.columns(scores.comparisons)
        key = k.spec(scores.comparisons).levels[1].sql  # the first non-null level reads the key column
        vr = value_records(con, cols)
        vr = vr.filter(pl.all_horizontal(pl.col(c).is_not_null() for c in cols if f"l.{c}" in key))
        if recurring:
            seen = value_records(con, ["fn", "sn", "dob_n"]).drop_nulls()
            again = seen.filter(pl.len().over("fn", "sn", "dob_n") >= 2)["rid"]
            vr = vr.filter(pl.col("rid").is_in(again.implode()))
        ids: dict[tuple, int] = {}
        rid_val: dict[int, int] = {}
        for rid, *vals in vr.iter_rows():
            t = tuple(tuple(v) if isinstance(v, list) else v for v in vals)
            rid_val[rid] = ids.setdefault(t, len(ids))
        records.append({i: t for t, i in ids.items()})
        value_of.append(rid_val)
    judge = Judge(records, None, constraints, scores.comparisons)
    files = dict(rows.select("rid", "file_seq").iter_rows())
    clusters = {rid: Cluster(values=tuple(frozenset({v[rid]}) if rid in v else frozenset() for v in value_of),
                             records={str(files[rid])} if link_only else set())
                for rid in rows["rid"].to_list()}
    uf = UnionFind(clusters)
    refused: list[tuple[int, int, str]] = []
    for a, b in same_id:
        ra, rb = uf.find(a), uf.find(b)
        if ra != rb and not (link_only and not uf.data[ra].records.isdisjoint(uf.data[rb].records)):
            uf.union(ra, rb)
    for a, b, _w in edges:
        ra, rb = uf.find(a), uf.find(b)
        if ra == rb:
            continue
        da, db = uf.data[ra], uf.data[rb]
        if link_only and not da.records.isdisjoint(db.records):
            refused.append((a, b, ONE_TO_ONE))
            continue
        why = conflict(da, db, judge)
        if why:
            refused.append((a, b, why))
            continue
        uf.union(ra, rb)
    cl = pl.DataFrame({"rid": list(uf.parent)}, schema={"rid": pl.Int64})
    cl = cl.with_columns(pl.col("rid").map_elements(uf.find, return_dtype=pl.Int64).alias("cluster"))
    return cl, pl.DataFrame(refused, schema={"rid_l": pl.Int64, "rid_r": pl.Int64, "reason": pl.String}, orient="row")


__all__ = ["ONE_TO_ONE", "TWINS", "cluster_rows", "veto_constraints"]
