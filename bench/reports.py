"""Report and batch speed on the sample world with the store built.

    python bench/reports.py [--data sample_data/world] [--referrals 500] [--repeat 5]

Builds the store once (ingest, link, flag), then times one child's report (median over --repeat
children) and a batch run of N referrals made from children the agencies know (plus a few unknown),
reusing the built store as a MASH would each morning.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chronolink.engine.batch import run_batch  # noqa: E402
from chronolink.engine.flags import run_flags  # noqa: E402
from chronolink.engine.ingest import ingest_paths  # noqa: E402
from chronolink.engine.link.run import run_link  # noqa: E402
from chronolink.engine.store import open_store  # noqa: E402
from chronolink.reports import write_child_report  # noqa: E402
from chronolink.reports.report_data import child_report_data  # noqa: E402

AS_OF = dt.date(2026, 10, 31)
HEADER = ["Referral ID", "Received", "Referrer Agency", "Child Forename", "Child Surname", "Child DOB", "Address",
          "Postcode", "Concern"]


def make_referrals(con, path: Path, n: int, seed: int = 1) -> None:
    """N referral rows about children in the store, as a MASH would receive them."""
    kids = con.execute("""
        SELECT forename, surname, strftime(dob, '%d/%m/%Y'), a.raw, a.postcode
        FROM person_mentions m LEFT JOIN address_mentions a USING (address_mention_id)
        WHERE m.slot IN ('child', 'pupil', 'patient') AND m.dob > DATE '2009-01-01' AND forename IS NOT NULL
    """).fetchall()
    rng = random.Random(seed)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        for i in range(n):
            fn, sn, dob, addr, pc = rng.choice(kids)
            when = AS_OF - dt.timedelta(days=rng.randrange(0, 60), minutes=rng.randrange(0, 1440))
            w.writerow([f"BR-{i:05d}", when.strftime("%d/%m/%Y %H:%M"), "Police", fn.title(), sn.title(), dob,
                        (addr or "").split("\n")[0], pc or "", "Concern reported; details to follow."])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=Path("sample_data/world"))
    ap.add_argument("--referrals", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    con = open_store(tmp / "bench.duckdb")
    t0 = time.perf_counter()
    ingest_paths(con, [args.data])
    run_link(con)
    run_flags(con, AS_OF)
    print(f"store built in {time.perf_counter() - t0:.1f}s")
    kids = [r[0] for r in con.execute(
        "SELECT child_person_id FROM flags GROUP BY 1 ORDER BY count(*) DESC LIMIT ?", [args.repeat]).fetchall()]
    write_child_report(child_report_data(con, kids[0], AS_OF), tmp / "warm")  # load the Vega bundle once
    times = []
    for pid in kids:
        t = time.perf_counter()
        write_child_report(child_report_data(con, pid, AS_OF), tmp / "one")
        times.append(time.perf_counter() - t)
    print(f"one report: median {statistics.median(times):.3f}s over {len(times)} children (max {max(times):.3f}s)")
    refs = tmp / "referrals_batch.csv"
    make_referrals(con, refs, args.referrals)
    t = time.perf_counter()
    result = run_batch(con, args.data, refs, AS_OF, tmp / "batch")
    elapsed = time.perf_counter() - t
    known = sum(r.child_person_id is not None for r in result.referrals)
    print(f"batch of {len(result.referrals)} referrals ({known} known, {len(result.reports)} reports): "
          f"{elapsed:.1f}s")


if __name__ == "__main__":
    main()
