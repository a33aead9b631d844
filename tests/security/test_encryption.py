from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import textwrap
import traceback
from pathlib import Path

import duckdb
import pytest

from chronolink.engine.errors import (
    EncryptionUnavailable,
    KeyConfigError,
    StoreKeyError,
    StoreOpenError,
)
from chronolink.engine.store import encryption  # its home (engine.security re-exports the public names)
from chronolink.engine.store.encryption import (
    encrypt_copy,
    ensure_encryption_support,
    generate_key,
    is_encrypted,
    load_key,
    open_encrypted,
)

ROOT = Path(__file__).resolve().parents[2]
OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}

KEY_TEXT = "KEYSENTINEL-it's-0123456789"  # has a quote: exercises SQL escaping
KEY = KEY_TEXT.encode()
WRONG_TEXT = "WRONGSENTINEL-0123456789"
SENTINEL = "ZEBEDEE QUAGMIRE-SENTINEL"


def _all_text(exc: BaseException) -> str:
    """Everything a log or a traceback could show of an exception."""
    return "".join(traceback.format_exception(exc)) + repr(exc) + str(exc.args)


def _file_bytes(path: Path) -> bytes:
    data = path.read_bytes()
    wal = Path(str(path) + ".wal")
    return data + (wal.read_bytes() if wal.exists() else b"")


def _write_sentinels(path: Path, key: bytes = KEY) -> None:
    con = open_encrypted(path, key, config=OFFLINE)
    try:
        con.execute("CREATE TABLE people (name VARCHAR, n INTEGER)")
        con.execute(
            "INSERT INTO people SELECT ? || ' ' || i, i FROM range(2000) r(i)", [SENTINEL]
        )
    finally:
        con.close()


def _plain_store(path: Path) -> None:
    con = duckdb.connect(str(path), config=OFFLINE)
    con.execute("CREATE TABLE people AS SELECT ? AS name", [SENTINEL])
    con.close()


# ------------------------------------------------------------------ key loading


def test_load_key_from_env():
    assert load_key({"CHRONOLINK_KEY": "  " + KEY_TEXT + "\n"}) == KEY


def test_load_key_none_when_unset():
    assert load_key({}) is None


def test_load_key_from_private_file(tmp_path):
    key_file = tmp_path / "key"
    key_file.write_text(KEY_TEXT + "\n")
    key_file.chmod(0o600)
    assert load_key({"CHRONOLINK_KEY_FILE": str(key_file)}) == KEY


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660, 0o602])
def test_load_key_refuses_group_or_world_access(tmp_path, mode):
    key_file = tmp_path / "key"
    key_file.write_text(KEY_TEXT)
    key_file.chmod(mode)
    with pytest.raises(KeyConfigError, match="chmod 600") as info:
        load_key({"CHRONOLINK_KEY_FILE": str(key_file)})
    assert KEY_TEXT not in _all_text(info.value)


def test_load_key_refuses_both_sources(tmp_path):
    with pytest.raises(KeyConfigError, match="only one"):
        load_key({"CHRONOLINK_KEY": KEY_TEXT, "CHRONOLINK_KEY_FILE": str(tmp_path / "k")})


@pytest.mark.parametrize("bad", ["SHORTSENTINEL", "SENTINEL\x00-0123456789", "SENTINÉL-0123456789ab"])
def test_load_key_rejects_weak_or_odd_keys_without_echoing(bad):
    with pytest.raises(KeyConfigError) as info:
        load_key({"CHRONOLINK_KEY": bad})
    assert "SENTIN" not in _all_text(info.value)


def test_load_key_missing_file(tmp_path):
    with pytest.raises(KeyConfigError, match="does not exist"):
        load_key({"CHRONOLINK_KEY_FILE": str(tmp_path / "absent")})


def test_generate_key_is_a_valid_key():
    key = generate_key()
    assert load_key({"CHRONOLINK_KEY": key}) == key.encode()
    assert generate_key() != key


# ------------------------------------------------------------------ header


def test_is_encrypted_plaintext_and_non_duckdb(tmp_path):
    plain = tmp_path / "plain.duckdb"
    _plain_store(plain)
    assert is_encrypted(plain) is False
    junk = tmp_path / "junk.duckdb"
    junk.write_bytes(b"not a database at all" * 10)
    with pytest.raises(ValueError):
        is_encrypted(junk)
    with pytest.raises(FileNotFoundError):
        is_encrypted(tmp_path / "absent.duckdb")


