"""Open the Chronolink DuckDB store: one file, schema applied, one writer at a time."""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import duckdb

DEFAULT_DB_NAME = "chronolink.duckdb"


class StoreBusy(RuntimeError):
    """Raised when another Chronolink process holds the store for writing."""


def default_db_path() -> Path:
    """The store used when no --db is given: $CHRONOLINK_DB, else ./chronolink.duckdb."""
    env = os.environ.get("CHRONOLINK_DB")
    return Path(env) if env else Path.cwd() / DEFAULT_DB_NAME


def schema_sql() -> str:
    """The DDL of every base table (idempotent)."""
    return resources.files("engine.store").joinpath("schema.sql").read_text(encoding="utf-8")


def open_store(path: Path | str | None = None, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the store at `path` with its schema applied."""
    db = Path(path) if path is not None else default_db_path()
    if not read_only:
        db.parent.mkdir(parents=True, exist_ok=True)
    config = {"autoinstall_known_extensions": "false", "autoload_known_extensions": "false"}
    try:
        con = duckdb.connect(str(db), read_only=read_only, config=config)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreBusy(
                f"the store {db} is in use by another Chronolink process; wait for it to finish and retry"
            ) from None
        raise
    if not read_only:
        con.execute(schema_sql())
    return con
