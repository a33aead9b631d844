"""Linkage speed against Splink 5: our full link, and ingest + link + flag, against Splink's linkage alone.

    python bench/link_speed.py --data DIR [--repeat 3] [--threads 2] [--splink] [--lock FILE]
    python bench/link_speed.py --db FILE ...      # link only, on copies of a stored (ingested) store

With --data each repeat ingests DIR into a fresh store, links it in full and flags it (as of the
world's manifest date), each phase in its own fresh process so each phase's peak RSS is its own.
With --splink the standard Splink recipe of bench/linkage_quality.py runs the same number of times,
in fresh processes with the same DuckDB thread budget, on the same person mentions (the first
repeat's store). Printed as JSON: medians of time, the largest peak RSS, per-stage link medians,
and the ratios the issue sets targets for (full link / Splink time and memory; ingest + link + flag
/ Splink time). With --lock every timed process holds that file's lock (flock) while it runs, so
the measurement has the CPU to itself while others can use it between runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_PREAMBLE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
from chronolink.engine.store import open_store
con = open_store({db!r})
con.execute("SET threads = {threads}")
t = time.perf_counter()
"""
_REPORT = """
total = time.perf_counter() - t
con.close()
out["total"] = total
out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""
_INGEST = """
from chronolink.engine.ingest import ingest_paths
from pathlib import Path
reps = ingest_paths(con, [Path({data!r})])
out = {{"rows": sum(r.rows_stored for r in reps)}}
"""
_LINK = """
from chronolink.engine.link.run import run_link
from chronolink.engine.link.settings import LinkSettings
rep = run_link(con, LinkSettings(threads={threads}), full=True)
out = {{"stages": rep.timings, "person_mentions": rep.n_person_mentions, "persons": rep.n_persons,
        "places": rep.n_places, "candidates": rep.n_candidates}}
"""
_FLAG = """
import datetime as dt
from chronolink.engine.flags import run_flags
flags = run_flags(con, dt.date.fromisoformat({as_of!r}))
out = {{"flags": flags.height}}
"""

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


def _child(code: str, lock: str | None, python: str = sys.executable, args: tuple[str, ...] = ()) -> dict:
    """Run `code` in a fresh interpreter (under `flock lock` when given); its last stdout line is JSON."""
    cmd = [python, "-c", code, *args]
    if lock:
        cmd = ["flock", lock, *cmd]
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if res.returncode:
        raise SystemExit(res.stderr[-3000:])
    return json.loads(res.stdout.strip().splitlines()[-1])


def _phase(body: str, db: Path, args: argparse.Namespace, **fmt: str) -> dict:
    code = _PREAMBLE.format(root=str(ROOT), db=str(db), threads=args.threads) + body.format(
        threads=args.threads, **fmt) + _REPORT
    return _child(code, args.lock)


def _as_of(data: Path) -> str:
    manifest = data / "manifest.json"
    if manifest.exists():
        return json.loads(manifest.read_text())["as_of"]
    return dt.date.today().isoformat()


def ours(args: argparse.Namespace, tmp: Path) -> tuple[list[dict], Path]:
    """Each repeat's phases (ingest, link, flag, or link alone on a copy of --db); a store to export from."""
    runs = []
    keep = tmp / "first.duckdb"
    for i in range(args.repeat):
        db = tmp / f"run{i}.duckdb"
        run: dict = {}
        if args.db:
            shutil.copy(args.db, db)
        else:
            run["ingest"] = _phase(_INGEST, db, args, data=str(args.data))
        run["link"] = _phase(_LINK, db, args)
        if not args.db:
            run["flag"] = _phase(_FLAG, db, args, as_of=_as_of(args.data))
        runs.append(run)
        print(f"run {i + 1}: " + ", ".join(f"{k} {v['total']:.1f}s / {v['peak_rss_mb']:.0f} MB" for k, v in run.items()),
              file=sys.stderr)
        if i == 0:
            db.rename(keep)
        else:
            db.unlink()
    return runs, keep


def splink(store: Path, tmp: Path, args: argparse.Namespace) -> list[dict]:
    """The Splink recipe on the store's person mentions, `repeat` times."""
    sys.path.insert(0, str(ROOT))
    from bench.linkage_quality import SPLINK_RUNNER, export_splink_input
    from chronolink.engine.store import open_store

    inp, out = tmp / "splink_in.parquet", tmp / "splink_out.parquet"
    con = open_store(store, read_only=True)
    export_splink_input(con, inp)
    con.close()
    runs = []
    for i in range(args.repeat):
        r = _child(_SPLINK_CHILD.format(threads=args.threads, runner=SPLINK_RUNNER), args.lock,
                   python=args.splink_python, args=(str(inp), str(out)))
        runs.append(r)
        print(f"splink run {i + 1}: {r['total']:.1f}s, peak RSS {r['peak_rss_mb']:.0f} MB", file=sys.stderr)
    return runs


def _med(xs: list[float]) -> float:
    return round(statistics.median(xs), 2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an ingested store: time the link alone on copies of it")
    ap.add_argument("--data", type=Path, help="a world's extracts: time ingest, link and flag")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--splink", action="store_true", help="time Splink 5 on the same mentions too")
    ap.add_argument("--splink-python", default=sys.executable, help="an interpreter with splink installed")
    ap.add_argument("--lock", help="hold this file's flock during every timed process (the shared CPU lock)")
    args = ap.parse_args()
    if (args.db is None) == (args.data is None):
        ap.error("give one of --db or --data")
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        runs, store = ours(args, tmp)
        res: dict = {"world": str(args.data or args.db), "repeats": args.repeat, "threads": args.threads}
        for phase in runs[0]:
            res[f"{phase}_s"] = _med([r[phase]["total"] for r in runs])
            res[f"{phase}_peak_mb"] = round(max(r[phase]["peak_rss_mb"] for r in runs))
        link0 = runs[0]["link"]
        res.update(person_mentions=link0["person_mentions"], persons=link0["persons"], candidates=link0["candidates"],
                   link_stages={s: _med([r["link"]["stages"][s] for r in runs]) for s in link0["stages"]})
        if not args.db:
            res["ingest_link_flag_s"] = _med([sum(r[p]["total"] for p in ("ingest", "link", "flag")) for r in runs])
        if args.splink:
            sp = splink(store, tmp, args)
            res["splink_s"] = _med([r["total"] for r in sp])
            res["splink_peak_mb"] = round(max(r["peak_rss_mb"] for r in sp))
            res["link_time_ratio"] = round(res["link_s"] / res["splink_s"], 3)
            res["link_memory_ratio"] = round(res["link_peak_mb"] / res["splink_peak_mb"], 3)
            if not args.db:
                res["ingest_link_flag_ratio"] = round(res["ingest_link_flag_s"] / res["splink_s"], 3)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
