"""The clustering step: scored pairs -> pre-cluster edges -> constrained greedy clustering -> persons."""
from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable

import duckdb
import polars as pl

from chronolink.engine.link.clustering import (
    CONSTRAINTS,
    STRICT_IDS,
    Cluster,
    Judge,
    ValueConstraint,
    gc_paused,
    greedy_cluster,
    hard_conflict,
    release_memory,
)
from chronolink.engine.link.comparisons import COMPARISONS, comparison
from chronolink.engine.link.engine import LinkEngine, as_engine
from chronolink.engine.link.settings import ClusterSettings

_SEP = "\x1f"  # joins set members for transfer: text crosses into Python far faster than lists


def value_records(eng: LinkEngine, constraints: tuple[ValueConstraint, ...] = CONSTRAINTS) -> None:
    """Work table `pcval`: per pre-cluster of `sig`, its value records for each constraint k as a list
    `v<k>` of record ids (a hash of the record's columns) and their count `n<k>`; and `val<k>(id,
    columns...)`: the records themselves."""
    parts = []
    for k, c in enumerate(constraints):
        cols = ", ".join(c.columns())
        eng.materialise(f"val{k}", f"SELECT DISTINCT hash({cols}) AS id, {cols} FROM _lk_sig WHERE {c.where}")
        parts.append(f"list(DISTINCT hash({cols})) FILTER (WHERE {c.where}) AS v{k}, "
                     f"count(DISTINCT hash({cols})) FILTER (WHERE {c.where}) AS n{k}")
    eng.materialise("pcval", f"SELECT pc, {', '.join(parts)} FROM _lk_sig GROUP BY pc")


def _judge(eng: LinkEngine, cs: ClusterSettings, constraints: tuple[ValueConstraint, ...] = CONSTRAINTS) -> Judge:
    """The constraints' judge over the value records in `val<k>` (built by value_records)."""
    records = []
    for k, c in enumerate(constraints):
        df = eng.frame(f"SELECT * FROM _lk_val{k}")
        cols = [df[x].to_list() for x in c.columns()]
        records.append(dict(zip(df["id"].to_list(), zip(*cols))))
    return Judge(records, [getattr(cs, c.setting) for c in constraints], constraints)


def cluster_fields_sql(pcs_table: str, constraints: tuple[ValueConstraint, ...] = CONSTRAINTS) -> str:
    """SQL: what each pre-cluster in `pcs_table(pc)` knows about its person (ids, value record ids,
    the source rows it shares with other pre-clusters), one row per pre-cluster, sets joined as text."""
    def j(expr: str, name: str) -> str:
        return f"array_to_string({expr}, '{_SEP}') AS {name}"

    return f"""
        WITH m AS (SELECT m.* FROM _lk_m m SEMI JOIN {pcs_table} t ON t.pc = m.pc),
        -- Source rows naming people of two pre-clusters: one row never names a person twice.
        shared AS (SELECT record_id FROM _lk_m GROUP BY record_id HAVING count(DISTINCT pc) > 1)
        SELECT m.pc,
               {", ".join(j(f"any_value(p.{k}_set)", k) for k in STRICT_IDS)},
               {", ".join(j(f"any_value(v.v{k})", f"v{k}") for k in range(len(constraints)))},
               min(year(m.dob)) AS min_dob_year,
               {j("list(DISTINCT m.sfx) FILTER (WHERE m.sfx IS NOT NULL)", "suffixes")},
               min(m.max_birth_year) AS max_birth_year,
               max(year(m.dob)) AS max_dob_year, max(m.min_birth_year) AS min_birth_year,
               {j("list(DISTINCT m.record_id) FILTER (WHERE m.record_id IN (SELECT record_id FROM shared))", "records")}
        FROM m JOIN _lk_pc p USING (pc) JOIN _lk_pcval v USING (pc)
        GROUP BY m.pc
    """


