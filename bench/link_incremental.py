"""Incremental linkage: a day's new extracts and one referral into a linked store, against a full relink.

    python bench/link_incremental.py --data DIR [--rows 1000] [--threads 2] [--lock FILE]

The last `--rows` rows of the world's CSV and JSONL extracts (spread over them by size) are split
off into `<name>_day2` files, and one more MASH referral into a file of its own. The rest is ingested,
linked in full and flagged (as of the world's manifest date: the store a MASH has at 8am). Then the
day's files are ingested and linked (incrementally: only the new mentions, with the stored model);
then the referral goes through `run --referrals` (ingest, link, flag, its child's report: the
referral-to-report time); then the store is relinked in full. Printed: the times, the incremental
share of the full relink's time, and how many person and place pairs the incremental and full links
agree on (all pairs, and the pairs holding a new mention). With --lock the timed phases hold that
file's lock (the shared CPU lock); the preparation (ingest and first link) holds it too.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import fcntl
import io
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.quality import pair_agreement  # noqa: E402
from chronolink.engine.batch.run import run_batch  # noqa: E402
from chronolink.engine.flags import run_flags  # noqa: E402
from chronolink.engine.ingest import ingest_paths  # noqa: E402
from chronolink.engine.link.run import run_link  # noqa: E402
from chronolink.engine.link.settings import LinkSettings  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402

csv.field_size_limit(1 << 30)


def _split_csv(src: Path, base: Path, day: Path, n: int) -> None:
    # latin-1 keeps every byte as it was, whatever the extract's encoding; a BOM stays in front
    raw = src.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    rows = list(csv.reader(io.StringIO(raw[len(bom):].decode("latin-1"), newline="")))
    head, body = rows[0], rows[1:]
    for path, part in ((base, body[: len(body) - n]), (day, body[len(body) - n:])):
        buf = io.StringIO(newline="")
        w = csv.writer(buf, quoting=csv.QUOTE_ALL)
        w.writerow(head)
        w.writerows(part)
        path.write_bytes(bom + buf.getvalue().encode("latin-1"))


def _split_jsonl(src: Path, base: Path, day: Path, n: int) -> None:
    lines = src.read_bytes().splitlines(keepends=True)
    base.write_bytes(b"".join(lines[: len(lines) - n]))
    day.write_bytes(b"".join(lines[len(lines) - n:]))


def split_world(data: Path, out: Path, rows: int) -> tuple[Path, list[Path]]:
    """(folder of the world without the day, the day's files): `rows` rows taken from the ends of
    the CSV and JSONL extracts in proportion to their size (one referral when rows is 1)."""
    base = out / "base"
    base.mkdir()
    files = [f for f in sorted(data.iterdir()) if f.is_file() and f.suffix in (".csv", ".jsonl", ".xlsx")]
    splittable = [f for f in files if f.suffix in (".csv", ".jsonl")]
    if rows == 1:
        share = {f.name: (1 if f.name == "mash_referrals.csv" else 0) for f in splittable}
    else:
        total = sum(f.stat().st_size for f in splittable)
        share = {f.name: max(1, round(rows * f.stat().st_size / total)) for f in splittable}
    day = []
    for f in files:
        n = share.get(f.name, 0)
        if not n:
            shutil.copy(f, base / f.name)
            continue
        d = out / f"{f.stem}_day2{f.suffix}"
        (_split_csv if f.suffix == ".csv" else _split_jsonl)(f, base / f.name, d, n)
        day.append(d)
    return base, day


def hold_referral(data: Path, base: Path, out: Path) -> Path:
    """Take one referral off the world's referrals extract into a file of its own (the 9am referral):
    the latest one whose child other agencies know (by the world's truth, used only to choose it),
    so that it has a report to write."""
    truth = pl.read_csv(data / "truth" / "mentions.csv", infer_schema_length=0)
    known = (truth.filter(pl.col("source_file") != "mash_referrals.csv").group_by("person_id").len()
             .filter(pl.col("len") >= 3)["person_id"].implode())
    rows = truth.filter((pl.col("source_file") == "mash_referrals.csv") & (pl.col("slot") == "child")
                        & pl.col("person_id").is_in(known))["source_row"].cast(pl.Int64)
    src = base / "mash_referrals.csv"
    raw = src.read_bytes()
    bom = b"\xef\xbb\xbf" if raw.startswith(b"\xef\xbb\xbf") else b""
    body = list(csv.reader(io.StringIO(raw[len(bom):].decode("latin-1"), newline="")))
    pick = max(r for r in rows.to_list() if r < len(body))  # 1-based data row, header excluded
    referral = out / "referral" / "mash_referrals_0900.csv"
    referral.parent.mkdir()
    for path, part in ((src, body[:pick] + body[pick + 1:]), (referral, [body[0], body[pick]])):
        buf = io.StringIO(newline="")
        csv.writer(buf, quoting=csv.QUOTE_ALL).writerows(part)
        path.write_bytes(bom + buf.getvalue().encode("latin-1"))
    return referral


@contextlib.contextmanager
def cpu_lock(path: str | None):  # noqa: ANN201 - a context manager
    """Hold `path`'s flock (the shared CPU lock) for the block, when given."""
    if not path:
        yield
        return
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _pairs_touching(cells: pl.DataFrame) -> float:
    # pairs of a cell with at least one new mention: all its pairs less those among its old mentions
    n, old = cells["len"].cast(pl.Float64), (cells["len"] - cells["new"]).cast(pl.Float64)
    return float((n * (n - 1) / 2 - old * (old - 1) / 2).sum())


def new_pair_agreement(df: pl.DataFrame, a: str, b: str, new: str) -> float:
    """As `pair_agreement`, among the pairs holding at least one new mention (`new`, a boolean column):
    what the incremental link decided, not the pairs it left as they were."""
    def cells(*cols: str) -> pl.DataFrame:
        return df.group_by(*cols).agg(pl.len(), pl.col(new).sum().alias("new"))

    both = _pairs_touching(cells(a, b))
    either = _pairs_touching(cells(a)) + _pairs_touching(cells(b)) - both
    return both / either if either else 1.0


def _as_of(data: Path) -> dt.date:
    manifest = data / "manifest.json"
    return dt.date.fromisoformat(json.loads(manifest.read_text())["as_of"]) if manifest.exists() else dt.date.today()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--lock", help="hold this file's flock while timing (the shared CPU lock)")
    args = ap.parse_args()
    settings = LinkSettings(threads=args.threads)
    as_of = _as_of(args.data)
    res: dict = {"world": str(args.data), "day_rows": args.rows, "as_of": as_of.isoformat()}
    with tempfile.TemporaryDirectory() as tmp:
        base, day = split_world(args.data, Path(tmp), args.rows)
        referral = hold_referral(args.data, base, Path(tmp))
        con = open_store(Path(tmp) / "store.duckdb")
        con.execute(f"SET threads = {args.threads}")
        with cpu_lock(args.lock):
            t = time.perf_counter()
            ingest_paths(con, [base])
            first = run_link(con, settings)
            run_flags(con, as_of)
            print(f"the store at 8am (ingest, full link, flag) in {time.perf_counter() - t:.1f}s, "
                  f"{first.n_person_mentions} person mentions", file=sys.stderr)
        before = con.sql("SELECT mention_id FROM person_mentions").pl()
        with cpu_lock(args.lock):
            t = time.perf_counter()
            ingest_paths(con, day)
            res["ingest_day_s"] = round(time.perf_counter() - t, 2)
            res["day_new_person_mentions"] = con.execute(
                "SELECT count(*) FROM person_mentions WHERE person_id IS NULL").fetchall()[0][0]
            t = time.perf_counter()
            inc = run_link(con, settings)
            res["day_link_s"] = round(time.perf_counter() - t, 2)
        res.update(day_mode=inc.mode, day_link_stages={k: round(v, 2) for k, v in inc.timings.items()},
                   day_merges_reported=inc.person_changes.merges.height if inc.person_changes else 0)
        print(json.dumps(res), file=sys.stderr)  # the day's figures, before the referral's
        # One referral at 9am: `run --referrals` from its arrival to its child's report.
        steps: dict[str, list[float]] = {}

        def progress(step: str, done: int, total: int) -> None:
            steps.setdefault(step, [time.perf_counter(), 0.0])[1] = time.perf_counter()

        with cpu_lock(args.lock):
            t = time.perf_counter()
            batch = run_batch(con, base, referral, as_of, Path(tmp) / "reports", progress)
            res["referral_to_report_s"] = round(time.perf_counter() - t, 2)
        res["referral_steps_s"] = {k: round(b - a, 2) for k, (a, b) in steps.items()}
        res["referral_reports"] = len(batch.reports)
        inc_p = con.sql("SELECT mention_id, person_id FROM person_mentions").pl()
        inc_a = con.sql("SELECT address_mention_id, address_id FROM address_mentions").pl()
        with cpu_lock(args.lock):
            t = time.perf_counter()
            run_link(con, settings, full=True)
            res["full_relink_s"] = round(time.perf_counter() - t, 2)
        full_p = con.sql("SELECT mention_id, person_id AS full FROM person_mentions").pl()
        full_a = con.sql("SELECT address_mention_id, address_id AS full FROM address_mentions").pl()
        con.close()
    persons = inc_p.join(full_p, on="mention_id").with_columns(
        pl.col("mention_id").is_in(before["mention_id"].implode()).not_().alias("new"))
    res.update(
        person_mentions=full_p.height, day_share_of_full=round(res["day_link_s"] / res["full_relink_s"], 4),
        person_pair_agreement=round(pair_agreement(persons, "person_id", "full"), 6),
        new_person_pair_agreement=round(new_pair_agreement(persons, "person_id", "full", "new"), 6),
        place_pair_agreement=round(pair_agreement(inc_a.join(full_a, on="address_mention_id"), "address_id", "full"), 6),
        peak_rss_mb=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