# ---------------------------------------------------------- fail loudly


def test_no_key_never_creates_a_plaintext_store(tmp_path):
    path = tmp_path / "store.duckdb"
    with pytest.raises(StoreKeyError, match="never writes an unencrypted store"):
        open_encrypted(path, None, config=OFFLINE)
    assert not path.exists()


def test_unavailable_crypto_fails_loudly_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(encryption, "_httpfs_candidates", lambda con: [])
    path = tmp_path / "store.duckdb"
    with pytest.raises(EncryptionUnavailable, match="Nothing was written") as info:
        open_encrypted(path, KEY, config=OFFLINE)
    assert not path.exists()
    assert KEY_TEXT not in _all_text(info.value)


def test_key_for_plaintext_file_is_refused(tmp_path):
    path = tmp_path / "plain.duckdb"
    _plain_store(path)
    before = path.read_bytes()
    with pytest.raises(StoreKeyError, match="plaintext") as info:
        open_encrypted(path, KEY, config=OFFLINE)
    assert str(path) in str(info.value)
    assert KEY_TEXT not in _all_text(info.value)
    assert path.read_bytes() == before


def test_non_duckdb_file_is_refused(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"x" * 4096)
    with pytest.raises(StoreOpenError, match=str(path)):
        open_encrypted(path, KEY, config=OFFLINE)


def test_duckdb_messages_are_masked():
    failure = encryption._attach_failure(
        duckdb.Error(f"Parser Error near ENCRYPTION_KEY '{KEY_TEXT.replace(chr(39), chr(39) * 2)}'"),
        Path("s.duckdb"),
        KEY_TEXT,
    )
    assert isinstance(failure, StoreOpenError)
    assert "KEYSENTINEL" not in str(failure)


# ------------------------------------------------------- encrypted round trip


