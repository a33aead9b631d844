"""Evidence for each flag: the source rows that made it fire and the links it relied on."""
from __future__ import annotations

import duckdb
import polars as pl

_ROWS = """
SELECT e.flag_idx, e.source_file, e.source_row, e.role, e.mention_id,
       m.person_id, m.slot, r.event_type, r.event_date, r.agency
FROM __ev e
LEFT JOIN person_mentions m ON m.mention_id = e.mention_id
LEFT JOIN records r ON r.source_file = e.source_file AND r.source_row = e.source_row
ORDER BY e.flag_idx, r.event_date, e.source_file, e.source_row, e.role, e.mention_id
"""


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [name]).fetchall()[0][0])


def _links(con: duckdb.DuckDBPyConnection) -> pl.DataFrame | None:
    """For each evidence mention, the strongest stored link tying it to another mention of its person."""
    if not _has_table(con, "link_pairs"):
        return None
    return con.sql("""
        WITH ev AS (SELECT DISTINCT flag_idx, mention_id FROM __ev WHERE mention_id IS NOT NULL),
        touching AS (  -- two equi-joins, not one OR join (which DuckDB runs as a nested loop)
          SELECT ev.flag_idx, ev.mention_id, lp.* FROM ev JOIN link_pairs lp ON lp.mention_id_l = ev.mention_id
          UNION ALL
          SELECT ev.flag_idx, ev.mention_id, lp.* FROM ev JOIN link_pairs lp ON lp.mention_id_r = ev.mention_id
        ),
        cand AS (
          SELECT lp.flag_idx, lp.mention_id, lp.mention_id_l, lp.mention_id_r, lp.match_weight,
                 lp.match_probability, lp.comparisons
          FROM touching lp
          JOIN person_mentions a ON a.mention_id = lp.mention_id_l
          JOIN person_mentions b ON b.mention_id = lp.mention_id_r
          WHERE a.person_id = b.person_id
        )
        -- One pair per mention, its strongest; pairs as strong: the smallest mention ids (runs repeat).
        SELECT flag_idx, mention_id, best.l AS mention_id_l, best.r AS mention_id_r, best.w AS match_weight,
               best.p AS match_probability, best.c AS comparisons
        FROM (SELECT flag_idx, mention_id,
                     arg_max({'l': mention_id_l, 'r': mention_id_r, 'w': match_weight, 'p': match_probability,
                              'c': comparisons::VARCHAR},
                             {'w': match_weight, 'l': -mention_id_l, 'r': -mention_id_r}) AS best
              FROM cand GROUP BY flag_idx, mention_id)
    """).pl()


def attach_evidence(con: duckdb.DuckDBPyConnection, flags: pl.DataFrame) -> pl.DataFrame:
    """Replace each flag's evidence list with compact JSON: `records` (source rows), `links` (the linkage
    each relied on) and, for a flag of several firings, `occurrences` (trigger date and address of each)."""
    indexed = flags.with_row_index("flag_idx")
    ev = indexed.select("flag_idx", "evidence").explode("evidence").unnest("evidence")
    con.register("__ev", ev)
    try:
        rows = con.sql(_ROWS).pl()
        links = _links(con)
    finally:
        con.unregister("__ev")
    parts = [rows.group_by("flag_idx").agg(
        records=pl.struct("source_file", "source_row", "role", "mention_id", "person_id", "slot", "agency",
                          "event_type", pl.col("event_date").cast(pl.String)))]
    if links is not None and links.height:
        parts.append(links.sort("flag_idx", "mention_id").group_by("flag_idx").agg(
            links=pl.struct("mention_id_l", "mention_id_r", "match_weight", "match_probability", "comparisons")))
    out = indexed.drop("evidence")
    for p in parts:
        out = out.join(p, on="flag_idx", how="left")
    cols = [c for c in ("records", "links") if c in out.columns]
    fields = [pl.col(c) for c in cols]
    if "occurrences" in out.columns:  # one concern, several firings (engine.flags.identity)
        fields.append(pl.col("occurrences").list.eval(pl.struct(
            pl.element().struct.field("trigger_date").cast(pl.String),
            pl.element().struct.field("address_id"))).alias("occurrences"))
    return out.with_columns(evidence=pl.struct(fields).struct.json_encode()).drop(["flag_idx", *cols])
