"""A purge keeps a decision while its flag can still fire, and says first how many rows will go."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from bench.flag_quality import apply_oracle
from chronolink.engine.flags import flags_with_dispositions, run_flags, set_disposition
from chronolink.engine.ingest import ingest_paths
from chronolink.engine.retention import purge_before
from chronolink.engine.store import open_store

AS_OF = dt.date(2026, 10, 31)
CUTOFF = dt.date(2019, 1, 1)


def _cites_purged(evidence: str) -> bool:
    return any(r["event_date"] is None or dt.date.fromisoformat(r["event_date"]) < CUTOFF
               for r in json.loads(evidence)["records"] if r.get("event_date") is not None)


def test_purge_keeps_decisions_of_flags_that_still_fire(small_world: Path, tmp_path: Path):
    con = open_store(tmp_path / "s.duckdb")
    try:
        ingest_paths(con, [small_world])
        apply_oracle(con, small_world / "truth")
        run_flags(con, AS_OF)
        before = flags_with_dispositions(con)
        for fid in before["flag_id"]:
            set_disposition(con, fid, "confirmed", "analyst1")
        cited = {f for f, ev in zip(before["flag_id"], before["evidence"]) if _cites_purged(ev)}
        n_records = con.execute("SELECT count(*) FROM records").fetchall()[0][0]

        preview = purge_before(con, CUTOFF, dry_run=True)
        assert con.execute("SELECT count(*) FROM records").fetchall()[0][0] == n_records  # nothing changed
        assert con.execute("SELECT count(*) FROM flag_dispositions").fetchall()[0][0] == before.height
        counts = purge_before(con, CUTOFF, actor="records.officer")
        assert counts == preview and counts["records"] > 0

        after = flags_with_dispositions(con)
        kept, gone = cited & set(after["flag_id"]), cited - set(after["flag_id"])
        assert kept and gone  # some concerns still fire on what remains, some do not
        assert counts["flags"] == len(gone) and counts["flag_dispositions"] == len(gone)
        # every flag left keeps its decision; only the flags that can no longer fire lost theirs
        decided = {f for (f,) in con.execute("SELECT DISTINCT flag_id FROM flag_dispositions").fetchall()}
        assert decided == set(after["flag_id"])
        assert set(after.filter(after["flag_id"].is_in(kept))["status"]) == {"confirmed"}
        # a flag judged again cites only what remains
        for ev in after.filter(after["flag_id"].is_in(kept))["evidence"]:
            assert not _cites_purged(ev)
    finally:
        con.close()
