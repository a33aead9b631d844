"""The batch run: restartable after a kill with nothing duplicated, one writer at a time."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

RUN = [sys.executable, "-c", "from chronolink.engine.cli import main; main()"]


def _run(world: Path, out: Path, db: Path, **kw) -> subprocess.Popen:
    return subprocess.Popen(
        RUN + ["run", str(world), "--referrals", str(world / "mash_referrals.csv"), "--as-of", "2026-10-31",
               "--out", str(out), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True, **kw)


def _outcome(db: Path, out: Path) -> dict:
    """What a finished run leaves: the partition of mentions into people, flags, counts, reports."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        people = con.execute("""
            SELECT list(source_file || ':' || source_row || ':' || slot ORDER BY source_file, source_row, slot)
            FROM person_mentions GROUP BY person_id""").fetchall()
        partition = sorted(tuple(p[0]) for p in people)
        key_of = dict(con.execute("""
            SELECT person_id, min(source_file || ':' || source_row || ':' || slot) FROM person_mentions
            GROUP BY person_id""").fetchall())
        flags = sorted((r, key_of.get(c), key_of.get(o), str(t)) for r, c, o, t in con.execute(
            "SELECT rule, child_person_id, other_person_id, trigger_date FROM flags").fetchall())
        counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                  for t in ("records", "person_mentions", "address_mentions", "chronology", "flags")}
        files = con.execute("SELECT count(*), count(DISTINCT source_file) FROM source_files "
                            "WHERE NOT superseded").fetchall()[0]
    finally:
        con.close()
    return {"partition": partition, "flags": flags, "counts": counts, "files": files,
            "reports": sorted(p.name for p in out.glob("child_*.html")), "index": (out / "index.html").exists()}


@pytest.fixture(scope="module")
def clean(tiny_world, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("clean")
    proc = _run(tiny_world, tmp / "out", tmp / "s.duckdb")
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 0, stderr[-2000:]
    assert "referrals" in stdout
    return _outcome(tmp / "s.duckdb", tmp / "out")


def test_clean_run_writes_index_and_reports(clean):
    assert clean["index"] and clean["reports"]
    assert clean["files"][0] == clean["files"][1] == 8  # one live version of each extract, none duplicated


@pytest.mark.parametrize("kill_after", [1.5, 4.0])
def test_killed_run_restarts_to_the_same_result(clean, tiny_world, tmp_path, kill_after):
    db, out = tmp_path / "s.duckdb", tmp_path / "out"
    proc = _run(tiny_world, out, db)
    time.sleep(kill_after)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    again = _run(tiny_world, out, db)
    _, stderr = again.communicate(timeout=300)
    assert again.returncode == 0, stderr[-2000:]
    assert _outcome(db, out) == clean


def test_second_run_on_a_busy_store_refuses_clearly(tiny_world, tmp_path):
    db = tmp_path / "s.duckdb"
    holder = subprocess.Popen([sys.executable, "-c",
                               "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ready', flush=True); time.sleep(60)", str(db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "ready"
        proc = _run(tiny_world, tmp_path / "out", db)
        _, stderr = proc.communicate(timeout=60)
        assert proc.returncode != 0
        assert "in use by another Chronolink process" in " ".join(stderr.split())
    finally:
        holder.kill()
        holder.wait()
