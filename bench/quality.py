"""Pairwise precision, recall and F1 of a clustering against truth, from contingency counts."""
from __future__ import annotations

import polars as pl


def _pairs(counts: pl.Expr) -> pl.Expr:
    return (counts * (counts - 1) / 2).sum()


def pairwise_scores(engine: pl.DataFrame, truth: pl.DataFrame, keys: list[str], id_col: str) -> dict[str, float]:
    """Compare two clusterings of the same items without listing pairs: sum n(n-1)/2 over the
    (true, predicted) contingency cells, the predicted clusters and the true clusters."""
    cast = [pl.col(k).cast(pl.String) for k in keys]
    e = engine.select(*cast, pl.col(id_col).cast(pl.String).alias("pred"))
    t = truth.select(*cast, pl.col(id_col).cast(pl.String).alias("true"))
    j = t.join(e, on=keys, how="inner")
    tp = j.group_by("true", "pred").len().select(_pairs(pl.col("len"))).item()
    pred = j.group_by("pred").len().select(_pairs(pl.col("len"))).item()
    true = j.group_by("true").len().select(_pairs(pl.col("len"))).item()
    precision = tp / pred if pred else 1.0
    recall = tp / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "true_pairs": true, "predicted_pairs": pred,
            "matched_items": j.height}
