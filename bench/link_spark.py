"""The link stage on Spark against DuckDB on the same machine: wall time, comparisons per second per core.

    flock /tmp/chronolink-cpu.lock python bench/link_spark.py --db FILE [--cores 2] [--engines duckdb,spark]
    flock /tmp/chronolink-cpu.lock python bench/link_spark.py --data DIR ...   # ingests DIR first

Each engine links a fresh copy of the store (the given file is never changed) in a fresh process: a
full link (retraining) on DuckDB with `--cores` threads, and on Spark `local[<cores>]`. A comparison
is a candidate pair whose comparison levels were computed (blocking's output, as Splink counts
them); comparisons per second per core is that count over the link's wall time and the cores.
The two stores' persons and places are compared at the end (pairwise agreement of the clusterings).
"""
from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.store import open_store
con = open_store({db!r})
import os, threading
peak = [0]
def _tree_rss():  # this process and every descendant (Spark's JVM and its Python workers), in MB
    kids, todo, total = {{}}, [os.getpid()], 0
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                kids.setdefault(int(open(f"/proc/{{p}}/stat").read().rsplit(")", 1)[1].split()[1]), []).append(int(p))
            except OSError:
                pass
    while todo:
        p = todo.pop()
        todo += kids.get(p, [])
        try:
            total += int(open(f"/proc/{{p}}/statm").read().split()[1]) * 4096
        except OSError:
            pass
    return total / 2**20
def _sample():
    while True:
        peak[0] = max(peak[0], _tree_rss()); time.sleep(0.5)
threading.Thread(target=_sample, daemon=True).start()
t = time.perf_counter()
if {engine!r} == "spark":
    from chronolink.engine.link.spark_run import run_link_spark
    rep = run_link_spark(con, LinkSettings(), master="local[{cores}]", shuffle_partitions={partitions},
                         spark_conf={{"spark.driver.memory": {memory!r}}})
else:
    from chronolink.engine.link.run import run_link
    rep = run_link(con, LinkSettings(threads={cores}), full=True)
total = time.perf_counter() - t
con.close()
print(json.dumps({{"total": total, "stages": rep.timings, "person_mentions": rep.n_person_mentions,
                  "persons": rep.n_persons, "places": rep.n_places, "candidates": rep.n_candidates, "notes": rep.notes,
                  "peak_rss_mb_driver": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "peak_rss_mb_all": peak[0]}}))
"""


def _agreement(a: Path, b: Path) -> dict[str, float]:
    """Pairwise agreement of two stores' clusterings (persons, places): share of mention pairs in the
    same cluster in one that are in the same cluster in the other, both ways."""
    import duckdb

    con = duckdb.connect()
    con.execute(f"ATTACH '{a}' AS a (READ_ONLY); ATTACH '{b}' AS b (READ_ONLY)")
    out = {}
    for kind, table, key, col in (("persons", "person_mentions", "mention_id", "person_id"),
                                  ("places", "address_mentions", "address_mention_id", "address_id")):
        same, n = con.execute(f"""
            WITH j AS (SELECT x.{col} AS ca, y.{col} AS cb FROM a.{table} x JOIN b.{table} y USING ({key})),
            ab AS (SELECT ca, cb, count(*) AS n FROM j GROUP BY ALL)
            SELECT (SELECT sum(n * (n - 1) / 2) FROM ab),
                   greatest((SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM j GROUP BY ca)),
                            (SELECT sum(n * (n - 1) / 2) FROM (SELECT count(*) AS n FROM j GROUP BY cb)))""").fetchall()[0]
        identical = con.execute(f"""SELECT count(*) = 0 FROM (SELECT x.{col} AS ca, y.{col} AS cb FROM a.{table} x
                                    JOIN b.{table} y USING ({key})) WHERE ca IS DISTINCT FROM cb""").fetchall()[0][0]
        out[kind] = {"pair_agreement": float(same) / float(n) if n else 1.0, "identical_ids": bool(identical)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="a store (copied; never changed)")
    ap.add_argument("--data", type=Path, help="a folder of extracts, ingested into a temporary store first")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--partitions", type=int, default=8, help="Spark shuffle partitions")
    ap.add_argument("--memory", default="6g", help="Spark driver memory (local mode: the executors' too)")
    ap.add_argument("--engines", default="duckdb,spark")
    ap.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="chronolink-bench-")
    src = args.db
    if src is None:
        if args.data is None:
            ap.error("give --db or --data")
        src = Path(tmp.name) / "src.duckdb"
        subprocess.run([sys.executable, "-c", "from chronolink.engine.cli import main; main()", "ingest", str(args.data),
                        "--db", str(src)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    figures: dict[str, dict] = {}
    stores = {}
    for engine in args.engines.split(","):
        db = Path(tmp.name) / f"{engine}.duckdb"
        shutil.copy(src, db)
        stores[engine] = db
        code = _CHILD.format(root=str(ROOT), db=str(db), engine=engine, cores=args.cores,
                             partitions=args.partitions, memory=args.memory)
        done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True, cwd=ROOT)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        r["comparisons_per_s_per_core"] = r["candidates"] / r["total"] / args.cores
        figures[engine] = r
        print(f"{engine:7} {r['total']:8.1f} s  {r['candidates']:>11,} comparisons  "
              f"{r['comparisons_per_s_per_core']:>9,.0f} /s/core  {r['person_mentions']:,} mentions -> "
              f"{r['persons']:,} persons, {r['places']:,} places; peak RSS driver {r['peak_rss_mb_driver']:.0f} MB, all processes {r['peak_rss_mb_all']:.0f} MB")
        print("        " + ", ".join(f"{k} {v:.1f}s" for k, v in r["stages"].items()))
        if r["notes"]:
            print("        " + ", ".join(f"{k} {v:,}" for k, v in r["notes"].items()))
    if len(stores) == 2:
        figures["agreement"] = _agreement(*stores.values())
        print("agreement", json.dumps(figures["agreement"]))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