def clusters_from_frame(df: pl.DataFrame, constraints: tuple[ValueConstraint, ...] = CONSTRAINTS) -> dict[int, Cluster]:
    """Pre-cluster -> Cluster from the rows of `cluster_fields_sql`."""
    if df.is_empty():
        return {}
    # Column by column, with one shared empty set: half a million records are built here, and
    # per-record Python calls were most of the clustering's time. A cluster copies a frozenset
    # before its first change (clustering._union), so sharing is safe.
    empty: frozenset = frozenset()

    def sets(name: str, kind: Callable[[str], object] = str) -> list[frozenset]:
        return [frozenset(map(kind, x.split(_SEP))) if x else empty for x in df[name].to_list()]

    ids: list[dict[str, set[str]]] = [{} for _ in range(df.height)]
    for key in STRICT_IDS:
        for d, v in zip(ids, df[key].to_list()):
            if v:
                d[key] = set(v.split(_SEP))
    values = list(zip(*(sets(f"v{k}", int) for k in range(len(constraints)))))
    cols = {"ids": ids, "values": values, "min_dob_year": df["min_dob_year"].to_list(),
            "suffixes": sets("suffixes"), "max_birth_year": df["max_birth_year"].to_list(),
            "reject_tags": [empty] * df.height, "records": sets("records"),
            "max_dob_year": df["max_dob_year"].to_list(), "min_birth_year": df["min_birth_year"].to_list()}
    # Built by mapping over columns, each named for the Cluster field it fills.
    return dict(zip(df["pc"].to_list(), map(Cluster, *(cols[f.name] for f in dataclasses.fields(Cluster)))))


def _plausible_edges(cs: ClusterSettings, constraints: tuple[ValueConstraint, ...] = CONSTRAINTS) -> str:
    """SQL over `_lk_pcedge` keeping the edges at or above the link weight whose two pre-clusters could
    be one person. The best pair's id and too-young levels are the pre-clusters' own (signatures
    carry their pre-cluster's id sets and youngest parent age), and so is its level of a value
    constraint's comparison when each side has one value record: such an edge would only be
    refused by the clustering, so it is not handed to it."""
    def at(name: str, levels: list[int]) -> str:
        return f"s.g_{name} IN ({', '.join(map(str, levels))})"

    too_young = comparison("dob").level_of("too young for the role")
    conds = [f"NOT {at(c.name, c.impossible_levels())}" for c in COMPARISONS if c.impossible_levels() and c.name != "dob"]
    conds.append(f"s.g_dob <> {too_young}")
    for k, c in enumerate(constraints):
        if getattr(cs, c.setting):
            refuse = [c.spec().level_of(x) for x in c.refuse]
            conds.append(f"NOT ({at(c.comparison, refuse)} AND a.n{k} = 1 AND b.n{k} = 1)")
    return f"""
        SELECT e.pc_a, e.pc_b, e.w FROM _lk_pcedge e
        JOIN _lk_scored s ON s.sid_l = e.best.sid_l AND s.sid_r = e.best.sid_r
        JOIN _lk_pcval a ON a.pc = e.pc_a JOIN _lk_pcval b ON b.pc = e.pc_b
        WHERE e.w >= {cs.link_weight!r} AND {" AND ".join(conds)}
    """


def _band_edges(cs: ClusterSettings) -> str:
    """SQL over `_lk_pcedge`: the edges in the review band whose best pair has some name in common.

    A pair whose forenames and surnames both differ (and not by a swap: `BISHOP REBECCA` and
    `BECK BISHOP` share one) is held together by a date of birth and an area alone; at county
    scale such pairs outnumber the true borderline cases a thousand to one."""
    fn_diff = comparison("forename").level_of("different")
    sn_diff = comparison("surname").level_of("different")
    return f"""
        SELECT e.pc_a, e.pc_b FROM _lk_pcedge e
        JOIN _lk_scored s ON s.sid_l = e.best.sid_l AND s.sid_r = e.best.sid_r
        JOIN _lk_sig l ON l.sid = s.sid_l JOIN _lk_sig r ON r.sid = s.sid_r
        WHERE e.w >= {cs.review_weight!r} AND e.w < {cs.link_weight!r}
          AND (s.g_forename <> {fn_diff} OR s.g_surname <> {sn_diff} OR l.fn = r.sn OR l.sn = r.fn)
    """


