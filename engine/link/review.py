"""Clerical review: borderline pairs queued for an analyst, whose decisions beat the model on every run.

Pairs are stored by mention keys (`source_file:source_row:slot`), not mention ids, so a
decision survives a re-ingest that renumbers mentions.
"""
from __future__ import annotations

from datetime import datetime

import duckdb
import polars as pl

def mention_key_sql(alias: str = "") -> str:
    """SQL for a mention's key `source_file:source_row:slot` (table alias optional)."""
    p = f"{alias}." if alias else ""
    return f"({p}source_file || ':' || CAST({p}source_row AS VARCHAR) || ':' || {p}slot)"


MENTION_KEY_SQL = mention_key_sql()


def queue_pairs(con: duckdb.DuckDBPyConnection, pairs: pl.DataFrame, run_id: int) -> int:
    """Add (mention_id_l, mention_id_r, match_weight, match_probability) pairs not yet queued; returns how many."""
    if pairs.is_empty():
        return 0
    con.register("_lk_q_df", pairs)
    before = con.execute("SELECT count(*) FROM link_review").fetchall()[0][0]
    con.execute(f"""
        INSERT INTO link_review (review_id, mention_key_l, mention_key_r, match_weight, match_probability, status, created_run)
        WITH k AS (
            SELECT {mention_key_sql('l')} AS kl,
                   {mention_key_sql('r')} AS kr,
                   q.match_weight, q.match_probability
            FROM _lk_q_df q JOIN person_mentions l ON l.mention_id = q.mention_id_l
            JOIN person_mentions r ON r.mention_id = q.mention_id_r
        ), n AS (
            SELECT least(kl, kr) AS a, greatest(kl, kr) AS b, max(match_weight) AS w, max(match_probability) AS p
            FROM k GROUP BY ALL
        )
        SELECT (SELECT coalesce(max(review_id), 0) FROM link_review) + row_number() OVER (ORDER BY w DESC, a, b),
               a, b, w, p, 'pending', {int(run_id)}
        FROM n ANTI JOIN link_review lr ON lr.mention_key_l = n.a AND lr.mention_key_r = n.b
    """)
    con.unregister("_lk_q_df")
    return con.execute("SELECT count(*) FROM link_review").fetchall()[0][0] - before


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


def decide(con: duckdb.DuckDBPyConnection, review_id: int, accept: bool, by: str | None = None, note: str | None = None) -> bool:
    """Record an analyst's decision on a queued pair; False when no such review id."""
    found = con.execute("SELECT count(*) FROM link_review WHERE review_id = ?", [review_id]).fetchall()[0][0]
    if not found:
        return False
    con.execute(
        "UPDATE link_review SET status = ?, decided_at = ?, decided_by = ?, note = ? WHERE review_id = ?",
        ["accepted" if accept else "rejected", datetime.now(), by, note, review_id],
    )
    return True


def add_decision(con: duckdb.DuckDBPyConnection, key_l: str, key_r: str, accept: bool, by: str | None = None) -> int:
    """Record a decision on any two mention keys (queued or not); returns the review id."""
    a, b = sorted((key_l, key_r))
    row = con.execute("SELECT review_id FROM link_review WHERE mention_key_l = ? AND mention_key_r = ?", [a, b]).fetchall()
    if row:
        rid = row[0][0]
    else:
        rid = con.execute("SELECT coalesce(max(review_id), 0) + 1 FROM link_review").fetchall()[0][0]
        con.execute("INSERT INTO link_review (review_id, mention_key_l, mention_key_r, status) VALUES (?, ?, ?, 'pending')",
                    [rid, a, b])
    decide(con, rid, accept, by)
    return rid
