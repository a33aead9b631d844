"""Malformed input: clear errors naming file and row, nothing lost, the store unchanged on failure."""
from __future__ import annotations

from pathlib import Path

import pytest

from chronolink.engine.ingest import ingest_file, ingest_paths
from chronolink.engine.store import open_store
from tests.ingest.helpers import POLICE_HEADER, police_row, quoted, write_police


@pytest.fixture()
def con(tmp_path: Path):
    c = open_store(tmp_path / "store.duckdb")
    yield c
    c.close()


def _count(con, table: str) -> int:
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_clean_file_reconciles_and_keeps_provenance(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv",
                        [police_row(), police_row(nominal="N0000002", role="VICTIM", surname="HART",
                                                  forenames="LILY", dob="03/03/2012", gender="F")])
    rep = ingest_file(con, path)
    assert rep.status == "ingested" and rep.rows_read == 2 and rep.rows_stored == 2 and rep.reconciles
    rows = con.execute("SELECT source_file, source_row, slot, forename, surname, local_id FROM person_mentions "
                       "ORDER BY source_row").fetchall()
    assert rows == [("police_occurrences.csv", 1, "nominal", "DANIEL", "HART", "police:N0000001"),
                    ("police_occurrences.csv", 2, "nominal", "LILY", "HART", "police:N0000002")]
    assert _count(con, "address_mentions") == 2


