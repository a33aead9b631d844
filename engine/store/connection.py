"""Open the Chronolink DuckDB store: one file, schema applied, one writer at a time.

When a key is configured (CHRONOLINK_KEY or CHRONOLINK_KEY_FILE) the store is
encrypted at rest (AES-GCM); an encrypted store without its key, or a key for a
plaintext store, is a clear error, and plaintext is never written instead.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import duckdb

from chronolink.engine.errors import StoreBusy, StoreKeyError, StoreMissing
from chronolink.engine.security.encryption import is_encrypted, load_key, open_encrypted

DEFAULT_DB_NAME = "chronolink.duckdb"
_CONFIG = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}


def default_db_path() -> Path:
    """The store used when no --db is given: $CHRONOLINK_DB, else ./chronolink.duckdb."""
    env = os.environ.get("CHRONOLINK_DB")
    return Path(env) if env else Path.cwd() / DEFAULT_DB_NAME


def schema_sql() -> str:
    """The DDL of every base table (idempotent)."""
    return resources.files("chronolink.engine.store").joinpath("schema.sql").read_text(encoding="utf-8")


def _busy(db: Path, exc: Exception) -> StoreBusy | None:
    text = str(exc).lower()
    if "lock" in text or "conflicting" in text:
        return StoreBusy(f"the store {db} is in use by another Chronolink process; wait for it to finish and retry")
    return None


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at `path` with its schema applied; encrypted when a key is set."""
    db = Path(path) if path is not None else default_db_path()
    exists = db.exists() and db.stat().st_size > 0
    if read_only and not exists:
        raise StoreMissing(f"no store at {db}: ingest extracts first (chronolink ingest ... --db {db})")
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    key = load_key()
    if key is None and os.environ.get("CHRONOLINK_REQUIRE_ENCRYPTION") == "1":
        raise StoreKeyError("this deployment requires an encrypted store: set CHRONOLINK_KEY or CHRONOLINK_KEY_FILE")
    try:
        if key is not None:
            con = open_encrypted(db, key, read_only=read_only, config=dict(_CONFIG))
        else:
            if exists and is_encrypted(db):
                raise StoreKeyError(f"the store {db} is encrypted: set CHRONOLINK_KEY or CHRONOLINK_KEY_FILE")
            con = duckdb.connect(str(db), read_only=read_only, config=_CONFIG)
    except duckdb.Error as exc:
        busy = _busy(db, exc)
        if busy is not None:
            raise busy from None
        raise
    if not read_only:
        con.execute(schema_sql())
    return con
