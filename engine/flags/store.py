"""Flags in the store: each run's flags with their evidence, and analysts' dispositions.

A flag is one concern (engine.flags.identity): its id hashes its identity (rule, child, other
person), never its dates, so a disposition recorded against it survives every later run that
finds the same concern, on whatever dates it fires. A store flagged by an earlier version (ids a
polars hash of identity and trigger date) is migrated the first time it is opened for writing
(engine.flags.migrate).
"""
from __future__ import annotations

import datetime as dt

import duckdb
import polars as pl

from chronolink.engine.errors import DispositionError  # noqa: F401 (re-exported: its home is engine.errors)
from chronolink.engine.rules import RuleSettings
from chronolink.engine.store.transactions import transaction
from chronolink.schemas.tables import Column, Table, ddl

DISPOSITIONS = ("confirmed", "dismissed", "actioned", "open")

FLAGS = Table("flags", "one concern: a rule firing for a child (and another person), every firing listed", (
    Column("flag_id", "VARCHAR", "F + 16 hex of SHA-256 of the concern's canonical string", primary_key=True,
           nullable=False),
    Column("rule", "VARCHAR", "the rule (engine.rules)", nullable=False),
    Column("child_person_id", "VARCHAR", "the child", nullable=False),
    Column("other_person_id", "VARCHAR", "the other person, if the rule names one"),
    Column("address_id", "VARCHAR", "the latest firing's address"),
    Column("trigger_date", "DATE", "the latest firing", nullable=False),
    Column("as_of", "DATE", "the run's as-of date", nullable=False),
    Column("evidence", "JSON", "records, links and occurrences", nullable=False),
    Column("flagged_at", "TIMESTAMP", "when the run flagged it", nullable=False),
    Column("trigger_dates", "DATE[]", "every firing's date", added=True),
    Column("address_ids", "VARCHAR[]", "every firing's address", added=True),
))
FLAG_DISPOSITIONS = Table("flag_dispositions", "an analyst's decision on a flag (append-only; the latest stands)", (
    Column("flag_id", "VARCHAR", "the flag", nullable=False),
    Column("status", "VARCHAR", "confirmed, dismissed, actioned or open (reopened)", nullable=False),
    Column("reason", "VARCHAR", "why (dismissals)"),
    Column("actor", "VARCHAR", "the analyst", nullable=False),
    Column("decided_at", "TIMESTAMP", "when", nullable=False),
))
FLAG_RUNS = Table("flag_runs", "a flag run: its as-of date (what `report` uses when not told), counts, settings", (
    Column("as_of", "DATE", "the as-of date", nullable=False),
    Column("flagged_at", "TIMESTAMP", "when", nullable=False),
    Column("n_flags", "BIGINT", "flags stored", nullable=False),
    Column("n_unjudged", "BIGINT", "records no rule could judge for want of a date", nullable=False),
    Column("settings", "JSON", "the rule settings the run used"),
))
FLAGS_UNJUDGED = Table("flags_unjudged", "a record a rule could not judge for want of a usable date (last run)", (
    Column("rule", "VARCHAR", "the rule", nullable=False),
    Column("person_id", "VARCHAR", "the person the record names", nullable=False),
    Column("record_id", "BIGINT", "the record", nullable=False),
    Column("source_file", "VARCHAR", "its file", nullable=False),
    Column("source_row", "INTEGER", "its row", nullable=False),
    Column("event_type", "VARCHAR", "its event type"),
    Column("date_status", "VARCHAR", "why its date is unusable"),
))
FLAG_META = Table("flag_meta", "facts about the store's flags (id_scheme)", (
    Column("key", "VARCHAR", "the fact", primary_key=True, nullable=False),
    Column("value", "VARCHAR", "its value", nullable=False),
))
FLAG_ID_MIGRATION = Table("flag_id_migration", "an id printed before an upgrade, and the flag it is now", (
    Column("old_id", "VARCHAR", "the earlier version's id", primary_key=True, nullable=False),
    Column("new_id", "VARCHAR", "this version's id", nullable=False),
))
_DDL = ddl(FLAGS, FLAG_DISPOSITIONS, FLAG_RUNS, FLAGS_UNJUDGED, FLAG_META, FLAG_ID_MIGRATION)
FLAG_COLUMNS = tuple(FLAGS.names())


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute("SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()").fetchall()
    return bool(rows and rows[0][0])


