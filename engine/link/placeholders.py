"""Identifier values that are placeholders, found from the data: they stop counting as evidence.

Systems write `0`, `-1` or `999999999999` for "no UPRN" and `0000000000` for "no NHS number", and
several of these pass their check digits. One value held by far more people or dwellings than one
person or one building could have is such a placeholder, whatever it looks like:

- a person identifier (NHS number, UPN, PNC id) written with `person_dobs` or more dates of birth,
  or `person_initials` or more forename initials (one person's records differ by a typo, a
  day/month swap or a nickname: two or three at most), or made of one repeated digit;
- a UPRN written on addresses with `uprn_numbers` or more house numbers or `uprn_streets` or more
  streets (one dwelling's mentions differ by a typo at most);
- a date of birth written with far more surnames than chance gives one date, judged by the days
  around it (`dob_placeholders`): 1900-01-01, 01/01/1901, a system's default date. It stops counting as a date of birth: the link
  features read it as unknown, and place matching does not take it as a resident's identity.

The thresholds are link settings (`LinkSettings.placeholders`, engine/link/settings.py).

Placeholders are kept in the mentions as written and listed in the store table
`identifier_placeholders` (identifier, value, mentions, holders, reason) for the analyst.
"""
from __future__ import annotations

import duckdb
import polars as pl

from chronolink.engine.link.engine import LinkEngine
from chronolink.engine.link.settings import PlaceholderSettings

PLACEHOLDER_TABLE = "identifier_placeholders"
PLACEHOLDER_SCHEMA = pl.Schema({"identifier": pl.String, "value": pl.String, "mentions": pl.Int64, "holders": pl.Int64,
                      "reason": pl.String})
# How linkage writes each person identifier (features._lk_raw): the placeholder list uses the same form.
_PERSON_IDS = {
    "nhs_number": ("nhs_valid", "regexp_replace(nhs_number, '[^0-9]', '', 'g')"),
    "upn": ("upn_valid", "upper(upn)"),
    "pnc": ("pnc_valid", "upper(pnc)"),
}


def person_placeholders(eng: LinkEngine, source: str = "person_mentions",
                        cfg: PlaceholderSettings | None = None, among: str | None = None) -> pl.DataFrame:
    """Valid person identifiers of `source` that are placeholders, and its placeholder dates of birth
    (dob_placeholders): PLACEHOLDER_SCHEMA columns. With `among` (a table of some of its mentions: an
    incremental run's new ones), only the values they hold are judged (counted over all of `source`)."""
    def held_by(ident: str, ok: str, value: str) -> str:
        mine = "" if among is None else f" AND {value} IN (SELECT {value} FROM {among} WHERE {ok})"
        return f"SELECT '{ident}' AS identifier, {value} AS value, dob, forename FROM {source} WHERE {ok}{mine}"
    held = " UNION ALL ".join(held_by(ident, ok, value) for ident, (ok, value) in _PERSON_IDS.items())
    return pl.concat([held_placeholders(eng, f"({held})", cfg), dob_placeholders(eng, source, cfg, among)])


def held_placeholders(eng: LinkEngine, held: str, cfg: PlaceholderSettings | None = None) -> pl.DataFrame:
    """The placeholders among identifier values held by people: `held` is a table or subquery of
    (identifier, value, dob, forename), one row per mention holding a valid value (any identifier
    column: link-files declares its own). PLACEHOLDER_SCHEMA columns."""
    cfg = cfg or PlaceholderSettings()
    dobs, initials = int(cfg.person_dobs), int(cfg.person_initials)
    return eng.frame(f"""
        SELECT identifier, value, mentions, holders,
               CASE WHEN n_dob >= {dobs} THEN n_dob || ' dates of birth'
                    WHEN n_init >= {initials} THEN n_init || ' forename initials'
                    ELSE 'one repeated digit' END AS reason
        FROM (SELECT identifier, value, count(*) AS mentions,
                     greatest(count(DISTINCT dob), count(DISTINCT left(upper(forename), 1))) AS holders,
                     count(DISTINCT dob) AS n_dob, count(DISTINCT left(upper(forename), 1)) AS n_init
              FROM {held} WHERE value IS NOT NULL GROUP BY identifier, value)
        WHERE n_dob >= {dobs} OR n_init >= {initials}
           OR (length(value) > 1 AND replace(value, left(value, 1), '') = '')
        ORDER BY identifier, value
    """).cast(PLACEHOLDER_SCHEMA)


#: Days either side of a date whose holders tell how many one date has by chance.
DOB_WINDOW_DAYS = 30


