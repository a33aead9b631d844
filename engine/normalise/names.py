"""Person-name normalisers as bulk polars expressions.

Folded form: upper case A-Z, diacritics removed, apostrophes removed, hyphens
kept (single '-', no spaces around), other punctuation turned to spaces, '?'
kept (a letter lost by the source encoding; U+FFFD becomes '?'), empty ->
null. Every function here folds its input itself except
``nickname_canonicals``, which takes an already folded forename.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import polars as pl
from nicknames import NickNamer

from chronolink.engine.normalise._text import empty_to_null, fold_base, staged

TITLES = ("MR", "MRS", "MS", "MISS", "DR", "MASTER", "REV", "REVD", "SIR", "MX", "PROF", "LADY", "DAME")
SUFFIXES = {"JR": "JR", "JNR": "JR", "JUNIOR": "JR", "SR": "SR", "SNR": "SR", "SENIOR": "SR",
            "II": "II", "III": "III", "IV": "IV"}
# Surname particles that bind to the following token ("VAN DER BERG", "DE SOUZA", "O NEILL",
# "NIC AODHA", "AL HASSAN", "ABU BAKR").
PARTICLES = ("VAN", "VON", "DER", "DEN", "DE", "DEL", "DELLA", "DELA", "DA", "DI", "DOS", "DAS",
             "DU", "LE", "LA", "MC", "MAC", "ST", "AL", "EL", "BIN", "BINTI", "TER", "TEN",
             "O", "NI", "NIC", "UI", "FITZ", "ABU")

_TITLE_RE = r"^(?:(?:" + "|".join(TITLES) + r") +)+"
_SUFFIX_RE = r" +(?:" + "|".join(SUFFIXES) + r")$"
_SUFFIX_CAPTURE_RE = r" (" + "|".join(SUFFIXES) + r")$"
_ONLY_SUFFIX_RE = r"^(?:" + "|".join(SUFFIXES) + r")$"
_PART = "|".join(PARTICLES)
_FULL_RE = r"^(?P<given>.+?) +(?P<surname>(?:(?:" + _PART + r") +)*\S+)$"
_FIRST_REST_RE = r"^(?P<forename>\S+)(?: +(?P<middle_names>.+))?$"
_AKA_RE = r" +(?:NEE|NAE|FORMERLY|AKA|ALIAS)(?: .*)?$"
# Surname key: a particle is closed up with what follows however it was written (O'NEILL, O NEILL,
# O-NEILL and ONEILL; VAN DER BERG and VANDERBERG; AL-HASSAN and ALHASSAN; NI BHRIAIN).
_KEY_JOIN_RE = r"\b(" + _PART + r")[ \-]+"
_VARIANTS_CSV = Path(__file__).with_name("name_variants.csv")

FULL_NAME_DTYPE = pl.Struct({"forename": pl.String, "middle_names": pl.String, "surname": pl.String, "suffix": pl.String})
FORENAMES_DTYPE = pl.Struct({"forename": pl.String, "middle_names": pl.String})


# ---- pure expression builders (used inside the staged pipelines) ----------

def _fold(e: pl.Expr) -> pl.Expr:
    return _fold_tail(fold_base(e))


def _fold_tail(e: pl.Expr) -> pl.Expr:
    # the name-specific part of folding, on text already through fold_base
    return empty_to_null(
        e.str.replace_all(r"[^A-Z?\- ]+", " ")
        .str.replace_all(r" *-[ \-]*", "-")
        .str.strip_chars(" -")
        .str.replace_all(r"  +", " ")
    )


def _strip(s: pl.Expr) -> pl.Expr:
    return empty_to_null(s.str.replace(_TITLE_RE, "").str.replace(_SUFFIX_RE, ""))


def _suffix(s: pl.Expr) -> pl.Expr:
    return s.str.extract(_SUFFIX_CAPTURE_RE, 1).replace_strict(SUFFIXES, default=None, return_dtype=pl.String)


# ---- public API -----------------------------------------------------------

def fold_name(e: pl.Expr) -> pl.Expr:
    """Fold a name to upper-case A-Z, space, '-' and '?'; empty becomes null."""
    return staged(e, lambda: [_fold(pl.col("x")).alias("out")], "out", pl.String)


def strip_titles(e: pl.Expr) -> pl.Expr:
    """Fold a name and remove leading titles (MR, DR, ...) and a trailing JR/SR/II/III."""
    return staged(e, lambda: [_fold(pl.col("x")).alias("f"), _strip(pl.col("f")).alias("out")], "out", pl.String)


def name_suffix(e: pl.Expr) -> pl.Expr:
    """The generational suffix of a name, canonical ('JR', 'SR', 'II', 'III', 'IV') or null."""
    return staged(e, lambda: [_fold(pl.col("x")).alias("f"), _suffix(pl.col("f")).alias("out")], "out", pl.String)


def split_forenames(e: pl.Expr) -> pl.Expr:
    """Split a forenames field into struct {forename, middle_names} (folded, titles removed)."""
    return staged(
        e,
        lambda: [
            _fold(pl.col("x")).alias("f"),
            empty_to_null(pl.col("f").str.replace(_TITLE_RE, "")).str.extract_groups(_FIRST_REST_RE).alias("out"),
        ],
        "out",
        FORENAMES_DTYPE,
    )


def _tidy(e: pl.Expr) -> pl.Expr:
    # a part of an already folded name: trim, collapse spaces, empty -> null
    return empty_to_null(e.str.replace_all(r"  +", " ").str.strip_chars(" -"))


def _split_full_name_stages() -> list:
    comma, b = pl.col("comma"), pl.col("b")
    return [
        # fold once, keeping commas: the comma decides the layout
        fold_base(pl.col("x").cast(pl.String).str.replace_all(r"\([^)]*\)?", " "))
        .str.replace_all(r"[^A-Z?\-, ]+", " ")
        .str.replace_all(r" *-[ \-]*", "-")
        .alias("b"),
        [b.str.contains(",", literal=True).alias("comma"), b.str.splitn(",", 2).alias("parts")],
        [
            _tidy(pl.col("parts").struct.field("field_0")).alias("sur"),
            _tidy(pl.col("parts").struct.field("field_1").str.replace_all(",", " ", literal=True)).alias("fore"),
        ],
        # comma form: "SURNAME [SUFFIX], [TITLE] FORENAME MIDDLE [SUFFIX]"
        (comma & pl.col("fore").is_not_null() & ~pl.col("fore").str.contains(_ONLY_SUFFIX_RE)).fill_null(False).alias("comma"),
        [
            pl.when(comma).then(pl.col("fore")).otherwise(_tidy(b.str.replace_all(",", " ", literal=True)))
            .str.replace(_AKA_RE, "")
            .alias("core0"),
            pl.when(comma).then(pl.col("sur")).str.replace(_AKA_RE, "").alias("sur"),
        ],
        [
            pl.coalesce(_suffix(pl.col("core0")), _suffix(pl.col("sur"))).alias("suffix"),
            _strip(pl.col("core0")).alias("core"),
            _strip(pl.col("sur")).alias("c_surname"),
        ],
        # plain form: "[TITLE] FORENAME MIDDLE [PARTICLES] SURNAME [SUFFIX]"
        pl.when(~comma).then(pl.col("core")).str.extract_groups(_FULL_RE).alias("g"),
        [
            pl.when(comma).then(pl.col("core")).otherwise(pl.col("g").struct.field("given")).alias("given"),
            pl.when(comma)
            .then(pl.col("c_surname"))
            .otherwise(pl.coalesce(pl.col("g").struct.field("surname"), pl.col("core")))
            .alias("surname"),
        ],
        pl.col("given").str.extract_groups(_FIRST_REST_RE).alias("fr"),
        pl.struct(
            pl.col("fr").struct.field("forename"),
            pl.col("fr").struct.field("middle_names"),
            pl.col("surname"),
            pl.col("suffix"),
        ).alias("out"),
    ]


def split_full_name(e: pl.Expr) -> pl.Expr:
    """Split a one-field full name into struct {forename, middle_names, surname, suffix}, folded.

    Handles 'SURNAME, Forename Middle', 'Forename Middle Surname', titles,
    JR/SR suffixes, surname particles (VAN DER, DE, DA, ...), initials and
    '(nee X)' notes. A single token is taken as the surname.
    """
    return staged(e, _split_full_name_stages, "out", FULL_NAME_DTYPE)


def surname_key(e: pl.Expr) -> pl.Expr:
    """The comparison key of a surname: folded, its particles closed up (O'Neill, O Neill and O-Neill
    are ONEILL; Van der Berg is VANDERBERG); barrels keep their hyphen, other spaces stay."""
    return staged(e, lambda: [_fold(pl.col("x")).str.replace_all(_KEY_JOIN_RE, "${1}").alias("out")], "out", pl.String)


def surname_parts(e: pl.Expr) -> pl.Expr:
    """The parts of a double-barrelled surname as list[str] (SMITH-JONES -> [SMITH, JONES]); particles stay attached."""
    return staged(
        e,
        lambda: [
            _fold(pl.col("x")).str.replace_all(r"\b(" + _PART + r") +", "${1}_").str.replace_all("-", " ", literal=True).alias("f"),
            pl.col("f").str.split(" ").list.eval(pl.element().str.replace_all("_", " ", literal=True)).alias("out"),
        ],
        "out",
        pl.List(pl.String),
    )


@lru_cache(maxsize=1)
def _nickname_frame() -> pl.DataFrame:
    # Built once: package nickname -> canonical pairs plus our variant groups,
    # folded, each name paired with itself, then closed one step through the
    # variant groups (KATIE -> KATHRYN (package) -> CATHERINE (group)).
    lookup = NickNamer().canonical_lookup
    pkg = pl.DataFrame(
        [(nick, canon) for nick, canons in lookup.items() for canon in canons],
        schema={"name": pl.String, "canonical": pl.String},
        orient="row",
    )
    var = pl.read_csv(_VARIANTS_CSV, schema={"canonical": pl.String, "name": pl.String}).select("name", "canonical")
    fold = [_fold(pl.col("name")).alias("name"), _fold(pl.col("canonical")).alias("canonical")]
    pkg, var = pkg.select(fold).drop_nulls(), var.select(fold).drop_nulls()
    names = pl.concat([pkg["name"], pkg["canonical"], var["name"], var["canonical"]]).unique()
    pairs = pl.concat([pkg, var, pl.DataFrame({"name": names, "canonical": names})])
    via = pairs.join(var.rename({"name": "canonical", "canonical": "group"}), on="canonical").select(
        "name", pl.col("group").alias("canonical")
    )
    return pl.concat([pairs, via]).unique().sort("name", "canonical")


_NICKNAMES = _nickname_frame()


def nickname_table() -> pl.DataFrame:
    """(name, canonical) pairs, folded upper case, each name paired with itself too; for joins."""
    return _NICKNAMES.clone()


@lru_cache(maxsize=1)
def _variant_group_frame() -> pl.DataFrame:
    var = pl.read_csv(_VARIANTS_CSV, schema={"canonical": pl.String, "name": pl.String})
    var = var.select(_fold(pl.col("name")).alias("name"), _fold(pl.col("canonical")).alias("group")).drop_nulls()
    heads = var.select(pl.col("group").alias("name"), "group")
    return pl.concat([var, heads]).unique().sort("name", "group")


def variant_groups() -> pl.DataFrame:
    """(name, group): the curated groups of `name_variants.csv` (spellings and diminutives of one
    name, folded), each head in its own group. Two names in one group are one name; two nicknames
    that merely share a package canonical (MAISIE, MEGAN: MARGARITA) are not."""
    return _variant_group_frame().clone()


@lru_cache(maxsize=1)
def _canonical_lists() -> dict[str, list[str]]:
    frame = _NICKNAMES.group_by("name").agg(pl.col("canonical").sort())
    return dict(zip(frame["name"].to_list(), frame["canonical"].to_list(), strict=True))


def nickname_canonicals(e: pl.Expr) -> pl.Expr:
    """Canonical forenames (list[str], the name itself included) of a FOLDED forename; null in, null out."""
    x = pl.col("x").cast(pl.String)
    return staged(
        e,
        lambda: [
            x.replace_strict(_canonical_lists(), default=None, return_dtype=pl.List(pl.String)).alias("found"),
            pl.when(x.is_not_null()).then(pl.coalesce(pl.col("found"), pl.concat_list(x))).alias("out"),
        ],
        "out",
        pl.List(pl.String),
    )
