"""Incremental placing: each new address mention to a place, without keying the store's addresses again.

A new mention written exactly as a stored one (every parsed part and the UPRN; the written text too
when there is no house number, as the key may then fall back to it) takes that mention's place: a
key is a function of those parts. The others are keyed by `places.place_keys` together with the
stored mentions their key can depend on, found through the stored places by DuckDB joins: those
sharing a postcode or a UPRN, those written with the same town and street, and those of a stored
place on a street near the new one (the same squashed form, or within the street typo map's edits,
squashed or in full) in a town the new spelling may be (a town its stored mentions were placed in,
or a near spelling of one; any town when it has none). Not its whole town: a county town holds a
fifth of the store, and keying it again cost as much as the full places step.

Then, as in a full run, a row whose house number may be a slip moves to the place its people are seen
at (evidence on both sides of it) or is queued for place review (one side), judged among the stored
rows of its people (`places.slipped_mentions`); and a stored row an analyst decided on since the last
run is placed again with the decision applied (accepted: at the place proposed; rejected: where it
is written).
"""
from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from chronolink.engine.link.address_key import squash_street
from chronolink.engine.link.place_review import PLACE_REVIEW, place_decisions
from chronolink.engine.link.placeholders import PLACEHOLDER_TABLE
from chronolink.engine.link.places import place_keys, residents, slipped_mentions
from chronolink.engine.store.keys import mention_key_expr, mention_key_sql

_COLUMNS = ("address_mention_id, source_file, source_row, field, raw, flat, number, number_suffix, building, street, "
            "town, postcode, uprn")
_PARTS = ("flat", "number", "number_suffix", "building", "street", "town", "postcode", "uprn")
# The written text, as the fallback key reads it, where the key may fall back to it (no house number).
_RAW_KEY = ("CASE WHEN number IS NULL OR street IS NULL "
            "THEN trim(regexp_replace(upper(raw), '[^A-Z0-9]+', ' ', 'g')) END")


def decided_since(con) -> str:  # noqa: ANN001 - the store's connection
    """SQL: address_mention_id of the stored rows an analyst decided on (place review) since the last run."""
    has_queue = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [PLACE_REVIEW]).fetchall()[0][0]
    if not has_queue:
        return "SELECT NULL::BIGINT AS address_mention_id WHERE false"
    return f"""SELECT a.address_mention_id FROM address_mentions a JOIN {PLACE_REVIEW} d
               ON {mention_key_sql('a', 'field')} = d.mention_key
               WHERE a.address_id IS NOT NULL AND d.status IN ('accepted', 'rejected')
                 AND d.decided_at >= (SELECT max(started_at) FROM link_runs)"""


def todo_places(con) -> None:  # noqa: ANN001 - the store's connection
    """Temp table `_lk_todo(address_mention_id, was)`: the rows this run places: new ones (`was` null),
    and stored ones decided on since the last run (`was`: their place now)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lk_todo AS
        SELECT address_mention_id, NULL::VARCHAR AS was FROM address_mentions WHERE address_id IS NULL
        UNION ALL
        SELECT address_mention_id, address_id FROM address_mentions WHERE address_mention_id IN ({decided_since(con)})""")


