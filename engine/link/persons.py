"""Person linkage pipeline over temp tables: features -> blocking -> training -> scoring -> clustering."""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

import duckdb
import polars as pl

from chronolink.engine.link.blocking import block
from chronolink.engine.link.clustering import STRICT_IDS, Cluster, gc_paused, greedy_cluster, hard_conflict, release_memory
from chronolink.engine.link.comparisons import IMPOSSIBLE, comparison, impossible_levels
from chronolink.engine.link.default_model import DEFAULT_MODEL, MIN_PRECLUSTERS
from chronolink.engine.link.em import gamma_table, prior_over_all_pairs, train
from chronolink.engine.link.features import build_mentions, build_signatures
from chronolink.engine.link.model import LinkModel
from chronolink.engine.link.scoring import build_tf_tables, score
from chronolink.engine.link.settings import ClusterSettings, LinkSettings
from chronolink.engine.link.tables import drop_temp


@dataclass
class PersonResult:
    """Outcome of one person-linkage run (cluster label per mention lives in `_lk_cluster`)."""

    model: LinkModel
    n_mentions: int
    n_signatures: int
    n_candidates: int
    n_clusters: int
    refused: dict[str, int] = field(default_factory=dict)  # merges the constraints refused, by reason
    timings: dict[str, float] = field(default_factory=dict)


_SEP = "\x1f"  # joins set members for transfer: text crosses into Python far faster than lists


def _clusters_for(con: duckdb.DuckDBPyConnection, pcs_table: str) -> dict[int, Cluster]:
    """What each pre-cluster in `pcs_table` knows about its person (ids, dobs, names, the source rows
    it shares with other pre-clusters), for clustering."""
    def j(expr: str) -> str:
        return f"array_to_string({expr}, '{_SEP}')"

    rows = con.execute(f"""
        WITH m AS (SELECT m.* FROM _lk_m m SEMI JOIN {pcs_table} t ON t.pc = m.pc),
        -- Source rows naming people of two pre-clusters: one row never names a person twice.
        shared AS (SELECT record_id FROM _lk_m GROUP BY record_id HAVING count(DISTINCT pc) > 1),
        f AS (SELECT pc, fn AS name FROM m WHERE fn IS NOT NULL UNION SELECT pc, pref FROM m WHERE pref IS NOT NULL),
        fc AS (SELECT f.pc, list(f.name) AS names, list_distinct(flatten(list(coalesce(k.canon, [f.name])))) AS canon,
                      list_distinct(flatten(list(coalesce(k.grps, [])))) AS grps
               FROM f LEFT JOIN _lk_nickl k ON k.name = f.name GROUP BY f.pc)
        SELECT m.pc,
               {j("any_value(p.nhs_set)")}, {j("any_value(p.upn_set)")}, {j("any_value(p.pnc_set)")},
               {j("any_value(p.police_set)")}, {j("any_value(p.probation_set)")},
               {j("list(DISTINCT strftime(m.dob, '%Y%m%d')) FILTER (WHERE m.dob IS NOT NULL)")},
               {j("any_value(fc.names)")}, {j("any_value(fc.canon)")},
               {j("list_filter(flatten(list(DISTINCT string_split(m.mid, ' ')) FILTER (WHERE m.mid IS NOT NULL)), lambda x: x <> '')")},
               {j("list(DISTINCT m.sn) FILTER (WHERE m.sn IS NOT NULL)")},
               {j("list(DISTINCT m.sfx) FILTER (WHERE m.sfx IS NOT NULL)")},
               min(m.max_birth_year),
               {j("list(DISTINCT m.record_id) FILTER (WHERE m.record_id IN (SELECT record_id FROM shared))")},
               {j("any_value(fc.grps)")}
        FROM m JOIN _lk_pc p USING (pc) LEFT JOIN fc USING (pc)
        GROUP BY m.pc
    """).fetchall()

    # Column by column, with one shared empty set: half a million records are built here, and
    # per-record Python calls were most of the clustering's time. A cluster copies a frozenset
    # before its first change (clustering._union), so sharing is safe.
    if not rows:
        return {}
    cols = list(zip(*rows))
    empty: frozenset[str] = frozenset()

    def sets(col: tuple) -> list[frozenset[str]]:
        return [frozenset(x.split(_SEP)) if x else empty for x in col]

    ids: list[dict[str, set[str]]] = [{} for _ in cols[0]]
    for key, col in zip(STRICT_IDS, cols[1:6]):
        for d, v in zip(ids, col):
            if v:
                d[key] = set(v.split(_SEP))
    out = dict(zip(cols[0], map(Cluster, ids, sets(cols[6]), sets(cols[7]), sets(cols[8]), sets(cols[9]),
                                sets(cols[10]), sets(cols[11]), cols[12], [empty] * len(ids), sets(cols[13]),
                                sets(cols[14]))))
    return out


