"""Identifier checks (NHS number, UPN, PNC id) as vectorised polars expressions.

Each returns struct {value, valid}: an invalid value is kept (cleaned) with
valid=False, never dropped; a null or blank input gives {null, null}.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from chronolink.engine.normalise._text import staged

# DfE UPN alphabet (python-stdnum stdnum.gb.upn): check letter = _UPN_ALPHABET[sum % 23].
_UPN_ALPHABET = "ABCDEFGHJKLMNPQRTUVWXYZ0123456789"
_UPN_INDEX = {c: i for i, c in enumerate(_UPN_ALPHABET)}
# Known LA numbers, as python-stdnum's stdnum.gb.upn checks them.
UPN_LA_NUMBERS = frozenset((
    201, 202, 203, 204, 205, 206, 207, 208, 209, 210, 211, 212, 213, 301,
    302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315,
    316, 317, 318, 319, 320, 330, 331, 332, 333, 334, 335, 336, 340, 341,
    342, 343, 344, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 370,
    371, 372, 373, 380, 381, 382, 383, 384, 390, 391, 392, 393, 394, 420,
    800, 801, 802, 803, 805, 806, 807, 808, 810, 811, 812, 813, 815, 816,
    821, 822, 823, 825, 826, 830, 831, 835, 836, 837, 840, 841, 845, 846,
    850, 851, 852, 855, 856, 857, 860, 861, 865, 866, 867, 868, 869, 870,
    871, 872, 873, 874, 876, 877, 878, 879, 880, 881, 882, 883, 884, 885,
    886, 887, 888, 889, 890, 891, 892, 893, 894, 895, 896, 908, 909, 916,
    919, 921, 925, 926, 928, 929, 931, 933, 935, 936, 937, 938,
))
_PNC_CHECK = "ZABCDEFGHJKLMNPQRTUVWXY"


ID_DTYPE = pl.Struct({"value": pl.String, "valid": pl.Boolean})


def _digit(i: int) -> pl.Expr:
    return pl.col("v").str.slice(i, 1).cast(pl.Int64, strict=False)


def _out(valid: pl.Expr) -> pl.Expr:
    v = pl.col("v")
    return pl.struct(v.alias("value"), pl.when(v.is_not_null()).then(valid.fill_null(False)).alias("valid")).alias("out")


def nhs_number(e: pl.Expr) -> pl.Expr:
    """NHS number: struct {value (spaces/dashes removed), valid (modulus 11, weights 10..2, check 10 invalid)}."""
    clean = pl.col("x").cast(pl.String).str.replace_all(r"[\s\-]+", "").str.replace(r"^(\d{10})\.0+$", "${1}")

    def stages() -> list:
        total = pl.sum_horizontal([_digit(i) * (10 - i) for i in range(9)])
        check = (11 - pl.col("total") % 11).replace(11, 0)
        return [
            clean.replace("", None).alias("v"),
            [pl.col("v").str.contains(r"^\d{10}$").alias("shape"), total.alias("total"), _digit(9).alias("last")],
            _out(pl.col("shape") & (check != 10) & (check == pl.col("last"))),
        ]

    return staged(e, stages, "out", ID_DTYPE)


def upn(e: pl.Expr, *, check_la: bool = True) -> pl.Expr:
    """UPN (DfE unique pupil number): struct {value (upper, no spaces), valid}; same rules as stdnum.gb.upn.

    Valid means 13 characters: a check letter, 11 digits, a final digit or
    letter (temporary UPNs); a known LA number (unless check_la=False); and
    check letter = alphabet[sum(weights 2..13 * alphabet index of chars 2..13) % 23]
    with alphabet 'ABCDEFGHJKLMNPQRTUVWXYZ0123456789'.
    """

    def stages() -> list:
        v = pl.col("v")
        # chars 1..11 are digits (alphabet index 23 + digit); char 12 and the check letter via lookup
        total = pl.sum_horizontal([(_digit(i) + 23) * (i + 1) for i in range(1, 12)])
        last = v.str.slice(12, 1).replace_strict(_UPN_INDEX, default=None, return_dtype=pl.Int64)
        first = v.str.slice(0, 1).replace_strict(_UPN_INDEX, default=None, return_dtype=pl.Int64)
        valid = pl.col("shape") & (pl.col("first") == (pl.col("total") + pl.col("last") * 13) % 23)
        if check_la:
            valid = valid & pl.col("la").is_in(sorted(UPN_LA_NUMBERS))
        return [
            pl.col("x").cast(pl.String).str.replace_all(r"\s+", "").str.to_uppercase().replace("", None).alias("v"),
            [
                v.str.contains(r"^[A-Z0-9]\d{11}[ABCDEFGHJKLMNPQRTUVWXYZ0-9]$").alias("shape"),
                total.alias("total"),
                last.alias("last"),
                first.alias("first"),
                v.str.slice(1, 3).cast(pl.Int64, strict=False).alias("la"),
            ],
            _out(valid),
        ]

    return staged(e, stages, "out", ID_DTYPE)


def pnc_id(e: pl.Expr, *, pivot_year: int | None = None) -> pl.Expr:
    """PNC id: struct {value ('YYYY/NNNNNNNL' when well formed, else cleaned), valid}.

    Accepts 'YY/N{1,7}L' or 'YYYY/N{1,7}L'. Canonical form: four-digit year
    (a two-digit year YY is 20YY when YY <= pivot_year % 100, default the
    current year, else 19YY), serial zero-padded to 7 digits, check letter.
    Check character (the widely documented PNC scheme):
    'ZABCDEFGHJKLMNPQRTUVWXY'[int(YY followed by the 7-digit serial) % 23],
    YY being the last two digits of the year.
    """
    pivot = (pivot_year if pivot_year is not None else date.today().year) % 100

    def stages() -> list:
        g = pl.col("g").struct
        year, serial = g.field("year"), g.field("serial")
        yy = year.str.slice(-2).cast(pl.Int64, strict=False)
        year4 = pl.when(year.str.len_chars() == 4).then(year).otherwise(
            pl.when(yy <= pivot).then(pl.lit("20")).otherwise(pl.lit("19")) + year
        )
        expected = pl.lit(_PNC_CHECK).str.slice((yy * 10_000_000 + serial.cast(pl.Int64)) % 23, 1)
        return [
            pl.col("x").cast(pl.String).str.replace_all(r"\s+", "").str.to_uppercase().replace("", None).alias("v0"),
            pl.col("v0").str.extract_groups(r"^(?P<year>\d{2}|\d{4})/(?P<serial>\d{1,7})(?P<check>[A-Z])$").alias("g"),
            [
                pl.when(year.is_not_null())
                .then(pl.concat_str(year4, pl.lit("/"), serial.str.zfill(7), g.field("check")))
                .otherwise(pl.col("v0"))
                .alias("v"),
                (year.is_not_null() & (expected == g.field("check"))).alias("ok"),
            ],
            _out(pl.col("ok")),
        ]

    return staged(e, stages, "out", ID_DTYPE)


def uprn(e: pl.Expr) -> pl.Expr:
    """UPRN (Unique Property Reference Number): struct {value (trimmed, a spreadsheet's trailing .0
    dropped), valid (1 to 12 digits and not zero)}. `-1`, `1e308` or `0` are kept as written, invalid."""

    def stages() -> list:
        v = pl.col("v")
        return [
            pl.col("x").cast(pl.String).str.strip_chars().str.replace(r"^(\d+)\.0+$", "${1}").replace("", None).alias("v"),
            _out(v.str.contains(r"^\d{1,12}$") & ~v.str.contains(r"^0+$")),
        ]

    return staged(e, stages, "out", ID_DTYPE)