def twin_places(con) -> None:  # noqa: ANN001 - the store's connection
    """Temp table `_lk_twin(address_mention_id, id)`: new mentions written exactly as stored ones, each
    with the place most of those hold (ties: the smallest id)."""
    same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in (*_PARTS, "rk"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_twin AS
        WITH new AS (SELECT address_mention_id, {", ".join(_PARTS)}, {_RAW_KEY} AS rk
                     FROM address_mentions WHERE address_mention_id IN (SELECT address_mention_id FROM _lk_todo)),
        old AS (SELECT {", ".join(_PARTS)}, {_RAW_KEY} AS rk, address_id FROM address_mentions
                WHERE address_id IS NOT NULL AND street IN (SELECT street FROM new)
                  AND address_mention_id NOT IN (SELECT address_mention_id FROM _lk_todo)),
        votes AS (SELECT n.address_mention_id, o.address_id, count(*) AS k FROM new n JOIN old o ON {same} GROUP BY ALL)
        SELECT address_mention_id, arg_min(address_id, (-k, address_id)) AS id FROM votes GROUP BY 1""")


def _near_streets(con, settings) -> None:  # noqa: ANN001 - store connection, LinkSettings
    """Temp table `_lk_near(town, street)`: the stored places' streets near a new (non-twin) mention's
    street, in a town its spelling may be (any town for a mention without one: the same squashed form)."""
    edits = int(settings.street_max_edits)
    stored = con.sql("SELECT DISTINCT town, street FROM places WHERE street IS NOT NULL ORDER BY ALL").pl().with_columns(
        squash_street(pl.col("street")).alias("sq_c"))
    new = con.sql("SELECT DISTINCT t, s FROM _lk_nt WHERE s IS NOT NULL ORDER BY ALL").pl().with_columns(
        squash_street(pl.col("s")).alias("sq"))
    # Levenshtein is at most twice the Damerau distance: a bit-parallel bound over all pairs of
    # spellings (rapidfuzz), the street typo map's own distance (DuckDB's) on the few left.
    bound, workers = 2 * edits, int(settings.threads or 1)
    near_sq = cdist(new["sq"].to_list(), stored["sq_c"].to_list(), scorer=Levenshtein.distance, score_cutoff=bound,
                    dtype=np.uint8, workers=workers)
    near_full = cdist(new["s"].to_list(), stored["street"].to_list(), scorer=Levenshtein.distance,
                      score_cutoff=bound, dtype=np.uint8, workers=workers)
    i, j = np.nonzero((near_sq <= bound) | (near_full <= bound))
    pairs = pl.concat([new[i.tolist()], stored[j.tolist()]], how="horizontal")
    con.register("_lk_pairs_df", pairs)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _lk_near AS
            WITH maybe AS (  -- the stored towns a new town spelling may be
                SELECT DISTINCT n.t, p.town FROM (SELECT DISTINCT t FROM _lk_nt WHERE t IS NOT NULL) n
                JOIN address_mentions a ON upper(a.town) = n.t JOIN places p USING (address_id) WHERE p.town IS NOT NULL
                UNION SELECT n.t, c.town FROM (SELECT DISTINCT t FROM _lk_nt WHERE t IS NOT NULL) n
                JOIN (SELECT DISTINCT town FROM places WHERE town IS NOT NULL) c
                  ON jaro_winkler_similarity(n.t, c.town) >= {float(settings.places.town_similarity)!r})
            SELECT DISTINCT p.town, p.street FROM _lk_pairs_df p
            WHERE (p.t IS NULL AND p.sq = p.sq_c)
               OR ((p.t, p.town) IN (SELECT (t, town) FROM maybe)
                   AND (p.sq = p.sq_c OR damerau_levenshtein(p.sq, p.sq_c) <= {edits}
                        OR damerau_levenshtein(p.s, p.street) <= {edits}))""")
    finally:
        con.unregister("_lk_pairs_df")


