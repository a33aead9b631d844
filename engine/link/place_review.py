"""Clerical review of places: a house number that may be a slip, queued for an analyst to decide.

A row whose people were seen at a variant of its house number (digits transposed or one digit wrong,
same street, town and flat) on one side of it only (before it, or after it: they may have moved next
door) is not moved by place matching (places._slipped_mentions) but queued here with that evidence.
An analyst accepts (the row is written at the other number: it joins that place) or rejects (it is
the place it says); the next link run, full or incremental, applies the decision.

Rows are named by address mention keys (`source_file:source_row:field`), so a decision survives a
re-ingest that renumbers mentions: `mention_key` is the row, `target_key` a row of the place proposed.
"""
from __future__ import annotations

import duckdb
import polars as pl

from chronolink.engine.link.review import decide_in
from chronolink.engine.store.keys import mention_key_sql

PLACE_REVIEW = "place_review"
_ADDRESS_KEY = mention_key_sql("a", "field")


def _has_queue(con: duckdb.DuckDBPyConnection) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [PLACE_REVIEW]).fetchall()[0][0])


def queue_places(con: duckdb.DuckDBPyConnection, cands: pl.DataFrame, run_id: int, replace: bool = True) -> int:
    """Make the pending place queue this run's candidates (address_mention_id, review_to, review_why);
    returns how many were new. A pending pair no longer found leaves the queue; decided pairs stay.
    `replace=False` (an incremental run, which judges only its new rows) only adds."""
    con.register("_pr_df", cands.select("address_mention_id", "review_to", "review_why"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _pr_q AS
        SELECT {_ADDRESS_KEY} AS mk, {mention_key_sql("t", "field")} AS tk, any_value(q.review_why) AS why
        FROM _pr_df q JOIN address_mentions a ON a.address_mention_id = q.address_mention_id
        JOIN address_mentions t ON t.address_mention_id = q.review_to GROUP BY ALL""")
    con.unregister("_pr_df")
    new = con.execute(f"""SELECT count(*) FROM _pr_q q ANTI JOIN {PLACE_REVIEW} r
                          ON r.mention_key = q.mk AND r.target_key = q.tk""").fetchall()[0][0]
    if replace:
        con.execute(f"""DELETE FROM {PLACE_REVIEW} WHERE status = 'pending' AND NOT EXISTS (
            SELECT 1 FROM _pr_q q WHERE q.mk = {PLACE_REVIEW}.mention_key AND q.tk = {PLACE_REVIEW}.target_key)""")
    con.execute(f"""
        UPDATE {PLACE_REVIEW} SET evidence = q.why FROM _pr_q q
        WHERE {PLACE_REVIEW}.status = 'pending' AND q.mk = {PLACE_REVIEW}.mention_key AND q.tk = {PLACE_REVIEW}.target_key;
        INSERT INTO {PLACE_REVIEW} (review_id, mention_key, target_key, evidence, status, created_run)
        SELECT (SELECT coalesce(max(review_id), 0) FROM {PLACE_REVIEW}) + row_number() OVER (ORDER BY mk, tk),
               mk, tk, why, 'pending', {int(run_id)}
        FROM _pr_q q ANTI JOIN {PLACE_REVIEW} r ON r.mention_key = q.mk AND r.target_key = q.tk;
        DROP TABLE _pr_q;""")
    return int(new)


def place_decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """Decided place pairs as current ids: (address_mention_id, to_mention_id, accept); None without a queue."""
    if not _has_queue(con):
        return None
    return con.sql(f"""
        SELECT a.address_mention_id, t.address_mention_id AS to_mention_id, d.status = 'accepted' AS accept
        FROM {PLACE_REVIEW} d
        JOIN address_mentions a ON {_ADDRESS_KEY} = d.mention_key
        JOIN address_mentions t ON {mention_key_sql("t", "field")} = d.target_key
        WHERE d.status IN ('accepted', 'rejected')""").pl()


def pending_places(con: duckdb.DuckDBPyConnection) -> int:
    """How many place pairs await an analyst."""
    if not _has_queue(con):
        return 0
    return int(con.execute(f"SELECT count(*) FROM {PLACE_REVIEW} WHERE status = 'pending'").fetchall()[0][0])


def list_place_reviews(con: duckdb.DuckDBPyConnection, status: str | None = "pending", limit: int = 50) -> pl.DataFrame:
    """Queued place pairs: the row's address as written, the place proposed (a row of it as written), the evidence."""
    if not _has_queue(con):
        return pl.DataFrame()
    where = f"WHERE d.status = '{status}'" if status in ("pending", "accepted", "rejected") else ""
    return con.sql(f"""
        SELECT d.review_id, d.status, d.mention_key, a.raw AS written, a.address_id AS place_now,
               d.target_key, t.raw AS proposed, t.address_id AS proposed_place, d.evidence
        FROM {PLACE_REVIEW} d
        LEFT JOIN address_mentions a ON {_ADDRESS_KEY} = d.mention_key
        LEFT JOIN address_mentions t ON {mention_key_sql("t", "field")} = d.target_key
        {where} ORDER BY d.review_id LIMIT {int(limit)}""").pl()


def decide_place(con: duckdb.DuckDBPyConnection, review_id: int, accept: bool, by: str | None = None,
                 note: str | None = None) -> bool:
    """Record an analyst's decision on a queued place pair; False when no such review id."""
    return decide_in(PLACE_REVIEW, con, review_id, accept, by, note)


__all__ = ["PLACE_REVIEW", "decide_place", "list_place_reviews", "pending_places", "place_decisions", "queue_places"]
