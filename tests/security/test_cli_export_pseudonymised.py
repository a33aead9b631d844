"""`chronolink export pseudonymised`: keyed pseudonyms, coarsened values, nothing identifying survives."""
from __future__ import annotations

import csv
import os
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.export.pseudonymised import COLUMNS, redact_free_text
from tests.fuzz.extracts import identifying_values, identifying_world

KEY = "pseudonym-key-for-tests-0123456789"
OTHER_KEY = "another-pseudonym-key-9876543210"
ENV_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION",
            "CHRONOLINK_PSEUDONYM_KEY", "CHRONOLINK_PSEUDONYM_KEY_FILE")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def run(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()

    def invoke(*args, env: dict[str, str] | None = None):
        return runner.invoke(app, [str(a) for a in args], env=env)

    return invoke


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Path:
    return identifying_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def store(tmp_path, run, world) -> Path:
    db = tmp_path / "store.duckdb"
    res = run("ingest", world, "--db", db)
    assert res.exit_code == 0, res.stderr
    return db


def read_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def raw_values(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return identifying_values(con)
    finally:
        con.close()


def test_columns_and_coarsening(store, run, tmp_path):
    out = tmp_path / "p.csv"
    res = run("export", "pseudonymised", out, "--db", store, env={"CHRONOLINK_PSEUDONYM_KEY": KEY})
    assert res.exit_code == 0, res.stderr
    rows = read_rows(out)
    con = duckdb.connect(str(store), read_only=True)
    n_mentions = con.execute("SELECT count(*) FROM person_mentions").fetchall()[0][0]
    con.close()
    assert len(rows) == n_mentions and "wrote" in res.stderr
    assert tuple(rows[0]) == COLUMNS
    for r in rows:
        assert r["person_id"].startswith("p_") and len(r["person_id"]) == 18
        assert r["record_id"].startswith("r_")
        assert r["place_id"] == "" or r["place_id"].startswith("a_")
        assert r["dob"] == "" or (len(r["dob"]) == 7 and r["dob"][4] == "-")
        assert r["postcode_district"] in ("", "NN14", "NN15", "NN17")
    xaviero = [r for r in rows if r["agency"] == "police"]
    assert {r["dob"] for r in xaviero} == {"1984-08"} and {r["postcode_district"] for r in xaviero} == {"NN15"}
    # the two police rows of one nominal are not linked yet, so they are two pseudonymous mentions
    assert len({r["record_id"] for r in xaviero}) == 2


def test_no_identifying_value_survives(store, run, tmp_path):
    out = tmp_path / "p.csv"
    assert run("export", "pseudonymised", out, "--db", store, env={"CHRONOLINK_PSEUDONYM_KEY": KEY}).exit_code == 0
    text = out.read_text(encoding="utf-8").upper()
    values = raw_values(store)
    assert len(values) > 60  # names, ids, dates of birth, addresses, notes, refs
    districts = {"NN14", "NN15", "NN17"}  # exported on purpose
    leaked = sorted(v for v in values if v.upper() in text and v.upper() not in districts)
    assert leaked == []


def test_free_text_only_on_request_and_names_redacted(store, run, tmp_path):
    plain, with_text = tmp_path / "plain.csv", tmp_path / "text.csv"
    env = {"CHRONOLINK_PSEUDONYM_KEY": KEY}
    assert run("export", "pseudonymised", plain, "--db", store, env=env).exit_code == 0
    assert run("export", "pseudonymised", with_text, "--with-free-text", "--db", store, env=env).exit_code == 0
    assert "free_text" not in read_rows(plain)[0]
    rows = read_rows(with_text)
    notes = {r["free_text"] for r in rows if r["free_text"]}
    assert "Sibling of [name]" in notes and "Mother [name] engaged" in notes
    # best effort: a name that is not a person anywhere in the store is not recognised
    assert "Neighbour QUIXBY called in" in notes
    text = with_text.read_text(encoding="utf-8").upper()
    for name in ("ZOWELLA", "QUELLA", "QUIMBY", "ZAQUILLON", "XAVIERO", "NN15 6QZ", "943 476 5919"):
        assert name not in text


def test_same_key_same_pseudonyms_other_key_differs(store, run, tmp_path):
    a, b, c = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
    assert run("export", "pseudonymised", a, "--db", store, env={"CHRONOLINK_PSEUDONYM_KEY": KEY}).exit_code == 0
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY + "\n")
    key_file.chmod(0o600)
    assert run("export", "pseudonymised", b, "--db", store,
               env={"CHRONOLINK_PSEUDONYM_KEY_FILE": str(key_file)}).exit_code == 0
    assert run("export", "pseudonymised", c, "--db", store, env={"CHRONOLINK_PSEUDONYM_KEY": OTHER_KEY}).exit_code == 0
    assert a.read_bytes() == b.read_bytes()
    ids_a = {r["person_id"] for r in read_rows(a)}
    ids_c = {r["person_id"] for r in read_rows(c)}
    assert ids_a.isdisjoint(ids_c)


@pytest.mark.parametrize("env, message", [
    ({}, "no pseudonymisation key"),
    ({"CHRONOLINK_PSEUDONYM_KEY": "k3y-Qx9"}, "too short"),
    ({"CHRONOLINK_PSEUDONYM_KEY": KEY, "CHRONOLINK_PSEUDONYM_KEY_FILE": "/x"}, "set only one"),
    ({"CHRONOLINK_PSEUDONYM_KEY_FILE": "/nonexistent/pseudonym.key"}, "does not exist"),
])
def test_key_problems_are_clear_and_write_nothing(store, run, tmp_path, env, message):
    out = tmp_path / "p.csv"
    res = run("export", "pseudonymised", out, "--db", store, env=env)
    assert res.exit_code == 2 and message in flat(res.stderr)
    assert not out.exists()
    if "CHRONOLINK_PSEUDONYM_KEY" in env:
        assert env["CHRONOLINK_PSEUDONYM_KEY"] not in res.stderr + res.stdout


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_key_file_readable_by_others_is_refused(store, run, tmp_path):
    key_file = tmp_path / "pseudonym.key"
    key_file.write_text(KEY)
    key_file.chmod(0o644)
    res = run("export", "pseudonymised", tmp_path / "p.csv", "--db", store,
              env={"CHRONOLINK_PSEUDONYM_KEY_FILE": str(key_file)})
    assert res.exit_code == 2 and "chmod 600" in flat(res.stderr) and KEY not in res.stderr


def test_key_is_never_a_command_line_argument(store, run, tmp_path):
    res = run("export", "pseudonymised", tmp_path / "p.csv", "--db", store, "--key", KEY)
    assert res.exit_code == 2 and not (tmp_path / "p.csv").exists()


def test_store_key_cannot_be_the_pseudonym_key(monkeypatch):
    from chronolink.engine.errors import KeyConfigError
    from chronolink.engine.export.pseudonymised import load_pseudonym_key

    with pytest.raises(KeyConfigError, match="differ"):
        load_pseudonym_key({"CHRONOLINK_PSEUDONYM_KEY": KEY, "CHRONOLINK_KEY": KEY})


def test_export_is_audited(store, run, tmp_path):
    out = tmp_path / "p.csv"
    assert run("export", "pseudonymised", out, "--with-free-text", "--db", store, "--analyst", "research.lead",
               env={"CHRONOLINK_PSEUDONYM_KEY": KEY}).exit_code == 0
    con = duckdb.connect(str(store), read_only=True)
    row = con.execute("SELECT actor, command, action, CAST(detail AS VARCHAR) FROM audit_log "
                      "ORDER BY seq DESC LIMIT 1").fetchall()[0]
    con.close()
    assert row[:3] == ("research.lead", "export-pseudonymised", "export")
    assert '"narrative_included":true' in row[3] and '"pseudonymised":true' in row[3]
    res = run("audit", "--db", store, "--verify")
    assert res.exit_code == 0


def test_formula_in_free_text_is_neutralised(tmp_path, run):
    from tests.ingest.helpers import police_row, write_police

    extracts = tmp_path / "x"
    extracts.mkdir()
    write_police(extracts / "police_occurrences.csv", [
        police_row(summary='=HYPERLINK("http://evil","x")', role="@SUM(A1)"),
        police_row(nominal="N2", summary="+cmd|' /C calc'!A0"),
    ])
    db = tmp_path / "s.duckdb"
    assert run("ingest", extracts, "--db", db).exit_code == 0
    out = tmp_path / "p.csv"
    assert run("export", "pseudonymised", out, "--with-free-text", "--db", db,
               env={"CHRONOLINK_PSEUDONYM_KEY": KEY}).exit_code == 0
    for row in read_rows(out):
        for cell in row.values():
            assert not cell or cell[0] not in "=+-@\t\r\0", cell


def test_redaction_unit():
    names = {"QUIMBY", "ZOWELLA", "O'NEIL", "NEIL"}
    assert redact_free_text("Zowella Quimby-Smith saw Ms O’Neil at NN15 6QZ, NHS 943 476 5919", names) == \
        "[name] [name] saw Ms [name] at NN15, NHS [id]"
    assert redact_free_text(None, names) is None
