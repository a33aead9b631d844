"""Data quality: files and their reconciliation, quarantined rows and invalid values (never the value),
identifier conflicts, the last link run."""
from __future__ import annotations

import duckdb

LIMIT = 200


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> list[dict]:
    cur = con.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0])


def files(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every ingested file version with rows read = stored + quarantined, and its value issues."""
    return _rows(con, """
        SELECT f.file_seq, f.source_file, f.layout, f.rows_read, f.rows_stored, f.rows_quarantined,
               f.rows_read = f.rows_stored + f.rows_quarantined AS reconciles, f.ingested_at, f.superseded,
               left(f.sha256, 12) AS sha, (SELECT count(*) FROM value_issues v WHERE v.file_seq = f.file_seq) AS issues
        FROM source_files f ORDER BY f.superseded, f.source_file, f.file_seq DESC""")


def quarantined(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Quarantined rows by file, row and reason (the raw row is shown only when opened)."""
    return _rows(con, f"SELECT file_seq, source_file, source_row, reason FROM quarantine "
                      f"ORDER BY source_file, source_row LIMIT {LIMIT}")


def invalid_summary(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Invalid values counted by file, field and problem."""
    return _rows(con, """SELECT source_file, field, problem, count(*) AS n FROM value_issues
                         GROUP BY ALL ORDER BY n DESC, source_file, field""")


def invalid_rows(con: duckdb.DuckDBPyConnection, page: int = 1) -> tuple[list[dict], int]:
    """One page of invalid values by file, row, field and problem, and the total."""
    total = con.execute("SELECT count(*) FROM value_issues").fetchall()[0][0]
    rows = _rows(con, f"""SELECT file_seq, source_file, source_row, field, problem FROM value_issues
                          ORDER BY source_file, source_row, field LIMIT {LIMIT} OFFSET ?""", [(page - 1) * LIMIT])
    return rows, total


def _mask(value: str | None) -> str:
    return "" if not value else ("*" * max(len(value) - 4, 0)) + value[-4:]


def conflicts(con: duckdb.DuckDBPyConnection) -> dict[str, list[dict]]:
    """One linked person with two different valid NHS numbers; one valid NHS number on two people."""
    # Each (person, number) once, then grouped both ways: the mentions are read once.
    rows = _rows(con, f"""
        WITH pairs AS MATERIALIZED (
          SELECT person_id, nhs_number, count(*) AS n FROM person_mentions
          WHERE nhs_valid AND person_id IS NOT NULL GROUP BY ALL
        ), by_person AS (
          SELECT 'two_numbers' AS kind, person_id AS key, list(nhs_number ORDER BY nhs_number) AS vals,
                 sum(n)::BIGINT AS mentions
          FROM pairs GROUP BY person_id HAVING count(*) > 1 ORDER BY key LIMIT {LIMIT}
        ), by_number AS (
          SELECT 'two_people' AS kind, nhs_number AS key, list(person_id ORDER BY person_id) AS vals,
                 sum(n)::BIGINT AS mentions
          FROM pairs GROUP BY nhs_number HAVING count(*) > 1 ORDER BY key LIMIT {LIMIT}
        )
        SELECT * FROM by_person UNION ALL SELECT * FROM by_number""")
    two_numbers = [{"person_id": r["key"], "numbers": [_mask(n) for n in r["vals"]], "mentions": r["mentions"]}
                   for r in sorted(rows, key=lambda r: r["key"]) if r["kind"] == "two_numbers"]
    two_people = [{"nhs_number": _mask(r["key"]), "people": r["vals"], "mentions": r["mentions"]}
                  for r in sorted(rows, key=lambda r: r["key"]) if r["kind"] == "two_people"]
    return {"two_numbers": two_numbers, "two_people": two_people}


def last_link_run(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The last link run's summary and its id changes."""
    if not _has(con, "link_runs"):
        return None
    runs = _rows(con, """SELECT run_id, started_at, seconds, n_person_mentions, n_persons, n_address_mentions,
                                n_places, n_candidate_pairs, n_review_pending FROM link_runs
                         ORDER BY run_id DESC LIMIT 1""")
    if not runs:
        return None
    run = runs[0]
    changes = _rows(con, "SELECT kind, change, count(*) AS n FROM link_id_changes WHERE run_id = ? GROUP BY ALL "
                         "ORDER BY kind, change", [run["run_id"]]) if _has(con, "link_id_changes") else []
    run["changes"] = changes
    return run


def source_row(con: duckdb.DuckDBPyConnection, source_file: str, row: int) -> dict:
    """Everything stored of one source row: the quarantined raw text, or the record, its people and places."""
    out: dict = {"quarantine": _rows(con, "SELECT reason, raw FROM quarantine WHERE source_file = ? AND source_row = ?",
                                     [source_file, row])}
    out["record"] = _rows(con, """SELECT event_type, event_label, event_date, event_time, date_status, end_date, outcome,
                                         ref, summary, attrs FROM records WHERE source_file = ? AND source_row = ?""",
                          [source_file, row])
    out["people"] = _rows(con, """SELECT slot, role, name_raw, dob, dob_status, nhs_number, nhs_valid, upn, upn_valid, pnc,
                                         pnc_valid, local_id, person_id FROM person_mentions
                                  WHERE source_file = ? AND source_row = ? ORDER BY slot""", [source_file, row])
    out["places"] = _rows(con, """SELECT field, raw, postcode, postcode_valid, address_id FROM address_mentions
                                  WHERE source_file = ? AND source_row = ? ORDER BY field""", [source_file, row])
    out["issues"] = _rows(con, "SELECT field, problem FROM value_issues WHERE source_file = ? AND source_row = ?",
                          [source_file, row])
    return out