def dob_placeholders(eng: LinkEngine, source: str = "person_mentions",
                     cfg: PlaceholderSettings | None = None, among: str | None = None) -> pl.DataFrame:
    """Dates of birth written for far more people than chance gives one date (PLACEHOLDER_SCHEMA columns,
    identifier `dob`, value yyyy-mm-dd): 1900-01-01, a system's default date, an estimated year's 1st of
    January written for everyone whose birthday is unknown.

    A date's holders are the distinct surnames written with it (one person's records differ by a typo or
    a change of name at most; twins share a surname). Chance gives a date about as many holders as the
    days around it have: the average over the DOB_WINDOW_DAYS before it or after it, whichever is more
    (a date at the edge of the population's range, an age cut-off or a school year's first day, has its
    neighbours on one side only: a calendar year's average would make its real dates look crowded).
    A date holding at least `dob_holders` and `dob_ratio` times that is a placeholder when it has a
    placeholder's shape (the 1st of a month: a day or a whole date estimated; a year before 1902: a
    system's default); a date of any other shape needs `dob_other_shape` times that evidence.
    With `among` (some of its mentions: an incremental run's new ones), only the dates they hold are
    judged, from the dates of their years and the years either side (a window never reaches further)."""
    cfg = cfg or PlaceholderSettings()
    years = "" if among is None else (
        f" AND year(dob) IN (SELECT DISTINCT year(dob) + o FROM {among}, (VALUES (-1), (0), (1)) v(o) WHERE dob IS NOT NULL)")
    d = eng.frame(f"""
        SELECT dob, count(*) AS mentions, count(DISTINCT upper(surname)) AS holders
        FROM {source} WHERE dob IS NOT NULL AND coalesce(dob_status, 'ok') = 'ok' AND surname IS NOT NULL{years}
        GROUP BY dob ORDER BY dob""")
    if d.is_empty():
        return pl.DataFrame(schema=PLACEHOLDER_SCHEMA)
    w = DOB_WINDOW_DAYS
    day, cum = pl.col("dob").cast(pl.Date).cast(pl.Int64), pl.col("holders").cast(pl.Int64).cum_sum()
    # holders on the dates in (lo, hi] of days, from the running total at the dates' sorted positions
    total = pl.concat([pl.lit(0, pl.Int64), cum])

    def upto(days: pl.Expr) -> pl.Expr:
        return total.gather(day.search_sorted(days, side="right"))

    e = d.with_columns(pl.col("dob").cast(pl.Date)).with_columns(
        (pl.max_horizontal(upto(day - 1) - upto(day - w - 1), upto(day + w) - upto(day)) / w).alias("expected"))
    shape = (pl.col("dob").dt.day() == 1) | (pl.col("dob").dt.year() < 1902)
    need = pl.when(shape).then(1.0).otherwise(float(cfg.dob_other_shape))
    hit = e.filter((pl.col("holders") >= int(cfg.dob_holders) * need)
                   & (pl.col("holders") >= float(cfg.dob_ratio) * need * pl.col("expected")))
    if among is not None:  # the dates at the edge of the years read lack a side: only the new ones' dates count
        hit = hit.filter(pl.col("dob").is_in(eng.frame(f"SELECT DISTINCT dob FROM {among}")["dob"].cast(pl.Date).implode()))
    return hit.select(
        pl.lit("dob").alias("identifier"), pl.col("dob").cast(pl.String).alias("value"), "mentions", "holders",
        pl.format("{} surnames (chance gives {} from the {} days either side)", "holders",
                  pl.col("expected").round(2), pl.lit(w)).alias("reason")).cast(PLACEHOLDER_SCHEMA)


def uprn_placeholders(df: pl.DataFrame, cfg: PlaceholderSettings | None = None) -> pl.DataFrame:
    """Valid UPRNs (column `uprn`) written on more dwellings than one: PLACEHOLDER_SCHEMA columns.

    `df` holds address mentions with `uprn`, `p_number` and `sq_street` (a spacing-free street form)."""
    cfg = cfg or PlaceholderSettings()
    g = (df.filter(pl.col("uprn").is_not_null())
         .group_by("uprn")
         .agg(pl.len().alias("mentions"), pl.col("p_number").drop_nulls().n_unique().alias("n_num"),
              pl.col("sq_street").drop_nulls().n_unique().alias("n_street")))
    hit = g.filter((pl.col("n_num") >= cfg.uprn_numbers) | (pl.col("n_street") >= cfg.uprn_streets))
    return hit.select(
        pl.lit("uprn").alias("identifier"), pl.col("uprn").alias("value"), pl.col("mentions").cast(pl.Int64),
        pl.max_horizontal("n_num", "n_street").cast(pl.Int64).alias("holders"),
        pl.when(pl.col("n_street") >= cfg.uprn_streets).then(pl.col("n_street").cast(pl.String) + " streets")
        .otherwise(pl.col("n_num").cast(pl.String) + " house numbers").alias("reason"),
    ).sort("value")


def not_placeholder_dob_sql(con: duckdb.DuckDBPyConnection, column: str = "dob") -> str:
    """An SQL condition true where `column` is no date of birth the last link run listed as a placeholder
    (TRUE on a store no run has listed any in), for readers of person_mentions.dob outside linkage."""
    listed = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                         [PLACEHOLDER_TABLE]).fetchall()[0][0]
    if not listed:
        return "TRUE"
    return (f"CAST({column} AS VARCHAR) NOT IN (SELECT value FROM {PLACEHOLDER_TABLE} "
            "WHERE identifier = 'dob' AND value IS NOT NULL)")


def write_placeholders(con: duckdb.DuckDBPyConnection, found: pl.DataFrame) -> None:
    """Replace the store's placeholder list with `found` (one link run's findings)."""
    con.register("_lk_ph_df", found.cast(PLACEHOLDER_SCHEMA))
    con.execute(f"CREATE OR REPLACE TABLE {PLACEHOLDER_TABLE} AS SELECT * FROM _lk_ph_df")
    con.unregister("_lk_ph_df")


__all__ = ["PLACEHOLDER_TABLE", "dob_placeholders", "held_placeholders", "not_placeholder_dob_sql", "person_placeholders",
           "uprn_placeholders", "write_placeholders"]
