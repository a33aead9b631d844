"""`chronolink purge --before DATE`: old rows and everything derived from them go, newer rows stay intact."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.retention import purge_before
from chronolink.engine.store import open_store
from tests.fuzz.extracts import csv_text, header, mapping, write_layout
from tests.ingest.helpers import police_row, write_police

CUTOFF = dt.date(2015, 1, 1)
# Tokens only purged rows carry; none may survive anywhere in the store or its file.
OLD_TOKENS = ("OLDPOLQX", "OLDNOTEQX", "OLDCHILDQX", "OLDRELQX", "OLDUNDATEDQX", "OLDGPQX", "OLDQUARQX", "OLDADDRQX")
# Tokens of rows that must survive.
NEW_TOKENS = ("NEWPOLQX", "KEEPCHILDQX", "KEEPRELQX", "NODATEDRELQX", "LONEUNDATEDQX", "NEWQUARQX")
DATE_COLUMNS = ("event_date", "date", "first_seen", "last_seen", "overlap_from")
ENV_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def run(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()

    def invoke(*args, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input)

    return invoke


def ragged(token: str, width: int) -> str:
    """A row with one field too many (quarantined)."""
    return csv_text(["x"], [[token] + ["extra"] * width]).split("\r\n", 1)[1]


def write_extracts(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_police(folder / "police_occurrences.csv", [
        police_row(ref="OCC/1", when="01/02/2012 10:00", nominal="N1", surname="OLDPOLQX", summary="OLDNOTEQX",
                   home="1 OLDADDRQX STREET, KETTERBY, NN16 8QT"),
        police_row(ref="OCC/2", when="01/02/2021 10:00", nominal="N2", surname="NEWPOLQX", kind="BAIL",
                   bail="3 ELM ROAD, KETTERBY, NN16 8QT"),
        # undated: its subject (N1) has only old records, so it goes
        police_row(ref="OCC/3", when="sometime", nominal="N1", surname="OLDPOLQX", summary="OLDUNDATEDQX"),
        # undated, subject without any dated record: nothing dates it, it stays
        police_row(ref="OCC/4", when="", nominal="N9", surname="LONEUNDATEDQX"),
    ])
    write_layout(folder, "csc_episodes", [
        {"Person ID": "C1", "Forename": "AMY", "Surname": "OLDCHILDQX", "Episode": "Referral",
         "Start Date": "2012-03-01", "Address": "1 OLDADDRQX STREET", "Postcode": "NN16 8QT"},
        {"Person ID": "C2", "Forename": "BEN", "Surname": "KEEPCHILDQX", "Episode": "Referral", "Start Date": "2013-03-01",
         "Address": "3 ELM ROAD", "Postcode": "NN16 8QT"},
        {"Person ID": "C2", "Forename": "BEN", "Surname": "KEEPCHILDQX", "Episode": "CP Plan", "Start Date": "2022-03-01",
         "Address": "3 ELM ROAD", "Postcode": "NN16 8QT"},
    ])
    write_layout(folder, "csc_relationships", [
        {"Person ID": "C1", "Related Name": "Olga OLDRELQX", "Relationship": "Mother"},
        {"Person ID": "C2", "Related Name": "Kai KEEPRELQX", "Relationship": "Father"},
        {"Person ID": "C3", "Related Name": "Noa NODATEDRELQX", "Relationship": "Father"},
    ])
    # a wholly old file with an unreadable row: its quarantine goes with it
    gp = mapping("gp_consultations")
    cols = header(gp)
    good = {"NHS Number": "943 476 5919", "Patient Name": "Gus OLDGPQX", "Date of Birth": "01/01/1990",
            "Date": "05/05/2010", "Type": "Injury"}
    text = csv_text(cols, [[good.get(c, "") for c in cols]]) + ragged("OLDQUARQX", len(cols))
    (folder / "gp_consultations.csv").write_text(text, encoding="utf-8")
    # a newer file with an unreadable row: its quarantine stays
    mash = mapping("mash_referrals")
    cols = header(mash)
    row = {"Referral ID": "R1", "Received": "01/03/2022 09:00", "Child Forename": "BEN", "Child Surname": "KEEPCHILDQX"}
    text = csv_text(cols, [[row.get(c, "") for c in cols]]) + ragged("NEWQUARQX", len(cols))
    (folder / "mash_referrals.csv").write_text(text, encoding="utf-8")
    return folder


def _tables(con) -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE NOT temporary ORDER BY 1").fetchall()]


def _dump(con, table: str) -> str:
    return "\n".join(repr(r) for r in con.execute(f"SELECT * FROM {table}").fetchall())


def _newer(con) -> dict[str, list]:
    keep = "(SELECT record_id FROM records WHERE event_date >= DATE '2015-01-01')"
    return {
        "records": con.execute(f"SELECT * FROM records WHERE record_id IN {keep} ORDER BY 1").fetchall(),
        "person_mentions": con.execute(f"SELECT * EXCLUDE (person_id) FROM person_mentions WHERE record_id IN {keep} "
                                       "ORDER BY 1").fetchall(),
        "address_mentions": con.execute(f"SELECT * EXCLUDE (address_id) FROM address_mentions "
                                        f"WHERE record_id IN {keep} ORDER BY 1").fetchall(),
    }


def _add_flags(con) -> None:
    """Two flags (one citing a purged row, one citing kept rows) with dispositions."""
    from chronolink.engine.flags.store import ensure_tables

    ensure_tables(con)
    old = {"records": [{"source_file": "police_occurrences.csv", "source_row": 1, "mention_id": None}]}
    new = {"records": [{"source_file": "police_occurrences.csv", "source_row": 2, "mention_id": None}]}
    now = dt.datetime(2023, 1, 1)
    con.execute("INSERT INTO flags (flag_id, rule, child_person_id, other_person_id, address_id, trigger_date, as_of, "
                "evidence, flagged_at) VALUES ('FOLD', 'R1', 'P00000001', NULL, NULL, DATE '2012-02-01', "
                "DATE '2023-01-01', ?, ?), ('FNEW', 'R1', 'P00000002', NULL, NULL, DATE '2021-02-01', "
                "DATE '2023-01-01', ?, ?)", [json.dumps(old), now, json.dumps(new), now])
    con.execute("INSERT INTO flag_dispositions VALUES ('FOLD', 'dismissed', 'OLDNOTEQX was a mistake', 'a', ?), "
                "('FNEW', 'confirmed', NULL, 'a', ?)", [now, now])


@pytest.fixture
def store(tmp_path, run) -> Path:
    """Ingested, linked and flagged store with old and new rows."""
    from chronolink.engine.flags import run_flags
    from chronolink.engine.link.run import run_link

    db = tmp_path / "store.duckdb"
    res = run("ingest", write_extracts(tmp_path / "extracts"), "--db", db)
    assert "police_occurrences.csv" in res.stdout and "failed" not in res.stdout, res.stdout
    con = open_store(db)
    try:
        run_link(con)
        run_flags(con, dt.date(2023, 1, 1))
        _add_flags(con)
    finally:
        con.close()
    return db


def test_purge_removes_old_rows_everywhere_and_keeps_newer_rows(store, run, tmp_path):
    con = duckdb.connect(str(store), read_only=True)
    before = _newer(con)
    present = {t: _dump(con, t) for t in _tables(con)}
    con.close()
    assert any("OLDPOLQX" in text for text in present.values())
    for derived in ("chronology", "event_sources", "observations", "persons", "link_id_map", "flags"):
        assert derived in present

    res = run("purge", "--before", "2015-01-01", "--yes", "--db", store, "--analyst", "records.officer")
    assert res.exit_code == 0, res.stderr + res.stdout
    assert "records" in res.stdout and "store file rewritten" in flat(res.stderr)

    con = duckdb.connect(str(store), read_only=True)
    try:
        for table in _tables(con):
            text = _dump(con, table)
            for token in OLD_TOKENS:
                assert token not in text, (table, token)
            cols = {r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()}
            for col in cols & set(DATE_COLUMNS):
                n = con.execute(f"SELECT count(*) FROM {table} WHERE {col} < DATE '2015-01-01'").fetchall()[0][0]
                assert n == 0, (table, col)
        everything = "\n".join(_dump(con, t) for t in _tables(con))
        for token in NEW_TOKENS:
            assert token in everything, token
        assert _newer(con) == before
        # undated rows: C2's relationship (C2 has a newer record) and C3's (no dated record) stay, C1's goes
        rel = con.execute("SELECT source_row FROM records WHERE source_file = 'csc_relationships.csv' "
                          "ORDER BY 1").fetchall()
        assert rel == [(2,), (3,)]
        assert con.execute("SELECT source_file, reason FROM quarantine").fetchall() == [
            ("mash_referrals.csv", "row has 10 fields, the header has 9 (line 3)")]
        assert [r[0] for r in con.execute("SELECT flag_id FROM flags WHERE flag_id LIKE 'F%' "
                                          "AND flag_id IN ('FOLD', 'FNEW')").fetchall()] == ["FNEW"]
        assert con.execute("SELECT flag_id FROM flag_dispositions WHERE flag_id IN ('FOLD', 'FNEW')").fetchall() == \
            [("FNEW",)]
        # audit: the purge, its cut-off and counts, nothing purged
        seq, actor, action, detail = con.execute(
            "SELECT seq, actor, action, CAST(detail AS VARCHAR) FROM audit_log ORDER BY seq DESC LIMIT 1").fetchall()[0]
        assert (actor, action) == ("records.officer", "purge")
        parsed = json.loads(detail)
        assert parsed["cutoff"] == "2015-01-01" and parsed["deleted"]["records_count"] == 6
        assert parsed["deleted"]["quarantine_count"] == 1
        assert not any(token in detail for token in OLD_TOKENS)
    finally:
        con.close()
    res = run("audit", "--verify", "--db", store)
    assert res.exit_code == 0, res.stderr
    # the purged bytes are gone from the file too (DuckDB keeps deleted rows in free blocks)
    data = store.read_bytes()
    assert not [t for t in OLD_TOKENS if t.encode() in data]
    assert sorted(p.name for p in store.parent.iterdir() if p.name.startswith(".")) == []


def test_without_compaction_purged_bytes_may_linger(store, run):
    res = run("purge", "--before", "2015-01-01", "--yes", "--no-compact", "--db", store)
    assert res.exit_code == 0
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM records WHERE event_date < DATE '2015-01-01'").fetchall() == [(0,)]
    con.close()


def test_confirmation_is_required(store, run):
    res = run("purge", "--before", "2015-01-01", "--db", store, input="n\n")
    assert res.exit_code == 1 and "nothing purged" in flat(res.stderr)
    # before asking, it said how many rows of each table would go
    said = flat(res.stderr)
    assert said.index("A purge before 2015-01-01 deletes") < said.index("Permanently delete")
    assert re.search(r"│ records +│ +6 │", said)
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM records WHERE event_date < DATE '2015-01-01'").fetchall()[0][0] == 4
    con.close()
    res = run("purge", "--before", "2015-01-01", "--db", store, "--no-compact", input="y\n")
    assert res.exit_code == 0


def test_dry_run_only_counts(store, run):
    res = run("purge", "--before", "2015-01-01", "--dry-run", "--db", store)
    assert res.exit_code == 0 and re.search(r"│ records +│ +6 │", flat(res.stderr))
    assert "dry run: nothing purged" in flat(res.stderr)
    con = duckdb.connect(str(store), read_only=True)
    assert con.execute("SELECT count(*) FROM records WHERE event_date < DATE '2015-01-01'").fetchall()[0][0] == 4
    con.close()


def test_future_cutoff_and_bad_date_are_refused(store, run):
    res = run("purge", "--before", (dt.date.today() + dt.timedelta(days=2)).isoformat(), "--yes", "--db", store)
    assert res.exit_code == 2 and "in the future" in flat(res.stderr)
    assert run("purge", "--before", "01/01/2015", "--yes", "--db", store).exit_code == 2
    assert run("purge", "--yes", "--db", store).exit_code == 2


def test_a_failed_purge_changes_nothing(tmp_path, monkeypatch):
    from chronolink.engine.ingest import ingest_paths
    from chronolink.engine.retention import purge as purge_module

    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [write_extracts(tmp_path / "x")])
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in _tables(con)}

    def boom(*args, **kwargs):
        raise RuntimeError("audit unavailable")

    monkeypatch.setattr(purge_module.audit, "record", boom)
    with pytest.raises(RuntimeError):
        purge_before(con, CUTOFF, actor="someone")
    assert {t: con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0] for t in _tables(con)} == counts
    monkeypatch.undo()
    result = purge_before(con, CUTOFF)
    assert result["records"] == 6 and result["person_mentions"] >= 6
    assert purge_before(con, CUTOFF)["records"] == 0  # idempotent
    con.close()


def test_unknown_tables_with_provenance_are_purged_too(tmp_path):
    from chronolink.engine.ingest import ingest_paths

    con = open_store(tmp_path / "s.duckdb")
    ingest_paths(con, [write_extracts(tmp_path / "x")])
    con.execute("CREATE TABLE review_notes AS SELECT record_id, 'note' AS note FROM records")
    con.execute("CREATE TABLE row_cache AS SELECT source_file, source_row FROM records")
    total = con.execute("SELECT count(*) FROM records").fetchall()[0][0]
    result = purge_before(con, CUTOFF)
    assert result["review_notes"] == result["row_cache"] == result["records"] == 6
    assert con.execute("SELECT count(*) FROM review_notes").fetchall()[0][0] == total - 6
    con.close()


def test_encrypted_store_is_purged_and_stays_encrypted(tmp_path, run, monkeypatch, encryption_available):
    from chronolink.engine.store.encryption import generate_key, is_encrypted

    monkeypatch.setenv("CHRONOLINK_KEY", generate_key())
    db = tmp_path / "enc.duckdb"
    assert run("ingest", write_extracts(tmp_path / "x"), "--db", db).exit_code == 0
    res = run("purge", "--before", "2015-01-01", "--yes", "--db", db)
    assert res.exit_code == 0, res.stderr
    assert is_encrypted(db)
    res = run("audit", "--db", db, "--action", "purge")
    assert res.exit_code == 0 and "1 entries" in res.stderr
    assert run("audit", "--db", db, "--verify").exit_code == 0


def test_missing_store_is_not_created(tmp_path, run):
    missing = tmp_path / "none.duckdb"
    res = run("purge", "--before", "2015-01-01", "--yes", "--db", missing)
    assert res.exit_code == 2 and "no store at" in flat(res.stderr) and not missing.exists()
