"""Address parsing as bulk polars expressions.

One address as written ("Flat 2, 14 Mill Lane, Ketterby, NN16 8QT", a
multi-line field, "2/14 Mill Lane", "C/O 14 ASH GROVE KETTERBY") becomes
struct {flat, number, number_suffix, building, street, town, postcode,
postcode_valid, key}, all upper case with diacritics folded and street-type
abbreviations expanded.

Rules, in order: newlines separate components like commas; a C/O prefix is
removed (with a care-of person: "C/O MRS X, ...", "C/O JOHN SMITH, 14 ...",
"C/O MRS SMITH 14 ..."); a trailing postcode is split off (else the
``postcode`` argument is used); "FLAT|APARTMENT|APT|UNIT|ROOM|STUDIO n" at the
start gives the flat, as does "n/m" (flat n at number m); "n NAME, m STREET"
gives flat n in building NAME at number m, and so does "n NAME HOUSE|COURT|
LODGE|..., STREET" (no number); "NAME, m STREET" gives building NAME;
"14b"/"14 B" gives number 14, suffix B (kept as written: whether it is an
infill house or the second flat of 14 is for linkage to weigh). The town is
the last component after the street component (or the ``town`` argument);
without a comma or newline it is left null rather than guessed. A leading ST
of a street or town is Saint (ST JOHNS ROAD -> SAINT JOHNS ROAD; ST IVES ->
SAINT IVES); elsewhere ST is STREET.

``key`` is ``flat|number|suffix|building|street|town`` with the building left
empty when there is a number (so "1 Oak Lodge, 30 Dickens Lane" and "Flat 1,
30 Dickens Lane" share a key); equal addresses share it.
"""

from __future__ import annotations

import polars as pl

from chronolink.engine.normalise._text import fold_base, staged
from chronolink.engine.normalise.postcodes import POSTCODE_SHAPE, postcode_stages

