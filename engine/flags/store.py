"""Flags in the store: each run's flags with their evidence, and analysts' dispositions.

A flag's id is a hash of what identifies it (rule, child, other person, place,
trigger date), so a disposition recorded against it survives every later run
that finds the same flag.
"""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from chronolink.engine.errors import DispositionError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.store.transactions import transaction

DISPOSITIONS = ("confirmed", "dismissed", "actioned", "open")

_DDL = """
CREATE TABLE IF NOT EXISTS flags (
    flag_id VARCHAR PRIMARY KEY,
    rule VARCHAR NOT NULL,
    child_person_id VARCHAR NOT NULL,
    other_person_id VARCHAR,
    address_id VARCHAR,
    trigger_date DATE NOT NULL,
    as_of DATE NOT NULL,
    evidence JSON NOT NULL,
    flagged_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS flag_dispositions (
    flag_id VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    reason VARCHAR,
    actor VARCHAR NOT NULL,
    decided_at TIMESTAMP NOT NULL
);
"""


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the flag tables when missing."""
    con.execute(_DDL)


def flag_ids(frame: pl.DataFrame) -> pl.Expr:
    """The stable id of each flag: F + 12 hex digits of a hash of its identity."""
    ident = pl.concat_str([pl.col("rule"), pl.col("child_person_id"), pl.col("other_person_id").fill_null(""),
                           pl.col("address_id").fill_null(""), pl.col("trigger_date").cast(pl.String)],
                          separator="|")
    return pl.lit("F") + ident.hash(seed=20261125).cast(pl.String).str.slice(0, 12)


def save_flags(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, as_of: dt.date) -> int:
    """Replace the stored flags with this run's (dispositions are kept apart and survive)."""
    ensure_tables(con)
    frame = flags.with_columns(flag_id=flag_ids(flags), as_of=pl.lit(as_of),
                               flagged_at=pl.lit(dt.datetime.now()))
    frame = frame.unique("flag_id", keep="first").select(
        "flag_id", "rule", "child_person_id", "other_person_id", "address_id", "trigger_date", "as_of",
        "evidence", "flagged_at")
    with transaction(con):
        con.execute("DELETE FROM flags")
        if frame.height:
            con.register("__flags", frame)
            con.execute("INSERT INTO flags SELECT * FROM __flags")
            con.unregister("__flags")
    return frame.height


def set_disposition(con: duckdb.DuckDBPyConnection, flag_id: str, status: str, actor: str,
                    reason: str | None = None) -> None:
    """Record an analyst's decision on a flag; a dismissal needs a reason."""
    ensure_tables(con)
    if status not in DISPOSITIONS:
        raise DispositionError(f"status must be one of {', '.join(DISPOSITIONS)}")
    if status == "dismissed" and not (reason or "").strip():
        raise DispositionError("a dismissal needs a reason (--reason)")
    if not con.execute("SELECT count(*) FROM flags WHERE flag_id = ?", [flag_id]).fetchall()[0][0]:
        raise DispositionError(f"no flag with id {flag_id}")
    con.execute("INSERT INTO flag_dispositions VALUES (?, ?, ?, ?, ?)",
                [flag_id, status, reason, actor, dt.datetime.now()])


def flags_with_dispositions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every stored flag with its latest disposition (open when none)."""
    ensure_tables(con)
    return con.sql("""
        SELECT f.*, coalesce(d.status, 'open') AS status, d.reason, d.actor, d.decided_at
        FROM flags f LEFT JOIN (
            SELECT flag_id, arg_max(status, decided_at) AS status, arg_max(reason, decided_at) AS reason,
                   arg_max(actor, decided_at) AS actor, max(decided_at) AS decided_at
            FROM flag_dispositions GROUP BY flag_id) d USING (flag_id)
        ORDER BY f.trigger_date, f.rule, f.child_person_id, f.other_person_id, f.address_id, f.flag_id
    """).pl()


def export_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`rule, child_person_id, other_person_id, address_id, trigger_date, evidence` (compact JSON)."""
    frame = flags_with_dispositions(con)
    return frame.select(
        "rule", "child_person_id", "other_person_id", "address_id", pl.col("trigger_date").cast(pl.String),
        pl.col("evidence").cast(pl.String),
        "flag_id", "status")
