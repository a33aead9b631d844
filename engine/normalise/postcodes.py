"""UK postcode normalisers as bulk polars expressions."""

from __future__ import annotations

import polars as pl

from chronolink.engine.normalise._text import staged

# Compact (no space) UK postcode, per the published format rules, plus GIR 0AA.
_VALID_COMPACT = (
    r"^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])"
    r"[0-9][ABD-HJLNP-UW-Z]{2})$"
)
# Looser shape used to find a trailing postcode in an address line: it also
# catches postcodes with a wrong letter (kept, flagged invalid later).
POSTCODE_SHAPE = r"(?:GIR ?0AA|[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})"
_TRAILING = r"(?is)^(?P<rest>.*?)[\s,;.]*\b(?P<postcode>" + POSTCODE_SHAPE.replace(" ?", r"\s*") + r")[\s,;.]*$"


POSTCODE_DTYPE = pl.Struct(
    {"postcode": pl.String, "valid": pl.Boolean, "area": pl.String, "district": pl.String, "sector": pl.String}
)
EXTRACT_DTYPE = pl.Struct({"rest": pl.String, "postcode": pl.String})


def postcode_stages(src: pl.Expr, out: str) -> list:
    """Stages that normalise the postcode text in ``src`` into a struct column ``out``."""
    c, n, outward = pl.col("_pc_c"), pl.col("_pc_n"), pl.col("_pc_out")
    return [
        src.cast(pl.String).str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", "").replace("", None).alias("_pc_c"),
        [c.str.len_chars().alias("_pc_n"), c.str.contains(_VALID_COMPACT).alias("_pc_valid")],
        [
            pl.when(n.is_between(5, 7))
            .then(pl.concat_str(c.str.slice(0, n - 3), pl.lit(" "), c.str.slice(-3)))
            .otherwise(c)
            .alias("_pc_spaced"),
            pl.when(pl.col("_pc_valid")).then(c.str.slice(0, n - 3)).alias("_pc_out"),
        ],
        pl.struct(
            pl.col("_pc_spaced").alias("postcode"),
            pl.col("_pc_valid").alias("valid"),
            outward.str.extract(r"^([A-Z]+)", 1).alias("area"),
            outward.alias("district"),
            pl.concat_str(outward, pl.lit(" "), c.str.slice(-3, 1)).alias("sector"),
        ).alias(out),
    ]


def normalise_postcode(e: pl.Expr) -> pl.Expr:
    """Canonicalise a postcode to struct {postcode ('NN16 8QT'), valid, area, district, sector}.

    Whitespace and punctuation are ignored; strings of 5-7 characters get one
    space before the last three whether or not they validate, so invalid
    values stay readable. area/district/sector are null unless valid; a null
    or blank input gives all-null fields.
    """
    return staged(e, lambda: postcode_stages(pl.col("x"), "out"), "out", POSTCODE_DTYPE)


def extract_postcode(e: pl.Expr) -> pl.Expr:
    """Split a trailing postcode off a one-line address: struct {rest, postcode (as written, trimmed)}."""
    g = pl.col("g").struct
    return staged(
        e,
        lambda: [
            pl.col("x").cast(pl.String).str.extract_groups(_TRAILING).alias("g"),
            pl.struct(
                pl.when(g.field("postcode").is_not_null())
                .then(g.field("rest"))
                .otherwise(pl.col("x"))
                .str.strip_chars(" \t\r\n,;")
                .replace("", None)
                .alias("rest"),
                g.field("postcode"),
            ).alias("out"),
        ],
        "out",
        EXTRACT_DTYPE,
    )