def keyed_with_context(con, settings) -> pl.DataFrame:  # noqa: ANN001 - store connection, LinkSettings
    """The new mentions that are no twin keyed among the stored mentions their key depends on: columns
    (address_mention_id, source_file, source_row, field, uprn, address_id (null: new), place_key, town,
    street, number, flat, postcode)."""
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _lk_nt AS SELECT {_COLUMNS}, upper(town) AS t, upper(street) AS s
                    FROM address_mentions WHERE address_mention_id IN (SELECT address_mention_id FROM _lk_todo)
                      AND address_mention_id NOT IN (SELECT address_mention_id FROM _lk_twin)""")
    try:
        _near_streets(con, settings)
        addr = con.sql(f"""
            WITH ctx AS (
                SELECT * FROM address_mentions WHERE address_id IN (
                    SELECT address_id FROM places p SEMI JOIN _lk_near n ON n.town = p.town AND n.street = p.street)
                  AND address_mention_id NOT IN (SELECT address_mention_id FROM _lk_todo)
                UNION
                SELECT a.* FROM address_mentions a
                WHERE a.address_id IS NOT NULL AND a.address_mention_id NOT IN (SELECT address_mention_id FROM _lk_todo) AND (
                      a.postcode IN (SELECT postcode FROM _lk_nt)
                   OR a.uprn IN (SELECT uprn FROM _lk_nt WHERE uprn IS NOT NULL)
                   OR (upper(a.town), upper(a.street)) IN (SELECT (t, s) FROM _lk_nt)))
            SELECT {_COLUMNS}, NULL AS address_id FROM _lk_nt UNION ALL SELECT {_COLUMNS}, address_id FROM ctx""").pl()
    finally:
        con.execute("DROP TABLE IF EXISTS temp._lk_nt; DROP TABLE IF EXISTS temp._lk_near")
    keys = place_keys(addr.drop("address_id"), settings.street_max_edits, places=settings.places,
                      placeholders=settings.placeholders)
    return addr.select("address_mention_id", "source_file", "source_row", "field", "uprn", "address_id").join(
        keys, on="address_mention_id")


def _slips(con, rows: pl.DataFrame, settings) -> tuple[pl.DataFrame, pl.DataFrame]:  # noqa: ANN001
    """(rows moved, review): `rows` (address_mention_id, place_key, town, street, number, p_flat) judged for
    a house-number slip among the stored rows of their people (keyed by their place id) and the rows
    analysts' decisions name; the rows' `place_key` and `number` after a move, and the one-sided ones
    for review (address_mention_id, review_to, review_why)."""
    con.register("_lk_slip_df", rows.select("address_mention_id"))
    try:
        stored = PLACEHOLDER_TABLE if con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?",
                                                  [PLACEHOLDER_TABLE]).fetchall()[0][0] else None
        people = residents(con, settings.placeholders, among="_lk_slip_df", stored=stored)
    finally:
        con.unregister("_lk_slip_df")
    decided = place_decisions(con)
    if decided is not None:
        decided = decided.filter(pl.col("address_mention_id").is_in(rows["address_mention_id"].implode()))
    others = pl.concat([people["address_mention_id"], *([] if decided is None else [decided["to_mention_id"]])]).unique()
    con.register("_lk_other_df", others.to_frame("address_mention_id"))
    try:
        stored_rows = con.sql("""
            SELECT a.address_mention_id, p.address_id AS place_key, p.town, p.street, p.number, p.flat AS p_flat
            FROM address_mentions a JOIN places p USING (address_id)
            WHERE a.address_mention_id IN (SELECT address_mention_id FROM _lk_other_df)
              AND a.address_mention_id NOT IN (SELECT address_mention_id FROM _lk_todo)""").pl()
    finally:
        con.unregister("_lk_other_df")
    df = pl.concat([rows.select(stored_rows.columns), stored_rows], how="vertical_relaxed")
    moved, review = slipped_mentions(df, people, settings.places, decided)
    return moved.join(rows.select("address_mention_id"), on="address_mention_id"), review


def new_places(ctx) -> None:  # noqa: ANN001 - LinkContext
    """Work tables `addr` (the rows placed) and `newkeyed` (their ids and parts, `new` marking a place not
    seen before, `was` a decided stored row's place before). A twin takes its stored place; another row
    the id most stored mentions of its key hold, or a new id for its key; then a slip moves (or is
    queued, `ctx.extra['place_review']`) and a decision applies as in a full run."""
    con, eng = ctx.store, ctx.eng
    todo_places(con)
    twin_places(con)
    keyed = keyed_with_context(con, ctx.settings)
    known = (keyed.filter(pl.col("address_id").is_not_null()).group_by("place_key", "address_id").len()
             .sort(["len", "address_id"], descending=[True, False]).group_by("place_key", maintain_order=True).first()
             .select("place_key", pl.col("address_id").alias("id")))
    # a twin's parts are its place's (they were written identically); its key is its place id
    twins = con.sql("""
        SELECT t.address_mention_id, t.id AS place_key, t.id, a.source_file, a.source_row, a.field, p.flat, p.number,
               p.street, p.town, a.postcode, p.uprn
        FROM _lk_twin t JOIN address_mentions a USING (address_mention_id) JOIN places p ON p.address_id = t.id""").pl()
    new = keyed.filter(pl.col("address_id").is_null()).join(known, on="place_key", how="left").with_columns(
        pl.coalesce("id", pl.lit("K|") + pl.col("place_key")).alias("place_key"))
    rows = pl.concat([new.select(twins.columns), twins], how="vertical_relaxed")
    moved, review = _slips(con, rows.rename({"flat": "p_flat"}), ctx.settings)
    # after a move a row's key (and number) are its new place's: a stored place id, or another new key
    rows = rows.drop("id", "place_key", "number").join(moved.select("address_mention_id", "place_key", "number"),
                                                      on="address_mention_id")
    rows = rows.with_columns(pl.when(~pl.col("place_key").str.starts_with("K|")).then("place_key").alias("id"))
    fresh = rows.filter(pl.col("id").is_null()).select("place_key").unique().sort("place_key")
    last = (con.execute("SELECT last_value FROM link_id_seq WHERE kind = 'place'").fetchall() or [(0,)])[0][0]
    fresh = fresh.with_row_index("k").with_columns(
        (pl.lit("A") + (pl.col("k").cast(pl.Int64) + last + 1).cast(pl.String).str.zfill(8)).alias("fresh_id"))
    rows = rows.join(fresh.select("place_key", "fresh_id"), on="place_key", how="left").with_columns(
        pl.col("id").is_null().alias("new"), pl.coalesce("id", "fresh_id").alias("id"), mention_key_expr("field"))
    eng.register("_lk_newkeyed_df", rows)
    eng.materialise("newkeyed", """
        SELECT k.address_mention_id, k.id, k.new, t.was, k.mention_key, k.flat, k.number, k.street, k.town, k.postcode, k.uprn
        FROM _lk_newkeyed_df k JOIN _lk_todo t USING (address_mention_id)""")
    eng.unregister("_lk_newkeyed_df")
    eng.materialise("addr", """
        SELECT k.address_mention_id, k.id AS place_id, k.postcode, k.town || '|' || k.street AS street_key
        FROM _lk_newkeyed k""")
    eng.drop("twin", "todo")
    ctx.extra["place_last"] = last + fresh.height
    ctx.extra["place_review"] = review.join(rows.select("address_mention_id"), on="address_mention_id")
    ctx.counts.update(address_mentions=eng.rows("SELECT count(*) FROM _lk_newkeyed")[0][0], places=fresh.height)
