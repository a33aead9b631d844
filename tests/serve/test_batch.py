"""The workbench runs the batch itself on its watched folder, with progress; review decisions made in
the workbench win on that run; decisions pause while it runs."""
from __future__ import annotations

import shutil
import subprocess
import sys

from chronolink.engine.serve import Workbench
from chronolink.engine.serve.batch import batch_factory
from chronolink.engine.store import open_store
from tests.serve.conftest import AS_OF, WORLD, login


def test_batch_from_the_workbench_applies_decisions(served_store, tmp_path):
    db = tmp_path / "store.duckdb"
    shutil.copy(served_store[0], db)
    extracts = tmp_path / "extracts"
    shutil.copytree(WORLD, extracts)
    referrals = extracts / "mash_referrals.csv"  # three referrals: three reports to write, not two dozen
    referrals.write_text("".join(referrals.read_text().splitlines(keepends=True)[:4]))
    server = Workbench(db, 0, analyst="tester", announce=lambda url: None,
                       batch_factory=batch_factory(extracts, None, tmp_path / "reports", db))
    try:
        # The workbench is the store's one writer: `link` started meanwhile refuses (and `run` waits with --wait).
        other = subprocess.run([sys.executable, "-m", "chronolink", "link", "--db", str(db)], capture_output=True,
                               text=True, timeout=60)
        assert other.returncode != 0 and "in use" in other.stderr
        c = login(server)
        h = {"x-csrf-token": c.csrf, "hx-request": "true"}
        page = c.get("/batch").text
        assert "Watching" in page and "No new or changed extracts" in page
        with server.gate.read() as con:
            rid, kl, kr = con.execute("""SELECT review_id, mention_key_l, mention_key_r FROM link_review
                                         WHERE status = 'pending' ORDER BY review_id LIMIT 1""").fetchall()[0]
        assert c.post(f"/review/{rid}", data={"decision": "accept"}, headers=h).status_code == 200
        (extracts / "gp_consultations.csv").write_text((extracts / "gp_consultations.csv").read_text() + "\n")
        assert "gp_consultations.csv" in c.get("/batch").text  # the watched folder noticed the change
        r = c.post("/batch/run", data={"as_of": AS_OF.isoformat()}, headers=h)
        assert r.status_code == 200 and 'data-running="yes"' in r.text and 'hx-trigger="every 1s"' in r.text
        assert c.post("/batch/run", data={"as_of": AS_OF.isoformat()}, headers=h).status_code == 409
        server.batch.wait()
        done = c.get("/batch").text
        assert 'id="batch-outcome"' in done and "referrals" in done and "failed" not in done
        with server.gate.read() as con:
            same = con.execute("""SELECT count(DISTINCT person_id) FROM person_mentions
                WHERE source_file || ':' || source_row || ':' || slot IN (?, ?)""", [kl, kr]).fetchall()[0][0]
        assert same == 1  # the analyst's accept won on the workbench's own link run
        assert (tmp_path / "reports" / "index.html").exists()
    finally:
        server.close()
    open_store(db).close()  # closed: the store is free again


def test_batch_without_a_folder_says_how(workbench):
    c = login(workbench)
    assert "--extracts" in c.get("/batch").text or "Watching" in c.get("/batch").text
