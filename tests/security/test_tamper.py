"""Tampering with the audit trail (#16 item 1): each way of editing, deleting, reordering, truncating,
dropping or emptying it is caught by `audit --verify`, or is documented here as what only an external
anchor (`audit --write-anchor`, kept outside the store) can catch, and then the anchor catches it.

The store holds records: every stored file's rows commit with an ingest entry naming its file_seq, so
a trail that was dropped, emptied or cut before those entries fails even without an anchor.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.security import audit
from tests.ingest.helpers import police_row, write_police

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")
Con = duckdb.DuckDBPyConnection


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, audit.AuditHead]:
    """A store with records from two files and eight audit entries, and its anchor."""
    folder = tmp_path_factory.mktemp("tamper")
    extracts = folder / "extracts"
    extracts.mkdir()
    write_police(extracts / "police_occurrences.csv", [police_row(), police_row(nominal="N0000002", role="VICTIM",
                                                                              forenames="LILY", dob="03/03/2012")])
    write_police(extracts / "police_occurrences_2.csv", [police_row(ref="OCC/2022/000002", nominal="N0000003")])
    db = folder / "store.duckdb"
    runner = CliRunner()
    env = {v: None for v in KEY_VARS}
    for args in (["ingest", str(extracts)], ["export", "mentions", str(folder / "m.csv")],
                 ["export", "address-mentions", str(folder / "a.csv")], ["link"], ["flags", "list"],
                 ["export", "mentions", str(folder / "m2.csv")]):
        res = runner.invoke(app, [*args, "--db", str(db)], env=env)
        assert res.exit_code == 0, (args, res.stderr)
    con = duckdb.connect(str(db), read_only=True)
    try:
        result = audit.verify(con)
        assert result.ok and result.checked == 8, result
        kinds = con.execute("SELECT seq, command FROM audit_log ORDER BY seq").fetchall()
        assert [k for _, k in kinds][:3] == ["ingest", "ingest", "ingest"]  # two files, then the command
        assert result.head is not None
        return db, result.head
    finally:
        con.close()


def _sql(*statements: str) -> Callable[[Con], None]:
    def apply(con: Con) -> None:
        for statement in statements:
            con.execute(statement)
    return apply


def _rehash_from(seq: int) -> Callable[[Con], None]:
    """Recompute every hash from ``seq`` on and the head, as an insider who knows the scheme would."""
    def apply(con: Con) -> None:
        rows = con.execute('SELECT seq, "at", actor, command, action, person_ids, CAST(detail AS VARCHAR) '
                           "FROM audit_log ORDER BY seq").fetchall()
        prev = audit.GENESIS_HASH
        for i, (s, at, actor, command, action, people, detail) in enumerate(rows, start=1):
            if s >= seq:
                con.execute("UPDATE audit_log SET seq = ?, prev_hash = ? WHERE seq = ?", [-i, prev, s])
                digest = audit._entry_hash(prev, i, at, actor, command, action, people or (), json.loads(detail))
                con.execute("UPDATE audit_log SET seq = ?, hash = ? WHERE seq = ?", [i, digest, -i])
                prev = digest
            else:
                prev = con.execute("SELECT hash FROM audit_log WHERE seq = ?", [s]).fetchall()[0][0]
        n = len(rows)
        con.execute("INSERT OR REPLACE INTO audit_head VALUES (1, ?, ?, ?, ?)", [n, n, prev, dt.datetime(2026, 1, 1)])
    return apply


def _then(*steps: Callable[[Con], None]) -> Callable[[Con], None]:
    def apply(con: Con) -> None:
        for step in steps:
            step(con)
    return apply


# name -> (tamper, caught without an anchor?)
TAMPERS: dict[str, tuple[Callable[[Con], None], bool]] = {
    # edit
    "edit detail of an entry": (_sql("UPDATE audit_log SET detail = '{\"rows\":999}' WHERE seq = 4"), True),
    "edit actor of the first entry": (_sql("UPDATE audit_log SET actor = 'someone.else' WHERE seq = 1"), True),
    "edit time of the last entry": (_sql("UPDATE audit_log SET \"at\" = \"at\" - INTERVAL 1 DAY WHERE seq = 8"), True),
    "edit the people an entry names": (_sql("UPDATE audit_log SET person_ids = ['P00000099'] WHERE seq = 7"),
                                       True),
    "edit a hash": (_sql("UPDATE audit_log SET hash = repeat('a', 64) WHERE seq = 5"), True),
    "edit the head": (_sql("UPDATE audit_head SET head_hash = repeat('b', 64)"), True),
    "edit an entry and rehash the rest": (_then(_sql("UPDATE audit_log SET actor = 'x' WHERE seq = 5"),
                                                _rehash_from(5)), False),
    # delete
    "delete a middle entry": (_sql("DELETE FROM audit_log WHERE seq = 5"), True),
    "delete the first entry": (_sql("DELETE FROM audit_log WHERE seq = 1"), True),
    "delete the last entry": (_sql("DELETE FROM audit_log WHERE seq = 8"), True),
    "delete a file's ingest entry and rehash": (_then(_sql("DELETE FROM audit_log WHERE seq = 2"),
                                                      _rehash_from(2)), True),
    "delete an export entry and rehash": (_then(_sql("DELETE FROM audit_log WHERE seq = 6"), _rehash_from(6)), False),
    # reorder
    "swap two entries": (_sql("UPDATE audit_log SET seq = -4 WHERE seq = 4", "UPDATE audit_log SET seq = 4 "
                              "WHERE seq = 5", "UPDATE audit_log SET seq = 5 WHERE seq = -4"), True),
    "renumber an entry": (_sql("UPDATE audit_log SET seq = 20 WHERE seq = 8"), True),
    # truncate
    "truncate the tail": (_sql("DELETE FROM audit_log WHERE seq >= 6"), True),
    "truncate the tail and fix the head": (_then(_sql("DELETE FROM audit_log WHERE seq >= 6"), _rehash_from(99)),
                                           False),
    "truncate into the ingest entries and fix the head": (_then(_sql("DELETE FROM audit_log WHERE seq >= 2"),
                                                                _rehash_from(99)), True),
    # drop
    "drop the head": (_sql("DROP TABLE audit_head"), True),
    "drop the log": (_sql("DROP TABLE audit_log"), True),
    "drop both": (_sql("DROP TABLE audit_log", "DROP TABLE audit_head"), True),
    # empty
    "empty the head": (_sql("DELETE FROM audit_head"), True),
    "empty the log": (_sql("DELETE FROM audit_log"), True),
    "empty both": (_sql("DELETE FROM audit_log", "DELETE FROM audit_head"), True),
    # forge
    "insert a forged entry": (_sql("INSERT INTO audit_log SELECT 9, \"at\", actor, command, action, person_ids, "
                                   "detail, hash, repeat('c', 64) FROM audit_log WHERE seq = 8"), True),
    "rewrite the whole trail consistently": (_then(_sql("DELETE FROM audit_log WHERE seq > 3"), _rehash_from(1)),
                                             False),
}


def _tampered(pristine: tuple[Path, audit.AuditHead], tmp_path: Path, tamper: Callable[[Con], None]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    db = tmp_path / "store.duckdb"
    shutil.copy(pristine[0], db)
    con = duckdb.connect(str(db))
    try:
        tamper(con)
    finally:
        con.close()
    return db


@pytest.mark.parametrize("name", list(TAMPERS))
def test_each_tamper_is_caught_or_only_an_anchor_can_catch_it(pristine, tmp_path, name):
    tamper, caught_without_anchor = TAMPERS[name]
    db = _tampered(pristine, tmp_path, tamper)
    con = duckdb.connect(str(db), read_only=True)
    try:
        plain, anchored = audit.verify(con), audit.verify(con, pristine[1])
    finally:
        con.close()
    assert not anchored.ok, f"{name}: the anchor did not catch it"
    if caught_without_anchor:
        assert not plain.ok, f"{name}: verification passed without an anchor"
    else:
        assert plain.ok, f"{name}: documented as anchor-only but caught without one (update the table)"


def test_the_cli_reports_a_dropped_trail_on_a_store_full_of_records(pristine, tmp_path):
    runner = CliRunner()
    for name in ("drop both", "empty both", "drop the head"):
        db = _tampered(pristine, tmp_path / name.replace(" ", "_"), TAMPERS[name][0])
        res = runner.invoke(app, ["audit", "--verify", "--db", str(db)], env={v: None for v in KEY_VARS})
        assert res.exit_code == 1, (name, res.stderr)
        assert "verification failed" in res.stderr and "verified" not in res.stderr.replace("verification", "")


def test_verifying_writes_nothing(pristine, tmp_path):
    db = _tampered(pristine, tmp_path, TAMPERS["drop both"][0])
    before = db.read_bytes()
    con = duckdb.connect(str(db), read_only=True)  # a read-only connection: verify must not need to write
    try:
        assert not audit.verify(con).ok
    finally:
        con.close()
    assert db.read_bytes() == before


def test_a_fresh_store_without_records_verifies_empty(tmp_path):
    from chronolink.engine.store import open_store

    con = open_store(tmp_path / "new.duckdb")
    try:
        result = audit.verify(con)
        assert result.ok and result.checked == 0
    finally:
        con.close()
