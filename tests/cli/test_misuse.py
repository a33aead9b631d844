"""Errors, never tracebacks (#16 item 2): every command driven through every way a user can get it wrong.

Each case must end with a non-zero exit (a read-only store may still be read), a message that names
the path or field at fault, no traceback, and the store unchanged where the mistake was caught before
writing. Read-only stores and full disks are real where the kernel lets a test make them (a private
mount namespace: a read-only bind mount, a tiny tmpfs); the same failures are also injected in-process
so the mapping is checked on every machine.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from tests.store.helpers import non_stores

ROOT = Path(__file__).resolve().parents[2]
KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")
PSEUDONYM_KEY = "misuse-test-pseudonym-key-0123456789"

# Every command (serve, a long-running server, is the workbench's and has its own tests), with the
# options that make it reach the store; {placeholders} are filled from the scenario.
COMMANDS: dict[str, list[str]] = {
    "ingest": ["ingest", "{extracts}"],
    "link": ["link"],
    "flag": ["flag", "--as-of", "2026-10-31"],
    "flags list": ["flags", "list"],
    "flags confirm": ["flags", "confirm", "{flag}"],
    "flags dismiss": ["flags", "dismiss", "{flag}", "--reason", "seen"],
    "flags action": ["flags", "action", "{flag}"],
    "flags reopen": ["flags", "reopen", "{flag}"],
    "review list": ["review", "list", "--status", "all"],
    "review accept": ["review", "accept", "{review}"],
    "review reject": ["review", "reject", "{review}"],
    "review places": ["review", "places", "--status", "all"],
    "review accept-place": ["review", "accept-place", "1"],
    "review reject-place": ["review", "reject-place", "1"],
    "explain": ["explain", "{m1}", "{m2}"],
    "report": ["report", "--child", "{child}", "--out", "{outdir}"],
    "chronology": ["chronology", "--child", "{child}"],
    "export mentions": ["export", "mentions", "{out}"],
    "export address-mentions": ["export", "address-mentions", "{out}"],
    "export flags": ["export", "flags", "{out}"],
    "export chronology": ["export", "chronology", "{out}", "--child", "{child}"],
    "export pseudonymised": ["export", "pseudonymised", "{out}"],
    "audit": ["audit"],
    "audit verify": ["audit", "--verify"],
    "audit anchor": ["audit", "--write-anchor", "{out}"],
    "purge": ["purge", "--before", "2010-01-01", "--yes"],
    "run": ["run", "{extracts}", "--referrals", "{referrals}", "--as-of", "2026-10-31", "--out", "{outdir}"],
    "link-files": ["link-files", "{people}", "--mapping", "{mapping}", "--out", "{out}"],
}
NO_DB = {"link-files"}
NO_ANALYST = {"audit", "audit verify", "audit anchor", "link-files"}
WRITES_OUTPUT = {"report", "export mentions", "export address-mentions", "export flags", "export chronology",
                 "export pseudonymised", "audit anchor", "run", "link-files"}
ONLY_READS = {"audit", "audit verify", "audit anchor"}


def flat(text: str) -> str:
    """Rich wraps long messages (even inside a path): compare with all white space removed."""
    return "".join(text.split())


def _argv(name: str, values: dict[str, str], db: str | None, analyst: str | None = None) -> list[str]:
    argv = [a.format(**values) for a in COMMANDS[name]]
    if db is not None and name not in NO_DB:
        argv += ["--db", db]
    if analyst is not None and name not in NO_ANALYST:
        argv += ["--analyst", analyst]
    return argv


def _store_state(db: str) -> tuple:
    con = duckdb.connect(db, read_only=True)
    try:
        return tuple(con.execute(f"SELECT count(*) FROM {t}").fetchall()[0][0]
                     for t in ("records", "audit_log", "flag_dispositions", "source_files"))
    finally:
        con.close()


def _check(res, name: str, case: str, *, names: list[str], ok_allowed: bool = False) -> None:
    where = f"{name} / {case}"
    text = res.stdout + res.stderr
    assert "Traceback" not in text, where
    if res.exit_code == 0:
        assert ok_allowed, f"{where}: exited 0\n{res.stderr}"
        return
    assert res.exception is None or isinstance(res.exception, SystemExit), f"{where}: {res.exception!r}"
    assert any(flat(n) in flat(res.stderr) for n in names), f"{where}: message names none of {names}: {res.stderr}"


def _copy_store(base: dict[str, str], folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "store.duckdb"
    shutil.copy(base["db"], target)
    return str(target)


@pytest.fixture
def env(monkeypatch):
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("CHRONOLINK_PSEUDONYM_KEY", PSEUDONYM_KEY)


def test_every_command_refuses_a_store_that_is_not_one(flagged_store, tmp_path, env):
    runner = CliRunner()
    values = {**flagged_store, "out": str(tmp_path / "o" / "out.csv"), "outdir": str(tmp_path / "o" / "reports")}
    stores = {kind: path for kind, (path, _error, _word) in non_stores(tmp_path, Path(flagged_store["db"])).items()}
    for case, store in {**stores, "missing": tmp_path / "mistyped.duckdb"}.items():
        for name in COMMANDS:
            if name in NO_DB:
                continue
            if case == "missing" and name in ("ingest", "run"):
                continue  # these create a store: that is their job
            res = runner.invoke(app, _argv(name, values, str(store)))
            _check(res, name, case, names=[store.name])
        assert not (tmp_path / "mistyped.duckdb").exists()
        assert not (tmp_path / "o").exists(), f"{case}: an output was written"


@pytest.mark.parametrize("analyst, field", [("two\nlines", "--analyst"), ("x" * 300, "--analyst"),
                                            ("esc\x1b[31m", "--analyst")])
def test_a_bad_analyst_is_refused_before_anything_is_written(flagged_store, tmp_path, env, analyst, field):
    runner = CliRunner()
    db = _copy_store(flagged_store, tmp_path / "s")
    values = {**flagged_store, "out": str(tmp_path / "o" / "out.csv"), "outdir": str(tmp_path / "o" / "reports")}
    before = _store_state(db)
    for name in COMMANDS:
        if name in NO_ANALYST:
            continue
        res = runner.invoke(app, _argv(name, values, db, analyst))
        _check(res, name, "analyst", names=[field])
        assert "\x1b" not in res.stderr
    assert _store_state(db) == before
    assert not (tmp_path / "o").exists()


def test_a_bad_output_path_is_refused_before_anything_is_written(flagged_store, tmp_path, env):
    runner = CliRunner()
    db = _copy_store(flagged_store, tmp_path / "s")
    a_folder = tmp_path / "a-folder"
    a_folder.mkdir()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    before = _store_state(db)
    for case, out, outdir in (("output is a folder", a_folder, a_file), ("folder is a file", a_file / "x.csv",
                                                                           a_file / "reports")):
        values = {**flagged_store, "out": str(out), "outdir": str(outdir)}
        for name in sorted(WRITES_OUTPUT):
            res = runner.invoke(app, _argv(name, values, db))
            _check(res, name, case, names=[a_folder.name, a_file.name])
    assert _store_state(db) == before
    assert sorted(p.name for p in a_folder.iterdir()) == []


def test_a_write_that_fails_is_a_message_naming_the_store(flagged_store, tmp_path, env, monkeypatch):
    """Every command writes at least its audit entry; make that write fail as a full disk does."""
    from contextlib import contextmanager

    from chronolink.engine.security import audit
    from chronolink.engine.store import transactions

    real = transactions.transaction

    @contextmanager
    def disk_full(con):
        with real(con):
            yield con
            raise duckdb.IOException("Could not write file: No space left on device")

    monkeypatch.setattr(audit, "transaction", disk_full)
    monkeypatch.setattr(transactions, "nearly_full", lambda folder: True)
    runner = CliRunner()
    db = _copy_store(flagged_store, tmp_path / "s")
    values = {**flagged_store, "out": str(tmp_path / "o" / "out.csv"), "outdir": str(tmp_path / "o" / "reports")}
    before = _store_state(db)
    for name in COMMANDS:
        if name in NO_DB or name in ONLY_READS:
            continue
        res = runner.invoke(app, _argv(name, values, db))
        _check(res, name, "injected full disk", names=["disk is full"])
        assert "store.duckdb" in flat(res.stderr), name
    assert _store_state(db)[:3] == before[:3]
    exports = [p for p in (tmp_path / "o").rglob("*") if p.is_file() and p.suffix in (".csv", ".xlsx")]
    assert exports == [], "an export exists without its audit entry"


# ------------------------------------------------------------------ real read-only and full disks

_NAMESPACE_SCRIPT = r"""
import json, os, sys
from typer.testing import CliRunner
from chronolink.engine.cli import app
from tests.store.helpers import non_stores
cases = json.loads(sys.argv[1])
runner = CliRunner()
results = []
for name, argv in cases:
    res = runner.invoke(app, argv)
    results.append({"name": name, "exit_code": res.exit_code, "stdout": res.stdout, "stderr": res.stderr,
                    "exception": None if res.exception is None or isinstance(res.exception, SystemExit)
                    else repr(type(res.exception))})
