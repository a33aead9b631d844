"""Parsed address parts to matching parts (flat, number, building, street, town, postcode).

The ingest parser (engine.normalise.addresses) splits every address mention into flat, number,
number_suffix, building, street, town and postcode, stored in address_mentions; this module never
parses again. It adds the matching conventions on top, as column expressions: `14b` = flat 2 of
14 (a letter suffix is the flat, a=1), a lone flat letter B = flat 2, `14 A ROAD` names the
street A ROAD, and "BUILDING, STREET" with no town (which the parser reads as street and town).
"""
from __future__ import annotations

import polars as pl

from chronolink.engine.normalise.addresses import BLOCK_WORDS, STREET_TYPES
from chronolink.engine.normalise.addresses import PARTS as PARSED

# A component ending in one of these is a street, never a town (block names such as COURT excluded).
_STREET_END = r"\b(?:" + "|".join(t for t in STREET_TYPES if t not in BLOCK_WORDS) + r")$"
_SHORT = {"ROAD": "RD", "STREET": "ST", "AVENUE": "AVE", "LANE": "LN", "CLOSE": "CL", "DRIVE": "DR",
          "GROVE": "GR", "GARDENS": "GDNS", "CRESCENT": "CRES", "WAY": "WY", "COURT": "CT", "PLACE": "PL",
          "TERRACE": "TER", "SQUARE": "SQ", "PARK": "PK", "MEWS": "MWS", "WALK": "WLK", "HILL": "HL",
          "GREEN": "GRN", "RISE": "RI", "VIEW": "VW", "PARADE": "PDE"}


_TYPE_AT_END = r"^(?P<h>.+?)(?P<t>" + "|".join(_SHORT) + r")$"
# Every type word (and SAINT) to its short form wherever it stands: a split word whose first piece the
# parse expanded as an abbreviation ("PL OVER LANE" -> PLACE OVER LANE, "ST ATION ROAD" -> SAINT ATION
# ROAD, "GR ANGE STREET" -> GROVE ANGE STREET) squashes back to the street's own letters.
_SHORT_WORDS = {**_SHORT, "SAINT": "ST"}
_WORD_PATTERNS = [f" {w} " for w in _SHORT_WORDS]
_WORD_SHORTS = [f" {s} " for s in _SHORT_WORDS.values()]


def squash_street(street: pl.Expr, every_word: bool = False) -> pl.Expr:
    """A spacing-free short form for typo distance: words run together or split and the street type
    abbreviated all give one form (`ASH WAY`, `ASHWAY` -> `ASHWY`; `HAW THORN ROAD` -> `HAWTHORNRD`).
    `every_word`: type words shortened wherever they stand, not only at the end (`PLACE OVER LANE`, the
    parse of `Pl over Lane`, -> `PLOVERLN`; but `GREEN STREET` -> `GRNST`, which `GREENST` is not)."""
    if every_word:
        padded = pl.concat_str(pl.lit(" "), street, pl.lit(" "))
        # Two passes: a match consumes the space the next word would start with ("GROVE ROAD").
        street = padded.str.replace_many(_WORD_PATTERNS, _WORD_SHORTS).str.replace_many(_WORD_PATTERNS, _WORD_SHORTS)
    sq = street.str.replace_all(r"\s+", "")
    g = sq.str.extract_groups(_TYPE_AT_END)
    return pl.when(g.struct.field("t").is_not_null()).then(
        pl.concat_str(g.struct.field("h"), g.struct.field("t").replace(_SHORT))).otherwise(sq)


def _letter_flat(letter: pl.Expr) -> pl.Expr:
    # 14b Mill Lane is flat 2 of 14 Mill Lane (a=1, b=2, ...): the data's convention.
    return (letter.str.encode("hex").str.to_integer(base=16, strict=False) - 64).cast(pl.String)


def match_parts(df: pl.DataFrame) -> pl.DataFrame:
    """Replace the parsed columns of address mentions by the matching parts p_flat ... p_postcode.

    The parts are p_flat, p_number, p_building, p_street, p_town, p_postcode; `df` needs the stored
    PARSED columns. "BUILDING, STREET" with no town, which the parser reads as street and town, is
    read as building and street (unless that 'town' is a known one, OCKLEY GREEN).
    """
    missing = [c for c in PARSED if c not in df.columns]
    if missing:
        raise ValueError(f"address mentions lack the parsed columns {missing} (parse with normalise.with_address_parts)")
    # Towns written after a numbered street line 3+ times are towns even when they look like streets.
    counted = df.filter(pl.col("number").is_not_null() & pl.col("town").is_not_null()).group_by("town").len()
    known = counted.filter(pl.col("len") >= 3)["town"].implode()
    df = df.with_columns(
        (pl.col("number").is_null() & pl.col("building").is_null() & pl.col("street").is_not_null()
         & pl.col("town").str.contains(_STREET_END).fill_null(False) & ~pl.col("town").is_in(known)).alias("_no_town"),
        # "14 A ROAD": the letter names the street, it is not a flat.
        (pl.col("number_suffix").is_not_null() & pl.col("street").is_in(list(STREET_TYPES))).alias("_letter_street"),
    )
    no_town, sfx = pl.col("_no_town"), pl.col("number_suffix")
    flat = pl.when(pl.col("flat").str.contains(r"^[A-Z]$")).then(_letter_flat(pl.col("flat"))).otherwise(pl.col("flat"))
    return df.with_columns(
        pl.coalesce(flat, pl.when(~pl.col("_letter_street")).then(_letter_flat(sfx))).alias("p_flat"),
        pl.col("number").alias("p_number"),
        pl.when(no_town).then(pl.col("street")).otherwise(pl.col("building")).alias("p_building"),
        pl.when(no_town).then(pl.col("town"))
        .when(pl.col("_letter_street")).then(pl.concat_str(sfx, pl.lit(" "), pl.col("street")))
        # A leading EST is a typo of EAST far more often than Estate (which the ingest parse expands it to).
        .otherwise(pl.col("street").str.replace(r"^ESTATE (\S+ \S)", "EST $1")).alias("p_street"),
        pl.when(~no_town).then(pl.col("town")).str.replace_all(r"[^A-Z ]", "").str.strip_chars().replace("", None)
        .alias("p_town"),
        pl.col("postcode").alias("p_postcode"),
    ).drop("_no_town", "_letter_street", *PARSED)
