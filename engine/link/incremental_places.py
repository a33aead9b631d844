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
"""
from __future__ import annotations

import numpy as np
import polars as pl
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist

from chronolink.engine.link.address_key import squash_street
from chronolink.engine.link.places import place_keys
from chronolink.engine.store.keys import mention_key_expr, mention_key_sql

_COLUMNS = ("address_mention_id, source_file, source_row, field, raw, flat, number, number_suffix, building, street, "
            "town, postcode, uprn")
_PARTS = ("flat", "number", "number_suffix", "building", "street", "town", "postcode", "uprn")
# The written text, as the fallback key reads it, where the key may fall back to it (no house number).
_RAW_KEY = ("CASE WHEN number IS NULL OR street IS NULL "
            "THEN trim(regexp_replace(upper(raw), '[^A-Z0-9]+', ' ', 'g')) END")


def twin_places(con) -> None:  # noqa: ANN001 - the store's connection
    """Temp table `_lk_twin(address_mention_id, id)`: new mentions written exactly as stored ones, each
    with the place most of those hold (ties: the smallest id)."""
    same = " AND ".join(f"n.{c} IS NOT DISTINCT FROM o.{c}" for c in (*_PARTS, "rk"))
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE _lk_twin AS
        WITH new AS (SELECT address_mention_id, {", ".join(_PARTS)}, {_RAW_KEY} AS rk
                     FROM address_mentions WHERE address_id IS NULL),
        old AS (SELECT {", ".join(_PARTS)}, {_RAW_KEY} AS rk, address_id FROM address_mentions
                WHERE address_id IS NOT NULL AND street IN (SELECT street FROM new)),
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
                    FROM address_mentions WHERE address_id IS NULL
                      AND address_mention_id NOT IN (SELECT address_mention_id FROM _lk_twin)""")
    try:
        _near_streets(con, settings)
        addr = con.sql(f"""
            WITH ctx AS (
                SELECT * FROM address_mentions WHERE address_id IN (
                    SELECT address_id FROM places p SEMI JOIN _lk_near n ON n.town = p.town AND n.street = p.street)
                UNION
                SELECT a.* FROM address_mentions a
                WHERE a.address_id IS NOT NULL AND (
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


def new_places(ctx) -> None:  # noqa: ANN001 - LinkContext
    """Work tables `addr` (new address mentions) and `newkeyed` (their ids and parts, `new` marking
    a place not seen before). A twin takes its stored place; another new mention the id most stored
    mentions of its key hold, or a new id for its key."""
    con, eng = ctx.store, ctx.eng
    twin_places(con)
    keyed = keyed_with_context(con, ctx.settings)
    known = (keyed.filter(pl.col("address_id").is_not_null()).group_by("place_key", "address_id").len()
             .sort(["len", "address_id"], descending=[True, False]).group_by("place_key", maintain_order=True).first()
             .select("place_key", pl.col("address_id").alias("id")))
    new = keyed.filter(pl.col("address_id").is_null()).join(known, on="place_key", how="left")
    fresh = new.filter(pl.col("id").is_null()).select("place_key").unique().sort("place_key")
    last = (con.execute("SELECT last_value FROM link_id_seq WHERE kind = 'place'").fetchall() or [(0,)])[0][0]
    fresh = fresh.with_row_index("k").with_columns(
        (pl.lit("A") + (pl.col("k").cast(pl.Int64) + last + 1).cast(pl.String).str.zfill(8)).alias("fresh_id"))
    new = new.join(fresh.select("place_key", "fresh_id"), on="place_key", how="left").with_columns(
        pl.col("id").is_null().alias("new"), pl.coalesce("id", "fresh_id").alias("id"), mention_key_expr("field"))
    eng.register("_lk_newkeyed_df", new)
    # a twin's parts are its place's (they were written identically)
    eng.materialise("newkeyed", f"""
        SELECT address_mention_id, id, new, mention_key, flat, number, street, town, postcode, uprn FROM _lk_newkeyed_df
        UNION ALL
        SELECT a.address_mention_id, t.id, false, {mention_key_sql('a', 'field')} AS mention_key, p.flat, p.number, p.street, p.town, a.postcode,
               p.uprn
        FROM _lk_twin t JOIN address_mentions a USING (address_mention_id) JOIN places p ON p.address_id = t.id""")
    eng.unregister("_lk_newkeyed_df")
    eng.materialise("addr", """
        SELECT k.address_mention_id, k.id AS place_id, k.postcode, k.town || '|' || k.street AS street_key
        FROM _lk_newkeyed k""")
    eng.drop("twin")
    ctx.extra["place_last"] = last + fresh.height
    ctx.counts.update(address_mentions=eng.rows("SELECT count(*) FROM _lk_newkeyed")[0][0], places=fresh.height)
