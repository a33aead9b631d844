"""Connected components in bulk (polars), for deterministic unions over millions of edges."""
from __future__ import annotations

import polars as pl


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
