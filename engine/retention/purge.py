"""Purge source rows older than a cut-off date and everything derived from them, in one transaction.

What is purged
--------------
* **Dated records**: every record whose ``event_date`` is before the cut-off.
* **Undated records** (``csc_relationships`` rows, and rows of dated layouts whose date could not
  be read): such a record is about its *subject*, the person in its first person slot (the child
  of a relationship row). It is purged when its subject has dated records and every one of them
  is purged; it is kept when any of them survives, and kept when the subject has no dated record
  at all (nothing dates it). The subject is recognised by its ``person_id`` when linked, and by
  its agency-scoped ``local_id`` (``csc:...``) otherwise.
* **Per-row data** of purged records: ``person_mentions``, ``address_mentions``,
  ``mention_observations``, ``value_issues``.
* **Quarantine**: a quarantined row could not be read, so it has no date. Its rows are purged with
  their file: when every stored record of a file version is purged, that version's quarantine
  rows go too; otherwise they stay.
* **Derived tables**, when present: the chronology family (``chronology``, ``event_sources``,
  ``event_people``, ``event_places``: every event that had a purged source is removed whole),
  ``observations``, and the aggregates that drew on a purged row (``person_facts``,
  ``person_places``, ``coresidence``, link outputs ``persons``, ``places``, ``link_pairs``,
  ``link_review``, ``link_id_map``, ``link_msig``/``link_sig``/``link_tf_*``). Aggregates are
  deleted rather than recomputed: the next ``chronolink link`` and ``chronolink flag`` rebuild them
  from what remains.
* **Flags** whose evidence cites a purged row or mention are judged again on what remains (the
  chronology rebuilt, the rules run as of the last flag run's date with its settings). A concern
  that still fires keeps its flag, now with evidence from the kept rows only, and its analysts'
  dispositions: the decision still stands. A concern that no longer fires loses its flag and its
  ``flag_dispositions`` (their reasons may describe the purged events). Dispositions of other flags
  are never touched.
* **Any other table** holding row provenance (``file_seq`` + ``source_row``, ``record_id``,
  ``mention_id``, ``address_mention_id`` or ``source_file`` + ``source_row``) loses the rows of
  purged records too, so a table added later is not silently left behind.

Kept: ``source_files`` (file names, digests and counts, no personal data; the digest makes a
re-ingest of the same file a no-op, so purged rows do not come back), ``link_runs``,
``link_id_changes`` and the audit trail. The purge itself is audited (cut-off and counts only).

DuckDB leaves deleted rows in free blocks of the file: see :mod:`engine.retention.compact`.
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping

import duckdb

from chronolink.engine.errors import NotAStore
from chronolink.engine.link.scoring import TF_COLUMNS
from chronolink.engine.security import audit
from chronolink.engine.store.keys import mention_key_sql
from chronolink.engine.store.transactions import in_transaction, transaction

__all__ = ["purge_before", "PROTECTED_TABLES"]

#: Tables a purge never touches.
PROTECTED_TABLES = frozenset({"audit_log", "audit_head", "source_files", "link_runs", "link_id_changes"})

_EVENT_TABLES = ("chronology", "event_sources", "event_people", "event_places")


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    """Base tables of the store's current database and schema, with their columns."""
    rows = con.execute("""
        SELECT table_name, column_name FROM duckdb_columns()
        WHERE database_name = current_database() AND schema_name = current_schema() AND NOT internal
          AND table_name IN (SELECT table_name FROM duckdb_tables()
                             WHERE database_name = current_database() AND schema_name = current_schema()
                               AND NOT temporary)
    """).fetchall()
    out: dict[str, set[str]] = {}
    for table, column in rows:
        out.setdefault(table, set()).add(column)
    return out


