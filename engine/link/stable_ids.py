"""Stable ids across runs: a cluster keeps the id its mentions held before.

Each old id goes to the new cluster holding most of its mention keys; a cluster
that receives several old ids (a merge) keeps the oldest (smallest number) and
retires the rest; a cluster receiving none gets a fresh id. Old ids whose keys
ended up in several clusters are reported as splits.
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb
import polars as pl


@dataclass
class IdChanges:
    """Merges and splits found while assigning ids (also written to link_id_changes)."""

    merges: pl.DataFrame  # kept_id, other_ids (retired), n_mentions
    splits: pl.DataFrame  # kept_id, other_ids (new ids split off), n_mentions
    new_ids: int


def _num(col: str) -> pl.Expr:
    return pl.col(col).str.slice(1).cast(pl.Int64)


def assign_ids(current: pl.DataFrame, previous: pl.DataFrame, prefix: str, last_value: int) -> tuple[pl.DataFrame, IdChanges, int]:
    """Give every cluster of `current` (mention_key, cluster) an id `<prefix><8 digits>`.

    `previous` (mention_key, id) is the id map of earlier runs; `last_value` the highest id number
    ever issued. Returns (mention_key, cluster, id), the changes, and the new last value.
    """
    cur = current.select("mention_key", pl.col("cluster").cast(pl.Int64))
    j = cur.join(previous.select("mention_key", pl.col("id").alias("old_id")), on="mention_key", how="left")
    votes = j.filter(pl.col("old_id").is_not_null()).group_by("old_id", "cluster").len()
    # Each old id -> the cluster with most of its keys (ties: smaller cluster label).
    best = votes.sort(["old_id", "len", "cluster"], descending=[False, True, False]).group_by("old_id", maintain_order=True).first()
    # Each cluster -> the oldest old id it won.
    won = best.with_columns(_num("old_id").alias("n")).sort("n").group_by("cluster", maintain_order=True).agg(
        pl.col("old_id").first().alias("id"), pl.col("old_id").slice(1).alias("retired"))
    clusters = cur.select("cluster").unique().sort("cluster")
    ids = clusters.join(won, on="cluster", how="left")
    fresh = ids.filter(pl.col("id").is_null()).with_row_index("k").with_columns(
        (pl.lit(prefix) + (pl.col("k").cast(pl.Int64) + last_value + 1).cast(pl.String).str.zfill(8)).alias("new"))
    ids = ids.join(fresh.select("cluster", "new"), on="cluster", how="left").with_columns(pl.coalesce("id", "new").alias("id"))
    new_last = last_value + fresh.height
    sizes = cur.group_by("cluster").len()
    merges = (ids.filter(pl.col("retired").list.len() > 0).join(sizes, on="cluster")
              .select(pl.col("id").alias("kept_id"), pl.col("retired").alias("other_ids"), pl.col("len").alias("n_mentions")))
    # Splits: an old id whose keys now sit in clusters other than the one that kept it.
    spread = votes.join(ids.select("cluster", pl.col("id").alias("new_id")), on="cluster")
    splits = (spread.filter(pl.col("new_id") != pl.col("old_id"))
              .join(best.select("old_id", pl.col("cluster").alias("kept_cluster")), on="old_id")
              .filter(pl.col("cluster") != pl.col("kept_cluster"))
              .group_by("old_id").agg(pl.col("new_id").unique().sort().alias("other_ids"), pl.col("len").sum().alias("n_mentions"))
              .rename({"old_id": "kept_id"}))
    out = cur.join(ids.select("cluster", "id"), on="cluster")
    return out, IdChanges(merges=merges, splits=splits, new_ids=fresh.height), new_last


@dataclass
class IdPlan:
    """Ids assigned to one kind's clusters, not yet written to the store (see `record_ids`)."""

    kind: str
    ids: pl.DataFrame  # mention_key, cluster, id
    changes: IdChanges
    last_value: int
    to_write: pl.DataFrame  # mention_key, id, known: the keys whose id is new or changed (known: held one before)


def plan_ids(con: duckdb.DuckDBPyConnection, kind: str, prefix: str, current: pl.DataFrame) -> IdPlan:
    """Assign stable ids for `kind` ('person'|'place') from the store's id map; reads only."""
    prev = con.sql(f"SELECT mention_key, id FROM link_id_map WHERE kind = '{kind}'").pl()
    if prev.is_empty():
        prev = pl.DataFrame(schema={"mention_key": pl.String, "id": pl.String})
    row = con.execute("SELECT last_value FROM link_id_seq WHERE kind = ?", [kind]).fetchall()
    last = row[0][0] if row else 0
    out, changes, new_last = assign_ids(current, prev, prefix, last)
    to_write = (out.select("mention_key", "id").join(prev.rename({"id": "old"}), on="mention_key", how="left")
                .filter(pl.col("old").is_null() | (pl.col("old") != pl.col("id")))
                .select("mention_key", "id", pl.col("old").is_not_null().alias("known")))
    return IdPlan(kind, out, changes, new_last, to_write)


def record_ids(con: duckdb.DuckDBPyConnection, plan: IdPlan, run_id: int) -> None:
    """Write a plan to the id map, the id sequence and link_id_changes (inside the caller's transaction)."""
    kind = plan.kind
    con.execute("INSERT OR REPLACE INTO link_id_seq VALUES (?, ?)", [kind, plan.last_value])
    # Only keys whose id is new or changed are written, so a map row's run is the run that gave its id.
    # Delete then insert: an upsert of a million keys through the primary-key index is slower.
    con.register("_lk_ids_df", plan.to_write)
    con.execute(f"""
        DELETE FROM link_id_map WHERE kind = '{kind}' AND mention_key IN (SELECT mention_key FROM _lk_ids_df WHERE known);
        INSERT INTO link_id_map SELECT '{kind}', mention_key, id, {int(run_id)} FROM _lk_ids_df;
    """)
    con.unregister("_lk_ids_df")
    for change, frame in (("merge", plan.changes.merges), ("split", plan.changes.splits)):
        if frame.height:
            con.register("_lk_chg_df", frame)
            con.execute(f"""INSERT INTO link_id_changes
                SELECT {int(run_id)}, '{kind}', '{change}', kept_id, other_ids, n_mentions FROM _lk_chg_df""")
            con.unregister("_lk_chg_df")
