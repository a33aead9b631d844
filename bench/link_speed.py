"""Linkage speed: wall time per stage (median of repeats) and peak memory of `link` on a store.

    python bench/link_speed.py --db FILE [--repeat 3] [--threads 2]
    python bench/link_speed.py --data DIR ...      # ingests DIR into a temporary store first
    python bench/link_speed.py --db FILE --splink-python PY   # also Splink 5 on the same mentions

Each repeat runs in a fresh process on a fresh copy of the store, so peak RSS is per run. With
--splink-python (an interpreter with splink installed) the standard Splink recipe of
bench/linkage_quality.py is timed the same way, on the same person mentions, with the same threads.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from chronolink.engine.link.run import run_link
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.store import open_store
con = open_store({db!r})
t = time.perf_counter()
rep = run_link(con, LinkSettings(threads={threads}))
total = time.perf_counter() - t
con.close()
print(json.dumps({{"total": total, "stages": rep.timings, "person_mentions": rep.n_person_mentions,
                  "persons": rep.n_persons, "places": rep.n_places, "candidates": rep.n_candidates,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--splink-python", help="interpreter with splink installed: time Splink too")
    args = ap.parse_args()
    tmp = tempfile.TemporaryDirectory()
    src = args.db
    if src is None:
        if args.data is None:
            ap.error("give --db or --data")
        src = Path(tmp.name) / "src.duckdb"
        subprocess.run([sys.executable, "-c", "from chronolink.engine.cli import main; main()", "ingest", str(args.data),
                        "--db", str(src)], check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    runs = []
    for i in range(args.repeat):
        db = Path(tmp.name) / f"run{i}.duckdb"
        shutil.copy(src, db)
        wal = Path(str(src) + ".wal")
        if wal.exists():
            shutil.copy(wal, Path(str(db) + ".wal"))
        t = time.perf_counter()
        res = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), db=str(db), threads=args.threads)],
                             check=True, capture_output=True, text=True, cwd=ROOT, env={**os.environ})
        r = json.loads(res.stdout.strip().splitlines()[-1])
        r["process"] = time.perf_counter() - t
        runs.append(r)
        print(f"run {i + 1}: link {r['total']:.1f}s (process {r['process']:.1f}s), peak RSS {r['peak_rss_mb']:.0f} MB",
              file=sys.stderr)
        db.unlink()
    first = runs[0]
    print(f"person mentions {first['person_mentions']}, persons {first['persons']}, places {first['places']}, "
          f"candidate pairs {first['candidates']}")
    print(f"median link time {statistics.median(r['total'] for r in runs):.1f}s over {len(runs)} runs; "
          f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB")
    for stage in first["stages"]:
        print(f"  {stage:<12} {statistics.median(r['stages'][stage] for r in runs):6.1f}s")
    if args.splink_python:
        time_splink(src, Path(tmp.name), args)
    tmp.cleanup()


_SPLINK_CHILD = """
import duckdb, json, resource, sys, time
_set = duckdb.connect
def _connect(*a, **k):  # the same thread budget as ours
    c = _set(*a, **k); c.execute("SET threads = {threads}"); return c
duckdb.connect = _connect
t = time.perf_counter()
exec(compile({runner!r}, "splink_runner", "exec"))
print(json.dumps({{"total": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def time_splink(src: Path, tmp: Path, args: argparse.Namespace) -> None:
    """Median wall time and peak RSS of the Splink recipe on the store's person mentions."""
    sys.path.insert(0, str(ROOT))
    from bench.linkage_quality import SPLINK_RUNNER, export_splink_input
    from chronolink.engine.store import open_store

    inp, out = tmp / "splink_in.parquet", tmp / "splink_out.parquet"
    con = open_store(src, read_only=True)
    export_splink_input(con, inp)
    con.close()
    runs = []
    for i in range(args.repeat):
        code = _SPLINK_CHILD.format(threads=args.threads, runner=SPLINK_RUNNER)
        res = subprocess.run([args.splink_python, "-c", code, str(inp), str(out)], check=True, capture_output=True,
                             text=True, cwd=tmp)
        r = json.loads(res.stdout.strip().splitlines()[-1])
        runs.append(r)
        print(f"splink run {i + 1}: {r['total']:.1f}s, peak RSS {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
    print(f"splink median {statistics.median(r['total'] for r in runs):.1f}s over {len(runs)} runs; "
          f"peak RSS {max(r['peak_rss_mb'] for r in runs):.0f} MB")


if __name__ == "__main__":
    main()
