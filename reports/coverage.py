"""What the store holds, for every report to state: which extracts were ingested, which failed and
why (engine.chronology.coverage keeps the outcomes), and how far each agency's records reach.
"""
from __future__ import annotations

import duckdb

from chronolink.reports.model import AgencyCoverage, DataCoverage, ExtractStatus


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ? "
                            "AND database_name = current_database()", [table]).fetchall()[0][0])


def data_coverage(con: duckdb.DuckDBPyConnection) -> DataCoverage:
    """The live version of every stored extract, every file whose latest attempt failed, and each
    agency's latest record with a good date."""
    extracts = [ExtractStatus(source_file=f, status="ingested", layout=layout, agency=agency, rows_read=read,
                              rows_stored=stored, rows_quarantined=quarantined, at=at)
                for f, layout, agency, read, stored, quarantined, at in con.execute("""
        SELECT f.source_file, f.layout, (SELECT any_value(r.agency) FROM records r WHERE r.file_seq = f.file_seq),
               f.rows_read, f.rows_stored, f.rows_quarantined, f.ingested_at
        FROM source_files f WHERE NOT f.superseded ORDER BY f.source_file
    """).fetchall()]
    if _has(con, "extract_outcomes"):
        extracts += [ExtractStatus(source_file=f, status="failed", layout=layout, at=at, message=msg or "")
                     for f, layout, msg, at in con.execute("""
            SELECT source_file, layout, message, tried_at FROM extract_outcomes WHERE status = 'failed'
            ORDER BY source_file""").fetchall()]
    agencies = [AgencyCoverage(agency=a, latest=latest, records=n, undated=undated)
                for a, latest, n, undated in con.execute("""
        SELECT agency, max(event_date) FILTER (WHERE date_status = 'ok'), count(*),
               count(*) FILTER (WHERE event_date IS NULL)
        FROM records GROUP BY agency ORDER BY agency
    """).fetchall()]
    return DataCoverage(extracts=extracts, agencies=agencies)
