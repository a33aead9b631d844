"""Incremental linkage: a day's new extracts (or one referral) into a linked store, against a full relink.

    python bench/link_incremental.py --data DIR [--rows 1000] [--threads 2]

The last `--rows` rows of the world's CSV and JSONL extracts (spread over them by size) are split
off into `<name>_day2` files: the rest is ingested and linked in full, then the day's files are
ingested and linked (incrementally: only the new mentions, with the stored model), then the store
is relinked in full. Printed: both times, the incremental share of the full time, and how many
person and place pairs the two agree on (contingency counts, bench/quality.pair_agreement). With
`--rows 1` the day is one MASH referral. Run it under the CPU lock.
"""
from __future__ import annotations

import argparse
import csv
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


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    settings = LinkSettings(threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        base, day = split_world(args.data, Path(tmp), args.rows)
        db = Path(tmp) / "store.duckdb"
        con = open_store(db)
        t = time.perf_counter()
        ingest_paths(con, [base])
        print(f"ingested the world less the day in {time.perf_counter() - t:.1f}s", file=sys.stderr)
        t = time.perf_counter()
        first = run_link(con, settings)
        print(f"first full link {time.perf_counter() - t:.1f}s ({first.n_person_mentions} person mentions)", file=sys.stderr)
        t = time.perf_counter()
        ingest_paths(con, day)
        t_ingest = time.perf_counter() - t
        n_new = con.execute("SELECT count(*) FROM person_mentions WHERE person_id IS NULL").fetchall()[0][0]
        t = time.perf_counter()
        inc = run_link(con, settings)
        t_inc = time.perf_counter() - t
        inc_p = con.sql("SELECT mention_id, person_id FROM person_mentions").pl()
        inc_a = con.sql("SELECT address_mention_id, address_id FROM address_mentions").pl()
        t = time.perf_counter()
        run_link(con, settings, full=True)
        t_full = time.perf_counter() - t
        full_p = con.sql("SELECT mention_id, person_id AS full FROM person_mentions").pl()
        full_a = con.sql("SELECT address_mention_id, address_id AS full FROM address_mentions").pl()
        n_all = full_p.height
        con.close()
    res = {
        "day_rows": args.rows, "day_files": [d.name for d in day], "new_person_mentions": n_new, "person_mentions": n_all,
        "ingest_day_s": round(t_ingest, 2), "incremental_s": round(t_inc, 2), "mode": inc.mode,
        "incremental_stages": {k: round(v, 2) for k, v in inc.timings.items()}, "full_relink_s": round(t_full, 2),
        "incremental_share_of_full": round(t_inc / t_full, 4),
        "person_pair_agreement": round(pair_agreement(inc_p.join(full_p, on="mention_id"), "person_id", "full"), 6),
        "place_pair_agreement": round(pair_agreement(inc_a.join(full_a, on="address_mention_id"), "address_id", "full"), 6),
        "merges_reported": inc.person_changes.merges.height if inc.person_changes else 0,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    print(json.dumps(res, indent=1))


if __name__ == "__main__":
    main()