print(json.dumps(results))
"""


def _namespace_available() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    return subprocess.run([unshare, "-m", "--map-root-user", "true"] if os.geteuid() else [unshare, "-m", "true"],
                          capture_output=True).returncode == 0


needs_namespace = pytest.mark.skipif(not _namespace_available(),
                                     reason="no private mount namespace here: the in-process injection covers it")


class _Result:
    def __init__(self, r: dict):
        self.exit_code, self.stdout, self.stderr = r["exit_code"], r["stdout"], r["stderr"]
        self.exception = None if r["exception"] is None else RuntimeError(r["exception"])


def _run_in_namespace(setup: str, cases: list[tuple[str, list[str]]]) -> list[_Result]:
    """Run CLI invocations in a private mount namespace after the shell commands in ``setup``."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env["CHRONOLINK_PSEUDONYM_KEY"] = PSEUDONYM_KEY
    env["PYTHONPATH"] = str(ROOT)
    script = f'{setup} && exec "$0" -c "$1" "$2"'
    argv = ["unshare", "-m"] + (["--map-root-user"] if os.geteuid() else [])
    proc = subprocess.run([*argv, "sh", "-c", script, sys.executable, _NAMESPACE_SCRIPT, json.dumps(cases)],
                          capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return [_Result(r) for r in json.loads(proc.stdout)]


@needs_namespace
def test_a_read_only_store_file_and_folder(flagged_store, tmp_path):
    folder = tmp_path / "ro"
    db = _copy_store(flagged_store, folder)
    writable = tmp_path / "w"
    values = {**flagged_store, "out": str(writable / "out.csv"), "outdir": str(writable / "reports")}
    cases = [(name, _argv(name, values, db)) for name in COMMANDS if name not in NO_DB]
    before = _store_state(db)
    setup = f"mount --bind '{folder}' '{folder}' && mount -o remount,bind,ro '{folder}'"
    for name_result in zip(cases, _run_in_namespace(setup, cases)):
        (name, _), res = name_result
        _check(res, name, "read-only store", names=["store.duckdb"], ok_allowed=name in ONLY_READS)
        if res.exit_code:
            assert "cannot be written" in " ".join(res.stderr.split()), (name, res.stderr)
    assert _store_state(db) == before


@needs_namespace
def test_a_full_disk(flagged_store, tmp_path):
    folder = tmp_path / "full"
    folder.mkdir()
    size = Path(flagged_store["db"]).stat().st_size
    db = str(folder / "store.duckdb")
    values = {**flagged_store, "out": str(folder / "out.csv"), "outdir": str(folder / "reports")}
    cases = [(name, _argv(name, values, db)) for name in COMMANDS if name not in NO_DB]
    cases.append(("link-files", _argv("link-files", values, None)))
    # A tmpfs just big enough for the store, then filled: every write hits ENOSPC.
    setup = (f"mount -t tmpfs -o size={size + 2 * 1024 * 1024} tmpfs '{folder}' && cp '{flagged_store['db']}' '{db}' "
             f"&& (dd if=/dev/zero of='{folder}/filler' bs=64k 2>/dev/null || true)")
    for (name, _), res in zip(cases, _run_in_namespace(setup, cases)):
        _check(res, name, "full disk", names=["disk is full", "No space left", "store.duckdb"],
               ok_allowed=name in ONLY_READS)