def _plausible_edges(cs: ClusterSettings) -> str:
    """SQL over `_lk_pcedge` keeping the edges at or above the link weight whose two pre-clusters could
    be one person. The best pair's id and too-young levels are the pre-clusters' own (signatures
    carry their pre-cluster's id sets and youngest parent age), and so are its dob and forename
    levels when each side writes one dob or one name: such an edge would only be refused by the
    clustering, so it is not handed to it."""
    def at(name: str, levels: list[int]) -> str:
        return f"s.g_{name} IN ({', '.join(map(str, levels))})"

    dob = comparison("dob")
    too_young = dob.level_of("too young for the role")
    conds = [f"NOT {at(n, impossible_levels(n))}" for n in IMPOSSIBLE if n != "dob"]
    conds.append(f"s.g_dob <> {too_young}")
    if cs.enforce_dob:
        other = [i for i in impossible_levels("dob") if i != too_young]
        conds.append(f"NOT ({at('dob', other)} AND a.n_dob = 1 AND b.n_dob = 1)")
    if cs.enforce_twins:
        conds.append(f"NOT (s.g_forename = {comparison('forename').level_of('different')} AND a.n_fn = 1 AND b.n_fn = 1"
                     " AND a.n_pref + b.n_pref + a.n_mid + b.n_mid = 0 AND a.n_sn <= 1 AND b.n_sn <= 1)")
    return f"""
        SELECT e.pc_a, e.pc_b, e.w FROM _lk_pcedge e
        JOIN _lk_scored s ON s.sid_l = e.best.sid_l AND s.sid_r = e.best.sid_r
        JOIN _lk_pc a ON a.pc = e.pc_a JOIN _lk_pc b ON b.pc = e.pc_b
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


def link_persons(con: duckdb.DuckDBPyConnection, settings: LinkSettings, source: str = "person_mentions",
                 decisions: pl.DataFrame | None = None, model: LinkModel | None = None) -> PersonResult:
    """Link the mentions of `source` (person_mentions layout; `_lk_addr` must exist).

    Leaves temp tables `_lk_scored` (signature pairs weighing at least the review or link weight),
    `_lk_pcedge` (pre-cluster pairs and their best pair), `_lk_cluster(mention_id, cluster)` and
    `_lk_band(pc_a, pc_b)` (borderline edges between persons that may be one: the review candidates).
    `decisions` (mention_id_l, mention_id_r, decision 'accept'|'reject') override the model.
    A given `model` is used as is instead of training (its prior for a random pair of pre-clusters).
    """
    t: dict[str, float] = {}
    t0 = time.perf_counter()
    keep_apart = [] if decisions is None else [
        int(x) for x in decisions["mention_id_l"].to_list() + decisions["mention_id_r"].to_list()]
    build_mentions(con, source, keep_apart=keep_apart)
    build_signatures(con)
    t["features"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_cand, n_impossible = block(con, settings.blocking, drop_impossible=settings.cluster.enforce_dob)
    gamma_table(con, "_lk_cand", "_lk_gam")
    drop_temp(con, "_lk_cand")  # the gammas carry the pairs and their rule on
    t["blocking"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    if model is None:
        n_pc = con.execute("SELECT count(DISTINCT pc) FROM _lk_sig").fetchall()[0][0]
        if n_pc < MIN_PRECLUSTERS:  # too few people to estimate from: bundled parameters
            blocked = DEFAULT_MODEL.model_copy(update={"tf_weight": settings.tf_weight})
        else:
            blocked = train(con, "_lk_gam", settings.em, settings.tf_weight, n_impossible)
        model = blocked.model_copy(update={"prior": prior_over_all_pairs(blocked.prior, n_cand + n_impossible, n_pc)})
    t["training"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    build_tf_tables(con)
    cs = settings.cluster
    score(con, model, "_lk_gam", "_lk_scored", min_weight=min(cs.review_weight, cs.link_weight))
    drop_temp(con, "_lk_gam")
    t["scoring"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_pcedge AS
        SELECT least(l.pc, r.pc) AS pc_a, greatest(l.pc, r.pc) AS pc_b, max(s.match_weight) AS w,
               -- the best signature pair of each pre-cluster pair (max of a struct orders by weight first)
               max({{'w': s.match_weight, 'sid_l': s.sid_l, 'sid_r': s.sid_r}}) AS best
        FROM _lk_scored s JOIN _lk_sig l ON l.sid = s.sid_l JOIN _lk_sig r ON r.sid = s.sid_r
        GROUP BY ALL;
        CREATE OR REPLACE TEMP TABLE _lk_plaus AS {_plausible_edges(cs)};
        CREATE OR REPLACE TEMP TABLE _lk_bandp AS {_band_edges(cs)};
        CREATE OR REPLACE TEMP TABLE _lk_edgepcs AS
        SELECT pc_a AS pc FROM _lk_plaus UNION SELECT pc_b FROM _lk_plaus
        UNION SELECT pc_a FROM _lk_bandp UNION SELECT pc_b FROM _lk_bandp;
    """)
    accepted: list[tuple[int, int]] = []
    rejects: list[tuple[int, int]] = []
    if decisions is not None and decisions.height:
        con.register("_lk_dec_df", decisions)
        dec = con.execute("""
            SELECT ml.pc, mr.pc, d.decision FROM _lk_dec_df d
            JOIN _lk_m ml ON ml.mention_id = d.mention_id_l JOIN _lk_m mr ON mr.mention_id = d.mention_id_r
        """).fetchall()
        con.unregister("_lk_dec_df")
        con.execute("INSERT INTO _lk_edgepcs SELECT pc FROM _lk_m WHERE mention_id IN (SELECT unnest($1))",
                    [[int(x) for x in decisions["mention_id_l"].to_list() + decisions["mention_id_r"].to_list()]])
        accepted = [(a, b) for a, b, d in dec if d == "accept"]
        rejects = [(a, b) for a, b, d in dec if d == "reject"]
    with gc_paused():
        clusters = _clusters_for(con, "(SELECT DISTINCT pc FROM _lk_edgepcs)")
        for i, (a, b) in enumerate(rejects):
            if a in clusters and b in clusters:
                clusters[a].reject_tags = clusters[a].reject_tags | {(i, 0)}
                clusters[b].reject_tags = clusters[b].reject_tags | {(i, 1)}
        edges = con.execute("SELECT pc_a, pc_b, w FROM _lk_plaus ORDER BY w DESC, pc_a, pc_b").fetchall()
        drop_temp(con, "_lk_plaus", "_lk_edgepcs")
        roots, refused_edges = greedy_cluster(clusters, edges, accepted, cs.enforce_dob, cs.enforce_twins)
        refused = dict(Counter(why for *_, why in refused_edges))
        root_df = pl.DataFrame({"pc": list(roots.keys()), "cluster": list(roots.values())},
                               schema={"pc": pl.Int64, "cluster": pl.Int64})
        band = _reviewable(con.execute("SELECT pc_a, pc_b FROM _lk_bandp").fetchall(), roots, clusters)
        drop_temp(con, "_lk_bandp")
        del clusters, edges, refused_edges, roots
    release_memory()
    con.register("_lk_root_df", root_df)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lk_cluster AS
        SELECT m.mention_id, coalesce(r.cluster, m.pc) AS cluster FROM _lk_m m LEFT JOIN _lk_root_df r USING (pc)
    """)
    con.unregister("_lk_root_df")
    drop_temp(con, "_lk_pc", "_lk_nickl")
    con.register("_lk_band_df", band)
    con.execute("CREATE OR REPLACE TEMP TABLE _lk_band AS SELECT * FROM _lk_band_df")
    con.unregister("_lk_band_df")
    t["clustering"] = time.perf_counter() - t0
    n_m, n_c = con.execute("SELECT count(*), count(DISTINCT cluster) FROM _lk_cluster").fetchall()[0]
    n_s = con.execute("SELECT count(*) FROM _lk_sig").fetchall()[0][0]
    return PersonResult(model=model, n_mentions=n_m, n_signatures=n_s, n_candidates=n_cand, n_clusters=n_c,
                        refused=refused, timings=t)