def _has_flags(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'flags' "
                            "AND database_name = current_database()").fetchall()[0][0])


def ensure_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create the flag tables when missing and bring an earlier version's flags to this one's ids
    (nothing is written on a read-only connection)."""
    if _read_only(con):
        return
    from chronolink.engine.flags.migrate import migrate_flag_ids

    with transaction(con):
        con.execute(_DDL)
        migrate_flag_ids(con)


def save_flags(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, as_of: dt.date,
               unjudged: pl.DataFrame | None = None, settings: RuleSettings | None = None) -> int:
    """Replace the stored flags with this run's, one row per concern (engine.flags.identity: with
    `flag_id` and `occurrences`), and the records the rules could not judge (engine.rules.UNJUDGED_SCHEMA);
    dispositions are kept apart and survive."""
    ensure_tables(con)
    now = dt.datetime.now()
    with transaction(con):
        con.execute("DELETE FROM flags")
        n = insert_flags(con, flags, as_of, now)
        con.execute("DELETE FROM flags_unjudged")
        _insert_unjudged(con, unjudged)
        n_unjudged = unjudged.select("record_id").n_unique() if unjudged is not None and unjudged.height else 0
        con.execute("INSERT INTO flag_runs VALUES (?, ?, ?, ?, ?)",
                    [as_of, now, n, n_unjudged, settings.model_dump_json() if settings else None])
    return n


def replace_flags(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, children: str, as_of: dt.date,
                  unjudged: pl.DataFrame, persons: str, settings: RuleSettings) -> int:
    """A scoped flag run's save (engine.flags.scope): the flags of the children of the temp table `children`
    replaced by `flags` (theirs), the unjudged records of the persons of the temp table `persons` by
    `unjudged`; every other flag stays as stored, and dispositions follow the flag ids. Returns the
    flags stored in all. Call inside the run's transaction."""
    now = dt.datetime.now()
    con.execute(f"DELETE FROM flags WHERE child_person_id IN (SELECT person_id FROM {children})")
    insert_flags(con, flags, as_of, now)
    con.execute(f"DELETE FROM flags_unjudged WHERE person_id IN (SELECT person_id FROM {persons})")
    _insert_unjudged(con, unjudged)
    n, n_unjudged = con.execute("SELECT (SELECT count(*) FROM flags), "
                                "(SELECT count(DISTINCT record_id) FROM flags_unjudged)").fetchall()[0]
    con.execute("INSERT INTO flag_runs VALUES (?, ?, ?, ?, ?)", [as_of, now, n, n_unjudged, settings.model_dump_json()])
    return int(n)


def _insert_unjudged(con: duckdb.DuckDBPyConnection, unjudged: pl.DataFrame | None) -> None:
    if unjudged is None or not unjudged.height:
        return
    con.register("__unjudged", unjudged)
    try:
        con.execute("INSERT INTO flags_unjudged SELECT rule, person_id, record_id, source_file, source_row, "
                    "event_type, date_status FROM __unjudged")
    finally:
        con.unregister("__unjudged")


