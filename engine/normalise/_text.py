"""Shared helpers: text folding and staged execution of normaliser pipelines.

Why staged: a polars expression that reuses a sub-expression (``s`` in
``pl.when(s.str.contains(..)).then(s.str.replace(..))``) recomputes it each
time unless the caller's query runs common-subexpression elimination, which
eager ``DataFrame.select``/``with_columns`` does not. A parser built from a
dozen such steps then costs 10-100x more. Each public normaliser therefore
wraps its pipeline in one ``map_batches`` call (one Python call per batch,
never per row) that runs the steps as successive ``with_columns`` stages on a
lazy frame, so every intermediate column is computed exactly once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from polars._typing import PolarsDataType

# Letters that Unicode compatibility decomposition (NFKD) leaves alone. Mapped
# before decomposition (both cases) and again after upper-casing (for letters
# that only appear once a precomposed character is decomposed, such as the
# stroked o inside U+01FF).
SPECIAL_LETTERS: dict[str, str] = {
    "Ł": "L",
    "Ø": "O",
    "ẞ": "SS",
    "ß": "SS",
    "Æ": "AE",
    "Œ": "OE",
    "Đ": "D",
    "Ð": "D",
    "Þ": "TH",
    "Ħ": "H",
    "Ŧ": "T",
    "Ŋ": "N",
    "ĸ": "K",
    "Ƒ": "F",
    "Ɓ": "B",
    "Ɗ": "D",
    "Ǝ": "E",
    "Ə": "E",
    "Ɨ": "I",
    "Ɲ": "N",
    "Ʋ": "V",
    "Ȼ": "C",
    "Ɇ": "E",
    "Ɍ": "R",
    "Ɏ": "Y",
    "ı": "I",
    "ł": "L",
    "ø": "O",
    "\ufffd": "?",  # U+FFFD REPLACEMENT CHARACTER: a letter lost by decoding
}

# Apostrophe-like characters removed outright (O'SULLIVAN -> OSULLIVAN), and
# dash-like characters unified to '-', both before decomposition (NFKD would
# turn the acute accent U+00B4 into a space plus a combining mark).
APOSTROPHE_CHARS = "'\u2018\u2019\u201b\u02bc\u02bb\u0060\u00b4\u2032"
DASH_CHARS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d"
# Characters that show nothing but split or reorder text: zero-width spaces and joiners, the soft
# hyphen, word joiner and invisible operators, a BOM inside text, and the bidirectional marks,
# embeddings, overrides and isolates. `Jo<soft hyphen>anne` is JOANNE, not JO ANNE: they are removed
# before folding (ingest records a value issue where a value held one; the name as written is kept).
INVISIBLE_CHARS = ("\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
                   "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
                   "\u206a\u206b\u206c\u206d\u206e\u206f\ufeff")
_PRE_MAP: dict[str, str] = {
    **{c: "" for c in INVISIBLE_CHARS},
    **SPECIAL_LETTERS,
    **{k.lower(): v for k, v in SPECIAL_LETTERS.items() if k.lower() != k},
    **{c: "" for c in APOSTROPHE_CHARS},
    **{c: "-" for c in DASH_CHARS},
}


def _fold_table() -> dict[str, str]:
    # Built once at import from unicodedata: every character of the Latin
    # blocks, combining marks, general punctuation, ligatures and full-width
    # forms mapped to what NFKD + dropping marks + upper-casing + the special
    # letters gives. replace_many (Aho-Corasick) then folds a column about
    # four times faster than str.normalize('NFKD') plus a \p{M} regex, with
    # the same result on these blocks; characters of other scripts are left
    # for the callers' character-class filters.
    ranges = [(0x80, 0x250), (0x300, 0x370), (0x1AB0, 0x1B00), (0x1DC0, 0x1F00), (0x2000, 0x2070),
              (0x20D0, 0x2100), (0xFB00, 0xFB07), (0xFE20, 0xFE30), (0xFF01, 0xFF5F)]
    table: dict[str, str] = {}
    for lo, hi in ranges:
        for cp in range(lo, hi):
            ch = chr(cp)
            f = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.category(c).startswith("M"))
            f = "".join(SPECIAL_LETTERS.get(c, c) for c in f.upper())
            if f != ch:
                table[ch] = f
    table.update(_PRE_MAP)
    return table


FOLD_TABLE = _fold_table()


def fold_base(e: pl.Expr, extra: dict[str, str] | None = None) -> pl.Expr:
    """Upper-case, strip diacritics, drop apostrophes and unify dashes; other characters kept."""
    table = FOLD_TABLE if not extra else {**FOLD_TABLE, **extra}
    return e.cast(pl.String).str.replace_many(table).str.to_uppercase()


_FOLD_TRANSLATION = str.maketrans(FOLD_TABLE)


def fold_text(text: str) -> str:
    """:func:`fold_base` for one Python string (same table): for code that folds words one by one."""
    return text.translate(_FOLD_TRANSLATION).upper()


def empty_to_null(e: pl.Expr) -> pl.Expr:
    """Null where the string is empty (single pass, no sub-expression reuse)."""
    return e.replace("", None)


Stage = pl.Expr | Sequence[pl.Expr]


def run_stages(s: pl.Series, stages: Sequence[Stage], out: str) -> pl.Series:
    """Run stages of with_columns on a frame holding the input (a struct is unnested; else column 'x')."""
    frame = s.struct.unnest() if isinstance(s.dtype, pl.Struct) else s.to_frame("x")
    lf = frame.lazy()
    for stage in stages:
        lf = lf.with_columns(stage)
    return lf.select(pl.col(out)).collect().to_series().alias(s.name)


def staged(e: pl.Expr, stages: Callable[[], Sequence[Stage]], out: str, return_dtype: PolarsDataType) -> pl.Expr:
    """Wrap a staged pipeline as one bulk expression (one Python call per batch, not per row)."""
    built = stages()
    return e.map_batches(lambda s: run_stages(s, built, out), return_dtype=return_dtype, is_elementwise=True)
