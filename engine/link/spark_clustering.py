"""The clustering's decisions on Spark: connected components in SQL, then the same constrained greedy
clustering as on DuckDB, run on the executors over groups of whole components.

A merge decision reads only the two clusters an edge joins, so the greedy clustering of one
connected component (of the plausible edges, the review-band edges and the analysts' acceptances)
never depends on another: each component decided on its own gives the clustering of all of them at
once. Components are found where the edges are (`components.components_in`, SQL rounds: nothing is
collected), grouped into buckets of whole components, and each bucket is decided in one Python call
on an executor (`cogroup(...).applyInArrow`) by `persons.decide`, the function the DuckDB path runs.

What one task holds: one bucket's pre-clusters and edges (buckets are sized to about
`NODES_PER_BUCKET` pre-clusters), and at least the largest component whole. The driver holds
nothing per pre-cluster or pair: the analysts' rejections (a few rows) and a handful of counts.
"""
from __future__ import annotations

import math
from functools import partial

import polars as pl
import pyarrow as pa

from chronolink.engine.link.clustering import CONSTRAINTS, Judge, gc_paused
from chronolink.engine.link.components import components_in
from chronolink.engine.link.engine import LinkEngine
from chronolink.engine.link.persons import REMOTE_DECIDERS, cluster_fields_sql, clusters_from_frame, decide
from chronolink.engine.link.settings import ClusterSettings
from chronolink.engine.link.spark_dialect import to_spark
from chronolink.engine.link.spark_engine import SparkEngine

# Pre-clusters per bucket (a bucket is one Python call on an executor): enough to amortise the call,
# few enough that a task's share stays a few hundred MB of Python objects.
NODES_PER_BUCKET = 200_000

# What a bucket's call returns: `root` (a = pre-cluster, b = its cluster), `refused` (the edge a-b and
# why), `band` (the band edge a-b is worth an analyst's review).
DECIDED_SCHEMA = "kind string, a long, b long, reason string"


def _records_sql(k: int) -> str:
    """SQL: per pre-cluster of a bucket, its value records for constraint k as a list of structs
    (`id` as `persons.value_records` hashes it, then the columns the constraint reads)."""
    c = CONSTRAINTS[k]
    cols = c.columns()
    fields = ", ".join([f"'id': hash({', '.join(cols)})", *(f"'{x}': {x}" for x in cols)])
    return f"""SELECT pc, list(DISTINCT {{{fields}}}) AS rec{k} FROM _lk_sig
               WHERE {c.where} AND pc IN (SELECT pc FROM _lk_cnode) GROUP BY pc"""


