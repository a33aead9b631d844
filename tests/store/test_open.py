"""Stores that cannot be confused (#12 item 4): a path is opened only when it is a Chronolink store,
a store is created only by `ingest` and `run`, and what Chronolink creates is its owner's alone."""
from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chronolink.engine.cli import app
from chronolink.engine.errors import StoreBusy, StoreMissing
from chronolink.engine.store import open_store
from tests.ingest.helpers import police_row, write_police
from tests.store.helpers import held_by_another_process, non_stores

KEY_VARS = ("CHRONOLINK_KEY", "CHRONOLINK_KEY_FILE", "CHRONOLINK_DB", "CHRONOLINK_REQUIRE_ENCRYPTION")


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(autouse=True)
def _no_key(monkeypatch):
    for var in KEY_VARS:
        monkeypatch.delenv(var, raising=False)


@pytest.fixture(scope="module")
def good_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("good")
    extracts = folder / "extracts"
    extracts.mkdir()
    write_police(extracts / "police_occurrences.csv", [police_row()])
    db = folder / "store.duckdb"
    res = CliRunner().invoke(app, ["ingest", str(extracts), "--db", str(db)])
    assert res.exit_code == 0, res.stderr
    return db


def test_each_kind_of_non_store_is_refused_by_name(tmp_path, good_store):
    for kind, (path, error, word) in non_stores(tmp_path, good_store).items():
        before = sorted(p.name for p in tmp_path.iterdir())
        for read_only, create in ((True, False), (False, False), (False, True)):
            with pytest.raises(error) as caught:
                open_store(path, read_only=read_only, create=create).close()
            message = str(caught.value)
            assert str(path) in message and word in message, (kind, message)
            assert "in use" not in message, kind
        assert sorted(p.name for p in tmp_path.iterdir()) == before, f"{kind}: opening created or removed a file"


def test_a_missing_store_is_refused_unless_the_command_creates_one(tmp_path):
    missing = tmp_path / "typo" / "stroe.duckdb"
    with pytest.raises(StoreMissing, match="no store at"):
        open_store(missing, create=False)
    assert not missing.parent.exists()


COMMANDS_THAT_NEVER_CREATE = [
    ["link"], ["flag", "--as-of", "2026-10-31"], ["flags", "list"], ["flags", "confirm", "F1"],
    ["review", "list"], ["review", "accept", "1"], ["explain", "1", "2"],
    ["report", "--child", "P00000001"], ["chronology", "--child", "P00000001"],
    ["export", "mentions", "{out}/m.csv"], ["export", "address-mentions", "{out}/a.csv"],
    ["export", "flags", "{out}/f.csv"], ["export", "chronology", "{out}/c.csv", "--child", "P00000001"],
    ["export", "pseudonymised", "{out}/p.csv"], ["audit"], ["audit", "--verify"],
    ["purge", "--before", "2015-01-01", "--yes"],
]


def test_no_command_but_ingest_and_run_creates_a_store(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONOLINK_PSEUDONYM_KEY", "a-pseudonym-key-of-enough-length-0123")
    runner = CliRunner()
    missing = tmp_path / "mistyped.duckdb"
    for args in COMMANDS_THAT_NEVER_CREATE:
        argv = [a.format(out=tmp_path) for a in args] + ["--db", str(missing)]
        res = runner.invoke(app, argv)
        assert res.exit_code == 2, (args, res.stdout, res.stderr)
        assert "no store at" in flat(res.stderr) and str(missing) in flat(res.stderr).replace(" ", ""), args
        assert not missing.exists(), args
        assert not isinstance(res.exception, Exception) or isinstance(res.exception, SystemExit), args


def test_cli_names_a_folder_a_foreign_file_and_a_damaged_store(tmp_path, good_store):
    runner = CliRunner()
    for kind, (path, _error, word) in non_stores(tmp_path, good_store).items():
        for args in (["link"], ["flags", "list"], ["export", "mentions", str(tmp_path / "m.csv")], ["audit"]):
            res = runner.invoke(app, [*args, "--db", str(path)])
            message = flat(res.stderr)
            assert res.exit_code == 2, (kind, args, message)
            assert word in message and path.name in message.replace(" ", ""), (kind, args, message)
            assert isinstance(res.exception, SystemExit), (kind, args)
        assert not (tmp_path / "m.csv").exists()


def test_a_store_held_by_another_process_is_busy_not_damaged(good_store):
    with held_by_another_process(good_store):
        with pytest.raises(StoreBusy, match="in use by another"):
            open_store(good_store, create=False)
    open_store(good_store, create=False).close()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_store_and_every_export_are_its_owners_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONOLINK_PSEUDONYM_KEY", "a-pseudonym-key-of-enough-length-0123")
    old = os.umask(0o022)  # a permissive umask, as on many servers
    try:
        extracts = tmp_path / "extracts"
        extracts.mkdir()
        write_police(extracts / "police_occurrences.csv", [police_row()])
        db = tmp_path / "new" / "deeper" / "store.duckdb"
        con = open_store(db)  # the library on its own, outside the CLI
        con.close()
        assert _mode(db) == 0o600 and _mode(db.parent) == 0o700 and _mode(db.parent.parent) == 0o700
        db.unlink()
        runner = CliRunner()
        assert runner.invoke(app, ["ingest", str(extracts), "--db", str(db)]).exit_code == 0
        outs = tmp_path / "exports" / "sub"
        for args in (["export", "mentions", str(outs / "m.csv")], ["export", "mentions", str(outs / "m.xlsx")],
                     ["export", "address-mentions", str(outs / "a.csv")],
                     ["export", "pseudonymised", str(outs / "p.csv")]):
            res = runner.invoke(app, [*args, "--db", str(db)])
            assert res.exit_code == 0, (args, res.stderr)
            assert _mode(Path(args[2])) == 0o600, args
        assert _mode(db) == 0o600 and _mode(outs) == 0o700 and _mode(outs.parent) == 0o700
        assert os.umask(0o022) == 0o022, "the CLI restores the caller's umask"
    finally:
        os.umask(old)


def test_a_store_is_created_whole_or_not_at_all(tmp_path, monkeypatch):
    """A run killed while creating the store must not leave a DuckDB file without Chronolink's tables
    (the restart would refuse it): the tables are made under a temporary name, then the file is named."""
    db = tmp_path / "new" / "s.duckdb"
    db.parent.mkdir()
    stale = db.with_name(f".{db.name}.creating-999999999")  # a creator that was killed: no such process
    stale.write_bytes(b"half made")
    seen: list[bool] = []
    real = os.link

    def link_spy(src, dst, *args, **kwargs):
        # At the moment the store takes its name, nothing stands at that name yet.
        seen.append(Path(dst).exists())
        return real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "link", link_spy)
    con = open_store(db)
    try:
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    finally:
        con.close()
    assert seen == [False]
    assert "person_mentions" in tables
    assert not stale.exists()
    assert sorted(p.name for p in db.parent.iterdir()) == ["s.duckdb"]
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
