"""When the chronology was last built, and on what: what tells a scoped update from a needed rebuild.

The derived tables (chronology, event_*, person_facts, observations, person_places, coresidence) reflect
the store as it was at their last build. A later build may update them only where something changed
(engine.chronology.build) when nothing else touched them since: the store was linked only incrementally
after the build (existing mentions kept their place ids), no record was removed, and no other writer
(a purge) changed the derived tables. `chronology_builds` keeps what that check needs.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import duckdb

from chronolink.schemas.tables import Column, Table

CHRONOLOGY_BUILDS = Table("chronology_builds", "a build of the chronology and households (full or scoped)", (
    Column("built_at", "TIMESTAMP", "when", nullable=False),
    Column("mode", "VARCHAR", "'full' or 'scoped' (only what changed since the previous build)", nullable=False),
    Column("link_run", "INTEGER", "the latest link run it reflects (NULL: the store was not linked)"),
    Column("n_sources", "BIGINT", "event_sources rows after the build (one per record)", nullable=False),
    Column("merge_days", "INTEGER", "the referral merge window it used (rule settings)", nullable=False),
    Column("n_changed_persons", "BIGINT", "persons whose mentions changed since the previous build (scoped)"),
    Column("n_new_records", "BIGINT", "records added since the previous build (scoped)"),
))
_DDL = CHRONOLOGY_BUILDS.ddl()
# Event ids are 'E' + the group's smallest record id in 16 digits: a function of the event's records,
# so a scoped update gives every event the id a full build would. An older scheme needs a full build.
EVENT_ID_LENGTH = 17


@dataclass(frozen=True)
class LastBuild:
    built_at: dt.datetime
    link_run: int | None
    n_sources: int
    merge_days: int


def _tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {t for (t,) in con.execute("SELECT table_name FROM duckdb_tables() "
                                      "WHERE database_name = current_database() AND NOT temporary").fetchall()}


def last_build(con: duckdb.DuckDBPyConnection) -> LastBuild | None:
    """The latest build of the chronology (None: never built by this version)."""
    if "chronology_builds" not in _tables(con):
        return None
    rows = con.execute("SELECT built_at, link_run, n_sources, merge_days FROM chronology_builds "
                       "ORDER BY built_at DESC LIMIT 1").fetchall()
    return LastBuild(*rows[0]) if rows else None


def latest_link_run(con: duckdb.DuckDBPyConnection) -> int | None:
    """The latest link run's id (None: never linked)."""
    if "link_runs" not in _tables(con):
        return None
    return con.execute("SELECT max(run_id) FROM link_runs").fetchall()[0][0]


def why_rebuild(con: duckdb.DuckDBPyConnection, merge_days: int) -> str | None:
    """Why the chronology must be built whole, or None when updating what changed gives the same tables."""
    last = last_build(con)
    if last is None:
        return "never built by this version"
    if last.merge_days != merge_days:
        return "the referral merge window changed"
    if last.link_run is None:
        return "built before the store was linked"
    tables = _tables(con)
    if not {"event_sources", "chronology", "event_people", "event_places", "person_facts", "observations",
            "person_places", "coresidence"} <= tables:
        return "derived tables missing"
    full_links = con.execute("SELECT count(*) FROM link_runs WHERE run_id > ? AND mode <> 'incremental'",
                             [last.link_run]).fetchall()[0][0]
    if full_links:
        return "linked in full since"
    n_sources, gone, old_ids = con.execute("""
        SELECT count(*), count(*) FILTER (WHERE record_id NOT IN (SELECT record_id FROM records)),
               count(*) FILTER (WHERE length(event_id) <> ?)
        FROM event_sources""", [EVENT_ID_LENGTH]).fetchall()[0]
    if n_sources != last.n_sources:
        return "the derived tables were changed since (a purge)"
    if gone:
        return "records were removed"
    if old_ids:
        return "event ids of an earlier version"
    return None


def record_build(con: duckdb.DuckDBPyConnection, mode: str, merge_days: int, n_changed_persons: int | None = None,
                 n_new_records: int | None = None) -> None:
    """Note a build just made (inside the build's transaction)."""
    con.execute(_DDL)
    n_sources = con.execute("SELECT count(*) FROM event_sources").fetchall()[0][0]
    con.execute("INSERT INTO chronology_builds VALUES (?, ?, ?, ?, ?, ?, ?)",
                [dt.datetime.now(), mode, latest_link_run(con), n_sources, merge_days, n_changed_persons,
                 n_new_records])
