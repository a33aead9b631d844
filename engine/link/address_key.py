"""Parsed address parts to matching parts (flat, number, building, street, town, postcode).

The ingest parser (engine.normalise.addresses) already splits every address mention into
flat, number, number_suffix, building, street, town and postcode, with street-type
abbreviations expanded, C/O prefixes and multi-line forms handled. Place keys reuse those
columns and add the matching conventions on top, as column expressions:
`14b` = flat 2 of 14 (a letter suffix is the flat, a=1), a lone flat letter B = flat 2,
`14 A ROAD` names the street A ROAD, and two layouts the ingest parse reads differently
from the place rules are re-read from the raw string (see `match_parts`).
"""
from __future__ import annotations

import polars as pl

from chronolink.engine.normalise import expand_street_abbreviations, parse_address
from chronolink.engine.normalise.addresses import BLOCK_WORDS, STREET_TYPES
from chronolink.engine.normalise.postcodes import POSTCODE_SHAPE

# The stored columns of address_mentions that place keys are built from.
PARSED = ("flat", "number", "number_suffix", "building", "street", "town", "postcode")
_TRAILING_PC = r"[ ,]*\b" + POSTCODE_SHAPE + r"[ ,]*$"
_BLOCK_END = r"\b(?:" + "|".join(BLOCK_WORDS) + r")$"
# A component ending in one of these is a street, never a town (block names such as COURT excluded).
_STREET_END = r"\b(?:" + "|".join(t for t in STREET_TYPES if t not in BLOCK_WORDS) + r")$"
_SHORT = {"ROAD": "RD", "STREET": "ST", "AVENUE": "AVE", "LANE": "LN", "CLOSE": "CL", "DRIVE": "DR",
          "GROVE": "GR", "GARDENS": "GDNS", "CRESCENT": "CRES", "WAY": "WY", "COURT": "CT", "PLACE": "PL",
          "TERRACE": "TER", "SQUARE": "SQ", "PARK": "PK", "MEWS": "MWS", "WALK": "WLK", "HILL": "HL",
          "GREEN": "GRN", "RISE": "RI", "VIEW": "VW", "PARADE": "PDE"}


def squash_street(street: pl.Expr) -> pl.Expr:
    """A spacing-free short form for typo distance (`ASH WAY` -> `ASHWY`, `PARKC LOSE` -> `PARKCLOSE`)."""
    last = street.str.extract(r"(\S+)$")
    return pl.concat_str(street.str.replace(r"\s*\S+$", "").str.replace_all(r"\s+", ""), last.replace(_SHORT))


def parsed_columns(df: pl.DataFrame) -> pl.DataFrame:
    """`df` with the PARSED columns: as stored when present, else parsed from raw (and postcode) by the ingest parser."""
    if all(c in df.columns for c in PARSED):
        return df
    # Each distinct input parsed once (repeats are common).
    has_pc = "postcode" in df.columns
    keys = ["raw", "postcode"] if has_pc else ["raw"]
    parts = df.select(keys).unique().with_columns(
        parse_address(pl.col("raw").fill_null(""), pl.col("postcode") if has_pc else None).alias("_p"))
    parts = parts.select(*keys, *[pl.col("_p").struct.field(c).alias(f"_{c}") for c in PARSED])
    out = df.drop([c for c in PARSED if c in df.columns and c not in keys])
    out = out.join(parts, on=keys, how="left", nulls_equal=True).drop([k for k in keys if k != "raw"])
    return out.rename({f"_{c}": c for c in PARSED})


def _letter_flat(letter: pl.Expr) -> pl.Expr:
    # 14b Mill Lane is flat 2 of 14 Mill Lane (a=1, b=2, ...): the data's convention.
    return (letter.str.encode("hex").str.to_integer(base=16, strict=False) - 64).cast(pl.String)