STREET_ABBREVIATIONS: dict[str, str] = {
    "RD": "ROAD", "ST": "STREET", "STR": "STREET", "AVE": "AVENUE", "AV": "AVENUE", "AVEN": "AVENUE",
    "GDNS": "GARDENS", "GDN": "GARDENS", "GRN": "GREEN", "GR": "GROVE", "GRV": "GROVE", "GRO": "GROVE",
    "CL": "CLOSE", "CLS": "CLOSE", "CRES": "CRESCENT", "CRESC": "CRESCENT", "CR": "CRESCENT",
    "DR": "DRIVE", "DRV": "DRIVE", "LN": "LANE", "LA": "LANE", "CT": "COURT", "CRT": "COURT", "PL": "PLACE",
    "SQ": "SQUARE", "TER": "TERRACE", "TERR": "TERRACE", "TCE": "TERRACE", "PK": "PARK", "WY": "WAY",
    "HSE": "HOUSE", "HO": "HOUSE", "APT": "APARTMENT", "APTS": "APARTMENTS", "MWS": "MEWS", "PDE": "PARADE",
    "WLK": "WALK", "BLDGS": "BUILDINGS", "HTS": "HEIGHTS", "EST": "ESTATE", "VW": "VIEW",
    "CTGE": "COTTAGE", "COTT": "COTTAGE", "BVD": "BOULEVARD", "BLVD": "BOULEVARD", "HL": "HILL",
    "LWR": "LOWER", "UPR": "UPPER", "GT": "GREAT", "NTH": "NORTH", "STH": "SOUTH",
}
STREET_TYPES = (
    "ROAD", "STREET", "AVENUE", "GARDENS", "GREEN", "GROVE", "CLOSE", "CRESCENT", "DRIVE", "LANE",
    "COURT", "PLACE", "SQUARE", "TERRACE", "PARK", "WAY", "MEWS", "PARADE", "WALK", "VIEW", "RISE",
    "HILL", "ROW", "BOULEVARD", "GATE", "END", "YARD", "WHARF", "HEIGHTS", "VALE", "MEADOW", "MEADOWS",
)
BUILDING_WORDS = (
    "HOUSE", "LODGE", "COTTAGE", "COTTAGES", "FARM", "HALL", "MANOR", "BARN", "BUNGALOW", "CHAMBERS",
    "MANSIONS", "TOWER", "BUILDINGS", "VILLA", "FLATS", "BLOCK", "CENTRE", "APARTMENTS", "HOSTEL",
)
# words that end the name of a block of flats ("4 MEADOW COURT, CHURCH STREET")
BLOCK_WORDS = (*BUILDING_WORDS, "COURT", "VIEW", "POINT", "HEIGHTS", "TOWERS")
_FLAT_WORDS = r"(?:FLAT|FLT|APARTMENT|APT|UNIT|ROOM|STUDIO|MAISONETTE)"
# Lines written after the town that are never the town: counties (with their usual short forms) and
# the country. Durham, Lincoln and the like are towns too, so only the county forms are listed.
COUNTY_LINES = (
    "BEDFORDSHIRE", "BEDS", "BERKSHIRE", "BERKS", "BUCKINGHAMSHIRE", "BUCKS", "CAMBRIDGESHIRE", "CAMBS",
    "CHESHIRE", "CORNWALL", "CUMBRIA", "DERBYSHIRE", "DERBYS", "DEVON", "DORSET", "COUNTY DURHAM", "CO DURHAM",
    "EAST SUSSEX", "E SUSSEX", "ESSEX", "GLOUCESTERSHIRE", "GLOS", "GREATER LONDON", "GREATER MANCHESTER",
    "HAMPSHIRE", "HANTS", "HEREFORDSHIRE", "HERTFORDSHIRE", "HERTS", "ISLE OF WIGHT", "KENT", "LANCASHIRE",
    "LANCS", "LEICESTERSHIRE", "LEICS", "LINCOLNSHIRE", "LINCS", "MERSEYSIDE", "MIDDLESEX", "NORFOLK",
    "NORTH YORKSHIRE", "N YORKS", "NORTHAMPTONSHIRE", "NORTHANTS", "NORTHUMBERLAND", "NOTTINGHAMSHIRE", "NOTTS",
    "OXFORDSHIRE", "OXON", "RUTLAND", "SHROPSHIRE", "SALOP", "SOMERSET", "SOUTH YORKSHIRE", "S YORKS",
    "STAFFORDSHIRE", "STAFFS", "SUFFOLK", "SURREY", "TYNE AND WEAR", "WARWICKSHIRE", "WARKS", "WEST MIDLANDS",
    "WEST SUSSEX", "W SUSSEX", "WEST YORKSHIRE", "W YORKS", "WILTSHIRE", "WILTS", "WORCESTERSHIRE", "WORCS",
    "EAST RIDING OF YORKSHIRE", "EAST YORKSHIRE", "YORKSHIRE", "CLWYD", "DYFED", "GWENT", "GWYNEDD", "POWYS",
    "GLAMORGAN", "MID GLAMORGAN", "SOUTH GLAMORGAN", "WEST GLAMORGAN", "LANARKSHIRE", "AYRSHIRE", "FIFE",
    "LOTHIAN", "ABERDEENSHIRE", "ENGLAND", "WALES", "SCOTLAND", "UK", "UNITED KINGDOM", "GB", "GREAT BRITAIN",
)
# "No. 12", "No 12", "Number 12", "#12" (the # is punctuation, gone by now): the number.
_NUMBER_WORD = r"(^|, )(?:NO|NUMBER|NUM|NBR|NR) ?(\d)"
# Street types written onto the name ("OakRoad"): only long, unambiguous types (BROADWAY, HIGHGATE and
# TOWNSEND are names, so WAY, GATE, END and the like are left alone).
_GLUED_TYPES = ("ROAD", "STREET", "LANE", "AVENUE", "CLOSE", "DRIVE", "CRESCENT", "GARDENS", "GROVE", "TERRACE",
                "PLACE", "SQUARE")
