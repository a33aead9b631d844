"""`link` over a store: places first, then persons; writes ids, pairs, review queue and run record."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

import duckdb
import polars as pl

from chronolink.engine.link.blocking import rule_names
from chronolink.engine.link.comparisons import COMPARISONS
from chronolink.engine.link.persons import link_persons
from chronolink.engine.link.places import place_keys
from chronolink.engine.link.review import MENTION_KEY_SQL, decisions, queue_pairs
from chronolink.engine.link.scoring import TF_COLUMNS
from chronolink.engine.link.settings import LinkSettings
from chronolink.engine.link.stable_ids import IdChanges, IdPlan, plan_ids, record_ids
from chronolink.engine.link.tables import PERSONS_TABLE, PLACES_TABLE, drop_link_temp, drop_temp, ensure_link_tables


@dataclass
class LinkReport:
    """What a link run did (printed by the CLI, stored in link_runs)."""

    run_id: int
    n_person_mentions: int
    n_persons: int
    n_address_mentions: int
    n_places: int
    n_candidates: int
    n_review_pending: int
    person_changes: IdChanges | None = None
    place_changes: IdChanges | None = None
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _PlaceResult:
    n_mentions: int
    n_places: int
    ids: IdPlan


def link_places(con: duckdb.DuckDBPyConnection, settings: LinkSettings) -> _PlaceResult:
    """Place linkage into temp tables: `_lk_addr` (what person linkage uses) and `_lk_keyed` (per address
    mention: its place id and parsed parts); nothing is written to the store here."""
    addr = con.sql("""SELECT address_mention_id, source_file, source_row, field, raw, flat, number, number_suffix, building,
                             street, town, postcode, uprn FROM address_mentions""").pl()
    keys = place_keys(addr, settings.street_max_edits)
    keyed = addr.select("address_mention_id", "source_file", "source_row", "field", "uprn").join(keys, on="address_mention_id")
    cl = keyed.select("place_key").unique().sort("place_key").with_row_index("cluster")
    keyed = keyed.join(cl, on="place_key").with_columns(
        (pl.col("source_file") + ":" + pl.col("source_row").cast(pl.String) + ":" + pl.col("field")).alias("mention_key"))
    plan = plan_ids(con, "place", "A", keyed.select("mention_key", "cluster"))
    keyed = keyed.join(plan.ids.select("mention_key", "id"), on="mention_key")
    con.register("_lk_keyed_df", keyed)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE _lk_keyed AS
        SELECT address_mention_id, id, flat, number, street, town, postcode, uprn FROM _lk_keyed_df;
        CREATE OR REPLACE TEMP TABLE _lk_addr AS
        SELECT address_mention_id, id AS place_id, postcode, town || '|' || street AS street_key FROM _lk_keyed_df;
    """)
    con.unregister("_lk_keyed_df")
    return _PlaceResult(addr.height, keyed["id"].n_unique(), plan)


def _most_common_sql(src: str, key: str, cols: list[str], extra: str) -> str:
    """SELECT per `key`: the most common non-null value of each of `cols` (ties to the larger value,
    so runs repeat), then the `extra` aggregates. A count per (key, value) and an arg_max run several
    times faster than DuckDB's mode() at county scale."""
    ctes = [f"base AS (SELECT {key}, {extra} FROM {src} GROUP BY {key})"]
    joins = []
    for i, c in enumerate(cols):
        ctes.append(f"f{i} AS (SELECT {key}, arg_max(v, {{'n': n, 'v': v}}) AS v FROM ("
                    f"SELECT {key}, {c} AS v, count(*) AS n FROM {src} WHERE {c} IS NOT NULL GROUP BY ALL) GROUP BY {key})")
        joins.append(f"LEFT JOIN f{i} USING ({key})")
    values = ", ".join(f"f{i}.v" for i in range(len(cols)))
    return f"WITH {', '.join(ctes)} SELECT base.{key}, {values}, base.* EXCLUDE ({key}) FROM base {' '.join(joins)}"


