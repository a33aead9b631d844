"""Example errors per name culture: the true people split over several persons and the persons holding
several true people, each shown as the ways its mentions are written, largest first.

    python bench/linkage_examples.py --data DIR --db FILE [--culture irish] [--n 10]

Reads a store already linked (bench/linkage_quality.py --db FILE links one); for development: what the
pairwise scores of linkage_quality.py count, shown as cases a reviewer would read.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.linkage_quality import score_store  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402


def _ways(frame: pl.DataFrame, by: str) -> list:
    """Each distinct (by, forename, surname, dob, agency) with its mention count."""
    return (frame.group_by(by, "forename", "surname", "dob", "agency").len()
            .sort(by, "len", descending=[False, True]).rows())


def examples(pj: pl.DataFrame, cultures: pl.DataFrame, culture: str | None, n: int) -> None:
    """Print the n largest splits and merges (by missed / wrong pairs) of each culture."""
    pj = pj.join(cultures, on="true_id", how="left").with_columns(pl.col("culture").fill_null("unknown"))
    for c in sorted(pj["culture"].unique().to_list()):
        if culture and c != culture:
            continue
        sub = pj.filter(pl.col("culture") == c)
        cells = sub.group_by("true_id", "person_id").len()
        split = cells.group_by("true_id").agg(
            ((pl.col("len").sum() ** 2 - (pl.col("len") ** 2).sum()) // 2).alias("missed"))
        split = split.filter(pl.col("missed") > 0).sort("missed", "true_id", descending=[True, False])
        merged = pj.group_by("person_id", "true_id").len().group_by("person_id").agg(
            ((pl.col("len").sum() ** 2 - (pl.col("len") ** 2).sum()) // 2).alias("wrong"))
        merged = merged.filter(pl.col("wrong") > 0).join(sub.select("person_id").unique(), on="person_id")
        merged = merged.sort("wrong", "person_id", descending=[True, False])
        print(f"== {c}: {split.height} people split ({split['missed'].sum()} missed pairs), "
              f"{merged.height} persons merging people ({merged['wrong'].sum()} wrong pairs)")
        for tid, missed in split.head(n).rows():
            print(f"  SPLIT {tid} ({missed} pairs)")
            for row in _ways(sub.filter(pl.col("true_id") == tid), "person_id"):
                print("     ", row)
        for pid, wrong in merged.head(n).rows():
            print(f"  MERGE {pid} ({wrong} pairs)")
            for row in _ways(pj.filter(pl.col("person_id") == pid), "true_id"):
                print("     ", row)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--db", type=Path, required=True)
    ap.add_argument("--culture")
    ap.add_argument("--n", type=int, default=10)
    args = ap.parse_args()
    con = open_store(args.db)
    _, _, pj, _ = score_store(con, args.data)
    con.close()
    persons = pl.read_csv(args.data / "truth" / "persons.csv", infer_schema=False)
    if "culture" not in persons.columns:
        persons = persons.with_columns(pl.lit("unknown").alias("culture"))
    examples(pj, persons.select(pl.col("person_id").alias("true_id"), "culture"), args.culture, args.n)


if __name__ == "__main__":
    main()
