"""Ingest benchmark: rows per second and peak memory on the ~1M-row generated world.

    python bench/ingest.py [--data DIR] [--repeat 3]

Each repetition ingests every file into a fresh store in its own process, so its peak
memory is its own. Prints each run and the medians.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ensure_large_world, peak_rss_mb, run_child, summarise  # noqa: E402


def once(data: Path) -> dict:
    """One timed ingest of `data` into a new store."""
    from chronolink.engine.ingest import ingest_paths
    from chronolink.engine.store import open_store

    db = Path(tempfile.mkdtemp()) / "bench.duckdb"
    con = open_store(db)
    t0 = time.perf_counter()
    reports = ingest_paths(con, [data])
    elapsed = time.perf_counter() - t0
    rows = sum(r.rows_read for r in reports)
    assert all(r.reconciles and r.status != "failed" for r in reports), [r.message for r in reports]
    return {"rows": rows, "seconds": elapsed, "rows_per_s": rows / elapsed, "peak_mb": peak_rss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = args.data or ensure_large_world()
    if args.once:
        print(json.dumps(once(data)))
        return
    runs = [run_child(["bench/ingest.py", "--once", "--data", str(data)]) for _ in range(args.repeat)]
    for r in runs:
        print(f"rows={r['rows']:,} {r['seconds']:.2f}s {r['rows_per_s']:,.0f} rows/s peak {r['peak_mb']:.0f} MB")
    med = summarise(runs, ["seconds", "rows_per_s", "peak_mb"])
    print(f"median: {med['seconds']:.2f}s {med['rows_per_s']:,.0f} rows/s peak {med['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