def _street_before_town(df: pl.DataFrame) -> pl.DataFrame:
    """Column `_skipped`: the component between a block and the town that the ingest parse dropped, else null.

    "2 ALBION COURT, MIDDLE CEDAR TSREET, TOWN": a street whose type word has a typo is not
    recognised, so the ingest parse takes ALBION COURT as the street and drops the real one.
    """
    maybe = (pl.col("building").is_null() & pl.col("town").is_not_null()
             & pl.col("street").str.contains(_BLOCK_END).fill_null(False))
    raws = df.filter(maybe).select("raw").unique()
    comps = expand_street_abbreviations(pl.col("raw")).str.replace(_TRAILING_PC, "").str.split(", ")
    raws = raws.with_columns(comps.alias("_comps")).select(
        "raw", pl.col("_comps").list.get(-1, null_on_oob=True).alias("_last"),
        pl.when(pl.col("_comps").list.len() >= 3).then(pl.col("_comps").list.get(-2, null_on_oob=True)).alias("_skipped"))
    df = df.join(raws, on="raw", how="left", nulls_equal=True)
    dropped = (maybe & (pl.col("_last") == pl.col("town")) & (pl.col("_skipped") != pl.col("street"))
               & ~pl.col("_skipped").str.contains(r"\d"))
    return df.with_columns(pl.when(dropped).then(pl.col("_skipped")).alias("_skipped")).drop("_last")


def match_parts(df: pl.DataFrame) -> pl.DataFrame:
    """Replace the parsed columns of address mentions by the matching parts p_flat ... p_postcode.

    The parts are p_flat, p_number, p_building, p_street, p_town, p_postcode. `df` needs raw and either the stored PARSED columns or postcode (then raw is parsed here).
    Two layouts are re-read: a block followed by an unrecognised street and the town (the
    block is the building, its number the flat), and "BUILDING, STREET" with no town, which
    the ingest parse reads as street and town (unless that 'town' is a known one, OCKLEY GREEN).
    """
    df = _street_before_town(parsed_columns(df))
    # Towns written after a numbered street line 3+ times are towns even when they look like streets.
    known = df.filter(pl.col("number").is_not_null() & pl.col("town").is_not_null()).group_by("town").len()
    known = known.filter(pl.col("len") >= 3)["town"].implode()
    df = df.with_columns(
        pl.col("_skipped").is_not_null().alias("_block"),
        (pl.col("number").is_null() & pl.col("building").is_null() & pl.col("street").is_not_null()
         & pl.col("town").str.contains(_STREET_END).fill_null(False) & ~pl.col("town").is_in(known)).alias("_no_town"),
        # "14 A ROAD": the letter names the street, it is not a flat.
        (pl.col("number_suffix").is_not_null() & pl.col("street").is_in(list(STREET_TYPES))).alias("_letter_street"),
    )
    block, no_town, sfx = pl.col("_block"), pl.col("_no_town"), pl.col("number_suffix")
    flat = pl.when(pl.col("flat").str.contains(r"^[A-Z]$")).then(_letter_flat(pl.col("flat"))).otherwise(pl.col("flat"))
    number_flat = pl.concat_str("number", sfx.fill_null(""))  # "2A OAK LODGE": flat 2A
    return df.with_columns(
        pl.when(block).then(pl.coalesce(flat, number_flat))
        .otherwise(pl.coalesce(flat, pl.when(~pl.col("_letter_street")).then(_letter_flat(sfx)))).alias("p_flat"),
        pl.when(~block).then(pl.col("number")).alias("p_number"),
        pl.when(block | no_town).then(pl.col("street")).otherwise(pl.col("building")).alias("p_building"),
        pl.when(block).then(pl.col("_skipped")).when(no_town).then(pl.col("town"))
        .when(pl.col("_letter_street")).then(pl.concat_str(sfx, pl.lit(" "), pl.col("street")))
        # A leading EST is a typo of EAST far more often than Estate (which the ingest parse expands it to).
        .otherwise(pl.col("street").str.replace(r"^ESTATE (\S+ \S)", "EST $1")).alias("p_street"),
        pl.when(~no_town).then(pl.col("town")).str.replace_all(r"[^A-Z ]", "").str.strip_chars().replace("", None)
        .alias("p_town"),
        pl.col("postcode").alias("p_postcode"),
    ).drop("_skipped", "_block", "_no_town", "_letter_street", *PARSED)