@pytest.mark.usefixtures("encryption_available")
class TestEncryptedStore:
    def test_round_trip(self, tmp_path):
        path = tmp_path / "store.duckdb"
        _write_sentinels(path)
        con = open_encrypted(path, KEY, config=OFFLINE)
        try:
            assert con.execute("SELECT count(*), max(n) FROM people").fetchall() == [(2000, 1999)]
            assert con.execute("SELECT current_database()").fetchall() == [("store",)]
            con.execute("INSERT INTO people VALUES ('more', -1)")
        finally:
            con.close()
        con = open_encrypted(path, KEY, read_only=True, config=OFFLINE)
        try:
            assert con.execute("SELECT count(*) FROM people").fetchall() == [(2001,)]
        finally:
            con.close()

    def test_file_bytes_hold_no_plaintext(self, tmp_path):
        path = tmp_path / "store.duckdb"
        _write_sentinels(path)
        assert is_encrypted(path) is True
        data = _file_bytes(path)
        assert SENTINEL.encode() not in data
        assert b"QUAGMIRE" not in data
        assert b"people" not in data  # not even the catalog
        assert KEY not in data

    def test_wal_holds_no_plaintext_after_a_crash(self, tmp_path):
        path = tmp_path / "store.duckdb"
        script = textwrap.dedent(
            f"""
            import os, sys
            sys.path.insert(0, {str(ROOT)!r})
            from chronolink.engine.store.encryption import open_encrypted
            con = open_encrypted({str(path)!r}, os.environb[b"TEST_KEY"], config={OFFLINE!r})
            con.execute("CREATE TABLE t (s VARCHAR)")
            con.execute("INSERT INTO t VALUES (?)", [{SENTINEL!r}])
            os._exit(0)  # no checkpoint: the row lives only in the WAL
            """
        )
        env = {**os.environ, "TEST_KEY": KEY_TEXT}
        subprocess.run([sys.executable, "-c", script], env=env, check=True, timeout=120)
        wal = Path(str(path) + ".wal")
        assert wal.exists() and wal.stat().st_size > 0
        assert SENTINEL.encode() not in _file_bytes(path)
        con = open_encrypted(path, KEY, config=OFFLINE)
        try:
            assert con.execute("SELECT s FROM t").fetchall() == [(SENTINEL,)]
        finally:
            con.close()

    def test_wrong_key_fails_clearly(self, tmp_path):
        path = tmp_path / "store.duckdb"
        _write_sentinels(path)
        with pytest.raises(StoreKeyError, match="wrong encryption key") as info:
            open_encrypted(path, WRONG_TEXT.encode(), config=OFFLINE)
        text = _all_text(info.value)
        assert str(path) in str(info.value)
        assert WRONG_TEXT not in text and KEY_TEXT not in text
        assert info.value.__context__ is None and info.value.__cause__ is None

    def test_missing_key_for_encrypted_store(self, tmp_path):
        path = tmp_path / "store.duckdb"
        _write_sentinels(path)
        with pytest.raises(StoreKeyError, match="no key was supplied") as info:
            open_encrypted(path, None, config=OFFLINE)
        assert str(path) in str(info.value)

    def test_plain_duckdb_cannot_read_it(self, tmp_path):
        path = tmp_path / "store.duckdb"
        _write_sentinels(path)
        with pytest.raises(duckdb.Error):
            duckdb.connect(str(path), config=OFFLINE).execute("SELECT * FROM people").fetchall()

    def test_second_writer_error_is_masked(self, tmp_path):
        path = tmp_path / "store.duckdb"
        first = open_encrypted(path, KEY, config=OFFLINE)
        try:
            with pytest.raises(StoreOpenError) as info:  # same process, second instance
                open_encrypted(path, KEY, config=OFFLINE)
            assert KEY_TEXT not in _all_text(info.value)
            # ...and that refusal must not have released the first one's file lock
            script = textwrap.dedent(
                f"""
                import os, sys
                sys.path.insert(0, {str(ROOT)!r})
                from chronolink.engine.store.encryption import open_encrypted
                try:
                    open_encrypted({str(path)!r}, os.environb[b"TEST_KEY"], config={OFFLINE!r})
                except Exception as exc:
                    import traceback; traceback.print_exception(exc); sys.exit(3)
                """
            )
            env = {**os.environ, "TEST_KEY": KEY_TEXT}
            done = subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
            )
        finally:
            first.close()
        assert done.returncode == 3
        assert "StoreOpenError" in done.stderr or "StoreKeyError" in done.stderr
        assert KEY_TEXT not in done.stderr + done.stdout

    def test_ensure_support_is_idempotent(self):
        con = duckdb.connect(config=OFFLINE)
        try:
            ensure_encryption_support(con)
            ensure_encryption_support(con)
        finally:
            con.close()

    def test_temp_files_are_encrypted(self, tmp_path):
        con = open_encrypted(tmp_path / "store.duckdb", KEY, config=OFFLINE)
        try:
            assert con.execute("SELECT current_setting('temp_file_encryption')").fetchall() == [(True,)]
        finally:
            con.close()

    def test_encrypt_copy(self, tmp_path):
        plain, target = tmp_path / "plain.duckdb", tmp_path / "enc.duckdb"
        _plain_store(plain)
        encrypt_copy(plain, target, KEY)
        assert is_encrypted(target)
        assert SENTINEL.encode() not in _file_bytes(target)
        con = open_encrypted(target, KEY, config=OFFLINE)
        try:
            assert con.execute("SELECT name FROM people").fetchall() == [(SENTINEL,)]
        finally:
            con.close()

    def test_works_with_the_network_disabled(self, tmp_path):
        """Round trip inside a network namespace with no interfaces up."""
        unshare = shutil.which("unshare")
        if unshare is None or subprocess.run([unshare, "-n", "true"], capture_output=True).returncode:
            pytest.skip("cannot create a network namespace here (needs unshare and privileges)")
        path = tmp_path / "store.duckdb"
        script = textwrap.dedent(
            f"""
            import os, sys
            sys.path.insert(0, {str(ROOT)!r})
            from chronolink.engine.store.encryption import open_encrypted
            key = os.environb[b"TEST_KEY"]
            con = open_encrypted({str(path)!r}, key)
            con.execute("CREATE TABLE t AS SELECT 1 AS x")
            con.close()
            con = open_encrypted({str(path)!r}, key)
            assert con.execute("SELECT x FROM t").fetchall() == [(1,)]
            print("OK")
            """
        )
        env = {**os.environ, "TEST_KEY": KEY_TEXT}
        done = subprocess.run(
            [unshare, "-n", sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "OK"
        assert is_encrypted(path)

    def test_generated_key_from_private_key_file(self, tmp_path):
        key_file = tmp_path / "key"
        key_file.write_text(generate_key())
        key_file.chmod(stat.S_IRUSR | stat.S_IWUSR)
        key = load_key({"CHRONOLINK_KEY_FILE": str(key_file)})
        con = open_encrypted(tmp_path / "s.duckdb", key, config=OFFLINE)
        con.close()
        assert is_encrypted(tmp_path / "s.duckdb")
