"""Date and date-time parsing as bulk polars expressions that never guess.

Each format is tried only on strings whose shape matches it (a regex built
from the format: ``%Y`` needs exactly four digits, so ``03/04/15`` is never
read as year 15 by ``%d/%m/%Y``); formats are tried in order and the first
that parses wins. ISO dates (``2024-03-01``) and the ISO date-times that
calamine yields for date cells read as text (``2024-03-01 00:00:00``) are
always accepted as a fallback: they are unambiguous.

Status values: ``ok``; ``missing`` (null, blank or a not-known token such as
``N/K``); ``invalid`` (unparseable, impossible such as 31/02/2020, or a
two-digit year a four-digit format cannot take); ``implausible`` (parsed, but
before ``min_year``, after ``max_date``, or a two-digit year of a ``%y``
format that both centuries would fit). The date is null unless the status is
``ok`` or ``implausible``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

import polars as pl

from chronolink.engine.normalise._text import staged

if TYPE_CHECKING:
    from polars._typing import PolarsTemporalType

MISSING_TOKENS = ("N/A", "NA", "N/K", "NK", "NOT KNOWN", "UNKNOWN", "NULL", "NONE", "-", "--", "?")

_DIRECTIVE_RX = {
    "d": r"\d{1,2}",
    "e": r" ?\d{1,2}",
    "m": r"\d{1,2}",
    "Y": r"\d{4}",
    "y": r"\d{2}",
    "b": r"[A-Za-z]{3}",
    "h": r"[A-Za-z]{3}",
    "B": r"[A-Za-z]{3,9}",
    "a": r"[A-Za-z]{3}",
    "A": r"[A-Za-z]{6,9}",
    "H": r"\d{1,2}",
    "I": r"\d{1,2}",
    "M": r"\d{1,2}",
    "S": r"\d{1,2}",
    "p": r"[AaPp][Mm]",
    "j": r"\d{1,3}",
    "F": r"\d{4}-\d{1,2}-\d{1,2}",
    "R": r"\d{1,2}:\d{2}",
    "T": r"\d{1,2}:\d{2}:\d{2}",
    "%": "%",
}
_TIME_DIRECTIVES = ("%H", "%I", "%R", "%T", "%M", "%S", "%p")
_ISO_DATE_RX = r"^\d{4}-\d{2}-\d{2}$"
_ISO_DATETIME_RX = r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?$"
_EXCEL_RX = r"^\d{1,6}(?:\.\d+)?$"
_EXCEL_UNIX_OFFSET = 25569  # Excel serial of 1970-01-01 (1900 date system)


def format_regex(fmt: str) -> str:
    """The anchored regex of the strings a strftime-style format can match (raises on unsupported directives)."""
    out, i = ["^"], 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _DIRECTIVE_RX:
                raise ValueError(f"unsupported date directive in format {fmt!r} at {i}")
            out.append(_DIRECTIVE_RX[fmt[i + 1]])
            i += 2
        else:
            out.append(r"\s+" if ch == " " else re.escape(ch))
            i += 1
    out.append("$")
    return "".join(out)


DATE_DTYPE = pl.Struct({"date": pl.Date, "status": pl.String})
DATETIME_DTYPE = pl.Struct({"date": pl.Date, "time": pl.String, "status": pl.String})


def _plausible(d: pl.Expr, min_year: int, max_date: date | None) -> pl.Expr:
    ok = d.dt.year() >= min_year
    if max_date is not None:
        ok = ok & (d.dt.date() <= pl.lit(max_date))
    return ok


def _clean_stages() -> list:
    return [
        pl.col("x").cast(pl.String).str.strip_chars().str.replace_all(r"\s+", " ").alias("s"),
        (pl.col("s").is_null() | (pl.col("s").str.len_bytes() == 0) | pl.col("s").str.to_uppercase().is_in(MISSING_TOKENS))
        .fill_null(True)
        .alias("missing"),
    ]


def _candidate_stages(
    formats: list[str], dtype: PolarsTemporalType, min_year: int, max_date: date | None, prefix: str
) -> tuple[list, list[str]]:
    """Stages adding per-format columns {prefix}{i} (value) and {prefix}{i}_amb (ambiguous 2-digit year)."""
    s = pl.col("s")
    parse, resolve, names = [], [], []
    for i, fmt in enumerate(formats):
        c = f"{prefix}{i}"
        names.append(c)
        parse.append(pl.when(s.str.contains(format_regex(fmt))).then(s.str.strptime(dtype, fmt, strict=False, exact=True)).alias(c))
        if "%y" not in fmt:
            resolve.append(pl.lit(False).alias(c + "_amb"))
            continue
        # Two-digit year: build both centuries, keep one only if it alone is plausible.
        p = pl.col(c)
        modern = p.dt.year() >= 2000
        d19 = pl.when(modern).then(p.dt.offset_by("-100y")).otherwise(p)
        d20 = pl.when(modern).then(p).otherwise(p.dt.offset_by("100y"))
        ok19 = ((d19.dt.day() == p.dt.day()) & _plausible(d19, min_year, max_date)).fill_null(False)
        ok20 = ((d20.dt.day() == p.dt.day()) & _plausible(d20, min_year, max_date)).fill_null(False)
        resolve.append(pl.struct(d19.alias("d19"), d20.alias("d20"), ok19.alias("ok19"), ok20.alias("ok20")).alias(c + "_y"))
    fix = []
    for i, fmt in enumerate(formats):
        if "%y" in fmt:
            c = f"{prefix}{i}"
            y = pl.col(c + "_y").struct
            fix += [
                pl.when(y.field("ok19") & ~y.field("ok20")).then(y.field("d19"))
                .when(y.field("ok20") & ~y.field("ok19")).then(y.field("d20"))
                .otherwise(pl.col(c)).alias(c),
                (y.field("ok19") & y.field("ok20")).alias(c + "_amb"),
            ]
    stages = [parse, resolve] + ([fix] if fix else [])
    return stages, names


def _combine(names: list[str], out_value: str, out_amb: str) -> list[pl.Expr]:
    amb: pl.Expr = pl.lit(False)
    for c in reversed(names):
        amb = pl.when(pl.col(c).is_not_null()).then(pl.col(c + "_amb")).otherwise(amb)
    return [pl.coalesce([pl.col(c) for c in names]).alias(out_value), amb.alias(out_amb)]


def _status(min_year: int, max_date: date | None) -> pl.Expr:
    v = pl.col("value")
    return (
        pl.when(pl.col("missing"))
        .then(pl.lit("missing"))
        .when(v.is_null())
        .then(pl.lit("invalid"))
        .when(pl.col("amb") | ~_plausible(v, min_year, max_date))
        .then(pl.lit("implausible"))
        .otherwise(pl.lit("ok"))
        .alias("status")
    )


def _excel(s: pl.Expr) -> pl.Expr:
    serial = s.str.extract(r"^(\d+)", 1).cast(pl.Int64, strict=False)
    days = (
        pl.when(serial.is_between(1, 59))  # Excel's fictitious 1900-02-29 (serial 60) shifts earlier serials
        .then(serial - _EXCEL_UNIX_OFFSET + 1)
        .when(serial >= 61)
        .then(serial - _EXCEL_UNIX_OFFSET)
    )
    return pl.when(s.str.contains(_EXCEL_RX)).then(days.cast(pl.Int32).cast(pl.Date))


def parse_date(
    e: pl.Expr,
    formats: list[str],
    *,
    excel_serial: bool = False,
    min_year: int = 1900,
    max_date: date | None = None,
) -> pl.Expr:
    """Parse text to struct {date: Date, status: 'ok'|'missing'|'invalid'|'implausible'} without guessing."""
    formats = list(formats)
    for f in formats:
        format_regex(f)  # fail fast on an unsupported directive

    def stages() -> list:
        cand, names = _candidate_stages(formats, pl.Date, min_year, max_date, "c")
        s = pl.col("s")
        extra = [
            pl.when(s.str.contains(_ISO_DATE_RX) | s.str.contains(_ISO_DATETIME_RX))
            .then(s.str.slice(0, 10).str.strptime(pl.Date, "%Y-%m-%d", strict=False, exact=True))
            .alias("iso"),
            pl.lit(False).alias("iso_amb"),
        ]
        if excel_serial:
            extra += [_excel(s).alias("xl"), pl.lit(False).alias("xl_amb")]
        names += ["iso"] + (["xl"] if excel_serial else [])
        keep = pl.col("status").is_in(["ok", "implausible"])
        return [
            *_clean_stages(),
            *cand,
            extra,
            _combine(names, "value", "amb"),
            _status(min_year, max_date),
            pl.struct(pl.when(keep).then(pl.col("value")).alias("date"), pl.col("status")).alias("out"),
        ]

    return staged(e, stages, "out", DATE_DTYPE)


def _date_part(fmt: str) -> str:
    cut = min((fmt.find(t) for t in _TIME_DIRECTIVES if t in fmt), default=len(fmt))
    return fmt[:cut].rstrip(" T,")


def parse_datetime(
    e: pl.Expr,
    formats: list[str],
    *,
    min_year: int = 1900,
    max_date: date | None = None,
) -> pl.Expr:
    """Parse text like 'dd/mm/yyyy HH:MM' to struct {date, time ('HH:MM' or null), status}; a bare date gives a null time."""
    formats = list(formats)
    for f in formats:
        format_regex(f)
    date_formats = [f for f in dict.fromkeys(_date_part(f) for f in formats) if "%" in f]

    def stages() -> list:
        s = pl.col("s")
        dt_cand, dt_names = _candidate_stages(formats, pl.Datetime("us"), min_year, max_date, "t")
        d_cand, d_names = _candidate_stages(date_formats, pl.Date, min_year, max_date, "d")
        iso = [
            pl.when(s.str.contains(_ISO_DATETIME_RX))
            .then(s.str.slice(0, 16).str.replace("T", " ", literal=True).str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False))
            .alias("tiso"),
            pl.lit(False).alias("tiso_amb"),
            pl.when(s.str.contains(_ISO_DATE_RX)).then(s.str.strptime(pl.Date, "%Y-%m-%d", strict=False)).alias("diso"),
            pl.lit(False).alias("diso_amb"),
        ]
        keep = pl.col("status").is_in(["ok", "implausible"])
        return [
            *_clean_stages(),
            *dt_cand,
            *d_cand,
            iso,
            [*_combine([*dt_names, "tiso"], "dt", "dt_amb"), *_combine([*d_names, "diso"], "d", "d_amb")],
            [
                pl.coalesce(pl.col("dt").dt.date(), pl.col("d")).alias("value"),
                pl.when(pl.col("dt").is_not_null()).then(pl.col("dt_amb")).otherwise(pl.col("d_amb")).alias("amb"),
            ],
            _status(min_year, max_date),
            pl.struct(
                pl.when(keep).then(pl.col("value")).alias("date"),
                pl.when(keep).then(pl.col("dt").dt.strftime("%H:%M")).alias("time"),
                pl.col("status"),
            ).alias("out"),
        ]

    return staged(e, stages, "out", DATETIME_DTYPE)
