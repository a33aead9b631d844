"""Open the Chronolink DuckDB store: one file, schema applied, one writer at a time.

A path is opened only when it is what it claims to be: a folder, a file of another kind, a
DuckDB database without Chronolink's tables or a damaged store is refused with an error
naming it (:mod:`chronolink.engine.errors`), and a store is created only when the caller
asks (``create=True``: `ingest` and `run`), so a mistyped ``--db`` never makes an empty world.
A new store is readable by its owner only (0600, new folders 0700).

When a key is configured (CHRONOLINK_KEY or CHRONOLINK_KEY_FILE) the store is
encrypted at rest (AES-GCM); an encrypted store without its key, or a key for a
plaintext store, is a clear error, and plaintext is never written instead.
"""
from __future__ import annotations

import os
from pathlib import Path

import duckdb

from chronolink.engine.errors import (
    NotAStore,
    StoreBusy,
    StoreDamaged,
    StoreKeyError,
    StoreMissing,
    StoreOpenError,
    StoreReadOnly,
)
from chronolink.engine.store.encryption import ConfigValue, is_encrypted, load_key, open_encrypted
from chronolink.engine.store.locks import locked_by_another_process
from chronolink.engine.store.transactions import write_failure
from chronolink.schemas.tables import STORE_TABLES, ddl

DEFAULT_DB_NAME = "chronolink.duckdb"
_CONFIG: dict[str, ConfigValue] = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
#: Tables every Chronolink store has from its first open; a DuckDB file without them is not one.
CORE_TABLES = ("source_files", "records", "person_mentions")


def default_db_path() -> Path:
    """The store used when no --db is given: $CHRONOLINK_DB, else ./chronolink.duckdb."""
    env = os.environ.get("CHRONOLINK_DB")
    return Path(env) if env else Path.cwd() / DEFAULT_DB_NAME


def schema_sql() -> str:
    """The DDL of every base table (idempotent), generated from their one declaration (schemas/tables.py)."""
    return ddl(*STORE_TABLES)


def _check_path(db: Path, *, read_only: bool, create: bool) -> bool:
    """Refuse what cannot be a store before DuckDB touches it; True if a store file exists."""
    if db.is_dir():
        raise NotAStore(f"{db} is a folder, not a Chronolink store (name the store file with --db)")
    if db.exists() and not db.is_file():
        raise NotAStore(f"{db} is not a regular file, so not a Chronolink store")
    exists = db.exists() and db.stat().st_size > 0
    if db.exists() and not exists and create and not read_only:
        db.unlink()  # an empty file holds nothing, and DuckDB refuses to open one
    if not exists and (read_only or not create):
        raise StoreMissing(f"no store at {db}: check --db, or ingest extracts first "
                           f"(chronolink ingest ... --db {db}); only ingest and run create a store")
    return exists