def _write_places(con: duckdb.DuckDBPyConnection, plan: IdPlan, run_id: int) -> None:
    record_ids(con, plan, run_id)
    con.execute(f"""
        UPDATE address_mentions SET address_id = k.id FROM _lk_keyed k
        WHERE k.address_mention_id = address_mentions.address_mention_id;
        CREATE OR REPLACE TABLE {PLACES_TABLE};
        INSERT INTO places
        {_most_common_sql("_lk_keyed", "id", ["flat", "number", "street", "town", "postcode", "uprn"], "count(*)")};
    """)


def _person_ids(con: duckdb.DuckDBPyConnection) -> IdPlan:
    """Stable person ids for the clusters in `_lk_cluster`, as temp `_lk_pid(mention_id, id)`."""
    cur = con.sql(f"""
        SELECT {MENTION_KEY_SQL} AS mention_key, c.cluster FROM _lk_cluster c JOIN _lk_m m USING (mention_id)
    """).pl()
    plan = plan_ids(con, "person", "P", cur)
    con.register("_lk_pid_df", plan.ids.select("mention_key", "id"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_pid AS
        SELECT m.mention_id, d.id FROM _lk_m m JOIN _lk_pid_df d ON d.mention_key = ({MENTION_KEY_SQL});
    """)
    con.unregister("_lk_pid_df")
    return plan


def _link_evidence(con: duckdb.DuckDBPyConnection) -> None:
    """Temp `_lk_pairs_out`: the scored pairs kept as evidence (`band`: borderline, for review)."""
    names = rule_names()
    rule_case = "CASE rule " + " ".join(f"WHEN {i} THEN '{n}'" for i, n in enumerate(names)) + " END"
    # For every pre-cluster of a person, the strongest scored pair tying it to the rest of that
    # person (so every mention's link into its person is explained), plus the strongest
    # borderline pair of every two persons that may be one (persons._reviewable), for review.
    # (`best` orders by weight, then signature ids: ties resolve the same way on every run.)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_pcl AS SELECT DISTINCT m.pc, c.cluster FROM _lk_m m JOIN _lk_cluster c USING (mention_id);
        CREATE OR REPLACE TEMP TABLE _lk_keep AS
        WITH e AS (
            SELECT e.pc_a, e.pc_b, e.w, e.best, a.cluster AS ca, b.cluster AS cb
            FROM _lk_pcedge e JOIN _lk_pcl a ON a.pc = e.pc_a JOIN _lk_pcl b ON b.pc = e.pc_b
        ), inside AS (
            SELECT pc_a AS pc, w, best FROM e WHERE ca = cb UNION ALL SELECT pc_b, w, best FROM e WHERE ca = cb
        )
        SELECT DISTINCT best.sid_l, best.sid_r, FALSE AS band FROM (SELECT max(best) AS best FROM inside GROUP BY pc)
        UNION ALL
        SELECT best.sid_l, best.sid_r, TRUE FROM (
            SELECT max(best) AS best FROM e SEMI JOIN _lk_band b ON b.pc_a = e.pc_a AND b.pc_b = e.pc_b
            GROUP BY least(ca, cb), greatest(ca, cb)
        );
    """)
    # Comparisons as JSON built once per distinct pattern of levels and weights, not per pair.
    gw = [f"g_{c.name}" for c in COMPARISONS] + [f"w_{c.name}" for c in COMPARISONS]
    parts = " || ',' || ".join(
        f"'\"{c.name}\":{{\"level\":' || g_{c.name} || ',\"weight\":' || CAST(round(w_{c.name}, 3) AS VARCHAR) || '}}'"
        for c in COMPARISONS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_pairs_out AS
        WITH s AS (
            SELECT k.band, s.* FROM _lk_keep k JOIN _lk_scored s ON s.sid_l = k.sid_l AND s.sid_r = k.sid_r
        ), pat AS (
            SELECT {", ".join(gw)}, CAST('{{' || {parts} || '}}' AS JSON) AS comparisons
            FROM (SELECT DISTINCT {", ".join(gw)} FROM s)
        )
        SELECT l.rep_mention AS mention_id_l, r.rep_mention AS mention_id_r, s.match_weight, s.match_probability,
               pat.comparisons, {rule_case} AS blocking_rule, s.band
        FROM s JOIN pat USING ({", ".join(gw)})
        JOIN _lk_sig l ON l.sid = s.sid_l JOIN _lk_sig r ON r.sid = s.sid_r;
    """)
    drop_temp(con, "_lk_pcl", "_lk_keep")


def _write_persons(con: duckdb.DuckDBPyConnection, plan: IdPlan, run_id: int) -> tuple[int, int]:
    """Person ids, persons, link pairs and review queue into the store; returns (persons, pending reviews)."""
    record_ids(con, plan, run_id)
    con.execute(f"""
        UPDATE person_mentions SET person_id = p.id FROM _lk_pid p WHERE p.mention_id = person_mentions.mention_id;
        CREATE OR REPLACE TABLE {PERSONS_TABLE};
        CREATE OR REPLACE TEMP TABLE _lk_pm AS SELECT p.id, m.fn, m.sn, m.dob, m.sex, m.agency
        FROM _lk_pid p JOIN _lk_m m USING (mention_id);
        INSERT INTO persons
        {_most_common_sql("_lk_pm", "id", ["fn", "sn", "dob", "sex"], "count(*), list_sort(list(DISTINCT agency))")};
        DROP TABLE _lk_pm;
        DELETE FROM link_pairs;
        INSERT INTO link_pairs SELECT * EXCLUDE (band) FROM _lk_pairs_out;
    """)
    n_persons = con.execute("SELECT count(*) FROM persons").fetchall()[0][0]
    band = con.sql("""SELECT mention_id_l, mention_id_r, match_weight, match_probability FROM _lk_pairs_out
                      WHERE band ORDER BY match_weight DESC, mention_id_l, mention_id_r""").pl()
    queue_pairs(con, band, run_id)
    pending = con.execute("SELECT count(*) FROM link_review WHERE status = 'pending'").fetchall()[0][0]
    return n_persons, pending


def _write_model_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Keep the signature and frequency tables so `explain` can rescore any pair later."""
    con.execute("""
        CREATE OR REPLACE TABLE link_sig AS SELECT * FROM _lk_sig;
        CREATE OR REPLACE TABLE link_msig AS SELECT * FROM _lk_msig;
    """)
    for col in TF_COLUMNS:
        con.execute(f"CREATE OR REPLACE TABLE link_tf_{col} AS SELECT * FROM _lk_tf_{col}")


def run_link(con: duckdb.DuckDBPyConnection, settings: LinkSettings | None = None) -> LinkReport:
    """Link places and persons in the store; every mention gets a person_id / address_id.

    The work happens in temp tables; the store changes only in one transaction at the end, so a
    failed run leaves it as it was. (Inside a transaction DuckDB keeps every replaced temp table
    until commit, which doubled the time and memory of a large run.)"""
    settings = settings or LinkSettings()
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    con.execute("SET enable_progress_bar = false")
    # Leave room for the Python side (clustering, ids) inside the 4 GB budget.
    con.execute(f"SET memory_limit = '{settings.duckdb_memory}'")
    ensure_link_tables(con)
    try:
        return _run(con, settings)
    finally:
        drop_link_temp(con)


def _run(con: duckdb.DuckDBPyConnection, settings: LinkSettings) -> LinkReport:
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    places = link_places(con, settings)
    timings["places"] = time.perf_counter() - t0
    res = link_persons(con, settings, decisions=decisions(con))
    drop_temp(con, "_lk_addr")
    timings.update(res.timings)
    t1 = time.perf_counter()
    person_plan = _person_ids(con)
    _link_evidence(con)
    drop_temp(con, "_lk_cluster", "_lk_pcedge", "_lk_scored", "_lk_band")
    con.execute("BEGIN TRANSACTION")
    try:
        run_id = con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM link_runs").fetchall()[0][0]
        _write_places(con, places.ids, run_id)
        n_persons, pending = _write_persons(con, person_plan, run_id)
        _write_model_tables(con)
        timings["persist"] = time.perf_counter() - t1
        con.execute(
            "INSERT INTO link_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, datetime.now(), time.perf_counter() - t0, res.n_mentions, n_persons, places.n_mentions,
             places.n_places, res.n_candidates, pending, settings.to_json(), res.model.model_dump_json()],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return LinkReport(run_id, res.n_mentions, n_persons, places.n_mentions, places.n_places, res.n_candidates, pending,
                      person_plan.changes, places.ids.changes, timings)


__all__ = ["LinkReport", "run_link", "link_places"]