def _reviewable(band: list[tuple[int, int]], roots: dict[int, int], clusters: dict[int, Cluster]) -> pl.DataFrame:
    """The band edges (pc_a, pc_b) worth an analyst's time: between two persons, not certainly two people.

    Persons holding different strict ids (or kept apart by an analyst) are not asked about again;
    a softer conflict (a date of birth or forename the clustering could not reconcile) is exactly
    what an analyst can settle, so it stays."""
    keep = []
    for a, b in band:
        ra, rb = roots.get(a, a), roots.get(b, b)
        if ra != rb and hard_conflict(clusters[ra], clusters[rb]) is None:
            keep.append((a, b))
    return pl.DataFrame(keep, schema={"pc_a": pl.Int64, "pc_b": pl.Int64}, orient="row")


def decide(clusters: dict[int, Cluster], judge: Judge, edges: Iterable[tuple[int, int, float]],
           accepted: list[tuple[int, int]], rejects: list[tuple[int, int]], band: list[tuple[int, int]],
           ) -> tuple[dict[int, int], list[tuple[int, int, float, str]], pl.DataFrame]:
    """The clustering's decisions over `clusters`: analysts' rejections tagged, acceptances merged,
    then the greedy merge of `edges` (sorted by weight, descending, ties by ids); returns (pre-cluster
    -> root, refused edges with reasons, the band edges worth review).

    Every decision reads only the two clusters an edge joins, so any set of whole connected components
    (of edges, band edges and acceptances) decides alike on its own or with the rest."""
    for i, (a, b) in enumerate(rejects):
        if a in clusters and b in clusters:
            clusters[a].reject_tags = clusters[a].reject_tags | {(i, 0)}
            clusters[b].reject_tags = clusters[b].reject_tags | {(i, 1)}
    roots, refused = greedy_cluster(clusters, edges, judge, accepted)
    return roots, refused, _reviewable(band, roots, clusters)


def _decided_pairs(eng: LinkEngine, decisions: pl.DataFrame | None) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Analysts' decisions as pre-cluster pairs: (accepted, rejected)."""
    if decisions is None or not decisions.height:
        return [], []
    eng.register("_lk_dec_df", decisions)
    dec = eng.rows("""
        SELECT ml.pc, mr.pc, d.decision FROM _lk_dec_df d
        JOIN _lk_m ml ON ml.mention_id = d.mention_id_l JOIN _lk_m mr ON mr.mention_id = d.mention_id_r""")
    eng.unregister("_lk_dec_df")
    return [(a, b) for a, b, d in dec if d == "accept"], [(a, b) for a, b, d in dec if d == "reject"]


#: Cluster decisions for engines other than DuckDB, by dialect: the module that brings an engine
#: registers them (spark_clustering.py decides on Spark's executors), so this module imports none.
REMOTE_DECIDERS: dict[str, Callable[[LinkEngine, ClusterSettings, list[tuple[int, int]], list[tuple[int, int]]],
                                    dict[str, int]]] = {}


