"""Clerical review: borderline pairs queued for an analyst, whose decisions beat the model on every run.

Pairs are stored by mention keys (`source_file:source_row:slot`), not mention ids, so a
decision survives a re-ingest that renumbers mentions.
"""
from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

from chronolink.engine.store.keys import mention_key_sql

MENTION_KEY_SQL = mention_key_sql()


def _take_review_ids(con: duckdb.DuckDBPyConnection, n: int) -> int:
    """Reserve `n` review ids and return the first: ids only grow, so one withdrawn from the queue is
    never given to another pair an analyst might confuse it with."""
    row = con.execute("SELECT last_value FROM link_id_seq WHERE kind = 'review'").fetchall()
    last = max(row[0][0] if row else 0, con.execute("SELECT coalesce(max(review_id), 0) FROM link_review").fetchall()[0][0])
    con.execute("INSERT OR REPLACE INTO link_id_seq VALUES ('review', ?)", [last + n])
    return last + 1


def queue_pairs(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, run_id: int, replace: bool = True) -> int:
    """Make the pending queue this run's borderline pairs (mention_id_l, mention_id_r, match_weight,
    match_probability); returns how many were new.

    A pending pair this run no longer finds borderline (now linked, or now clearly apart) leaves the
    queue; one still borderline keeps its review id and takes this run's weight. Decided pairs are
    never touched: they are the analyst's, and win over the model."""
    con.register("_lk_q_df", pairs)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_q AS
        WITH k AS (
            SELECT {mention_key_sql('l')} AS kl,
                   {mention_key_sql('r')} AS kr,
                   q.match_weight, q.match_probability
            FROM _lk_q_df q JOIN person_mentions l ON l.mention_id = q.mention_id_l
            JOIN person_mentions r ON r.mention_id = q.mention_id_r
        )
        SELECT least(kl, kr) AS a, greatest(kl, kr) AS b, max(match_weight) AS w, max(match_probability) AS p
        FROM k GROUP BY ALL
    """)
    con.unregister("_lk_q_df")
    new = con.execute("""SELECT count(*) FROM _lk_q n ANTI JOIN link_review lr
                         ON lr.mention_key_l = n.a AND lr.mention_key_r = n.b""").fetchall()[0][0]
    first = _take_review_ids(con, new)
    con.execute(f"""
        DELETE FROM link_review WHERE {"TRUE" if replace else "FALSE"} AND status = 'pending' AND NOT EXISTS (
            SELECT 1 FROM _lk_q q WHERE q.a = link_review.mention_key_l AND q.b = link_review.mention_key_r);
        UPDATE link_review SET match_weight = q.w, match_probability = q.p FROM _lk_q q
        WHERE link_review.status = 'pending' AND q.a = link_review.mention_key_l AND q.b = link_review.mention_key_r;
        INSERT INTO link_review (review_id, mention_key_l, mention_key_r, match_weight, match_probability, status, created_run)
        SELECT {int(first) - 1} + row_number() OVER (ORDER BY w DESC, a, b), a, b, w, p, 'pending', {int(run_id)}
        FROM _lk_q n ANTI JOIN link_review lr ON lr.mention_key_l = n.a AND lr.mention_key_r = n.b;
        DROP TABLE _lk_q;
    """)
    return new


def decisions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Decided pairs as current mention ids: (mention_id_l, mention_id_r, decision 'accept'|'reject')."""
    return con.sql(f"""
        SELECT l.mention_id AS mention_id_l, r.mention_id AS mention_id_r,
               CASE status WHEN 'accepted' THEN 'accept' ELSE 'reject' END AS decision
        FROM link_review d
        JOIN person_mentions l ON {mention_key_sql('l')} = d.mention_key_l
        JOIN person_mentions r ON {mention_key_sql('r')} = d.mention_key_r
        WHERE d.status IN ('accepted', 'rejected')
    """).pl()


def list_reviews(con: duckdb.DuckDBPyConnection, status: str | None = "pending", limit: int = 50) -> pl.DataFrame:
    """Queued pairs with both sides' names and dates of birth, strongest first."""
    where = f"WHERE d.status = '{status}'" if status in ("pending", "accepted", "rejected") else ""
    return con.sql(f"""
        SELECT d.review_id, d.status, round(d.match_weight, 2) AS weight, round(d.match_probability, 3) AS probability,
               d.mention_key_l, l.forename || ' ' || coalesce(l.surname, '') AS name_l, l.dob AS dob_l,
               d.mention_key_r, r.forename || ' ' || coalesce(r.surname, '') AS name_r, r.dob AS dob_r
        FROM link_review d
        LEFT JOIN person_mentions l ON {mention_key_sql('l')} = d.mention_key_l
        LEFT JOIN person_mentions r ON {mention_key_sql('r')} = d.mention_key_r
        {where}
        ORDER BY d.match_weight DESC, d.review_id
        LIMIT {int(limit)}
    """).pl()


def decide_in(table: str, con: duckdb.DuckDBPyConnection, review_id: int, accept: bool, by: str | None = None,
              note: str | None = None) -> bool:
    """Record an analyst's decision on item ``review_id`` of a review queue (``link_review`` for pairs of
    people, ``place_review`` for places); False when the store has no such queue or item."""
    has_table = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [table]).fetchall()[0][0]
    if not has_table or not con.execute(f"SELECT count(*) FROM {table} WHERE review_id = ?",
                                        [review_id]).fetchall()[0][0]:
        return False
    con.execute(f"UPDATE {table} SET status = ?, decided_at = ?, decided_by = ?, note = ? WHERE review_id = ?",
                ["accepted" if accept else "rejected", datetime.now(), by, note, review_id])
    return True


def decide(con: duckdb.DuckDBPyConnection, review_id: int, accept: bool, by: str | None = None, note: str | None = None) -> bool:
    """Record an analyst's decision on a queued pair; False when no such review id."""
    return decide_in("link_review", con, review_id, accept, by, note)


def add_decision(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str, accept: bool, by: str | None = None) -> int:
    """Record a decision on any two mention keys (queued or not); returns the review id."""
    a, b = sorted((key_l, key_r))
    row = con.execute("SELECT review_id FROM link_review WHERE mention_key_l = ? AND mention_key_r = ?", [a, b]).fetchall()
    if row:
        rid = row[0][0]
    else:
        rid = _take_review_ids(con, 1)
        con.execute("INSERT INTO link_review (review_id, mention_key_l, mention_key_r, status) VALUES (?, ?, ?, 'pending')",
                    [rid, a, b])
    decide(con, rid, accept, by)
    return rid