def flags_current(con: duckdb.DuckDBPyConnection, as_of: dt.date, settings: RuleSettings,
                  built_at: dt.datetime | None) -> bool:
    """True when the stored flags are a whole run's as of `as_of` with `settings`, found on the chronology
    built at `built_at` (its latest build) or later: then a scoped run may keep the flags of whom nothing
    changed."""
    ensure_tables(con)
    rows = con.execute("SELECT as_of, flagged_at, CAST(settings AS VARCHAR) FROM flag_runs "
                       "ORDER BY flagged_at DESC LIMIT 1").fetchall()
    if not rows or built_at is None:
        return False
    last_as_of, flagged_at, stored = rows[0]
    return (last_as_of == as_of and stored is not None and flagged_at >= built_at
            and RuleSettings.model_validate_json(stored) == settings)


def unjudged_records(con: duckdb.DuckDBPyConnection, person_ids: list[str] | None = None) -> pl.DataFrame:
    """The undated records the last flag run could not judge (about these people, when given): one row per
    record with the rules (sorted) that needed its date."""
    if "flags_unjudged" not in {t for (t,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database()").fetchall()}:
        return pl.DataFrame(schema={"record_id": pl.Int64, "source_file": pl.String, "source_row": pl.Int32,
                                    "event_type": pl.String, "date_status": pl.String, "rules": pl.List(pl.String)})
    where = "WHERE person_id IN (SELECT unnest(?))" if person_ids is not None else ""
    return con.execute(f"""
        SELECT record_id, source_file, source_row, any_value(event_type) AS event_type,
               any_value(date_status) AS date_status, list(DISTINCT rule ORDER BY rule) AS rules
        FROM flags_unjudged {where} GROUP BY record_id, source_file, source_row
        ORDER BY source_file, source_row
    """, [person_ids] if person_ids is not None else []).pl()


def insert_flags(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame, as_of: dt.date,
                 now: dt.datetime | None = None) -> int:
    """Add evaluated flags (engine.flags.evaluate_flags' rows) to the stored ones; returns how many."""
    frame = flags.with_columns(
        as_of=pl.lit(as_of), flagged_at=pl.lit(now or dt.datetime.now()),
        trigger_dates=pl.col("occurrences").list.eval(pl.element().struct.field("trigger_date")).list.unique()
        .list.sort(),
        address_ids=pl.col("occurrences").list.eval(pl.element().struct.field("address_id")).list.drop_nulls()
        .list.unique().list.sort(),
    ).select(FLAG_COLUMNS)
    if frame.height:
        con.register("__flags", frame)
        try:
            con.execute(f"INSERT INTO flags ({', '.join(FLAG_COLUMNS)}) SELECT * FROM __flags")
        finally:
            con.unregister("__flags")
    return frame.height


def last_flag_run(con: duckdb.DuckDBPyConnection) -> tuple[dt.date, RuleSettings | None] | None:
    """The as-of date and rule settings of the latest flag run (None: never flagged; settings None:
    flagged by an earlier version, which did not keep them)."""
    tables = {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                        "WHERE database_name = current_database()").fetchall()}
    if "flag_runs" in tables:
        rows = con.execute("SELECT as_of, CAST(settings AS VARCHAR) FROM flag_runs "
                           "ORDER BY flagged_at DESC LIMIT 1").fetchall()
        if rows:
            as_of, settings = rows[0]
            return as_of, RuleSettings.model_validate_json(settings) if settings else None
    if "flags" in tables:  # flagged by an earlier version: every flag row carries its run's as-of
        rows = con.execute("SELECT max(as_of) FROM flags").fetchall()
        if rows and rows[0][0] is not None:
            return rows[0][0], None
    return None


def current_flag_id(con: duckdb.DuckDBPyConnection, flag_id: str) -> str:
    """The flag's id today: an id printed by an earlier version is translated (engine.flags.migrate)."""
    rows = con.execute("SELECT new_id FROM flag_id_migration WHERE old_id = ?", [flag_id]).fetchall()
    return rows[0][0] if rows else flag_id


def set_disposition(con: duckdb.DuckDBPyConnection, flag_id: str, status: str, actor: str,
                    reason: str | None = None) -> str:
    """Record an analyst's decision on a flag (its id today: an id from before an upgrade is
    translated); a dismissal needs a reason. Returns the flag id decided."""
    ensure_tables(con)
    if status not in DISPOSITIONS:
        raise DispositionError(f"status must be one of {', '.join(DISPOSITIONS)}")
    if status == "dismissed" and not (reason or "").strip():
        raise DispositionError("a dismissal needs a reason (--reason)")
    flag_id = current_flag_id(con, flag_id)
    if not con.execute("SELECT count(*) FROM flags WHERE flag_id = ?", [flag_id]).fetchall()[0][0]:
        raise DispositionError(f"no flag with id {flag_id}")
    con.execute("INSERT INTO flag_dispositions VALUES (?, ?, ?, ?, ?)",
                [flag_id, status, reason, actor, dt.datetime.now()])
    return flag_id


def flags_with_dispositions(con: duckdb.DuckDBPyConnection, children: list[str] | None = None) -> pl.DataFrame:
    """Every stored flag (about these children, when given) with its latest disposition (open when none)
    and `new_since_decision`: how many of its occurrences are dated after that decision (a dismissed
    concern that fired again)."""
    ensure_tables(con)
    if not _has_flags(con):
        return pl.DataFrame(schema={c: pl.String for c in (*FLAG_COLUMNS, "status", "reason", "actor")})
    cols = {c for (c,) in con.execute("SELECT column_name FROM duckdb_columns() WHERE table_name = 'flags' "
                                      "AND database_name = current_database()").fetchall()}
    # A read-only store of an earlier version lacks the occurrence columns: its rows are one trigger each.
    dates = "f.trigger_dates" if "trigger_dates" in cols else "[f.trigger_date]"
    places = "f.address_ids" if "address_ids" in cols else "list_filter([f.address_id], x -> x IS NOT NULL)"
    about, params = "", []
    if children is not None:
        about = f"WHERE f.child_person_id IN ({', '.join('?' * len(children))})" if children else "WHERE false"
        params = list(children)
    return con.execute(f"""
        SELECT f.flag_id, f.rule, f.child_person_id, f.other_person_id, f.address_id, f.trigger_date, f.as_of,
               f.evidence, f.flagged_at, coalesce({dates}, [f.trigger_date]) AS trigger_dates,
               coalesce({places}, []) AS address_ids,
               coalesce(dd.d.s, 'open') AS status, dd.d.r AS reason, dd.d.a AS actor, dd.decided_at,
               CASE WHEN dd.decided_at IS NULL THEN 0
                    ELSE len(list_filter(coalesce({dates}, [f.trigger_date]), x -> x > CAST(dd.decided_at AS DATE)))
               END AS new_since_decision
        FROM flags f LEFT JOIN (
            -- the latest decision (two at the same instant: the greater status, so runs agree)
            SELECT flag_id, arg_max({{'s': status, 'r': reason, 'a': actor}}, {{'t': decided_at, 's': status}}) AS d,
                   max(decided_at) AS decided_at
            FROM flag_dispositions GROUP BY flag_id
        ) dd USING (flag_id)
        {about}
        ORDER BY f.trigger_date, f.rule, f.child_person_id, f.other_person_id, f.address_id, f.flag_id
    """, params).pl()


def export_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """`rule, child_person_id, other_person_id, address_id, trigger_date, evidence` (compact JSON), the
    flag id and status, and every occurrence: `trigger_dates` and `address_ids` joined by `;`."""
    frame = flags_with_dispositions(con)
    return frame.select(
        "rule", "child_person_id", "other_person_id", "address_id", pl.col("trigger_date").cast(pl.String),
        pl.col("evidence").cast(pl.String),
        "flag_id", "status",
        pl.col("trigger_dates").list.eval(pl.element().cast(pl.String)).list.join(";").alias("trigger_dates"),
        pl.col("address_ids").list.join(";").alias("address_ids"))
