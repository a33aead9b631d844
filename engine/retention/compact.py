"""Rewrite the store file so that deleted rows do not linger in its free blocks.

DuckDB marks the blocks of deleted rows free but does not overwrite them: after a purge
(even after ``CHECKPOINT`` and ``VACUUM``) the purged text can still be read from the file
with ``strings``. :func:`compact_store` copies the live contents into a fresh file
(``COPY FROM DATABASE``), encrypted with the same key when the store is encrypted, checks
the copy, swaps it in atomically, then overwrites the old file's bytes with zeros before
unlinking it. At every moment the store path holds either the old or the new complete file.

Overwriting is best effort: copy-on-write filesystems, SSD wear levelling and backups may
keep old blocks; an encrypted store (``CHRONOLINK_KEY``) is what protects those.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import duckdb

from chronolink.engine.errors import StoreKeyError, StoreOpenError
from chronolink.engine.store.encryption import ensure_encryption_support, is_encrypted, load_key
from chronolink.engine.store.locks import locked_by_another_process

__all__ = ["compact_store"]

_OFFLINE = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def _lit(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _attach(con: duckdb.DuckDBPyConnection, path: Path, alias: str, key: str | None, *, read_only: bool) -> None:
    options = []
    if key is not None:
        options.append(f"ENCRYPTION_KEY {_lit(key)}")
    if read_only:
        options.append("READ_ONLY")
    opts = f" ({', '.join(options)})" if options else ""
    failure: Exception | None = None
    try:
        con.execute(f"ATTACH {_lit(str(path))} AS {alias}{opts}")
    except duckdb.Error as exc:
        # Busy is asked of the kernel's lock table, never read from DuckDB's text (one exception type covers
        # a held lock, a damaged file and a folder; its message is no contract and may quote the key).
        # The caller has closed its own connection, so probing the lock releases nothing of ours.
        if locked_by_another_process(path):
            failure = StoreOpenError(f"the store {path} is in use by another process; compaction skipped")
        else:
            failure = StoreOpenError(f"could not open {path} for compaction ({type(exc).__name__})")
    if failure is not None:
        raise failure


def _counts(con: duckdb.DuckDBPyConnection, alias: str) -> dict[str, int]:
    tables = [r[0] for r in con.execute(
        "SELECT schema_name || '.' || table_name FROM duckdb_tables() WHERE database_name = ? ORDER BY 1",
        [alias]).fetchall()]
    return {t: con.execute(f"SELECT count(*) FROM {alias}.{t}").fetchall()[0][0] for t in tables}


def _wipe(path: Path) -> None:
    """Overwrite a file's bytes with zeros, flush, and unlink it."""
    try:
        size = path.stat().st_size
        with open(path, "r+b", buffering=0) as fh:
            chunk = b"\0" * (1 << 20)
            written = 0
            while written < size:
                written += fh.write(chunk[: min(len(chunk), size - written)])
            os.fsync(fh.fileno())
    finally:
        path.unlink(missing_ok=True)


def compact_store(path: Path | str, key: bytes | None = None) -> None:
    """Rewrite the (closed) store at ``path`` into a fresh file; the old bytes are zeroed.

    ``key`` defaults to the configured store key (``CHRONOLINK_KEY``/``CHRONOLINK_KEY_FILE``).
    The caller must have closed its own connection to the store. Raises
    :class:`StoreOpenError` if the store is in use, :class:`StoreKeyError` on a key mismatch.
    """
    path = Path(path)
    key = key if key is not None else load_key()
    encrypted = is_encrypted(path)
    if encrypted and key is None:
        raise StoreKeyError(f"the store {path} is encrypted: set CHRONOLINK_KEY or CHRONOLINK_KEY_FILE")
    if key is not None and not encrypted:
        raise StoreKeyError(f"the store {path} is not encrypted but a key is set; refusing to compact it")
    key_text = key.decode("ascii") if key is not None else None
    tag = secrets.token_hex(4)
    fresh = path.with_name(f".{path.name}.compact-{tag}")
    purged = path.with_name(f".{path.name}.purged-{tag}")
    wipe: Path | None = None  # the old file's second name, once it has one
    con = duckdb.connect(":memory:", config=dict(_OFFLINE))
    try:
        if key_text is not None:
            ensure_encryption_support(con)
            con.execute("SET temp_file_encryption = true")
        _attach(con, path, "chronolink_old", key_text, read_only=True)  # shared lock: no writer meanwhile
        _attach(con, fresh, "chronolink_new", key_text, read_only=False)
        con.execute("COPY FROM DATABASE chronolink_old TO chronolink_new")
        if _counts(con, "chronolink_old") != _counts(con, "chronolink_new"):
            raise StoreOpenError(f"the compacted copy of {path} does not match it; the store is unchanged")
        con.execute("DETACH chronolink_new")
        if is_encrypted(fresh) != encrypted:
            raise StoreOpenError(f"the compacted copy of {path} has the wrong encryption; the store is unchanged")
        try:
            os.link(path, purged)
            wipe = purged
        except OSError:
            pass  # no hard links here: the old file is only unlinked
        os.replace(fresh, path)
        con.execute("DETACH chronolink_old")
    except BaseException:
        for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
            leftover.unlink(missing_ok=True)
        if wipe is not None and wipe.exists():
            if path.exists() and os.path.samefile(wipe, path):
                wipe.unlink()  # the swap did not happen: drop the extra link only
            else:
                _wipe(wipe)
        raise
    finally:
        con.close()
    if wipe is not None:
        _wipe(wipe)