def _connect(db: Path, exists: bool, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    key = load_key()
    if key is None and os.environ.get("CHRONOLINK_REQUIRE_ENCRYPTION") == "1":
        raise StoreKeyError("this deployment requires an encrypted store: set CHRONOLINK_KEY or CHRONOLINK_KEY_FILE")
    # The header is read before DuckDB opens the file (never after: closing our descriptor
    # would release DuckDB's lock on it).
    encrypted = False
    if exists:
        try:
            encrypted = is_encrypted(db)
        except ValueError:
            raise NotAStore(f"{db} is not a Chronolink store (not a DuckDB database file)") from None
    if key is not None:
        return open_encrypted(db, key, read_only=read_only, config=dict(_CONFIG))
    if encrypted:
        raise StoreKeyError(f"the store {db} is encrypted: set CHRONOLINK_KEY or CHRONOLINK_KEY_FILE")
    return duckdb.connect(str(db), read_only=read_only, config=_CONFIG)


def _open_failure(db: Path, exc: Exception, *, read_only: bool) -> Exception:
    """Why DuckDB could not open an existing file, asked of the operating system, not DuckDB's text."""
    if locked_by_another_process(db):
        return StoreBusy(f"the store {db} is in use by another Chronolink process; wait for it to finish and retry")
    if not read_only and not os.access(db, os.W_OK):
        return StoreReadOnly(f"the store {db} cannot be written (read-only file); nothing was changed")
    return StoreDamaged(f"the store {db} is damaged and cannot be read ({type(exc).__name__}); "
                        "restore it from a backup")


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()
    return {r[0] for r in rows}


def _create_private(db: Path) -> None:
    """Make the store's folders (0700) so DuckDB creates the file inside them; the file is chmod 0600."""
    missing = [p for p in (db.parent, *db.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)


def _make_private(db: Path) -> None:
    for path in (db, db.with_name(db.name + ".wal")):
        if path.exists():
            os.chmod(path, 0o600)


def _partial(db: Path, pid: int) -> Path:
    return db.with_name(f".{db.name}.creating-{pid}")


def _remove_stale_partials(db: Path) -> None:
    """Delete stores left half made by a creator that was killed (its process no longer exists)."""
    for part in db.parent.glob(f".{db.name}.creating-*"):
        pid = part.name.rsplit("-", 1)[-1]
        if not pid.isdigit() or part.suffix == ".wal":
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            for leftover in (part, part.with_name(part.name + ".wal")):
                leftover.unlink(missing_ok=True)
        except OSError:
            pass  # alive under another user: not ours to remove


def _create_store(db: Path) -> None:
    """Create the store whole or not at all: its tables are made under a temporary name beside it,
    then it takes its name, so a run killed while creating the store never leaves a half-made one
    that a restart would refuse as not a Chronolink store."""
    _create_private(db)
    _remove_stale_partials(db)
    part = _partial(db, os.getpid())
    try:
        con = _connect(part, False, read_only=False)
    except (duckdb.Error, StoreOpenError) as exc:
        raise write_failure(OSError(str(db)), db) or exc from None
    try:
        try:
            con.execute(schema_sql())
        finally:
            con.close()
        _make_private(part)
        # A hard link never replaces: a store another process created meanwhile is kept, not overwritten.
        os.link(part, db)
    except FileExistsError:
        pass
    except (duckdb.Error, OSError) as exc:
        raise write_failure(exc, db) or exc from None
    finally:
        for leftover in (part, part.with_name(part.name + ".wal")):
            leftover.unlink(missing_ok=True)


def open_store(path: Path | str | None = None, *, read_only: bool = False,
               create: bool = True) -> duckdb.DuckDBPyConnection:
    """Open the store at ``path`` with its schema applied (encrypted when a key is set).

    ``create=False`` refuses a path with no store (:class:`StoreMissing`); a folder, another
    kind of file or a DuckDB file without Chronolink's tables is :class:`NotAStore`, an
    unreadable store :class:`StoreDamaged`, a store held by another process :class:`StoreBusy`.
    """
    db = Path(path) if path is not None else default_db_path()
    if not _check_path(db, read_only=read_only, create=create):
        _create_store(db)
    try:
        con = _connect(db, True, read_only=read_only)
    except (duckdb.Error, StoreOpenError) as exc:
        raise _open_failure(db, exc, read_only=read_only) from None
    try:
        try:
            have = _tables(con)
        except duckdb.Error as exc:
            raise _open_failure(db, exc, read_only=read_only) from None
        if not set(CORE_TABLES) <= have:
            raise NotAStore(f"{db} is a DuckDB database but not a Chronolink store "
                            f"(it has no {', '.join(sorted(set(CORE_TABLES) - have))} table)")
        if not read_only:
            try:
                con.execute(schema_sql())
            except duckdb.Error as exc:
                raise write_failure(exc, db) or exc from None
    except BaseException:
        con.close()
        raise
    return con