def _delete(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    rows = con.execute(sql, params or []).fetchall()
    return int(rows[0][0]) if rows else 0


_SELECT_PURGED = """
CREATE OR REPLACE TEMP TABLE _purge_rec AS
WITH ident AS (
    SELECT m.record_id, 'p:' || m.person_id AS key FROM person_mentions m WHERE m.person_id IS NOT NULL
    UNION ALL
    SELECT m.record_id, 'l:' || m.local_id AS key FROM person_mentions m WHERE m.local_id IS NOT NULL
), dated AS (
    SELECT i.key, count(*) FILTER (WHERE r.event_date < $cutoff) AS old,
           count(*) FILTER (WHERE r.event_date >= $cutoff) AS new
    FROM ident i JOIN records r USING (record_id)
    WHERE r.event_date IS NOT NULL GROUP BY i.key
), subject AS (
    SELECT r.record_id, 'p:' || m.person_id AS key
    FROM records r JOIN person_mentions m ON m.mention_id = r.record_id + 1
    WHERE r.event_date IS NULL AND m.person_id IS NOT NULL
    UNION ALL
    SELECT r.record_id, 'l:' || m.local_id AS key
    FROM records r JOIN person_mentions m ON m.mention_id = r.record_id + 1
    WHERE r.event_date IS NULL AND m.local_id IS NOT NULL
), undated AS (
    SELECT s.record_id FROM subject s JOIN dated d USING (key)
    GROUP BY s.record_id HAVING bool_and(d.new = 0) AND bool_or(d.old > 0)
)
SELECT record_id, file_seq, source_file, source_row FROM records WHERE event_date < $cutoff
UNION ALL
SELECT r.record_id, r.file_seq, r.source_file, r.source_row FROM records r JOIN undated u USING (record_id);

CREATE OR REPLACE TEMP TABLE _purge_men AS
SELECT m.mention_id, m.person_id, {mkey} AS mkey
FROM person_mentions m JOIN _purge_rec USING (record_id);

CREATE OR REPLACE TEMP TABLE _purge_addr AS
SELECT a.address_mention_id, a.address_id,
       {akey} AS akey
FROM address_mentions a JOIN _purge_rec USING (record_id);

-- file versions whose every stored record is purged: their quarantine rows go with them
CREATE OR REPLACE TEMP TABLE _purge_files AS
SELECT r.file_seq FROM records r LEFT JOIN _purge_rec p USING (record_id)
GROUP BY r.file_seq HAVING count(*) = count(p.record_id);
"""
_SELECT_PURGED = _SELECT_PURGED.replace("{mkey}", mention_key_sql("m")).replace("{akey}", mention_key_sql("a", "field"))

_ROW_KEYS = "(SELECT file_seq, source_row FROM _purge_rec)"


def _purge_derived(con: duckdb.DuckDBPyConnection, tables: Mapping[str, set[str]], counts: dict[str, int]) -> None:
    """Delete derived rows; runs before the base rows go (some selections join them)."""
    has = tables.__contains__

    def run(table: str, sql: str) -> None:
        if has(table):
            counts[table] = counts.get(table, 0) + _delete(con, sql)

    # chronology: whole events that had a purged source
    if has("event_sources"):
        con.execute("CREATE OR REPLACE TEMP TABLE _purge_events AS "
                    "SELECT DISTINCT event_id FROM event_sources WHERE record_id IN (SELECT record_id FROM _purge_rec)")
        for t in _EVENT_TABLES:
            if has(t) and "event_id" in tables[t]:
                run(t, f"DELETE FROM {t} WHERE event_id IN (SELECT event_id FROM _purge_events)")

    # places and person-place aggregates touched by purged observations
    if has("observations"):
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _purge_pp AS
            SELECT DISTINCT person_id, address_id FROM observations
            WHERE mention_id IN (SELECT mention_id FROM _purge_men)
               OR address_mention_id IN (SELECT address_mention_id FROM _purge_addr)
        """)
        run("coresidence", """DELETE FROM coresidence c WHERE EXISTS (SELECT 1 FROM _purge_pp p
              WHERE p.address_id = c.address_id AND p.person_id IN (c.person_a, c.person_b))""")
        run("person_places", """DELETE FROM person_places x WHERE EXISTS (SELECT 1 FROM _purge_pp p
              WHERE p.address_id = x.address_id AND p.person_id = x.person_id)""")
        run("observations", """DELETE FROM observations WHERE mention_id IN (SELECT mention_id FROM _purge_men)
              OR address_mention_id IN (SELECT address_mention_id FROM _purge_addr)""")
    purged_people = "(SELECT person_id FROM _purge_men WHERE person_id IS NOT NULL)"
    run("person_facts", f"DELETE FROM person_facts WHERE person_id IN {purged_people}")
    run("persons", f"DELETE FROM persons WHERE person_id IN {purged_people}")
    run("places", "DELETE FROM places WHERE address_id IN "
                  "(SELECT address_id FROM _purge_addr WHERE address_id IS NOT NULL)")

    # linkage
    run("link_pairs", "DELETE FROM link_pairs WHERE mention_id_l IN (SELECT mention_id FROM _purge_men) "
                      "OR mention_id_r IN (SELECT mention_id FROM _purge_men)")
    run("link_review", "DELETE FROM link_review WHERE mention_key_l IN (SELECT mkey FROM _purge_men) "
                       "OR mention_key_r IN (SELECT mkey FROM _purge_men)")
    run("place_review", "DELETE FROM place_review WHERE mention_key IN (SELECT akey FROM _purge_addr) "
                        "OR target_key IN (SELECT akey FROM _purge_addr)")
    run("link_id_map", "DELETE FROM link_id_map WHERE (kind = 'person' AND mention_key IN (SELECT mkey FROM _purge_men))"
                       " OR (kind = 'place' AND mention_key IN (SELECT akey FROM _purge_addr))")
    if has("link_msig"):
        run("link_msig", "DELETE FROM link_msig WHERE mention_id IN (SELECT mention_id FROM _purge_men)")
        if has("link_sig") and "sid" in tables["link_sig"]:
            run("link_sig", "DELETE FROM link_sig WHERE sid NOT IN (SELECT sid FROM link_msig)")
    for col in TF_COLUMNS:
        tf = f"link_tf_{col}"
        if has(tf) and has("link_sig") and col in tables["link_sig"]:
            run(tf, f"DELETE FROM {tf} WHERE value NOT IN (SELECT {col} FROM link_sig WHERE {col} IS NOT NULL)")

    # flags citing a purged row or mention: judged again once the rows are gone (_refire_flags)
    if has("flags") and "evidence" in tables["flags"]:
        doomed = _flags_citing_purged(con)
        con.register("__purge_flags", _id_frame(doomed))
        try:
            con.execute("CREATE OR REPLACE TEMP TABLE _purge_flag_ids AS SELECT flag_id FROM __purge_flags")
        finally:
            con.unregister("__purge_flags")
        run("flags", "DELETE FROM flags WHERE flag_id IN (SELECT flag_id FROM _purge_flag_ids)")


def _refire_flags(con: duckdb.DuckDBPyConnection, tables: Mapping[str, set[str]], counts: dict[str, int]) -> None:
    """Judge the flags that cited purged rows on what remains: a concern that still fires gets its flag
    back (evidence from kept rows) and keeps its dispositions; the others' dispositions go."""
    if "flags" not in tables or not con.execute("SELECT count(*) FROM _purge_flag_ids").fetchall()[0][0]:
        return
    import polars as pl

    from chronolink.engine.flags import evaluate_flags
    from chronolink.engine.flags.store import insert_flags, last_flag_run
    from chronolink.engine.rules import load_settings

    last = last_flag_run(con)
    if last is not None:
        as_of, settings = last
        judged = {fid for (fid,) in con.execute("SELECT flag_id FROM _purge_flag_ids").fetchall()}
        still = evaluate_flags(con, as_of, settings or load_settings()).filter(pl.col("flag_id").is_in(judged))
        insert_flags(con, still, as_of)
        con.register("__still", still.select("flag_id"))
        try:
            con.execute("DELETE FROM _purge_flag_ids WHERE flag_id IN (SELECT flag_id FROM __still)")
        finally:
            con.unregister("__still")
        counts["flags"] = counts.get("flags", 0) - still.height
    if "flag_dispositions" in tables:
        counts["flag_dispositions"] = _delete(
            con, "DELETE FROM flag_dispositions WHERE flag_id IN (SELECT flag_id FROM _purge_flag_ids)")


def _id_frame(ids: list[str]):
    import polars as pl

    return pl.DataFrame({"flag_id": ids}, schema={"flag_id": pl.String})


def _flags_citing_purged(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = set(con.execute("SELECT source_file, source_row FROM _purge_rec").fetchall())
    mentions = {r[0] for r in con.execute("SELECT mention_id FROM _purge_men").fetchall()}
    if not rows and not mentions:
        return []
    doomed = []
    for flag_id, evidence in con.execute("SELECT flag_id, CAST(evidence AS VARCHAR) FROM flags").fetchall():
        try:
            ev = json.loads(evidence) if evidence else {}
        except ValueError:
            ev = {}
        if not isinstance(ev, dict):
            ev = {}
        cited = False
        for rec in ev.get("records") or []:
            if isinstance(rec, dict) and ((rec.get("source_file"), rec.get("source_row")) in rows
                                          or rec.get("mention_id") in mentions):
                cited = True
                break
        for link in ev.get("links") or []:
            if isinstance(link, dict) and (link.get("mention_id_l") in mentions or link.get("mention_id_r") in mentions):
                cited = True
                break
        if cited:
            doomed.append(flag_id)
    return doomed


_HANDLED = frozenset({
    "records", "person_mentions", "address_mentions", "mention_observations", "value_issues", "quarantine",
    *_EVENT_TABLES, "observations", "person_facts", "person_places", "coresidence", "persons", "places",
    "link_pairs", "link_review", "place_review", "link_id_map", "link_msig", "link_sig",
    *(f"link_tf_{c}" for c in TF_COLUMNS),
    "flags", "flag_dispositions",
})


def _purge_other(con: duckdb.DuckDBPyConnection, tables: Mapping[str, set[str]], counts: dict[str, int]) -> None:
    """Tables nobody told us about: delete rows carrying the provenance of a purged record."""
    for table, cols in sorted(tables.items()):
        if table in _HANDLED or table in PROTECTED_TABLES or table.startswith("_"):
            continue
        if {"file_seq", "source_row"} <= cols:
            sql = f"DELETE FROM {table} WHERE (file_seq, source_row) IN {_ROW_KEYS}"
        elif "record_id" in cols:
            sql = f"DELETE FROM {table} WHERE record_id IN (SELECT record_id FROM _purge_rec)"
        elif "mention_id" in cols:
            sql = f"DELETE FROM {table} WHERE mention_id IN (SELECT mention_id FROM _purge_men)"
        elif "address_mention_id" in cols:
            sql = f"DELETE FROM {table} WHERE address_mention_id IN (SELECT address_mention_id FROM _purge_addr)"
        elif {"source_file", "source_row"} <= cols:
            sql = f"DELETE FROM {table} WHERE (source_file, source_row) IN (SELECT source_file, source_row FROM _purge_rec)"
        else:
            continue
        counts[table] = _delete(con, sql)


def _purge_base(con: duckdb.DuckDBPyConnection, counts: dict[str, int]) -> None:
    counts["mention_observations"] = _delete(con, f"""
        DELETE FROM mention_observations WHERE mention_id IN (SELECT mention_id FROM _purge_men)
           OR address_mention_id IN (SELECT address_mention_id FROM _purge_addr)
           OR (file_seq, source_row) IN {_ROW_KEYS}""")
    counts["value_issues"] = _delete(con, f"DELETE FROM value_issues WHERE (file_seq, source_row) IN {_ROW_KEYS}")
    counts["quarantine"] = _delete(con, "DELETE FROM quarantine WHERE file_seq IN (SELECT file_seq FROM _purge_files)")
    counts["person_mentions"] = _delete(con, "DELETE FROM person_mentions WHERE record_id IN "
                                             "(SELECT record_id FROM _purge_rec)")
    counts["address_mentions"] = _delete(con, "DELETE FROM address_mentions WHERE record_id IN "
                                              "(SELECT record_id FROM _purge_rec)")
    counts["records"] = _delete(con, "DELETE FROM records WHERE record_id IN (SELECT record_id FROM _purge_rec)")


def _drop_temps(con: duckdb.DuckDBPyConnection) -> None:
    for t in ("_purge_rec", "_purge_men", "_purge_addr", "_purge_files", "_purge_events", "_purge_pp",
              "_purge_flag_ids"):
        con.execute(f"DROP TABLE IF EXISTS temp.{t}")


def purge_before(con: duckdb.DuckDBPyConnection, cutoff: dt.date, *, actor: str | None = None,
                 command: str = "purge", dry_run: bool = False) -> dict[str, int]:
    """Delete every record dated before ``cutoff`` and all that derives from it; rows deleted per table.

    One transaction: on any error nothing is deleted. With ``actor`` the purge is written to the
    audit trail in the same transaction (cut-off and counts only, never purged values). With
    ``dry_run`` the whole purge is carried out and rolled back: the counts are what a purge now
    would delete, and nothing changes.
    """
    if isinstance(cutoff, dt.datetime):
        cutoff = cutoff.date()
    if not isinstance(cutoff, dt.date):
        raise TypeError("cutoff must be a date")
    if dry_run:
        if in_transaction(con):
            raise RuntimeError("a dry run needs its own transaction (it rolls back)")
        with transaction(con, commit=False):
            return _purge_steps(con, cutoff)
    with transaction(con):
        counts = _purge_steps(con, cutoff)
        if actor is not None:
            audit.record(con, actor, command, "purge", detail={
                "cutoff": cutoff.isoformat(),
                "deleted": {f"{table}_count": n for table, n in sorted(counts.items())},
            })
    return counts


def _purge_steps(con: duckdb.DuckDBPyConnection, cutoff: dt.date) -> dict[str, int]:
    """Every deletion of a purge, inside the caller's transaction; rows deleted per table."""
    tables = _tables(con)
    missing = {"records", "person_mentions", "address_mentions"} - tables.keys()
    if missing:
        raise NotAStore(f"not a Chronolink store: missing tables {', '.join(sorted(missing))}")
    for statement in filter(str.strip, _SELECT_PURGED.split(";")):
        con.execute(statement, {"cutoff": cutoff} if "$cutoff" in statement else None)
    counts: dict[str, int] = {}
    _purge_derived(con, tables, counts)
    _purge_other(con, tables, counts)
    _purge_base(con, counts)
    _refire_flags(con, tables, counts)
    _drop_temps(con)
    return dict(sorted(counts.items()))
