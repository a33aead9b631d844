"""Per-rule precision and recall of the engine's flags against generated truth.

    python bench/flag_quality.py --data DIR --as-of 2026-10-31 [--db FILE] [--oracle]

Ingests DIR (unless --db already holds it), links, flags, then maps engine person
ids to true ids through the exported mentions (a cluster takes the true id most of
its mentions carry) and compares distinct (rule, child, other person) keys with
DIR/truth/flags.csv (one row per trigger there; one flag per concern, listing its
triggers, in the engine), and counts the true triggers each found flag lists. --oracle replaces linkage with the truth, to score the rules alone.
"""
from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronolink.engine.export import person_mentions  # noqa: E402
from chronolink.engine.flags import run_flags  # noqa: E402
from chronolink.engine.ingest import ingest_paths  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402


def majority_map(engine: pl.DataFrame, truth: pl.DataFrame, keys: list[str], eid: str, tid: str) -> pl.DataFrame:
    """engine id -> the true id most of its mentions carry."""
    j = engine.join(truth, on=keys, how="inner")
    return (j.group_by(eid, tid).len().sort([eid, "len", tid], descending=[False, True, False])
            .group_by(eid, maintain_order=True).first().select(eid, tid))


def apply_oracle(con, truth_dir: Path) -> None:
    """Set person and place ids from the truth (scores the rules independently of linkage)."""
    tm = pl.read_csv(truth_dir / "mentions.csv", infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int32))
    ta = pl.read_csv(truth_dir / "addresses.csv", infer_schema=False).with_columns(
        pl.col("source_row").cast(pl.Int32))
    con.register("tm", tm)
    con.register("ta", ta)
    con.execute("UPDATE person_mentions p SET person_id = tm.person_id FROM tm WHERE tm.source_file = p.source_file "
                "AND tm.source_row = p.source_row AND tm.slot = p.slot")
    con.execute("UPDATE address_mentions p SET address_id = ta.address_id FROM ta WHERE "
                "ta.source_file = p.source_file AND ta.source_row = p.source_row AND ta.field = p.field")


def score(con, truth_dir: Path) -> pl.DataFrame:
    """Per-rule precision/recall on distinct (rule, child, other) keys, as the manifest's keys_per_rule
    counts them: truth/flags.csv has one row per trigger, the engine one flag per concern listing every
    trigger. Also per rule: `flags` (engine flags, more than `engine` keys when linkage split a person),
    `triggers` (truth rows of found keys) and `triggers_found` (of those, the ones the engine's flag
    lists on the same date)."""
    tm = pl.read_csv(truth_dir / "mentions.csv", infer_schema=False).with_columns(pl.col("source_row").cast(pl.Int64))
    em = person_mentions(con).with_columns(pl.col("source_row").cast(pl.Int64))
    pmap = majority_map(em.rename({"person_id": "eid"}), tm.rename({"person_id": "tid"}),
                        ["source_file", "source_row", "slot"], "eid", "tid")
    stored = con.sql("SELECT rule, child_person_id, other_person_id, "
                     "coalesce(trigger_dates, [trigger_date]) AS trigger_dates FROM flags").pl()
    mapped = (stored.join(pmap.rename({"eid": "child_person_id", "tid": "child"}), on="child_person_id", how="left")
              .join(pmap.rename({"eid": "other_person_id", "tid": "other"}), on="other_person_id", how="left")
              .with_columns(pl.col("child").fill_null(pl.col("child_person_id")), pl.col("other").fill_null("")))
    flags = mapped.select("rule", "child", "other").unique()
    fired = (mapped.select("rule", "child", "other", pl.col("trigger_dates").alias("trigger_date"))
             .explode("trigger_date").with_columns(pl.col("trigger_date").cast(pl.String)).unique())
    truth_rows = (pl.read_csv(truth_dir / "flags.csv", infer_schema=False)
                  .select("rule", pl.col("child_person_id").alias("child"),
                          pl.col("other_person_id").fill_null("").alias("other"), "trigger_date").unique())
    truth = truth_rows.select("rule", "child", "other").unique()
    rows = []
    keys = ["rule", "child", "other"]
    for rule in sorted(set(truth["rule"]) | set(flags["rule"])):
        t = truth.filter(pl.col("rule") == rule)
        e = flags.filter(pl.col("rule") == rule)
        found = t.join(e, on=keys, how="inner")
        triggers = truth_rows.join(found, on=keys, how="semi")
        rows.append({"rule": rule, "truth": t.height, "engine": e.height, "tp": found.height,
                     "precision": found.height / e.height if e.height else (1.0 if not t.height else 0.0),
                     "recall": found.height / t.height if t.height else 1.0,
                     "flags": mapped.filter(pl.col("rule") == rule).height,
                     "triggers": triggers.height,
                     "triggers_found": triggers.join(fired, on=[*keys, "trigger_date"], how="semi").height})
    return pl.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--as-of", default="2026-10-31")
    ap.add_argument("--db", type=Path)
    ap.add_argument("--oracle", action="store_true", help="use true links (score the rules alone)")
    args = ap.parse_args()
    db = args.db or Path(tempfile.mkdtemp()) / "flagq.duckdb"
    con = open_store(db)
    t0 = time.perf_counter()
    ingest_paths(con, [args.data])
    t1 = time.perf_counter()
    if args.oracle:
        apply_oracle(con, args.data / "truth")
    else:
        from chronolink.engine.link.run import run_link

        run_link(con)
    t2 = time.perf_counter()
    run_flags(con, dt.date.fromisoformat(args.as_of))
    t3 = time.perf_counter()
    result = score(con, args.data / "truth")
    with pl.Config(tbl_rows=20, float_precision=3):
        print(result)
    print(f"ingest {t1 - t0:.1f}s  link {t2 - t1:.1f}s  chronology+flags {t3 - t2:.1f}s")


if __name__ == "__main__":
    main()
