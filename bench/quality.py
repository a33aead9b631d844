"""Pairwise precision, recall and F1 of a clustering against truth, from contingency counts."""
from __future__ import annotations

import polars as pl


def _pairs(frame: pl.DataFrame) -> float:
    return float((frame["len"].cast(pl.Float64) * (frame["len"] - 1) / 2).sum())


def contingency_scores(df: pl.DataFrame, truth: str, pred: str) -> dict[str, float]:
    """Scores of clustering `pred` against `truth` (two columns of `df`) without listing pairs: sum
    n(n-1)/2 over the (true, predicted) contingency cells, the predicted clusters and the true ones."""
    tp = _pairs(df.group_by(truth, pred).len())
    pp = _pairs(df.group_by(pred).len())
    tt = _pairs(df.group_by(truth).len())
    p = tp / pp if pp else 1.0
    r = tp / tt if tt else 1.0
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "n": df.height,
            "true_pairs": tt, "predicted_pairs": pp,
            "true_clusters": df[truth].n_unique(), "pred_clusters": df[pred].n_unique()}


def pairwise_scores(engine: pl.DataFrame, truth: pl.DataFrame, keys: list[str], id_col: str) -> dict[str, float]:
    """Scores of the engine's `id_col` against the truth's, the two frames joined on `keys`."""
    cast = [pl.col(k).cast(pl.String) for k in keys]
    e = engine.select(*cast, pl.col(id_col).cast(pl.String).alias("pred"))
    t = truth.select(*cast, pl.col(id_col).cast(pl.String).alias("true"))
    j = t.join(e, on=keys, how="inner")
    return {**contingency_scores(j, "true", "pred"), "matched_items": j.height}
