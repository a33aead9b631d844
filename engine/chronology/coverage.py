"""Which extracts were ingested and which failed, and why, for every report to state (the reports'
summary of it, with how far each agency's records reach, is reports.coverage.data_coverage).

A failed extract leaves no rows, so its failure is kept apart (`extract_outcomes`: the latest attempt
at each file name, written by `ingest` and `run`); its message names the file and never its data.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import duckdb

from chronolink.engine.store.transactions import transaction
from chronolink.schemas.tables import Column, Table

EXTRACT_OUTCOMES = Table("extract_outcomes", "the latest attempt at ingesting each file name", (
    Column("source_file", "VARCHAR", "the file's name", primary_key=True, nullable=False),
    Column("layout", "VARCHAR", "the layout it was read as, if recognised"),
    Column("status", "VARCHAR", "'ingested' (stored, replaced or unchanged) or 'failed'", nullable=False),
    Column("message", "VARCHAR", "why it failed: names the file, never its data"),
    Column("tried_at", "TIMESTAMP", "when", nullable=False),
))
_DDL = EXTRACT_OUTCOMES.ddl()


def record_extract_outcomes(con: duckdb.DuckDBPyConnection, reports: Iterable) -> None:
    """Keep the latest outcome of each file an ingest just tried (engine.ingest.FileReport)."""
    now = dt.datetime.now()
    rows = [(r.source_file, r.layout, "failed" if r.status == "failed" else "ingested",
             r.message if r.status == "failed" else None, now) for r in reports]
    with transaction(con):
        con.execute(_DDL)
        if rows:
            con.executemany("INSERT OR REPLACE INTO extract_outcomes VALUES (?, ?, ?, ?, ?)", rows)
