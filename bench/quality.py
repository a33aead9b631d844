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


def pair_agreement(df: pl.DataFrame, a: str, b: str) -> float:
    """Share of mention pairs that clusterings `a` and `b` (two columns of `df`) agree on, among the
    pairs either puts together: both / (in a + in b - both), from contingency counts."""
    both = _pairs(df.group_by(a, b).len())
    either = _pairs(df.group_by(a).len()) + _pairs(df.group_by(b).len()) - both
    return both / either if either else 1.0


def pairwise_scores(engine: pl.DataFrame, truth: pl.DataFrame, keys: list[str], id_col: str) -> dict[str, float]:
    """Scores of the engine's `id_col` against the truth's, the two frames joined on `keys`."""
    cast = [pl.col(k).cast(pl.String) for k in keys]
    e = engine.select(*cast, pl.col(id_col).cast(pl.String).alias("pred"))
    t = truth.select(*cast, pl.col(id_col).cast(pl.String).alias("true"))
    j = t.join(e, on=keys, how="inner")
    return {**contingency_scores(j, "true", "pred"), "matched_items": j.height}


def scores_by_group(df: pl.DataFrame, truth: str, pred: str, group: str) -> pl.DataFrame:
    """Precision, recall and F1 per value of `group` (a property of the true entity, e.g. its family's
    name culture). A predicted pair counts for a group when either of its mentions belongs to it, so a
    wrong merge across two groups lowers both groups' precision."""
    cells = df.group_by(truth, pred, group).len()
    tp = cells.group_by(group).agg((pl.col("len").cast(pl.Float64) * (pl.col("len") - 1) / 2).sum().alias("tp"))
    tt = (df.group_by(truth, group).len().group_by(group)
          .agg((pl.col("len").cast(pl.Float64) * (pl.col("len") - 1) / 2).sum().alias("tt")))
    sizes = df.group_by(pred).len().rename({"len": "n"})
    in_group = df.group_by(pred, group).len().join(sizes, on=pred)
    pp = in_group.group_by(group).agg(
        (pl.col("len").cast(pl.Float64) * (pl.col("len") - 1) / 2
         + pl.col("len").cast(pl.Float64) * (pl.col("n") - pl.col("len"))).sum().alias("pp"))
    out = (tt.join(tp, on=group, how="left").join(pp, on=group, how="left")
           .join(df.group_by(group).len().rename({"len": "mentions"}), on=group)
           .with_columns(pl.col("tp").fill_null(0.0), pl.col("pp").fill_null(0.0)))
    p = pl.when(pl.col("pp") > 0).then(pl.col("tp") / pl.col("pp")).otherwise(1.0)
    r = pl.when(pl.col("tt") > 0).then(pl.col("tp") / pl.col("tt")).otherwise(1.0)
    return (out.with_columns(p.alias("precision"), r.alias("recall"))
            .with_columns((2 * pl.col("precision") * pl.col("recall") / (pl.col("precision") + pl.col("recall")))
                          .fill_nan(0.0).alias("f1"))
            .select(group, "mentions", "precision", "recall", "f1").sort(group))