_GLUED_RX = r"\b([A-Z]{3,}?)(" + "|".join(_GLUED_TYPES) + r")(,|$)"
# A lower-case letter then a capitalised short word ending a line ("ParkSt", "OakRoad", "HillStr,"): the
# word is the street type run into the name. Longer capitalised tails (McDonald) are names.
_CAMEL_TYPE = r"([a-z])([A-Z][a-z]{1,7})(\s*(?:,|\n|\r|$))"
_CARE_OF = r"(?:C/O|C O|CARE OF)"
_TITLES = r"(?:MR|MRS|MS|MISS|DR|MX)"
# one-pass regex (fast captures); "14 B MILL LANE" is fixed up afterwards
_NUM_RX = r"^(?P<num>\d+(?:-\d+)?)(?P<sfx>[A-Z]?)(?: (?P<text>.*))?$"
_TRAILING_PC = r"[ ,]*\b" + POSTCODE_SHAPE + r"[ ,]*$"
# care-of: a titled person component ("C/O MRS X, ..."), a person component
# before a numbered one ("C/O JOHN SMITH, 14 ..."), a titled person before the
# number ("C/O MRS SMITH 14 ..."), else just the prefix
_CARE_OF_RX = (
    r"^" + _CARE_OF + r" (?:" + _TITLES + r" [^,0-9]*, |[^,0-9]*, (\d)|" + _TITLES + r" [^,0-9]*? (\d)|)"
)
# first alphabetic token of a component: ST is Saint; DR, LA, HO stay as written
_FIRST_TOKEN = {"ST": "SAINT", "SAINT": "SAINT", "DR": "DR", "LA": "LA", "HO": "HO"}
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Typos of a type word that are words of their own (DROVE is a fen street type, PEACE a name).
_NOT_TYPOS = frozenset(("DROVE", "CHOSE", "PEACE", "PLANE", "PLATE", "GRAVE", "GREET", "CLOSER", "LANES", "PLACES",
                        "STREETS", "ROADS", "GROVES", "DRIVES", "PARKS", "HILLS", "VIEWS", "WALKS", "RISES",
                        "GREENS", "PALACE", "READ", "ROOD", "LINE", "LONE", "LUNE", "LACE", "LAKE", "LAME",
                        "LATE", "LADE", "LAZE", "LAVE", "LAKE", "CLOVE", "GLOVE", "GROVER", "DRIVER", "ROADE", "BROAD", "BREAD", "TREAD", "RAD", "LAD"))


