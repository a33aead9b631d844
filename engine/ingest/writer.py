"""Write one extract's canonical frames to the store in a single transaction."""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from chronolink.engine.ingest.transform import CanonicalFrames
from chronolink.engine.security import audit
from chronolink.engine.store.transactions import transaction

_TABLES = ("records", "person_mentions", "address_mentions", "mention_observations", "value_issues", "quarantine")


def previous_version(con: duckdb.DuckDBPyConnection, source_file: str) -> tuple[int, str] | None:
    """The live (file_seq, sha256) stored under this file name, if any."""
    rows = con.execute(
        "SELECT file_seq, sha256 FROM source_files WHERE source_file = ? AND NOT superseded "
        "ORDER BY file_seq DESC", [source_file]).fetchall()
    return (rows[0][0], rows[0][1]) if rows else None


def same_content(con: duckdb.DuckDBPyConnection, sha256: str, source_file: str) -> str | None:
    """The name of a live stored file with this content under another name, if any."""
    rows = con.execute(
        "SELECT source_file FROM source_files WHERE sha256 = ? AND source_file <> ? AND NOT superseded "
        "ORDER BY file_seq", [sha256, source_file]).fetchall()
    return rows[0][0] if rows else None


def next_file_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The sequence number the next file version gets."""
    return int(con.execute("SELECT coalesce(max(file_seq), 0) + 1 FROM source_files").fetchall()[0][0])


def _insert(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    if frame.height == 0:
        return
    cols = [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]
    frame = frame.select([c for c in cols if c in frame.columns])
    con.register("__incoming", frame)
    try:
        con.execute(f"INSERT INTO {table} ({', '.join(frame.columns)}) SELECT * FROM __incoming")
    finally:
        con.unregister("__incoming")


def write_file(con: duckdb.DuckDBPyConnection, *, file_seq: int, source_file: str, path: str, layout: str,
               sha256: str, frames: CanonicalFrames, quarantined: pl.DataFrame, rows_read: int,
               supersedes: int | None) -> None:
    """Store a file version atomically, replacing the version it supersedes."""
    q = quarantined.select(
        file_seq=pl.lit(file_seq, pl.Int32), source_file=pl.lit(source_file),
        source_row=pl.col("source_row").cast(pl.Int32), reason=pl.col("reason"), raw=pl.col("raw"))
    issues = frames.issues.select(
        file_seq=pl.lit(file_seq, pl.Int32), source_file=pl.lit(source_file),
        source_row=pl.col("source_row").cast(pl.Int32), field=pl.col("field"), problem=pl.col("problem"))
    with transaction(con):
        if supersedes is not None:
            for table in _TABLES:
                con.execute(f"DELETE FROM {table} WHERE file_seq = ?", [supersedes])
            con.execute("UPDATE source_files SET superseded = true WHERE file_seq = ?", [supersedes])
        _insert(con, "records", frames.records)
        _insert(con, "person_mentions", frames.persons)
        _insert(con, "address_mentions", frames.addresses)
        _insert(con, "mention_observations", frames.observations)
        _insert(con, "value_issues", issues)
        _insert(con, "quarantine", q)
        con.execute(
            "INSERT INTO source_files VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
            [file_seq, source_file, path, layout, sha256, rows_read, frames.records.height, q.height,
             dt.datetime.now()])
        # The file's audit entry commits with its rows: no stored record is ever without one.
        audit.record(con, audit.current_actor(), "ingest", "ingest", detail={
            "file_seq": file_seq, "sha256": sha256, "rows_read": rows_read, "rows_stored": frames.records.height,
            "rows_quarantined": q.height, "supersedes": supersedes})
