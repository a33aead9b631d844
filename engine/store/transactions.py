"""The one way Chronolink writes to the store: a transaction that commits whole or not at all.

    with transaction(con):
        con.execute("DELETE FROM flags")
        con.execute("INSERT INTO flags SELECT * FROM new_flags")

A failed write (disk full, an I/O error, a read-only file or folder) is raised as
:class:`StoreWriteError` or :class:`StoreReadOnly` naming the store, with DuckDB's error kept
as the cause. DuckDB aborts a transaction whose commit failed, so the ROLLBACK that follows
fails too ("no transaction is active"); that second failure is noted on the first, never
raised in its place, so the user hears about the full disk, not the rollback.
"""
from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from chronolink.engine.errors import StoreReadOnly, StoreWriteError

__all__ = ["in_transaction", "nearly_full", "store_path", "transaction", "write_failure"]

# Below this much free space a failed write is reported as the disk being full.
_FULL_BYTES = 4 * 1024 * 1024


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True when ``con`` is inside an explicit transaction.

    Asked rather than tried: a failed BEGIN would abort the caller's transaction. Two
    statements share a transaction id only inside an explicit transaction.
    """
    first = con.execute("SELECT txid_current()").fetchall()[0][0]
    second = con.execute("SELECT txid_current()").fetchall()[0][0]
    return bool(first == second)


def store_path(con: duckdb.DuckDBPyConnection) -> Path | None:
    """The file behind ``con``'s current database (None for an in-memory one)."""
    rows = con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return Path(rows[0][0]) if rows and rows[0][0] else None


def write_failure(exc: BaseException, path: Path | None, *,
                  committing: bool = False) -> StoreWriteError | StoreReadOnly | None:
    """The Chronolink error for a failed write to the store at ``path``, or None if ``exc`` is not one.

    Any failure of a COMMIT (``committing``) is a write failure: DuckDB reports a full disk there as
    a TransactionException. DuckDB raises one exception type for every I/O failure, so the cause is
    read from the file system itself (a read-only mount or file, free space), never from DuckDB's text.
    """
    if not (committing and isinstance(exc, duckdb.Error)) and not isinstance(
            exc, (duckdb.IOException, duckdb.FatalException, OSError)):
        return None
    where = f"the store {path}" if path is not None else "the store"
    if path is not None and not _writable(path):
        return StoreReadOnly(f"{where} cannot be written (read-only file or folder); nothing was changed")
    if (isinstance(exc, OSError) and exc.errno == errno.ENOSPC) or (path is not None and nearly_full(path.parent)):
        return StoreWriteError(f"could not write to {where}: the disk is full; nothing was changed")
    return StoreWriteError(f"could not write to {where} ({type(exc).__name__}); nothing was changed")


def _writable(path: Path) -> bool:
    folder = path.parent
    return os.access(folder, os.W_OK) and (not path.exists() or os.access(path, os.W_OK))


def nearly_full(folder: Path) -> bool:
    """True when the file system holding ``folder`` has (almost) no space left."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return False
    return st.f_bavail * st.f_frsize < _FULL_BYTES


def _rollback(con: duckdb.DuckDBPyConnection, cause: BaseException) -> None:
    try:
        con.execute("ROLLBACK")
    except duckdb.Error as exc:  # DuckDB already aborted it (e.g. the commit hit a full disk)
        cause.add_note(f"(the rollback that followed also failed: {type(exc).__name__})")


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, *, commit: bool = True) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run the block in one transaction: COMMIT at its end (ROLLBACK with ``commit=False``, a dry
    run), ROLLBACK on any error.

    Inside a transaction already open on ``con`` the block joins it (DuckDB has no
    savepoints): the outer COMMIT or ROLLBACK then covers both. Write failures are raised as
    :class:`StoreWriteError` / :class:`StoreReadOnly`; any other error propagates unchanged.
    """
    if in_transaction(con):
        yield con
        return
    path = store_path(con)
    con.execute("BEGIN TRANSACTION")
    committing = False
    try:
        yield con
        committing = commit
        con.execute("COMMIT" if commit else "ROLLBACK")
    except BaseException as exc:
        _rollback(con, exc)
        failure = write_failure(exc, path, committing=committing)
        if failure is None:
            raise
        raise failure from exc