def _one_edit(word: str, letters: str = _LETTERS) -> set[str]:
    """Every string one deletion, transposition, substitution or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    out = {a + b[1:] for a, b in splits if b}
    out |= {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    out |= {a + c + b[1:] for a, b in splits if b for c in letters}
    out |= {a + c + b for a, b in splits for c in letters}
    return out


def _street_type_typos() -> dict[str, str]:
    """Typo -> street type, for the last word of a component ("OAK RAOD", "MILL LAEN", "ELM CRESENT").

    Types of five letters or more take any one edit; four-letter types only a transposition or a
    doubled letter (one edit of ROAD or LANE is too often another word: READ, LINE). A typo shared by
    two types, or that is itself a type, abbreviation, building word or listed word, is left alone.
    """
    known = set(STREET_TYPES) | set(STREET_ABBREVIATIONS) | set(STREET_ABBREVIATIONS.values()) | set(BUILDING_WORDS)
    seen: dict[str, set[str]] = {}
    for t in STREET_TYPES:
        if len(t) >= 5:
            typos = _one_edit(t)
        elif len(t) == 4:
            typos = {t[:i] + t[i + 1] + t[i] + t[i + 2:] for i in range(3)} | {t[:i] + t[i] + t[i:] for i in range(4)}
            if t in ("ROAD", "LANE"):  # the commonest types: an inner letter mistyped or dropped too (ROQD, LAHE, ROD, LNE)
                typos |= {t[:i] + c + t[i + 1:] for i in (1, 2) for c in _LETTERS}
                typos |= {t[:i] + t[i + 1:] for i in (1, 2)}
        elif t == "WAY":  # letters swapped (WYA, AWY)
            typos = {"WYA", "AWY"}
        else:
            continue
        for x in typos - {t}:
            seen.setdefault(x, set()).add(t)
    return {x: next(iter(ts)) for x, ts in seen.items() if len(ts) == 1 and x not in known and x not in _NOT_TYPOS
            and len(x) >= 3}


STREET_TYPE_TYPOS = _street_type_typos()
_FIRST_PREFIXES = ["\x02", ", "] + [f"{d}{x} " for d in "0123456789" for x in ["", *"ABCDEFGHIJKLMNOPQRSTUVWXYZ"]]


def _expansion_table() -> tuple[list[str], list[str]]:
    pats, vals = [], []
    for pre in _FIRST_PREFIXES:  # first alphabetic token of a component
        for k, v in _FIRST_TOKEN.items():
            pats.append(f"{pre}{k} ")
            vals.append(f"{pre}{v} ")
    for k, v in STREET_ABBREVIATIONS.items():
        pats.append(f" {k} ")
        vals.append(f" {v} ")
        if k not in _FIRST_TOKEN:  # other abbreviations also expand at the very start
            pats.append(f"\x02{k} ")
            vals.append(f"\x02{v} ")
    return pats, vals


_EXPAND_PATTERNS, _EXPAND_VALUES = _expansion_table()


ADDRESS_DTYPE = pl.Struct(
    {
        "flat": pl.String,
        "number": pl.String,
        "number_suffix": pl.String,
        "building": pl.String,
        "street": pl.String,
        "town": pl.String,
        "postcode": pl.String,
        "postcode_valid": pl.Boolean,
        "key": pl.String,
    }
)


_FOLD_EXTRA = {"\r": ",", "\n": ",", "\\": "/"}
_TIGHT = {" / ": "/", " /": "/", "/ ": "/", " - ": "-", " -": "-", "- ": "-"}


def _fold_address(e: pl.Expr) -> pl.Expr:
    """Upper-case, fold diacritics, newlines to commas, tidy punctuation and spaces."""
    return (
        fold_base(e, _FOLD_EXTRA)
        .str.replace_all(r"[^A-Z0-9,/\-? ]+", " ")
        .str.replace_all(r"  +", " ")
        .str.replace_many(list(_TIGHT), list(_TIGHT.values()), leftmost=True)
        .str.replace_all(r" *,[ ,]*", ", ")
        .str.strip_chars(" ,-/")
    )


def _expand(s: pl.Expr) -> pl.Expr:
    """Expand street-type abbreviations in folded text whose components are joined by ', '."""
    # Start-of-text marker, trailing space and " , " between components, then
    # whole tokens (" RD ") are replaced by Aho-Corasick passes (leftmost-first). The first
    # alphabetic token of a component (after the start, ", " or a house
    # number) has its own patterns that win by starting earlier: ST there is
    # Saint; DR, LA, HO stay. A second pass catches a token whose leading space
    # the previous match consumed ("GT NTH RD").
    padded = pl.concat_str(pl.lit("\x02"), s.str.replace_all(", ", " , ", literal=True), pl.lit(" "))
    return (
        padded.str.replace_many(_EXPAND_PATTERNS, _EXPAND_VALUES, leftmost=True)
        .str.replace_many(_EXPAND_PATTERNS, _EXPAND_VALUES, leftmost=True)
        .str.replace_many(["\x02", " , "], ["", ", "])
        .str.strip_chars(" ")
    )


def expand_street_abbreviations(e: pl.Expr) -> pl.Expr:
    """Fold an address text and expand street-type abbreviations (RD -> ROAD; a leading ST -> SAINT)."""
    return staged(
        e, lambda: [_fold_address(pl.col("x")).alias("f"), _expand(pl.col("f")).replace("", None).alias("out")], "out", pl.String
    )


# "2/14 MILL LANE" and "2, 14 MILL LANE": flat 2 at number 14
_FLAT_AT_NUMBER = r"^(\d+[A-Z]?)(?:/|, )\d+[A-Z]? [A-Z]"


_SPLIT_TYPES = {f"{t[:i]} {t[i:]}": t for t in STREET_TYPES if len(t) >= 5 for i in range(2, len(t) - 1)}


def _join_split_types(s: pl.Expr) -> pl.Expr:
    """A street type split by a space at the end of a component joined again ("HIGH STR EET" -> STREET)."""
    padded = pl.concat_str(s, pl.lit(","))
    return padded.str.replace_many([f" {k}," for k in _SPLIT_TYPES], [f" {v}," for v in _SPLIT_TYPES.values()]
                                   ).str.strip_suffix(",")


def _fix_type_word(comp: pl.Expr) -> pl.Expr:
    """A component whose last word is a typo of a street type ("OAK RAOD") with that word corrected."""
    last = comp.str.extract(r" (\S+)$", 1)
    fixed = last.replace_strict(STREET_TYPE_TYPOS, default=None, return_dtype=pl.String)
    return pl.when(fixed.is_not_null()).then(pl.concat_str(comp.str.replace(r"\S+$", ""), fixed)).otherwise(comp)


def _is_county(comp: pl.Expr) -> pl.Expr:
    return comp.is_in(list(COUNTY_LINES))


def _words_rx(words: tuple[str, ...]) -> str:
    return r"\b(?:" + "|".join(words) + r")$"


def _split_suffix(g: pl.Expr) -> pl.Expr:
    """{num, sfx, text} with "14 B MILL LANE" read as number 14, suffix B; empty parts null."""
    num, sfx, text = g.struct.field("num"), g.struct.field("sfx"), g.struct.field("text")
    spaced = (sfx == "") & text.str.contains(r"^[A-Z] ")
    return pl.struct(
        num.alias("num"),
        pl.when(spaced).then(text.str.slice(0, 1)).otherwise(sfx).replace("", None).alias("sfx"),
        pl.when(spaced).then(text.str.slice(2)).otherwise(text).replace("", None).alias("text"),
    )


def _address_stages(has_postcode: bool, has_town: bool) -> list:
    s, n = pl.col("s"), pl.col("n")
    c0, c1, g = pl.col("c0"), pl.col("c1"), pl.col("g").struct
    sub_building, named_building, street_at_1 = pl.col("sub_building"), pl.col("named_building"), pl.col("street_at_1")
    flat_rx = r"^" + _FLAT_WORDS + r" ?(?:NO )?(\d+[A-Z]?|[A-Z]\d*)\b"
    pc_src = pl.col("pc_raw")
    if has_postcode:
        pc_src = pl.coalesce(pc_src, pl.col("postcode").cast(pl.String).str.strip_chars().replace("", None))
    town_arg = (
        [_fold_address(pl.col("town")).alias("town_arg"),
         # a town column holding "Stanmoor, Leicestershire": the county is not the town
         _expand(pl.col("town_arg")).str.split(", ").list.filter(~_is_county(pl.element())).list.join(", ")
         .replace("", None).alias("town_arg")]
        if has_town
        else []
    )
    parsed_town = pl.when(n > pl.when(street_at_1).then(2).otherwise(1)).then(pl.col("comps").list.last())
    key_fields = ["flat", "number", "number_suffix", "key_building", "street", "town"]
    stages = [
        # "OakRoad", "ParkSt", "MillLaane": a capital inside a word before the last word of a line ran the
        # street type into the name (before folding: the case is the only trace of the lost space)
        _fold_address(pl.col("x").str.replace_all(_CAMEL_TYPE, "${1} ${2}${3}")).alias("s"),
        pl.coalesce(pl.when(s.str.starts_with("C")).then(s).str.replace(_CARE_OF_RX, "${1}${2}"), s).alias("s"),
        s.str.replace_all(_NUMBER_WORD, "${1}${2}").str.replace_all(_GLUED_RX, "${1} ${2}${3}")
        .str.replace_all(r"(^|, )(\d+)-([A-Z])", "${1}${2} ${3}").alias("s"),  # "14 - MILL LANE", "14-A"
        _join_split_types(s).alias("s"),
        # trailing postcode (found by byte offset: the text is ASCII by now)
        s.str.find(_TRAILING_PC).alias("pc_at"),
        [
            pl.when(pl.col("pc_at").is_not_null()).then(s.str.slice(0, pl.col("pc_at"))).otherwise(s).alias("s"),
            s.str.slice(pl.col("pc_at")).str.strip_chars(" ,").alias("pc_raw"),
        ],
        pc_src.alias("pc_src"),
        *postcode_stages(pl.col("pc_src"), "pcn"),
        # flat prefix ("FLAT 2, ..."), then the n/m form ("2/14 ...")
        s.str.extract(flat_rx, 1).alias("flat_a"),
        pl.when(pl.col("flat_a").is_not_null()).then(s.str.replace(flat_rx + r"[ ,/]*", "").str.replace(
            _NUMBER_WORD, "${1}${2}")).otherwise(s).alias("s"),  # "FLAT 1 NO 12 ..."
        s.str.extract(_FLAT_AT_NUMBER, 1).alias("flat_b"),
        [
            pl.when(pl.col("flat_b").is_not_null()).then(s.str.replace(r"^\d+[A-Z]?(?:/|, )", "")).otherwise(s).alias("s"),
            pl.coalesce("flat_a", "flat_b").alias("flat"),
        ],
        # a bare number component joins the next ("14, Mill Lane"); expand abbreviations
        s.str.replace_all(r"(^|, )(\d+[A-Z]?), ([A-Z])", "${1}${2} ${3}").alias("s"),
        _expand(s).str.split(", ").list.eval(_fix_type_word(pl.element())).list.filter(~_is_county(pl.element()) | (
            pl.int_range(pl.len()) < 2)).alias("comps"),
        [
            pl.col("comps").list.len().alias("n"),
            pl.col("comps").list.get(0, null_on_oob=True).replace("", None).alias("c0"),
            pl.col("comps").list.get(1, null_on_oob=True).alias("c1"),
        ],
        [
            c0.str.contains(r"^\d").fill_null(False).alias("c0_num"),
            c1.str.contains(r"^\d").fill_null(False).alias("c1_num"),
            c0.str.contains(_words_rx(BUILDING_WORDS)).fill_null(False).alias("c0_bw"),
            c0.str.contains(_words_rx(BLOCK_WORDS)).fill_null(False).alias("c0_blk"),
            c0.str.contains(_words_rx(STREET_TYPES)).fill_null(False).alias("c0_sw"),
            c1.str.contains(_words_rx(STREET_TYPES)).fill_null(False).alias("c1_sw"),
        ],
        [
            # "1 OAK LODGE, 30 DICKENS LANE": flat 1 in building OAK LODGE at number 30;
            # "4 MEADOW COURT, CHURCH STREET": flat 4 in MEADOW COURT on CHURCH STREET
            # "8 FOUNDRY HOUSE, ELIOTR OAD, TOWN": a numbered block before a street line that is not
            # recognised (a spacing typo) and the town is still a flat in that block.
            (pl.col("c0_num") & (pl.col("c1_num") | (pl.col("c0_blk") & (pl.col("c1_sw") | (n >= 3)))))
            .alias("sub_building"),
            # "OAK LODGE, 30 DICKENS LANE" or "ROSE COTTAGE, MILL LANE, TOWN"
            (
                ~pl.col("c0_num")
                & (
                    pl.col("c1_num")
                    | ((n >= 3) & (pl.col("c0_bw") | (pl.col("c1_sw") & (~pl.col("c0_sw") | pl.col("c0_blk")))))
                )
            )
            .fill_null(False)
            .alias("named_building"),
        ],
        (sub_building | named_building).alias("street_at_1"),
        [
            pl.when(street_at_1).then(c1).otherwise(c0).alias("street_comp"),
            pl.when(sub_building).then(c0).alias("b"),  # null unless sub-building
            (pl.coalesce("town_arg", parsed_town) if has_town else parsed_town).alias("town"),
        ],
        [
            pl.col("street_comp").str.extract_groups(_NUM_RX).alias("g"),
            pl.col("b").str.extract_groups(_NUM_RX).alias("b"),
        ],
        [_split_suffix(pl.col("g")).alias("g"), _split_suffix(pl.col("b")).alias("b")],
        [
            pl.coalesce(
                "flat",
                pl.when(pl.col("b").struct.field("num").is_not_null()).then(
                    pl.concat_str(pl.col("b").struct.field("num"), pl.col("b").struct.field("sfx"), ignore_nulls=True)
                ),
            ).alias("flat"),
            pl.when(sub_building).then(pl.col("b").struct.field("text")).when(named_building).then(c0).alias("building"),
            g.field("num").alias("number"),
            g.field("sfx").alias("number_suffix"),
            pl.when(g.field("num").is_not_null()).then(g.field("text")).otherwise(pl.col("street_comp")).alias("street"),
        ],
        pl.when(pl.col("number").is_null()).then(pl.col("building")).alias("key_building"),
        pl.concat_str([pl.col(f).fill_null("") for f in key_fields], separator="|").alias("key"),
        pl.struct(
            "flat",
            "number",
            "number_suffix",
            "building",
            "street",
            "town",
            pl.col("pcn").struct.field("postcode"),
            pl.col("pcn").struct.field("valid").alias("postcode_valid"),
            pl.when(pl.col("key") != "|||||").then(pl.col("key")).alias("key"),
        ).alias("out"),
    ]
    return town_arg + stages


def parse_address(line: pl.Expr, postcode: pl.Expr | None = None, town: pl.Expr | None = None) -> pl.Expr:
    """Parse one written address into struct {flat, number, number_suffix, building, street, town, postcode, postcode_valid, key}."""
    inputs = [line.cast(pl.String).alias("x")]
    if postcode is not None:
        inputs.append(postcode.cast(pl.String).alias("postcode"))
    if town is not None:
        inputs.append(town.cast(pl.String).alias("town"))
    name = line.meta.output_name(raise_if_undetermined=False) or "address"
    return staged(
        pl.struct(inputs), lambda: _address_stages(postcode is not None, town is not None), "out", ADDRESS_DTYPE
    ).alias(name)


PARTS = ("flat", "number", "number_suffix", "building", "street", "town", "postcode")


def with_address_parts(df: pl.DataFrame, raw: str = "raw", postcode: str | None = "postcode") -> pl.DataFrame:
    """`df` with the parsed columns PARTS (and postcode_valid) from its `raw` line and optional `postcode`
    column, each distinct input parsed once: what ingest stores in address_mentions, for lists read
    outside ingest (link-files). A given postcode column is replaced by the parsed postcode."""
    pc = postcode if postcode is not None and postcode in df.columns else None
    keys = [raw] if pc is None else [raw, pc]
    parts = df.select(keys).unique().with_columns(
        parse_address(pl.col(raw).fill_null(""), None if pc is None else pl.col(pc)).alias("_p"))
    parts = parts.select(*keys, *[pl.col("_p").struct.field(c).alias(f"_{c}") for c in (*PARTS, "postcode_valid")])
    out = df.drop([c for c in (*PARTS, "postcode_valid") if c in df.columns and c not in keys])
    out = out.join(parts, on=keys, how="left", nulls_equal=True).drop([k for k in keys if k != raw])
    return out.rename({f"_{c}": c for c in (*PARTS, "postcode_valid")})
