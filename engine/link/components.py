"""Connected components in bulk: in memory (scipy, the graph in hand), or in SQL rounds on the engine holding it."""
from __future__ import annotations

import numpy as np
import polars as pl

from chronolink.engine.link.engine import LinkEngine


def connected_components(edges: pl.DataFrame, nodes: pl.Series | None = None) -> pl.DataFrame:
    """Columns (node, component) for the undirected graph `edges` (columns a, b; Int64), sorted by node:
    every node of an edge other than a self-loop, and every node of `nodes`, labelled with the smallest
    node of its component (so results are deterministic).

    The graph's nodes are numbered densely and handed to scipy's `csgraph.connected_components`
    (one breadth-first pass in C: linear in nodes and edges, whatever the graph's shape or the order
    of its ids); the labels are mapped back to each component's smallest node."""
    from scipy.sparse import coo_array
    from scipy.sparse.csgraph import connected_components as scipy_components

    e = edges.select(pl.col("a").cast(pl.Int64), pl.col("b").cast(pl.Int64)).filter(pl.col("a") != pl.col("b"))
    ids = pl.concat([e["a"], e["b"]] + ([nodes.cast(pl.Int64)] if nodes is not None else [])).unique().sort()
    if ids.is_empty():
        return pl.DataFrame(schema={"node": pl.Int64, "component": pl.Int64})
    n = ids.len()
    ia, ib = ids.search_sorted(e["a"]).to_numpy(), ids.search_sorted(e["b"]).to_numpy()
    graph = coo_array((np.ones(ia.size, dtype=np.int8), (ia, ib)), shape=(n, n)).tocsr()
    _, labels = scipy_components(graph, directed=False)
    # ids are sorted, so a label's first position holds its component's smallest node
    _, first = np.unique(labels, return_index=True)
    node = ids.to_numpy()
    return pl.DataFrame({"node": node, "component": node[first][labels]}, schema={"node": pl.Int64, "component": pl.Int64})


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