def decide_by_component(eng: LinkEngine, cs: ClusterSettings, accepted: list[tuple[int, int]],
                        rejects: list[tuple[int, int]]) -> dict[str, int]:
    """The clustering's decisions on the executors over `plaus`, `bandp` and the accepted pairs: work
    tables `roots(pc, cluster)`, `refused(pc_a, pc_b, reason)` and `band`; returns refusals by reason
    (and notes the components' figures in `eng.notes`)."""
    assert isinstance(eng, SparkEngine)
    eng.register("_lk_acc_df", pl.DataFrame(accepted, schema={"pc_a": pl.Int64, "pc_b": pl.Int64}, orient="row"))
    eng.materialise("cedge", """
        SELECT pc_a AS a, pc_b AS b FROM _lk_plaus UNION ALL SELECT pc_a, pc_b FROM _lk_bandp
        UNION ALL SELECT pc_a, pc_b FROM _lk_acc_df""")
    rounds = components_in(eng, "_lk_cedge", "ccomp")
    nodes, comps, largest = eng.rows(
        "SELECT sum(n), count(*), max(n) FROM (SELECT component, count(*) AS n FROM _lk_ccomp GROUP BY component)")[0]
    partitions = int(eng.spark.conf.get("spark.sql.shuffle.partitions") or 1)
    buckets = max(partitions, math.ceil((nodes or 0) / NODES_PER_BUCKET))
    eng.notes.update(cc_rounds=rounds, components=comps or 0, largest_component=largest or 0, buckets=buckets)
    eng.materialise("cnode", f"SELECT node AS pc, component % {buckets} AS bucket FROM _lk_ccomp")
    eng.checkpoint("cnode")
    eng.materialise("cfield", cluster_fields_sql("_lk_cnode"))
    for k in range(len(CONSTRAINTS)):
        eng.materialise(f"crec{k}", _records_sql(k))
    recs = ", ".join(f"r{k}.rec{k}" for k in range(len(CONSTRAINTS)))
    joins = " ".join(f"LEFT JOIN _lk_crec{k} r{k} USING (pc)" for k in range(len(CONSTRAINTS)))
    node_rows = eng.spark.sql(to_spark(f"SELECT n.bucket, f.*, {recs} FROM _lk_cnode n JOIN _lk_cfield f USING (pc) {joins}"))
    edge_rows = eng.spark.sql(to_spark(f"""
        SELECT c.component % {buckets} AS bucket, e.pc_a, e.pc_b, e.w, e.kind FROM (
            SELECT pc_a, pc_b, w, 'p' AS kind FROM _lk_plaus
            UNION ALL SELECT pc_a, pc_b, 0.0, 'b' FROM _lk_bandp
            UNION ALL SELECT pc_a, pc_b, 0.0, 'a' FROM _lk_acc_df) e
        -- the bucket computed afresh (not read from `cnode`): a cogroup's two sides may not share a column
        JOIN _lk_ccomp c ON c.node = e.pc_a"""))
    enabled = [bool(getattr(cs, c.setting)) for c in CONSTRAINTS]
    decided = (node_rows.groupBy("bucket").cogroup(edge_rows.groupBy("bucket"))
               .applyInArrow(partial(decide_bucket, enabled, rejects), schema=DECIDED_SCHEMA))
    eng.save("_lk_decided", decided)
    eng.unregister("_lk_acc_df")
    eng.drop("cedge", "ccomp", "cnode", "cfield", *(f"crec{k}" for k in range(len(CONSTRAINTS))))
    eng.materialise("roots", "SELECT a AS pc, b AS cluster FROM _lk_decided WHERE kind = 'root'")
    eng.materialise("refused", "SELECT a AS pc_a, b AS pc_b, min(reason) AS reason FROM _lk_decided WHERE kind = 'refused' GROUP BY ALL")
    eng.materialise("band", "SELECT a AS pc_a, b AS pc_b FROM _lk_decided WHERE kind = 'band'")
    refused = {r: int(n) for r, n in eng.rows("SELECT reason, count(*) FROM _lk_decided WHERE kind = 'refused' GROUP BY reason")}
    eng.drop("_lk_decided")
    return refused


def decide_bucket(enabled: list[bool], rejects: list[tuple[int, int]], nodes: pa.Table, edges: pa.Table) -> pa.Table:
    """One bucket of whole components decided by `persons.decide` (on an executor): `nodes` are the
    rows of `cluster_fields_sql` with their value records, `edges` the bucket's plausible ('p'), band
    ('b') and accepted ('a') edges. Returns rows of DECIDED_SCHEMA."""
    nf, ef = pl.from_arrow(nodes), pl.from_arrow(edges)
    assert isinstance(nf, pl.DataFrame) and isinstance(ef, pl.DataFrame)
    with gc_paused():
        records: list[dict[int, tuple]] = []
        for k, c in enumerate(CONSTRAINTS):
            cols = c.columns()
            records.append({r["id"]: tuple(r[x] for x in cols) for recs in nf[f"rec{k}"].to_list() for r in recs or ()})
        judge = Judge(records, enabled)
        clusters = clusters_from_frame(nf)

        def pairs(kind: str) -> list[tuple[int, int]]:
            sel = ef.filter(pl.col("kind") == kind)
            return list(zip(sel["pc_a"].to_list(), sel["pc_b"].to_list()))

        plaus = ef.filter(pl.col("kind") == "p").sort(["w", "pc_a", "pc_b"], descending=[True, False, False])
        roots, refused, band = decide(clusters, judge, zip(plaus["pc_a"].to_list(), plaus["pc_b"].to_list(),
                                                           plaus["w"].to_list()),
                                      pairs("a"), rejects, pairs("b"))
    kind = ["root"] * len(roots) + ["refused"] * len(refused) + ["band"] * band.height
    a = [*roots.keys(), *(min(x, y) for x, y, *_ in refused), *band["pc_a"].to_list()]
    b = [*roots.values(), *(max(x, y) for x, y, *_ in refused), *band["pc_b"].to_list()]
    reason = [None] * len(roots) + [why for *_, why in refused] + [None] * band.height
    return pa.table({"kind": pa.array(kind, pa.string()), "a": pa.array(a, pa.int64()),
                     "b": pa.array(b, pa.int64()), "reason": pa.array(reason, pa.string())})


__all__ = ["decide_by_component", "decide_bucket"]


REMOTE_DECIDERS["spark"] = decide_by_component
