"""A sentinel name and a sentinel note planted in extracts never reach logs, messages, tracebacks or codes.

They are stored (that is the job) and kept as raw text of quarantined rows, but they must not
appear in: log records (DEBUG and up), CLI stdout/stderr, error messages, tracebacks, quarantine
reasons, value-issue codes, the audit trail, or exports that are not meant to carry them.
"""
from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import traceback
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from tests.fuzz.extracts import csv_text, header, mapping, write_layout
from tests.ingest.helpers import POLICE_HEADER, police_row, quoted, write_police
from tests.store.helpers import held_by_another_process

ROOT = Path(__file__).resolve().parents[2]
SENTINEL = "ZZSENTINELQX"
NOTE = "QXNOTESENTINEL"
SECRETS = (SENTINEL, NOTE, SENTINEL.lower(), NOTE.lower())
PSEUDONYM_KEY = "no-leaks-pseudonym-key-0123456789"
ENV_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION",
            "CHRONOLINK_PSEUDONYM_KEY", "CHRONOLINK_PSEUDONYM_KEY_FILE")
CLI = "import logging; logging.basicConfig(level=logging.DEBUG); from engine.cli import main; main()"


def assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"sentinel leaked into {where}"


def write_extracts(folder: Path) -> Path:
    """Extracts carrying the sentinels in every awkward place."""
    folder.mkdir(parents=True, exist_ok=True)
    long_name = SENTINEL * 30  # over the name length limit
    rows = [
        police_row(surname=SENTINEL, summary=f"Seen with {SENTINEL}. {NOTE}", pnc=SENTINEL, gender=SENTINEL),
        police_row(nominal="N0000002", when=f"{SENTINEL} 31/02/2020", dob=f"31/02/1985 {SENTINEL}",
                   kind=SENTINEL, surname=SENTINEL, summary=NOTE),
        police_row(nominal="N0000003", surname=long_name, summary=(NOTE + " ") * 2000,
                   markers=SENTINEL * 2000, home=f"1 {SENTINEL} ROAD, NN16 8QT"),
    ]
    lines = [quoted(POLICE_HEADER)] + [quoted(r) for r in rows]
    lines.append(quoted(police_row(nominal="N0000004", surname=SENTINEL) + [NOTE, SENTINEL]))  # ragged
    (folder / "police_occurrences.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("utf-8"))
    write_layout(folder, "gp_consultations", [
        {"NHS Number": SENTINEL, "Patient Name": f"Ann {SENTINEL}", "Date of Birth": SENTINEL, "Date": "01/02/2021",
         "Type": "Injury", "Notes": NOTE, "Sex": SENTINEL, "Postcode": SENTINEL},
    ])
    path = write_layout(folder, "probation_events", [
        # (event_date stays ISO: any other value fails the whole file, see engine/ingest/transform.py build_persons)
        {"crn": "X123456", "event": "Breach", "event_date": "2021-01-01", "name.forename": "Al",
         "name.surname": SENTINEL, "notes": NOTE, "pnc": SENTINEL, "dob": f"{SENTINEL} 01/01/1990"},
    ])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"crn": "' + SENTINEL + '", "notes": "' + NOTE + '"\n')  # not valid JSON
        fh.write(json.dumps([SENTINEL, NOTE]) + "\n")  # not an object
    # a file no layout fits, its header full of the sentinel
    (folder / "unknown_extract.csv").write_text(csv_text([SENTINEL, NOTE, "OccurrenceRef"], [["a", "b", "c"]]))
    # a layout's required columns missing, the rest of the header carrying the sentinel
    cols = [c for c in header(mapping("mash_referrals")) if c != "Received"] + [SENTINEL]
    (folder / "mash_referrals.csv").write_text(csv_text(cols, [[NOTE] * len(cols)]))
    return folder


@pytest.fixture
def clean_env(monkeypatch):
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHRONOLINK_PSEUDONYM_KEY", PSEUDONYM_KEY)


@pytest.fixture
def extracts(tmp_path) -> Path:
    return write_extracts(tmp_path / "extracts")


def _commands(db: Path, out: Path) -> list[list[str]]:
    return [
        ["export", "mentions", str(out / "mentions.csv"), "--db", str(db)],
        ["export", "address-mentions", str(out / "addresses.csv"), "--db", str(db)],
        ["export", "pseudonymised", str(out / "pseudonymised.csv"), "--db", str(db)],
        ["flag", "--as-of", "2023-01-01", "--db", str(db)],
        ["flags", "list", "--db", str(db)],
        ["export", "flags", str(out / "flags.csv"), "--db", str(db)],
        ["audit", "--db", str(db)],
        ["audit", "--verify", "--db", str(db)],
        ["purge", "--before", "2000-01-01", "--yes", "--db", str(db)],
    ]


def _check_store(db: Path) -> None:
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM person_mentions WHERE surname = ?", [SENTINEL]).fetchall()[0][0] >= 2
        assert con.execute("SELECT count(*) FROM quarantine").fetchall()[0][0] >= 3
        for sql, where in (("SELECT reason FROM quarantine", "quarantine reasons"),
                           ("SELECT * FROM value_issues", "value_issues"),
                           ("SELECT * FROM audit_log", "the audit trail"),
                           ("SELECT * EXCLUDE (path) FROM source_files", "source_files")):
            assert_clean(repr(con.execute(sql).fetchall()), where)
        problems = {r[0] for r in con.execute("SELECT DISTINCT problem FROM value_issues").fetchall()}
        assert {"unparseable_date", "overlong_name", "overlong_field", "invalid_pnc_id"} <= problems
    finally:
        con.close()


def _check_outputs(out: Path) -> None:
    for name in ("mentions.csv", "addresses.csv", "pseudonymised.csv", "flags.csv"):
        assert_clean((out / name).read_text(encoding="utf-8"), name)


def test_cli_in_process_leaks_nothing(tmp_path, extracts, clean_env, caplog, recwarn):
    caplog.set_level(logging.DEBUG)
    db, out = tmp_path / "store.duckdb", tmp_path / "out"
    runner = CliRunner()
    results = [runner.invoke(app, ["ingest", str(extracts), "--db", str(db)])]
    assert results[0].exit_code == 1  # two files fail (unknown layout, missing column), the rest load
    assert "police_occurrences.csv" in results[0].stdout
    assert "unknown layout" in " ".join(results[0].stderr.split())
    for args in _commands(db, out):
        res = runner.invoke(app, args)
        assert res.exit_code == 0, (args, res.stderr)
        results.append(res)
    for res in results:
        assert_clean(res.stdout, "stdout")
        assert_clean(res.stderr, "stderr")
        if res.exc_info and not isinstance(res.exception, SystemExit):
            assert_clean("".join(traceback.format_exception(*res.exc_info)), "a traceback")
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record of {record.name}")
        if record.exc_info:
            assert_clean("".join(traceback.format_exception(*record.exc_info)), "a logged traceback")
    assert_clean(caplog.text, "the log")
    for warning in recwarn:
        assert_clean(str(warning.message), "a warning")
    _check_store(db)
    _check_outputs(out)


def _cli(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", CLI, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env["PYTHONPATH"] = str(ROOT)
    env["CHRONOLINK_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    env.update(extra)
    return env


def test_cli_subprocess_leaks_nothing(tmp_path, extracts):
    db, out = tmp_path / "store.duckdb", tmp_path / "out"
    env = _env()
    proc = _cli("ingest", str(extracts), "--db", str(db), env=env)
    assert proc.returncode == 1 and "police_occurrences.csv" in proc.stdout
    outputs = [proc]
    for args in _commands(db, out):
        proc = _cli(*args, env=env)
        assert proc.returncode == 0, (args, proc.stderr[-2000:])
        outputs.append(proc)
    for proc in outputs:
        assert_clean(proc.stdout, "subprocess stdout")
        assert_clean(proc.stderr, "subprocess stderr (DEBUG logging on)")
        assert "Traceback" not in proc.stderr
    _check_store(db)
    _check_outputs(out)


@pytest.fixture
def store(tmp_path, extracts) -> Path:
    db = tmp_path / "store.duckdb"
    proc = _cli("ingest", str(extracts), "--db", str(db), env=_env())
    assert proc.returncode == 1, proc.stderr
    return db


def test_key_for_a_plaintext_store_is_a_clear_error(store, tmp_path):
    key = "a-wrong-key-for-a-plaintext-store-123"
    proc = _cli("export", "mentions", str(tmp_path / "m.csv"), "--db", str(store), env=_env(CHRONOLINK_KEY=key))
    assert proc.returncode == 2
    message = " ".join(proc.stderr.split())
    assert "plaintext" in message and store.name in "".join(message.split()) and "Traceback" not in proc.stderr
    assert key not in proc.stderr + proc.stdout
    assert_clean(proc.stdout + proc.stderr, "the wrong-key error")
    assert not (tmp_path / "m.csv").exists()


def test_locked_store_is_a_clear_error(store, tmp_path, extracts):
    with held_by_another_process(store):
        for args in (["export", "mentions", str(tmp_path / "m.csv")], ["audit"], ["ingest", str(extracts)]):
            proc = _cli(*args, "--db", str(store), env=_env())
            assert proc.returncode == 2, (args, proc.stderr)
            message = " ".join(proc.stderr.split())
            assert "in use by another Chronolink process" in message and "Traceback" not in proc.stderr
            assert_clean(proc.stdout + proc.stderr, "the store-busy error")
    # once the other process is gone the store opens again (no stale lock)
    assert _cli("audit", "--db", str(store), env=_env()).returncode == 0


def test_wrong_key_for_an_encrypted_store_is_a_clear_error(tmp_path, extracts, encryption_available):
    db = tmp_path / "enc.duckdb"
    right, wrong = "the-right-key-for-this-store-0123", "the-wrong-key-for-this-store-4567"
    assert _cli("ingest", str(extracts), "--db", str(db), env=_env(CHRONOLINK_KEY=right)).returncode == 1
    for env in (_env(CHRONOLINK_KEY=wrong), _env()):
        proc = _cli("flags", "list", "--db", str(db), env=env)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr
        assert "encrypt" in proc.stderr.lower() or "key" in proc.stderr.lower()
        assert right not in proc.stderr and wrong not in proc.stderr
        assert_clean(proc.stdout + proc.stderr, "the encrypted-store error")
    assert SENTINEL.encode() not in db.read_bytes()


def test_unexpected_failure_traceback_carries_no_data(store, tmp_path):
    target = tmp_path / "a-directory.csv"
    target.mkdir()
    proc = _cli("export", "mentions", str(target), "--db", str(store), env=_env())
    assert proc.returncode != 0
    assert_clean(proc.stdout + proc.stderr, "an unexpected traceback")
    runner = CliRunner()
    res = runner.invoke(app, ["export", "pseudonymised", str(target), "--with-free-text", "--db", str(store)],
                        env={"CHRONOLINK_PSEUDONYM_KEY": PSEUDONYM_KEY, "CHRONOLINK_KEY": None,
                             "CHRONOLINK_KEY_FILE": None})
    assert res.exit_code != 0 and res.exception is not None
    assert_clean("".join(traceback.format_exception(*res.exc_info)), "an in-process traceback")


def test_headerless_extract_with_repeated_values_leaks_nothing(tmp_path):
    from chronolink.engine.ingest import ingest_file
    from chronolink.engine.store import open_store

    path = tmp_path / "police_occurrences.csv"
    write_police(path, [police_row(surname=SENTINEL, forenames=SENTINEL)], bom=False)
    data = path.read_bytes().split(b"\r\n", 1)[1]  # drop the header: the first row becomes one
    path.write_bytes(data)
    con = open_store(tmp_path / "s.duckdb")
    try:
        report = ingest_file(con, path, mapping=mapping("police_occurrences"))  # layout given, not detected
    finally:
        con.close()
    assert report.status == "failed"
    assert_clean(report.message, "the failure message")

