"""One 9am referral to its child's report on a linked, flagged store: `chronolink run --referrals`.

    python bench/referral_report.py --store STORE --data DIR [--runs 3] [--lock FILE] [--work DIR]

The store (e.g. /work/data/store_w1m_s13.duckdb, the 1M world ingested, linked and flagged) is copied
(never written); the copy is brought to this version and flagged as of the world's manifest date once
(the store a MASH has at 8am; relinked in full first when this version's model is not the one it was
linked with). A new referral is written to a file of its own: the latest referral of the
world whose child other agencies know, received again at 09:00 on the as-of date under a new reference.
Each run copies the 8am store and times, in a fresh process, the command a user runs:

    chronolink run DIR --referrals mash_referrals_0900.csv --as-of DATE --out OUT --db COPY

Printed (JSON): each run's wall time, the median, and the steps of one run timed in this process
(ingest, link, flag, reports: run_batch's progress). With --lock each timed run holds that file's flock.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.link_incremental import _as_of, cpu_lock  # noqa: E402
from chronolink.engine.batch.run import run_batch  # noqa: E402
from chronolink.engine.flags import run_flags  # noqa: E402
from chronolink.engine.link.incremental import why_not_incremental  # noqa: E402
from chronolink.engine.link.run import run_link  # noqa: E402
from chronolink.engine.link.settings import LinkSettings  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402

CHRONOLINK = Path(sys.executable).parent / "chronolink"


def write_referral(store: Path, data: Path, out: Path, as_of: dt.date) -> Path:
    """A new referral (its own file) for the latest-referred child the store knows from another agency."""
    con = open_store(store, read_only=True)
    try:
        row = con.execute("""
            SELECT r.source_row FROM records r JOIN person_mentions m USING (record_id)
            WHERE r.source_file = 'mash_referrals.csv' AND m.slot = 'child' AND m.person_id IN (
                SELECT person_id FROM person_mentions WHERE agency <> 'mash' GROUP BY person_id HAVING count(*) >= 3)
            ORDER BY r.event_date DESC, r.source_row DESC LIMIT 1""").fetchall()[0][0]
    finally:
        con.close()
    raw = (data / "mash_referrals.csv").read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    body = list(csv.reader(io.StringIO(raw[len(bom):].decode("latin-1"), newline="")))
    head, rec = body[0], list(body[row])  # source_row is 1-based, header excluded
    rec[head.index("Referral ID")] = "MR-BENCH-0900"
    rec[head.index("Received")] = f"{as_of:%d/%m/%Y} 09:00"
    path = out / "referral" / "mash_referrals_0900.csv"
    path.parent.mkdir(parents=True)
    buf = io.StringIO(newline="")
    csv.writer(buf, quoting=csv.QUOTE_ALL).writerows([head, rec])
    path.write_bytes(bom + buf.getvalue().encode("latin-1"))
    return path


def prepare(src: Path, dst: Path, as_of: dt.date) -> dict:
    """The 8am store: a copy of `src` opened (and so brought to this version), linked in full when this
    version's model differs from the one it was linked with, and flagged as of `as_of`."""
    shutil.copy(src, dst)
    con = open_store(dst)
    res: dict = {}
    try:
        why = why_not_incremental(con, LinkSettings().incremental_max_share)
        if why:
            t = time.perf_counter()
            run_link(con, LinkSettings(), full=True)
            res.update(relinked_because=why, full_link_s=round(time.perf_counter() - t, 2))
        t = time.perf_counter()
        run_flags(con, as_of)
        res["full_flag_s"] = round(time.perf_counter() - t, 2)
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--store", type=Path, required=True)
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--lock", help="hold this file's flock while timing (the shared CPU lock)")
    ap.add_argument("--work", type=Path, help="folder for the copies (default: a temporary one)")
    ap.add_argument("--base", type=Path, help="keep the 8am store here and reuse it when it is already there "
                    "(it must have been prepared from --store by this version)")
    args = ap.parse_args()
    as_of = _as_of(args.data)
    with tempfile.TemporaryDirectory(dir=args.work) as tmp_s:
        tmp = Path(tmp_s)
        base = args.base or tmp / "8am.duckdb"
        res: dict = {"store": str(args.store), "as_of": as_of.isoformat()}
        if not base.exists():
            with cpu_lock(args.lock):
                res.update(prepare(args.store, base, as_of))
        referral = write_referral(base, args.data, tmp, as_of)
        print(json.dumps(res), file=sys.stderr)
        walls = []
        for i in range(args.runs):
            db, out = tmp / f"run{i}.duckdb", tmp / f"out{i}"
            shutil.copy(base, db)
            cmd = [str(CHRONOLINK), "run", str(args.data), "--referrals", str(referral), "--as-of", as_of.isoformat(),
                   "--out", str(out), "--db", str(db)]
            with cpu_lock(args.lock):
                t = time.perf_counter()
                done = subprocess.run(cmd, capture_output=True, text=True)
                walls.append(round(time.perf_counter() - t, 2))
            if done.returncode:
                raise SystemExit(f"run failed ({done.returncode}): {done.stderr[-2000:]}")
            print(f"run {i}: {walls[-1]}s", file=sys.stderr)
            db.unlink()
        res.update(referral_to_report_s=walls, median_s=statistics.median(walls))
        # The steps of one more run, in this process (the same work, timed by run_batch's progress).
        db = tmp / "steps.duckdb"
        shutil.copy(base, db)
        steps: dict[str, list[float]] = {}

        def progress(step: str, done: int, total: int) -> None:
            steps.setdefault(step, [time.perf_counter(), 0.0])[1] = time.perf_counter()

        with cpu_lock(args.lock):
            t0 = time.perf_counter()
            con = open_store(db)
            opened = time.perf_counter()
            batch = run_batch(con, args.data, referral, as_of, tmp / "steps_out", progress)
            ran = time.perf_counter()
            con.close()
            closed = time.perf_counter()
        res["steps_s"] = {"open": round(opened - t0, 2),
                          **{k: round(b - a, 2) for k, (a, b) in steps.items()},
                          "close": round(closed - ran, 2)}
        res["reports"] = len(batch.reports)
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
