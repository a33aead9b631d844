"""`chronolink audit`: listing, filters, chain verification, external anchors."""
from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from tests.ingest.helpers import police_row, write_police

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


def flat(text: str) -> str:
    """Rich wraps long messages: compare with whitespace collapsed."""
    return " ".join(text.split())


@pytest.fixture
def run(monkeypatch):
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


@pytest.fixture
def store(tmp_path: Path, run) -> Path:
    """A store after `ingest` (an entry for the stored file, one for the command) and two exports: four entries."""
    db = tmp_path / "store.duckdb"
    extracts = tmp_path / "extracts"
    extracts.mkdir()
    write_police(extracts / "police_occurrences.csv",
                 [police_row(), police_row(nominal="N0000002", role="VICTIM", forenames="LILY", dob="03/03/2012")])
    assert run("ingest", extracts, "--db", db).exit_code == 0
    assert run("export", "mentions", tmp_path / "m.csv", "--db", db).exit_code == 0
    assert run("export", "address-mentions", tmp_path / "a.csv", "--db", db, "--analyst", "reviewer.two").exit_code == 0
    return db


def _sql(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_lists_entries_after_ingest_and_export(store, run):
    res = run("audit", "--db", store)
    assert res.exit_code == 0, res.stderr
    lines = [line for line in res.stdout.splitlines() if re.match(r"│\s+\d+ │", line)]
    assert len(lines) == 4
    assert "ingest" in lines[0] and '"file_seq":1' in lines[0]
    assert "ingest" in lines[1] and '"rows_stored":2' in lines[1]
    assert "export-mentions" in lines[2] and "export" in lines[2]
    assert "reviewer.two" in lines[3]
    assert "4 entries" in res.stderr


def test_filters(store, run):
    res = run("audit", "--db", store, "--action", "export")
    assert res.exit_code == 0
    assert "export-mentions" in res.stdout and "ingest " not in res.stdout
    assert "2 entries" in res.stderr
    assert "0 entries" in run("audit", "--db", store, "--since", "2999-01-01").stderr
    assert "4 entries" in run("audit", "--db", store, "--since", "2000-01-01").stderr
    assert "0 entries" in run("audit", "--db", store, "--person", "P00000001").stderr


def test_person_filter_finds_entries_naming_the_person(store, run):
    from chronolink.engine.security import audit

    con = duckdb.connect(str(store))
    audit.record(con, "analyst.one", "report", "report", ["P00000007"], {"rows": 1})
    con.close()
    res = run("audit", "--db", store, "--person", "P00000007")
    assert "1 entries" in res.stderr and "P00000007" in res.stdout


def test_bad_arguments_are_clear(store, run, tmp_path):
    res = run("audit", "--db", store, "--action", "steal")
    assert res.exit_code == 2 and "unknown action 'steal'" in flat(res.stderr)
    missing = tmp_path / "nope.duckdb"
    res = run("audit", "--db", missing)
    assert res.exit_code == 2 and "no store at" in flat(res.stderr)
    assert not missing.exists()
    assert run("audit", "--db", store, "--since", "yesterday").exit_code == 2


def test_verify_ok_and_appends_nothing(store, run):
    res = run("audit", "--db", store, "--verify")
    assert res.exit_code == 0
    assert "audit trail verified: 4 entries, head seq 4" in flat(res.stderr)
    assert "4 entries" in run("audit", "--db", store).stderr


@pytest.mark.parametrize("tamper, seq", [
    ("UPDATE audit_log SET detail = '{\"rows\":999}' WHERE seq = 2", 2),
    ("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 1", 1),
    ("DELETE FROM audit_log WHERE seq = 2", 2),
    ("DELETE FROM audit_log WHERE seq = 4", 4),
])
def test_tampering_fails_verification_naming_the_seq(store, run, tamper, seq):
    _sql(store, tamper)
    res = run("audit", "--db", store, "--verify")
    assert res.exit_code == 1
    assert f"audit trail verification failed at seq {seq}:" in flat(res.stderr)
    assert "Traceback" not in res.stderr + res.stdout


def test_anchor_detects_a_consistent_rewrite(store, run, tmp_path):
    anchor = tmp_path / "outside" / "anchor.json"
    anchor.parent.mkdir()
    res = run("audit", "--db", store, "--write-anchor", anchor)
    assert res.exit_code == 0 and "anchor written" in flat(res.stderr)
    saved = json.loads(anchor.read_text())
    assert saved["entry_count"] == 4 and saved["last_seq"] == 4 and len(saved["head_hash"]) == 64
    assert run("audit", "--db", store, "--anchor", anchor).exit_code == 0
    # an insider drops the last entry and rewrites the head to match: the chain alone still verifies
    _sql(store, "DELETE FROM audit_log WHERE seq = 4; "
                "UPDATE audit_head SET entry_count = 3, last_seq = 3, "
                "head_hash = (SELECT hash FROM audit_log WHERE seq = 3)")
    assert run("audit", "--db", store, "--verify").exit_code == 0
    res = run("audit", "--db", store, "--verify", "--anchor", anchor)
    assert res.exit_code == 1 and "failed at seq 4" in flat(res.stderr)


def test_later_entries_keep_the_anchor_valid(store, run, tmp_path):
    anchor = tmp_path / "anchor.json"
    assert run("audit", "--db", store, "--write-anchor", anchor).exit_code == 0
    assert run("export", "mentions", tmp_path / "m2.csv", "--db", store).exit_code == 0
    res = run("audit", "--db", store, "--anchor", anchor)
    assert res.exit_code == 0 and "5 entries" in flat(res.stderr) and "matches the anchor" in flat(res.stderr)


def test_no_anchor_is_written_for_a_tampered_trail(store, run, tmp_path):
    _sql(store, "UPDATE audit_log SET command = 'ingest' WHERE seq = 3")
    anchor = tmp_path / "anchor.json"
    res = run("audit", "--db", store, "--write-anchor", anchor)
    assert res.exit_code == 1 and "failed at seq 3" in flat(res.stderr)
    assert not anchor.exists()


def test_unreadable_anchor_is_a_clear_error(store, run, tmp_path):
    bad = tmp_path / "anchor.json"
    bad.write_text("not json")
    res = run("audit", "--db", store, "--anchor", bad)
    assert res.exit_code == 2 and "cannot read the anchor file" in flat(res.stderr)