def cluster_persons(con: LinkEngine | duckdb.DuckDBPyConnection, cs: ClusterSettings,
                    decisions: pl.DataFrame | None = None, accepted: list[tuple[int, int]] | None = None) -> dict[str, int]:
    """The clustering step: from `scored` (with `sig`, `m`, `pc`, `nickl`) make `pcedge` (pre-cluster
    pairs and their best pair), `cluster(mention_id, cluster)` and `band(pc_a, pc_b)` (borderline
    edges between persons that may be one: the review candidates). `decisions` (mention_id_l,
    mention_id_r, decision 'accept'|'reject') override the model; `accepted` pre-cluster pairs merge
    unconditionally. Returns the refused merges by reason.

    On DuckDB the decisions run here, over every pre-cluster an edge touches; on Spark they run on the
    executors, a group of whole connected components at a time (spark_clustering.py)."""
    eng = as_engine(con)
    eng.materialise("pcedge", """
        SELECT least(l.pc, r.pc) AS pc_a, greatest(l.pc, r.pc) AS pc_b, max(s.match_weight) AS w,
               -- the best signature pair of each pre-cluster pair (max of a struct orders by weight first)
               max({'w': s.match_weight, 'sid_l': s.sid_l, 'sid_r': s.sid_r}) AS best
        FROM _lk_scored s JOIN _lk_sig l ON l.sid = s.sid_l JOIN _lk_sig r ON r.sid = s.sid_r
        GROUP BY ALL""")
    value_records(eng)
    eng.materialise("plaus", _plausible_edges(cs))
    eng.materialise("bandp", _band_edges(cs))
    acc, rejects = _decided_pairs(eng, decisions)
    acc = list(accepted or []) + acc
    if eng.dialect == "duckdb":
        refused = _decide_here(eng, cs, decisions, acc, rejects)
    else:
        decide = REMOTE_DECIDERS.get(eng.dialect)
        if decide is None:
            raise RuntimeError(f"no cluster decisions registered for the {eng.dialect} engine")
        refused = decide(eng, cs, acc, rejects)
    eng.drop("plaus", "bandp", "pcval", *(f"val{k}" for k in range(len(CONSTRAINTS))))
    eng.materialise("cluster", """
        SELECT m.mention_id, coalesce(r.cluster, m.pc) AS cluster FROM _lk_m m LEFT JOIN _lk_roots r USING (pc)""")
    eng.drop("roots")
    return refused


def _decide_here(eng: LinkEngine, cs: ClusterSettings, decisions: pl.DataFrame | None,
                 accepted: list[tuple[int, int]], rejects: list[tuple[int, int]]) -> dict[str, int]:
    """The decisions in this process, over every pre-cluster an edge or a decision touches: work
    tables `roots(pc, cluster)`, `refused(pc_a, pc_b, reason)` and `band`; returns refusals by reason."""
    decided = [] if decisions is None else [
        int(x) for x in decisions["mention_id_l"].to_list() + decisions["mention_id_r"].to_list()]
    eng.materialise("edgepcs", """
        SELECT pc_a AS pc FROM _lk_plaus UNION SELECT pc_b FROM _lk_plaus
        UNION SELECT pc_a FROM _lk_bandp UNION SELECT pc_b FROM _lk_bandp
        UNION SELECT pc FROM _lk_m WHERE mention_id IN (SELECT unnest($1::BIGINT[]))
        UNION SELECT unnest($2::BIGINT[])""", [decided, [int(x) for pair in accepted for x in pair]])
    with gc_paused():
        judge = _judge(eng, cs)
        clusters = clusters_from_frame(eng.frame(cluster_fields_sql("_lk_edgepcs")))
        edges = eng.rows("SELECT pc_a, pc_b, w FROM _lk_plaus ORDER BY w DESC, pc_a, pc_b")
        eng.drop("edgepcs")
        roots, refused_edges, band = decide(clusters, judge, edges, accepted, rejects,
                                            eng.rows("SELECT pc_a, pc_b FROM _lk_bandp"))
        refused = dict(Counter(why for *_, why in refused_edges))
        # Each refused merge and why (link-files says which rule kept a strong pair apart).
        eng.register("_lk_refused_df", pl.DataFrame(
            [(min(a, b), max(a, b), why) for a, b, _, why in refused_edges],
            schema={"pc_a": pl.Int64, "pc_b": pl.Int64, "reason": pl.String}, orient="row"))
        eng.materialise("refused", "SELECT pc_a, pc_b, min(reason) AS reason FROM _lk_refused_df GROUP BY ALL")
        eng.unregister("_lk_refused_df")
        root_df = pl.DataFrame({"pc": list(roots.keys()), "cluster": list(roots.values())},
                               schema={"pc": pl.Int64, "cluster": pl.Int64})
        del clusters, edges, refused_edges, roots, judge
    release_memory()
    for name, frame in (("roots", root_df), ("band", band)):
        eng.register("_lk_decided_df", frame)
        eng.materialise(name, "SELECT * FROM _lk_decided_df")
        eng.unregister("_lk_decided_df")
    return refused
