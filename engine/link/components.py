"""Connected components in bulk: in polars (the graph in hand), or in SQL rounds on the engine holding it."""
from __future__ import annotations

import polars as pl

from chronolink.engine.link.engine import LinkEngine


def connected_components(edges: pl.DataFrame, nodes: pl.Series | None = None) -> pl.DataFrame:
    """Columns (node, component) for the undirected graph `edges` (columns a, b; Int64).

    Min-label propagation with pointer jumping: each round every node takes the
    smallest label among itself and its neighbours, then labels jump to their
    own label's label. Rounds grow with the log of the diameter, not the size.
    The component is the smallest node id in it, so results are deterministic.
    """
    e = edges.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64)).filter(pl.col("a") != pl.col("b"))
    both = pl.concat([e, e.select(pl.col("b").alias("a"), pl.col("a").alias("b"))]).unique()
    all_nodes = pl.concat([both["a"], both["b"]] + ([nodes.cast(pl.Int64)] if nodes is not None else []))
    lab = pl.DataFrame({"node": all_nodes.unique().sort()}).with_columns(pl.col("node").alias("component"))
    while True:
        nb = both.join(lab.rename({"node": "b", "component": "cb"}), on="b").group_by("a").agg(pl.col("cb").min())
        new = _min_join(lab, nb.rename({"a": "node"}), "cb")
        while True:  # pointer jumping: a label takes its own label's label
            jumped = _min_join(new, new.rename({"node": "component", "component": "c2"}), "c2", on="component")
            if jumped["component"].equals(new["component"]):
                break
            new = jumped
        if new["component"].equals(lab["component"]):
            return new
        lab = new


def _min_join(lab: pl.DataFrame, other: pl.DataFrame, col: str, on: str = "node") -> pl.DataFrame:
    # Left join keeps `lab`'s row order (node-sorted), so frames compare positionally.
    j = lab.join(other, on=on, how="left", maintain_order="left")
    return j.select("node", pl.min_horizontal("component", pl.col(col).fill_null(pl.col("component"))).alias("component"))


# Rounds before giving up (a chain of a million nodes in random order settles in about 25).
MAX_ROUNDS = 100


def components_in(eng: LinkEngine, edges: str, out: str) -> int:
    """Work table `out(node, component)` for the undirected graph in table `edges(a, b)` (BIGINT),
    computed where the edges are (SQL rounds on the engine; nothing is collected): every node of an
    edge, labelled with the smallest node of its component. Returns the number of rounds.

    FastSV (Zhang, Azad and Hu, 2020): each node has a parent label, at first itself; each round a
    node, and its grandparent, take the smallest grandparent across its edges, and every node jumps
    to its grandparent. Rounds grow with the log of the graph's size, whatever the order of its ids
    (a plain smallest-label propagation needs as many rounds as a component's diameter). Labels only
    fall, so a round that leaves their sum unchanged changed none: each node then points at a root
    that is the smallest node of its component."""
    eng.materialise("cc_e", f"SELECT a, b FROM {edges} WHERE a <> b UNION SELECT b, a FROM {edges} WHERE a <> b")
    eng.checkpoint("cc_e")
    labels = ("cc_l0", "cc_l1")  # this round's labels and the next's
    eng.materialise(labels[0], "SELECT a AS node, least(a, min(b)) AS c FROM _lk_cc_e GROUP BY a")
    eng.checkpoint(labels[0])
    total = eng.rows("SELECT sum(c) FROM _lk_cc_l0")[0][0]
    rounds = 0
    while True:
        rounds += 1
        if rounds > MAX_ROUNDS:
            raise RuntimeError(f"connected components did not settle in {MAX_ROUNDS} rounds")
        cur, nxt = labels[(rounds + 1) % 2], labels[rounds % 2]
        eng.materialise("cc_g", f"SELECT l.node, l.c, p.c AS g FROM _lk_{cur} l JOIN _lk_{cur} p ON p.node = l.c")
        eng.materialise("cc_h", """
            SELECT e.a, ga.g AS ga, gb.g AS gb FROM _lk_cc_e e JOIN _lk_cc_g ga ON ga.node = e.a JOIN _lk_cc_g gb ON gb.node = e.b""")
        eng.materialise(nxt, """
            SELECT node, min(c) AS c FROM (
                SELECT node, least(c, g) AS c FROM _lk_cc_g                  -- shortcut: to the grandparent
                UNION ALL SELECT a, min(gb) FROM _lk_cc_h GROUP BY a         -- a node hooks onto a neighbour's
                UNION ALL SELECT ga, min(gb) FROM _lk_cc_h GROUP BY ga       -- and so does its grandparent
            ) GROUP BY node""")
        eng.checkpoint(nxt)
        eng.drop("cc_g", "cc_h", cur)
        now = eng.rows(f"SELECT sum(c) FROM _lk_{nxt}")[0][0]
        if now == total:
            break
        total = now
    eng.materialise(out, f"SELECT node, c AS component FROM _lk_{nxt}")
    eng.drop("cc_e", nxt)
    return rounds


def components_of(eng: LinkEngine, edges: str, out: str) -> None:
    """Work table `out(node, component)` for the graph in table `edges(a, b)`: in polars when the
    engine's tables are in this process (DuckDB), else in SQL rounds where the edges are (Spark)."""
    if eng.dialect != "duckdb":
        components_in(eng, edges, out)
        return
    eng.register("_lk_cc_df", connected_components(eng.frame(f"SELECT a, b FROM {edges}")))
    eng.materialise(out, "SELECT * FROM _lk_cc_df")
    eng.unregister("_lk_cc_df")
