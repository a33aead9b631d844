"""`link --engine spark`: the declared pipeline (pipeline.STEPS) on Spark, the store kept in DuckDB.

The store's mention tables are written as Parquet into the run's owner-only folder, the steps run
on Spark up to the stable ids, and the tables the persist step writes from are read back into
DuckDB temp tables, where the same persist step writes the store in one transaction. A Spark run
is always a full link (retraining): linking a day's new mentions is small work, done on DuckDB.

What the driver holds: the places step (address parsing in polars over the address mentions) and
the stable-id plan (one key per mention), as on DuckDB. Everything per pair (blocking, comparison
levels, training counts, scoring, evidence) and the clustering (connected components in SQL rounds,
then the constrained greedy clustering on the executors, a bucket of whole components per task:
spark_clustering.py) runs on Spark.
"""
from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import polars as pl

from chronolink.engine.link import spark_clustering  # noqa: F401  (registers the decisions on Spark's executors)
from chronolink.engine.link.comparisons import lookup_key_sql
from chronolink.engine.link.engine import DuckDBEngine, physical
from chronolink.engine.link.features import SIG_COLS
from chronolink.engine.link.pipeline import STEPS, TABLES, LinkContext, run_steps
from chronolink.engine.link.place_review import queue_places
from chronolink.engine.link.placeholders import write_placeholders
from chronolink.engine.link.review import decisions
from chronolink.engine.link.run import LinkReport, run_link
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.spark_engine import SparkEngine, spark_session
from chronolink.engine.link.tables import ensure_link_tables

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

# The store tables the steps read, written once as Parquet for Spark.
STORE_INPUTS = ("person_mentions", "address_mentions")


def _store_folder(con: duckdb.DuckDBPyConnection) -> str | None:
    """The store file's folder (the run's Parquet goes beside it), or None for an in-memory store."""
    row = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return str(Path(row[0][0]).resolve().parent) if row and row[0][0] else None


def _hand_back(spark_eng: SparkEngine, con: duckdb.DuckDBPyConnection, names: tuple[str, ...]) -> None:
    """Work tables `names` from Spark's Parquet into DuckDB temp tables of the same physical names, in
    DuckDB's types (Spark's year() and month() are INTEGER, DuckDB's BIGINT).

    The signature table's hash columns (`h`, lookup keys) are recomputed with DuckDB's own hash, so
    a later incremental link on DuckDB meets the stored signatures on them; `h` follows `sid`, as
    DuckDB orders it (Spark puts a USING join's column first)."""
    for name in names:
        src = f"read_parquet('{spark_eng.parquet(name)}')"
        cols = [(r[0], r[1]) for r in con.execute(f"DESCRIBE SELECT * FROM {src}").fetchall()]
        exprs = {c: f"CAST(s.{c} AS BIGINT)" if t == "INTEGER" else f"s.{c}" for c, t in cols}
        order = [c for c, _ in cols]
        if name == "sig":
            exprs.update(_lookup_keys(), h=f"hash({', '.join(f's.{c}' for c in SIG_COLS)})")
            order.remove("h")
            order.insert(order.index("sid") + 1, "h")
        select = ", ".join(f"{exprs[c]} AS {c}" for c in order)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {physical(name)} AS SELECT {select} FROM {src} s")


def _lookup_keys() -> dict[str, str]:
    """`k_<comparison>` -> its DuckDB hash expression over alias `s` (as features.build_signatures writes it)."""
    return {name: expr for expr, name in re.findall(r"(hash\([^)]*\)) AS (k_\w+)", lookup_key_sql("s"))}


def run_link_spark(con: duckdb.DuckDBPyConnection, settings: LinkSettings | None = None, master: str = "local[2]",
                   shuffle_partitions: int = 8, spark_conf: dict[str, str] | None = None,
                   spark: SparkSession | None = None) -> LinkReport:
    """A full link of the store with the link steps on Spark (`spark`, or a session on `master`); the
    store is written as by `run_link`."""
    settings = settings or LinkSettings()
    spark = spark or spark_session(master, shuffle_partitions, conf=spark_conf)
    ensure_link_tables(con)
    # Checkpoints at the named steps' outputs (and the placeholder list `run` reads back).
    eng = SparkEngine(spark, workdir=_store_folder(con), checkpoint=(*TABLES, "idph"))
    ctx = LinkContext(eng=eng, store=con, settings=settings, decisions=decisions(con),
                      extra={"started": datetime.now(), "t0": time.perf_counter()})
    duck = DuckDBEngine(con)
    try:
        for table in STORE_INPUTS:
            out = eng.workdir / table
            out.mkdir()
            con.execute(f"COPY {table} TO '{out}' (FORMAT parquet, PER_THREAD_OUTPUT)")
            eng.read_store_table(table, str(out / "*.parquet"))
        *steps, persist = STEPS
        run_steps(ctx, tuple(steps), keep=persist.reads)
        t0 = time.perf_counter()
        _hand_back(eng, con, tuple(t for t in (*persist.reads, "idph") if eng.exists(t)))
        ctx.eng = duck
        persist.run(ctx)
        ctx.timings["persist"] = time.perf_counter() - t0
        write_placeholders(con, pl.concat([ctx.extra["uprn_placeholders"], duck.frame("SELECT * FROM _lk_idph")]))
        queue_places(con, ctx.extra["place_review"], ctx.counts["run_id"])
    finally:
        duck.drop_all()
        eng.close()
    c = ctx.counts
    return LinkReport(c["run_id"], c["mentions"], c["persons"], c["address_mentions"], c["places"], c["candidates"],
                      c["review_pending"], ctx.extra["person_plan"].changes, ctx.extra["place_plan"].changes,
                      ctx.timings, mode="full", why_full="on Spark",
                      notes=dict(eng.notes))


def link_store(con: duckdb.DuckDBPyConnection, settings: LinkSettings | None = None, full: bool = False,
               engine: str = "duckdb") -> LinkReport:
    """`link` on the engine asked for: DuckDB (incremental when it can) or Spark (always a full link)."""
    return run_link_spark(con, settings) if engine == "spark" else run_link(con, settings, full=full)


__all__ = ["link_store", "run_link_spark"]