def test_reingesting_unchanged_file_does_nothing(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv", [police_row()])
    assert ingest_file(con, path).status == "ingested"
    assert ingest_file(con, path).status == "unchanged"
    assert _count(con, "records") == 1 and _count(con, "source_files") == 1


def test_changed_file_supersedes_previous_version(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv", [police_row()])
    ingest_file(con, path)
    write_police(path, [police_row(), police_row(nominal="N0000009")])
    rep = ingest_file(con, path)
    assert rep.status == "replaced" and rep.rows_stored == 2
    assert _count(con, "records") == 2


def test_bad_date_is_kept_and_marked(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv",
                        [police_row(dob="31/02/1985"), police_row(nominal="N2", dob="03/04/85"),
                         police_row(nominal="N3", when="not a date")])
    rep = ingest_file(con, path)
    assert rep.rows_stored == 3 and rep.rows_quarantined == 0
    statuses = dict(con.execute("SELECT source_row, dob_status FROM person_mentions").fetchall())
    assert statuses[1] == "invalid" and statuses[2] in ("invalid", "implausible") and statuses[3] == "ok"
    problems = set(con.execute("SELECT source_row, field, problem FROM value_issues").fetchall())
    assert (1, "DOB", "unparseable_date") in problems
    assert (3, "OccurrenceDateTime", "unparseable_date") in problems


def test_missing_required_id_is_stored_and_recorded(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv", [police_row(nominal="")])
    rep = ingest_file(con, path)
    assert rep.rows_stored == 1
    assert con.execute("SELECT field, problem FROM value_issues").fetchall() == [("NominalRef", "missing_required_id")]


def test_ragged_rows_are_quarantined_rest_loads(con, tmp_path):
    lines = [quoted(POLICE_HEADER), quoted(police_row()), quoted(police_row(nominal="N2") + ["extra", "more"]),
             quoted(police_row(nominal="N3"))]
    path = tmp_path / "police_occurrences.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    rep = ingest_file(con, path)
    assert (rep.rows_read, rep.rows_stored, rep.rows_quarantined) == (3, 2, 1)
    q = con.execute("SELECT source_file, source_row, reason FROM quarantine").fetchall()
    assert q == [("police_occurrences.csv", 2, "row has 17 fields, the header has 15 (line 3)")]
    assert [r[0] for r in con.execute("SELECT source_row FROM records ORDER BY 1").fetchall()] == [1, 3]


def test_truncated_file_keeps_complete_rows(con, tmp_path):
    good = quoted(police_row())
    path = tmp_path / "police_occurrences.csv"
    path.write_bytes(("\n".join([quoted(POLICE_HEADER), good, good.replace("N0000001", "N2")[:40]])).encode())
    rep = ingest_file(con, path)
    assert rep.rows_stored == 1 and rep.rows_quarantined == 1 and rep.reconciles
    assert "unterminated" in con.execute("SELECT reason FROM quarantine").fetchall()[0][0]


def test_windows_1252_and_utf16_are_read(con, tmp_path):
    p1 = write_police(tmp_path / "police_occurrences.csv", [police_row(surname="KRÓL")], encoding="cp1252")
    assert ingest_file(con, p1).rows_stored == 1
    assert con.execute("SELECT name_raw, surname FROM person_mentions").fetchall() == [("DANIEL JAMES KRÓL", "KROL")]
    p2 = tmp_path / "u16" / "police_occurrences.csv"
    p2.parent.mkdir()
    text = "\r\n".join([quoted(POLICE_HEADER), quoted(police_row(surname="WÓJCIK"))])
    p2.write_bytes(text.encode("utf-16"))
    assert ingest_file(con, p2).rows_stored == 1


def test_nul_bytes_and_quoted_newlines(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv",
                        [police_row(summary="line one\nline two, with \"quotes\""), police_row(nominal="N\x002")])
    rep = ingest_file(con, path)
    assert rep.rows_stored == 2 and rep.reconciles
    assert con.execute("SELECT summary FROM records WHERE source_row = 1").fetchall()[0][0] == \
        'line one\nline two, with "quotes"'


@pytest.mark.parametrize("content, expected", [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00garbage\xff\xfe", "unknown layout"),
    ('"OccurrenceRef","Surname"\n"x","y"\n'.encode(), "missing columns"),
    ('"OccurrenceRef","OccurrenceRef","OccurrenceDateTime"\n'.encode(), "unknown layout"),
    (",".join(POLICE_HEADER + ["Summary"]).encode() + b"\n", "duplicate column names"),
])
def test_unreadable_files_fail_clearly_and_leave_store_unchanged(con, tmp_path, content, expected):
    good = write_police(tmp_path / "police_occurrences.csv", [police_row()])
    ingest_file(con, good)
    before = {t: _count(con, t) for t in ("records", "person_mentions", "quarantine", "source_files")}
    bad = tmp_path / "bad" / "something.csv"
    bad.parent.mkdir()
    bad.write_bytes(content)
    rep = ingest_file(con, bad)
    assert rep.status == "failed"
    assert "something.csv" in rep.message
    assert expected in rep.message or (expected == "missing columns" and "unknown layout" in rep.message)
    assert {t: _count(con, t) for t in before} == before


def test_header_only_file_reconciles_to_zero(con, tmp_path):
    path = write_police(tmp_path / "police_occurrences.csv", [])
    rep = ingest_file(con, path)
    assert rep.status == "ingested" and (rep.rows_read, rep.rows_stored, rep.rows_quarantined) == (0, 0, 0)


def test_unknown_layout_lists_known_layouts(con, tmp_path):
    path = tmp_path / "mystery.csv"
    path.write_text("a,b,c\n1,2,3\n")
    [rep] = ingest_paths(con, [path])
    assert rep.status == "failed"
    for layout in ("police_occurrences", "csc_episodes", "gp_consultations", "probation_events"):
        assert layout in rep.message


def test_quarantine_reason_does_not_echo_personal_data(con, tmp_path):
    lines = [quoted(POLICE_HEADER), quoted(police_row(surname="ZEBEDEE-SENTINEL") + ["x"])]
    path = tmp_path / "police_occurrences.csv"
    path.write_bytes("\n".join(lines).encode())
    ingest_file(con, path)
    reasons = " ".join(r[0] for r in con.execute("SELECT reason FROM quarantine").fetchall())
    issues = " ".join(r[0] + r[1] for r in con.execute("SELECT field, problem FROM value_issues").fetchall())
    assert "SENTINEL" not in reasons and "SENTINEL" not in issues
    # the raw row itself is kept so nothing is lost
    assert "SENTINEL" in con.execute("SELECT raw FROM quarantine").fetchall()[0][0]
